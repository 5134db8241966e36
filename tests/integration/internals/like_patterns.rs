//! `persistence::page`: a search text made into a LIKE pattern.

use masterplan_persistence::page::contains_pattern;

#[test]
fn wildcards_are_escaped() {
    assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
}
