//! The rules every recorded KPI value obeys, whichever way it comes in
//! (`recordKpiValues`, a plan file loaded by `import` or `seed`): the value
//! fits the KPI's type, a count is never negative, and the date lies within
//! the plan's horizon. Each check returns the problem's message, or `None`.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use crate::kpi::validate_value;
use crate::status::KpiValueType;

/// The unit of KPIs that count things (the plan's own word); their values
/// cannot be negative.
pub const COUNT_UNIT: &str = "Anzahl";

/// The days a value may be observed on, both ends included: a date outside
/// is a typing error (`2099` for `2019`), not a measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObservedOnRange {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl ObservedOnRange {
    /// 1990-01-01..2100-12-31.
    pub const DEFAULT: ObservedOnRange = ObservedOnRange {
        first: NaiveDate::from_ymd_opt(1990, 1, 1).expect("a date"),
        last: NaiveDate::from_ymd_opt(2100, 12, 31).expect("a date"),
    };

    pub fn contains(&self, date: NaiveDate) -> bool {
        (self.first..=self.last).contains(&date)
    }
}

impl Default for ObservedOnRange {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for ObservedOnRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.first, self.last)
    }
}

/// `FIRST..LAST`, two ISO dates (`1990-01-01..2100-12-31`).
impl FromStr for ObservedOnRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (first, last) = text.split_once("..").ok_or_else(|| {
            format!("{text:?} is not a range; write FIRST..LAST, like 1990-01-01..2100-12-31")
        })?;
        let first = parse_date(first.trim())?;
        let last = parse_date(last.trim())?;
        if first > last {
            return Err(format!("the range {text:?} ends before it starts"));
        }
        Ok(ObservedOnRange { first, last })
    }
}

/// A date written `YYYY-MM-DD`, with a message a script author can act on.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{text:?} is not a date; write it as YYYY-MM-DD, like 2024-03-31"))
}

/// Whether a KPI with this unit counts things (`Anzahl`, in any case).
pub fn is_count(unit: Option<&str>) -> bool {
    unit.is_some_and(|u| u.trim().eq_ignore_ascii_case(COUNT_UNIT))
}

/// What is wrong with `value` for a KPI of this type and unit: it must fit
/// the type (see [`validate_value`]) and, for a count, not be negative.
pub fn value_problem(value_type: KpiValueType, unit: Option<&str>, value: f64) -> Option<String> {
    if let Err(err) = validate_value(value_type, value) {
        return Some(err.to_string());
    }
    (is_count(unit) && value < 0.0).then(|| {
        format!("the KPI counts things (unit {COUNT_UNIT}), so its value cannot be negative, got {value}")
    })
}

/// What is wrong with the day a value was observed on: it must lie within
/// the plan's horizon.
pub fn observed_on_problem(range: &ObservedOnRange, date: NaiveDate) -> Option<String> {
    (!range.contains(date)).then(|| {
        format!(
            "{date} is outside the plan's horizon {range}; check the year (the server's \
             --observed-on-range sets the horizon)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn counts_are_not_negative() {
        assert!(value_problem(KpiValueType::Number, Some("Anzahl"), -1.0).is_some());
        assert!(value_problem(KpiValueType::Number, Some(" anzahl "), -1.0).is_some());
        assert!(value_problem(KpiValueType::Number, Some("Anzahl"), 0.0).is_none());
        assert!(value_problem(KpiValueType::Number, Some("Saldo"), -1.0).is_none());
        assert!(value_problem(KpiValueType::Number, None, -1.0).is_none());
        assert!(value_problem(KpiValueType::Percent, None, 101.0).is_some());
    }

    #[test]
    fn dates_lie_within_the_horizon() {
        let range = ObservedOnRange::DEFAULT;
        assert!(observed_on_problem(&range, d(1990, 1, 1)).is_none());
        assert!(observed_on_problem(&range, d(2100, 12, 31)).is_none());
        assert!(observed_on_problem(&range, d(2101, 1, 1)).is_some());
        assert!(observed_on_problem(&range, d(1989, 12, 31)).is_some());
    }

    #[test]
    fn ranges_parse() {
        assert_eq!(
            "1990-01-01..2100-12-31".parse::<ObservedOnRange>(),
            Ok(ObservedOnRange::DEFAULT)
        );
        assert_eq!(
            ObservedOnRange::DEFAULT.to_string(),
            "1990-01-01..2100-12-31"
        );
        assert!("2000-01-01".parse::<ObservedOnRange>().is_err());
        assert!("2001-01-01..2000-01-01".parse::<ObservedOnRange>().is_err());
        assert!("2000-02-30..2001-01-01".parse::<ObservedOnRange>().is_err());
    }
}
