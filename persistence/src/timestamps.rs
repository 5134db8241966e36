//! Dates and timestamps read without strftime formats on SQLite.
//!
//! SQLite has no date types: diesel stores a `NaiveDate` as `YYYY-MM-DD` text
//! and a `NaiveDateTime` as `YYYY-MM-DD HH:MM:SS[.fffffffff]`, and reads them
//! back by trying chrono format strings in turn (a `parse_from_str` of some
//! hundreds of nanoseconds per value; the reporting question reads about
//! 2,500 of them). [`SqlDate`] and [`SqlTimestamp`] read the text diesel
//! writes with a few byte comparisons and hand anything else (another
//! format, a Julian day number) to diesel's own parser. PostgreSQL's binary
//! values go to diesel unchanged.
//!
//! The rows the read API loads in bulk (measures, goals, KPIs, targets,
//! values, working groups, plans) name them in `#[diesel(deserialize_as = …)]`,
//! as with [`TextEnum`](crate::sql_types::TextEnum);
//! `SqlDate<Option<NaiveDate>>` serves a nullable column.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::Pg;
use diesel::sql_types::{Date, Nullable, SqlType, Timestamp};
use diesel::sqlite::{Sqlite, SqliteType, SqliteValue};

/// A `Date` column's value; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct SqlDate<T>(pub T);

/// A `Timestamp` column's value; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct SqlTimestamp<T>(pub T);

/// Unwrapping for `deserialize_as` (`Queryable` calls `try_into`,
/// `QueryableByName` `into`).
macro_rules! unwrap {
    ($wrapper:ident, $value:ty) => {
        impl From<$wrapper<$value>> for $value {
            fn from(value: $wrapper<$value>) -> Self {
                value.0
            }
        }

        impl From<$wrapper<Option<$value>>> for Option<$value> {
            fn from(value: $wrapper<Option<$value>>) -> Self {
                value.0
            }
        }
    };
}

unwrap!(SqlDate, NaiveDate);
unwrap!(SqlTimestamp, NaiveDateTime);

/// The value of `digits` in decimal, `None` unless every byte is a digit.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// `YYYY-MM-DD`.
pub fn date(text: &[u8]) -> Option<NaiveDate> {
    match text {
        [y @ .., b'-', m1, m2, b'-', d1, d2] if y.len() == 4 => NaiveDate::from_ymd_opt(
            number(y)? as i32,
            number(&[*m1, *m2])?,
            number(&[*d1, *d2])?,
        ),
        _ => None,
    }
}

/// `YYYY-MM-DD HH:MM:SS`, `T` for the space allowed, then optionally `.`
/// and one to nine digits of a second.
pub fn timestamp(text: &[u8]) -> Option<NaiveDateTime> {
    if text.len() < 19 || !matches!(text[10], b' ' | b'T') {
        return None;
    }
    let day = date(&text[..10])?;
    let (clock, fraction) = text[11..].split_at(8);
    let [h1, h2, b':', m1, m2, b':', s1, s2] = clock else {
        return None;
    };
    let nanos = match fraction {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            number(digits)? * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let time = NaiveTime::from_hms_nano_opt(
        number(&[*h1, *h2])?,
        number(&[*m1, *m2])?,
        number(&[*s1, *s2])?,
        nanos,
    )?;
    Some(day.and_time(time))
}

/// `parse` of the value's text when it is text in the expected shape;
/// otherwise diesel's reading of the value.
fn read<T, ST>(
    mut value: SqliteValue<'_, '_, '_>,
    parse: fn(&[u8]) -> Option<T>,
) -> deserialize::Result<T>
where
    T: FromSql<ST, Sqlite>,
    ST: SqlType,
{
    if value.value_type() == Some(SqliteType::Text)
        && let Some(parsed) = parse(value.read_text().as_bytes())
    {
        return Ok(parsed);
    }
    T::from_sql(value)
}

impl FromSql<Date, Sqlite> for SqlDate<NaiveDate> {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        read::<_, Date>(value, date).map(SqlDate)
    }
}

impl FromSql<Timestamp, Sqlite> for SqlTimestamp<NaiveDateTime> {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        read::<_, Timestamp>(value, timestamp).map(SqlTimestamp)
    }
}

/// The PostgreSQL impls, and both backends' nullable ones.
macro_rules! delegate {
    ($wrapper:ident, $value:ty, $sql:ty) => {
        impl FromSql<$sql, Pg> for $wrapper<$value> {
            fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
                <$value as FromSql<$sql, Pg>>::from_sql(value).map($wrapper)
            }
        }

        impl<DB> FromSql<Nullable<$sql>, DB> for $wrapper<Option<$value>>
        where
            DB: diesel::backend::Backend,
            $wrapper<$value>: FromSql<$sql, DB>,
        {
            fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
                <$wrapper<$value> as FromSql<$sql, DB>>::from_sql(value)
                    .map(|v| $wrapper(Some(v.0)))
            }

            fn from_nullable_sql(value: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
                match value {
                    Some(value) => Self::from_sql(value),
                    None => Ok($wrapper(None)),
                }
            }
        }
    };
}

delegate!(SqlDate, NaiveDate, Date);
delegate!(SqlTimestamp, NaiveDateTime, Timestamp);
