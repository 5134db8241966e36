//! `persistence::sqlite_library`: which SQLite libraries can hold the database.

use masterplan_persistence::sqlite_library::{OLDEST, check, unfit};

#[test]
fn the_linked_library_is_fit() {
    check().expect("the SQLite this binary links");
}

#[test]
fn a_library_before_returning_is_refused_by_name() {
    let why = unfit(3_034_001, "3.34.1", true).expect("3.34 lacks RETURNING");
    assert!(why.contains("3.35 or newer"), "{why}");
    assert!(why.contains("loaded 3.34.1"), "{why}");
    assert!(unfit(OLDEST.0, "3.35.0", true).is_none());
    assert!(unfit(3_040_001, "3.40.1", true).is_none());
}

#[test]
fn a_library_without_fts5_is_refused() {
    let why = unfit(3_045_000, "3.45.0", false).expect("no FTS5, no search index");
    assert!(why.contains("FTS5") && why.contains("3.45.0"), "{why}");
}
