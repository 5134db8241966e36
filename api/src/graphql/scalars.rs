//! The `Date` scalar: a calendar date as an ISO string (`2020-12-31`).

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

/// A calendar date, ISO 8601 `YYYY-MM-DD`.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| {
                    InputValueError::custom(format!(
                        "{text:?} is not a date of the form YYYY-MM-DD"
                    ))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        // `Display` writes what `%Y-%m-%d` does without interpreting a
        // format string (chrono's strftime items, formatting and diesel's
        // parsing together, were 4.7 % of a profile of the reporting
        // question on SQLite).
        Value::String(self.0.to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(date: NaiveDate) -> Self {
        Date(date)
    }
}

/// A `Date` argument read without failing the request: a text that is not a
/// date becomes the message saying so, for the resolver to report with the
/// input's other problems (`recordKpiValues` names the row). In the schema
/// it is the same `Date` scalar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LenientDate(pub Result<NaiveDate, String>);

impl async_graphql::InputType for LenientDate {
    type RawValueType = Self;

    fn type_name() -> std::borrow::Cow<'static, str> {
        <Date as async_graphql::InputType>::type_name()
    }

    fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
        <Date as async_graphql::InputType>::create_type_info(registry)
    }

    fn parse(value: Option<Value>) -> InputValueResult<Self> {
        Ok(LenientDate(match value {
            Some(Value::String(text)) => masterplan_domain::kpi_value_rules::parse_date(&text),
            Some(other) => Err(format!(
                "{other} is not a date; write it as a string YYYY-MM-DD, like \"2024-03-31\""
            )),
            None => Err("a date is required (YYYY-MM-DD)".to_owned()),
        }))
    }

    fn to_value(&self) -> Value {
        match &self.0 {
            Ok(date) => ScalarType::to_value(&Date(*date)),
            Err(_) => Value::Null,
        }
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }
}
