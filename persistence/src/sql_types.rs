//! Column values stored as text, read and written as the domain's own types:
//! enums by their SCREAMING_CASE name ([`TextEnum`]), lists as JSON ([`JsonText`]).
//!
//! The domain stays free of diesel, and the orphan rule forbids diesel's
//! traits on domain types here, so rows keep the domain types as their
//! fields and name these wrappers in `#[diesel(deserialize_as = …)]` /
//! `#[diesel(serialize_as = …)]`. A stored text that does not parse is a
//! deserialisation error (the API reports it as INTERNAL).

use std::convert::Infallible;
use std::error::Error;
use std::fmt::Display;
use std::str::FromStr;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::sql_types::{Nullable, Text};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A value of a `text_enum!` type (any `FromStr + Display` type) in a `Text`
/// column; `TextEnum<Option<T>>` is the same in a nullable column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, FromSqlRow)]
pub struct TextEnum<T>(pub T);

/// A value stored as JSON text (lists such as a measure's partners).
#[derive(Debug, Clone, PartialEq, Eq, FromSqlRow)]
pub struct JsonText<T>(pub T);

/// Unwrapping for `deserialize_as`: diesel's derive calls `.try_into()` on
/// the wrapper, and this inherent method serves every `T`, where the orphan
/// rule would forbid `impl<T> From<TextEnum<T>> for T`.
macro_rules! unwrap_for_deserialize_as {
    ($wrapper:ident) => {
        impl<T> $wrapper<T> {
            pub fn try_into(self) -> Result<T, Infallible> {
                Ok(self.0)
            }
        }

        /// For `serialize_as`.
        impl<T> From<T> for $wrapper<T> {
            fn from(value: T) -> Self {
                $wrapper(value)
            }
        }
    };
}

unwrap_for_deserialize_as!(TextEnum);
unwrap_for_deserialize_as!(JsonText);

fn text<DB>(bytes: DB::RawValue<'_>) -> deserialize::Result<String>
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    <String as FromSql<Text, DB>>::from_sql(bytes)
}

impl<T, DB> FromSql<Text, DB> for TextEnum<T>
where
    DB: Backend,
    String: FromSql<Text, DB>,
    T: FromStr,
    T::Err: Error + Send + Sync + 'static,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(TextEnum(text::<DB>(bytes)?.parse()?))
    }
}

impl<T, DB> FromSql<Nullable<Text>, DB> for TextEnum<Option<T>>
where
    DB: Backend,
    String: FromSql<Text, DB>,
    T: FromStr,
    T::Err: Error + Send + Sync + 'static,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(TextEnum(Some(text::<DB>(bytes)?.parse()?)))
    }

    fn from_nullable_sql(bytes: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        match bytes {
            Some(bytes) => Self::from_sql(bytes),
            None => Ok(TextEnum(None)),
        }
    }
}

// Written as the text itself, so the binds are plain strings on both backends.
impl<T: Display> AsExpression<Text> for TextEnum<T> {
    type Expression = <String as AsExpression<Text>>::Expression;

    fn as_expression(self) -> Self::Expression {
        AsExpression::<Text>::as_expression(self.0.to_string())
    }
}

impl<T: Display> AsExpression<Nullable<Text>> for TextEnum<Option<T>> {
    type Expression = <Option<String> as AsExpression<Nullable<Text>>>::Expression;

    fn as_expression(self) -> Self::Expression {
        AsExpression::<Nullable<Text>>::as_expression(self.0.map(|v| v.to_string()))
    }
}

impl<T, DB> FromSql<Text, DB> for JsonText<T>
where
    DB: Backend,
    String: FromSql<Text, DB>,
    T: DeserializeOwned,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(JsonText(serde_json::from_str(&text::<DB>(bytes)?)?))
    }
}

impl<T: Serialize> AsExpression<Text> for JsonText<T> {
    type Expression = <String as AsExpression<Text>>::Expression;

    fn as_expression(self) -> Self::Expression {
        let json = serde_json::to_string(&self.0).expect("JSON columns hold plain data");
        AsExpression::<Text>::as_expression(json)
    }
}
