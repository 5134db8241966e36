//! `persistence::timestamps`: dates and timestamps read from SQLite text.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::sql_types::{Date, Nullable, Timestamp};
use masterplan_persistence::timestamps::{SqlDate, SqlTimestamp, date, timestamp};

/// What diesel writes (`%F %T%.f`, `%F`) reads back the same through the
/// fast path, and everything the fast path refuses goes to diesel.
#[test]
fn reads_what_diesel_writes() {
    for text in [
        "2026-12-07 09:13:47",
        "2026-12-07 09:13:47.5",
        "2026-12-07 09:13:47.123",
        "2026-12-07 09:13:47.123456",
        "2026-12-07 09:13:47.123456789",
        "2026-12-07T09:13:47.25",
        "0001-01-01 00:00:00",
        "9999-12-31 23:59:59.999999999",
    ] {
        let chrono = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f"))
            .unwrap();
        assert_eq!(timestamp(text.as_bytes()), Some(chrono), "{text}");
        let written = chrono.format("%F %T%.f").to_string();
        assert_eq!(timestamp(written.as_bytes()), Some(chrono), "{written}");
    }
    for text in ["2024-02-29", "1990-01-01", "2100-12-31"] {
        let chrono = NaiveDate::parse_from_str(text, "%F").unwrap();
        assert_eq!(date(text.as_bytes()), Some(chrono));
    }
}

/// Through a real SQLite statement, every stored shape reads as diesel
/// reads it: the fast path's texts and the ones it leaves to diesel
/// (a zone suffix, minutes only, a Julian day number), nulls included.
#[test]
fn reads_every_stored_shape_as_diesel_does() {
    use diesel::dsl::sql;
    use diesel::{Connection, RunQueryDsl, SqliteConnection};

    let mut conn = SqliteConnection::establish(":memory:").unwrap();
    for stored in [
        "'2026-12-07 09:13:47.123456'",
        "'2026-12-07T09:13:47'",
        "'2026-12-07 09:13:47Z'",
        "'2026-12-07 09:13'",
        "'2026-12-07T09:13:47.5+00:00'",
        "2460651.5",
    ] {
        let ours: SqlTimestamp<NaiveDateTime> = diesel::select(sql::<Timestamp>(stored))
            .get_result(&mut conn)
            .unwrap();
        let diesels: NaiveDateTime = diesel::select(sql::<Timestamp>(stored))
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(ours.0, diesels, "{stored}");
    }
    let day: SqlDate<Option<NaiveDate>> = diesel::select(sql::<Nullable<Date>>("'2024-02-29'"))
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(day.0, NaiveDate::from_ymd_opt(2024, 2, 29));
    let none: SqlTimestamp<Option<NaiveDateTime>> =
        diesel::select(sql::<Nullable<Timestamp>>("NULL"))
            .get_result(&mut conn)
            .unwrap();
    assert_eq!(none.0, None);
    let wrong =
        diesel::select(sql::<Date>("'31.01.2024'")).get_result::<SqlDate<NaiveDate>>(&mut conn);
    assert!(wrong.is_err(), "{wrong:?}");
}

#[test]
fn leaves_other_shapes_to_diesel() {
    for text in [
        "2026-12-07 09:13",
        "2026-12-07 09:13:47Z",
        "2026-12-07 09:13:47+01:00",
        "2026-12-07 09:13:47.",
        "2026-12-07 09:13:47.1234567890",
        "2026-12-07 24:00:00",
        "2026-02-30 00:00:00",
        "2026-12-07_09:13:47",
        "２026-12-07 09:13:47",
        "2460651.5",
        "",
    ] {
        assert_eq!(timestamp(text.as_bytes()), None, "{text}");
    }
    for text in [
        "2024-02-30",
        "24-02-03",
        "2024-2-3",
        "2024-02-03 ",
        "+2024-02-03",
        "",
    ] {
        assert_eq!(date(text.as_bytes()), None, "{text}");
    }
}
