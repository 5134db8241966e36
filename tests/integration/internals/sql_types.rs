//! `persistence::sql_types`: domain values stored as text.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use diesel::sqlite::SqliteConnection;
use masterplan_domain::status::MeasureStatus;

use masterplan_persistence::sql_types::{JsonText, TextEnum};

fn conn() -> SqliteConnection {
    SqliteConnection::establish(":memory:").expect("in-memory SQLite")
}

#[test]
fn stored_texts_read_as_domain_values() {
    let mut conn = conn();
    let status: TextEnum<MeasureStatus> = diesel::select(sql::<Text>("'IN_PROGRESS'"))
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(status.0, MeasureStatus::InProgress);
    let none: TextEnum<Option<MeasureStatus>> = diesel::select(sql::<Nullable<Text>>("NULL"))
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(none.0, None);
    let list: JsonText<Vec<String>> = diesel::select(sql::<Text>(r#"'["a","b"]'"#))
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(list.0, ["a", "b"]);
}

#[test]
fn an_unknown_stored_text_is_an_error() {
    let mut conn = conn();
    let err = diesel::select(sql::<Text>("'DONE'"))
        .get_result::<TextEnum<MeasureStatus>>(&mut conn)
        .unwrap_err();
    assert!(
        format!("{err:?}").contains(r#"UnknownValue { kind: "MeasureStatus", value: "DONE"#),
        "{err:?}"
    );
    let err = diesel::select(sql::<Text>("'[1'"))
        .get_result::<JsonText<Vec<String>>>(&mut conn)
        .unwrap_err();
    assert!(
        matches!(err, diesel::result::Error::DeserializationError(_)),
        "{err}"
    );
}

#[test]
fn values_are_written_as_their_text() {
    let mut conn = conn();
    let written: String = diesel::select(TextEnum(MeasureStatus::OnHold).into_sql::<Text>())
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(written, "ON_HOLD");
    let written: Option<String> =
        diesel::select(TextEnum(None::<MeasureStatus>).into_sql::<Nullable<Text>>())
            .get_result(&mut conn)
            .unwrap();
    assert_eq!(written, None);
    let written: String = diesel::select(JsonText(vec!["x".to_owned()]).into_sql::<Text>())
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(written, r#"["x"]"#);
}
