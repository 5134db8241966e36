//! `persistence::id_list`: a list of ids bound as one parameter.

use diesel::prelude::*;

use diesel::sqlite::Sqlite;
use masterplan_persistence::id_list::in_ids;
use masterplan_persistence::ids::MeasureId;
use masterplan_persistence::schema::goals;

fn sqlite_text(ids: &[MeasureId]) -> String {
    let query = goals::table
        .filter(in_ids(goals::measure_id, ids))
        .select(goals::id);
    let printed = diesel::debug_query::<Sqlite, _>(&query).to_string();
    printed.split(" -- binds").next().unwrap().to_owned()
}

#[test]
fn one_placeholder_for_any_number_of_ids() {
    let few = sqlite_text(&[MeasureId::new(1)]);
    let many: Vec<MeasureId> = (1..=50).map(MeasureId::new).collect();
    assert_eq!(few, sqlite_text(&many));
    assert!(few.contains("IN (SELECT value FROM json_each(?))"), "{few}");
}
