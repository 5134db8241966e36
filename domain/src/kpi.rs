//! Figures derived from a KPI's baseline, targets and recorded values: the next
//! target, progress toward it, trend, and which values a KPI's type admits.

use std::fmt;

use chrono::NaiveDate;

use crate::plan_file::{TargetEntry, ValueEntry};
use crate::status::{KpiDirection, KpiValueType};

/// One recorded value of a KPI.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub observed_on: NaiveDate,
    pub value: f64,
}

/// A value a KPI should reach by a date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    pub value: f64,
    pub due_on: NaiveDate,
}

impl From<&TargetEntry> for Target {
    fn from(entry: &TargetEntry) -> Target {
        Target {
            value: entry.value,
            due_on: entry.due_on,
        }
    }
}

impl From<&ValueEntry> for Observation {
    fn from(entry: &ValueEntry) -> Observation {
        Observation {
            observed_on: entry.observed_on,
            value: entry.value,
        }
    }
}

/// The target to work toward on `as_of`: the earliest one due on or after that
/// day; once all are past, the last one, so a finished KPI still shows how it
/// ended. Targets need not be sorted.
pub fn next_target(targets: &[Target], as_of: NaiveDate) -> Option<Target> {
    targets
        .iter()
        .filter(|t| t.due_on >= as_of)
        .min_by_key(|t| t.due_on)
        .or_else(|| targets.iter().max_by_key(|t| t.due_on))
        .copied()
}

/// The latest observation by date; of several on the same day, the last given.
pub fn latest_observation(observations: &[Observation]) -> Option<Observation> {
    observations.iter().max_by_key(|o| o.observed_on).copied()
}

/// The trend between the two latest observations by date, None with fewer than two.
pub fn series_trend(observations: &[Observation]) -> Option<Trend> {
    let mut sorted = observations.to_vec();
    sorted.sort_by_key(|o| o.observed_on);
    match sorted.as_slice() {
        [.., previous, latest] => Some(trend(previous.value, latest.value)),
        _ => None,
    }
}

/// The fraction of the way from start to `target` that `latest` has come, clamped
/// to 0..=1.
///
/// The start is the baseline; without one, 0 for INCREASE and NONE (counting
/// from nothing), and no answer for DECREASE, where no natural start exists.
/// When start equals target, progress is all or nothing: 1 once the target is met
/// (`target_met`), else 0. NONE moves toward the target from wherever it starts.
/// Non-finite inputs give no answer.
pub fn progress(
    direction: KpiDirection,
    baseline: Option<f64>,
    latest: Option<f64>,
    target: f64,
) -> Option<f64> {
    let latest = latest?;
    let start = match (baseline, direction) {
        (Some(b), _) => b,
        (None, KpiDirection::Decrease) => return None,
        (None, KpiDirection::Increase | KpiDirection::None) => 0.0,
    };
    if ![start, latest, target].iter().all(|v| v.is_finite()) {
        return None;
    }
    if nearly_equal(start, target) {
        let reached = target_met(direction, target, latest) || nearly_equal(latest, target);
        return Some(if reached { 1.0 } else { 0.0 });
    }
    let increasing = match direction {
        KpiDirection::Increase => true,
        KpiDirection::Decrease => false,
        KpiDirection::None => target > start,
    };
    let fraction = if increasing {
        (latest - start) / (target - start)
    } else {
        (start - latest) / (start - target)
    };
    Some(fraction.clamp(0.0, 1.0))
}

/// Which way a KPI moved between two observations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trend {
    Up,
    Down,
    Flat,
}

impl Trend {
    pub const ALL: &'static [Trend] = &[Trend::Up, Trend::Down, Trend::Flat];

    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Up => "UP",
            Trend::Down => "DOWN",
            Trend::Flat => "FLAT",
        }
    }
}

impl fmt::Display for Trend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// UP or DOWN by the sign of the change; FLAT when the values are equal up to
/// rounding (so 0.1 + 0.2 against 0.3 is flat) or when either is NaN.
pub fn trend(previous: f64, latest: f64) -> Trend {
    if previous.is_nan() || latest.is_nan() || nearly_equal(previous, latest) {
        Trend::Flat
    } else if latest > previous {
        Trend::Up
    } else {
        Trend::Down
    }
}

/// Equal up to one unit of rounding at the magnitude of the larger value.
fn nearly_equal(a: f64, b: f64) -> bool {
    if a == b {
        return true;
    }
    let scale = a.abs().max(b.abs()).max(1.0);
    (a - b).abs() <= f64::EPSILON * scale
}

/// Whether `value` has reached `target`: at or below it for DECREASE, at or
/// above it otherwise.
pub fn target_met(direction: KpiDirection, target: f64, value: f64) -> bool {
    match direction {
        KpiDirection::Decrease => value <= target,
        KpiDirection::Increase | KpiDirection::None => value >= target,
    }
}

/// A value that a KPI of its type cannot hold.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum KpiValueError {
    #[error("the value must be a finite number, got {value}")]
    NotFinite { value: f64 },
    #[error("a PERCENT value must be between 0 and 100, got {value}")]
    PercentOutOfRange { value: f64 },
    #[error("a MILESTONE value must be 0 (not reached) or 1 (reached), got {value}")]
    MilestoneNotBinary { value: f64 },
}

/// Checks that `value` fits the KPI's type: always finite; PERCENT within
/// 0..=100; MILESTONE exactly 0 or 1; NUMBER any finite value (some counts, such
/// as a balance, may be negative).
pub fn validate_value(value_type: KpiValueType, value: f64) -> Result<(), KpiValueError> {
    if !value.is_finite() {
        return Err(KpiValueError::NotFinite { value });
    }
    match value_type {
        KpiValueType::Number => Ok(()),
        KpiValueType::Percent if (0.0..=100.0).contains(&value) => Ok(()),
        KpiValueType::Percent => Err(KpiValueError::PercentOutOfRange { value }),
        KpiValueType::Milestone if value == 0.0 || value == 1.0 => Ok(()),
        KpiValueType::Milestone => Err(KpiValueError::MilestoneNotBinary { value }),
    }
}

/// Dates that occur more than once, as `(index, index of the first with that
/// date)` for every later occurrence: a KPI has at most one target per due
/// date (and one value per day).
pub fn repeated_dates(dates: &[NaiveDate]) -> Vec<(usize, usize)> {
    let mut first_at = std::collections::HashMap::new();
    let mut repeats = Vec::new();
    for (i, date) in dates.iter().enumerate() {
        match first_at.get(date) {
            Some(&first) => repeats.push((i, first)),
            None => {
                first_at.insert(*date, i);
            }
        }
    }
    repeats
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// 2.2 plans 30 new training places in 2020 and 50 in 2021.
    fn training_places() -> Vec<Target> {
        vec![
            Target {
                value: 50.0,
                due_on: d(2021, 12, 31),
            },
            Target {
                value: 30.0,
                due_on: d(2020, 12, 31),
            },
        ]
    }

    #[test]
    fn next_target_is_earliest_not_yet_due() {
        let targets = training_places();
        assert_eq!(next_target(&targets, d(2020, 1, 1)).unwrap().value, 30.0);
        assert_eq!(next_target(&targets, d(2021, 3, 1)).unwrap().value, 50.0);
    }

    #[test]
    fn next_target_due_today_still_counts() {
        let targets = training_places();
        assert_eq!(next_target(&targets, d(2020, 12, 31)).unwrap().value, 30.0);
    }

    #[test]
    fn next_target_after_all_are_due_is_the_last() {
        let targets = training_places();
        assert_eq!(next_target(&targets, d(2023, 1, 1)).unwrap().value, 50.0);
        assert_eq!(next_target(&[], d(2023, 1, 1)), None);
    }

    #[test]
    fn progress_of_portal_services_from_baseline() {
        // 1.2: the portal offered 67 services; say the goal is 100 and 80 are online.
        let p = progress(KpiDirection::Increase, Some(67.0), Some(80.0), 100.0).unwrap();
        assert!((p - 13.0 / 33.0).abs() < 1e-12, "{p}");
    }

    #[test]
    fn progress_without_baseline_counts_from_zero() {
        // 2.2: 12 of 30 training places.
        assert_eq!(
            progress(KpiDirection::Increase, None, Some(12.0), 30.0),
            Some(0.4)
        );
        assert_eq!(
            progress(KpiDirection::None, None, Some(15.0), 30.0),
            Some(0.5)
        );
    }

    #[test]
    fn progress_of_a_decreasing_kpi() {
        // 3.4: processing time in days, from 60 down to 20; now 30.
        assert_eq!(
            progress(KpiDirection::Decrease, Some(60.0), Some(30.0), 20.0),
            Some(0.75)
        );
        assert_eq!(
            progress(KpiDirection::Decrease, None, Some(30.0), 20.0),
            None
        );
    }

    #[test]
    fn progress_is_clamped() {
        assert_eq!(
            progress(KpiDirection::Increase, Some(67.0), Some(120.0), 100.0),
            Some(1.0)
        );
        assert_eq!(
            progress(KpiDirection::Increase, Some(67.0), Some(50.0), 100.0),
            Some(0.0)
        );
        assert_eq!(
            progress(KpiDirection::Decrease, Some(60.0), Some(70.0), 20.0),
            Some(0.0)
        );
        assert_eq!(
            progress(KpiDirection::Decrease, Some(60.0), Some(10.0), 20.0),
            Some(1.0)
        );
    }

    #[test]
    fn progress_without_latest_value_is_unknown() {
        assert_eq!(
            progress(KpiDirection::Increase, Some(67.0), None, 100.0),
            None
        );
    }

    #[test]
    fn progress_of_direction_none_follows_the_target() {
        assert_eq!(
            progress(KpiDirection::None, Some(10.0), Some(15.0), 20.0),
            Some(0.5)
        );
        assert_eq!(
            progress(KpiDirection::None, Some(20.0), Some(15.0), 10.0),
            Some(0.5)
        );
    }

    #[test]
    fn progress_when_start_equals_target() {
        assert_eq!(
            progress(KpiDirection::Increase, Some(5.0), Some(5.0), 5.0),
            Some(1.0)
        );
        assert_eq!(
            progress(KpiDirection::Increase, Some(5.0), Some(4.0), 5.0),
            Some(0.0)
        );
        assert_eq!(
            progress(KpiDirection::Decrease, Some(5.0), Some(4.0), 5.0),
            Some(1.0)
        );
        assert_eq!(
            progress(KpiDirection::Decrease, Some(5.0), Some(6.0), 5.0),
            Some(0.0)
        );
        // A milestone KPI without baseline and a target of 0 is trivially met.
        assert_eq!(
            progress(KpiDirection::Increase, None, Some(0.0), 0.0),
            Some(1.0)
        );
    }

    #[test]
    fn progress_of_a_milestone() {
        assert_eq!(
            progress(KpiDirection::Increase, Some(0.0), Some(1.0), 1.0),
            Some(1.0)
        );
        assert_eq!(
            progress(KpiDirection::Increase, Some(0.0), Some(0.0), 1.0),
            Some(0.0)
        );
    }

    #[test]
    fn progress_of_non_finite_values_is_unknown() {
        assert_eq!(
            progress(KpiDirection::Increase, Some(f64::NAN), Some(1.0), 2.0),
            None
        );
        assert_eq!(
            progress(KpiDirection::Increase, None, Some(f64::INFINITY), 2.0),
            None
        );
    }

    #[test]
    fn trend_by_sign() {
        assert_eq!(trend(67.0, 80.0), Trend::Up);
        assert_eq!(trend(30.0, 25.0), Trend::Down);
        assert_eq!(trend(30.0, 30.0), Trend::Flat);
        assert_eq!(trend(0.1 + 0.2, 0.3), Trend::Flat);
        assert_eq!(trend(1e12, 1e12 + 1.0), Trend::Up);
        assert_eq!(trend(f64::NAN, 1.0), Trend::Flat);
        assert_eq!(Trend::Down.as_str(), "DOWN");
        assert_eq!(Trend::Flat.to_string(), "FLAT");
    }

    #[test]
    fn series_trend_and_latest_use_dates_not_order() {
        let series = [
            Observation {
                observed_on: d(2020, 6, 30),
                value: 80.0,
            },
            Observation {
                observed_on: d(2019, 12, 31),
                value: 67.0,
            },
            Observation {
                observed_on: d(2020, 3, 31),
                value: 90.0,
            },
        ];
        assert_eq!(latest_observation(&series).unwrap().value, 80.0);
        assert_eq!(series_trend(&series), Some(Trend::Down));
        assert_eq!(series_trend(&series[..1]), None);
        assert_eq!(latest_observation(&[]), None);
    }

    #[test]
    fn target_met_by_direction() {
        assert!(target_met(KpiDirection::Increase, 100.0, 100.0));
        assert!(!target_met(KpiDirection::Increase, 100.0, 99.0));
        assert!(target_met(KpiDirection::None, 100.0, 101.0));
        assert!(target_met(KpiDirection::Decrease, 20.0, 20.0));
        assert!(target_met(KpiDirection::Decrease, 20.0, 15.0));
        assert!(!target_met(KpiDirection::Decrease, 20.0, 21.0));
    }

    #[test]
    fn values_by_type() {
        assert_eq!(validate_value(KpiValueType::Number, -3.5), Ok(()));
        assert_eq!(validate_value(KpiValueType::Number, 1e9), Ok(()));
        assert_eq!(validate_value(KpiValueType::Percent, 0.0), Ok(()));
        assert_eq!(validate_value(KpiValueType::Percent, 100.0), Ok(()));
        assert_eq!(
            validate_value(KpiValueType::Percent, 100.5),
            Err(KpiValueError::PercentOutOfRange { value: 100.5 })
        );
        assert_eq!(
            validate_value(KpiValueType::Percent, -0.1),
            Err(KpiValueError::PercentOutOfRange { value: -0.1 })
        );
        assert_eq!(validate_value(KpiValueType::Milestone, 0.0), Ok(()));
        assert_eq!(validate_value(KpiValueType::Milestone, 1.0), Ok(()));
        assert_eq!(
            validate_value(KpiValueType::Milestone, 0.5),
            Err(KpiValueError::MilestoneNotBinary { value: 0.5 })
        );
        for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for value_type in KpiValueType::ALL {
                assert!(matches!(
                    validate_value(*value_type, value),
                    Err(KpiValueError::NotFinite { .. })
                ));
            }
        }
    }

    #[test]
    fn value_errors_speak_english() {
        let err = validate_value(KpiValueType::Milestone, 2.0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a MILESTONE value must be 0 (not reached) or 1 (reached), got 2"
        );
    }

    #[test]
    fn repeated_dates_name_the_first_occurrence() {
        let dates = [
            d(2020, 12, 31),
            d(2021, 12, 31),
            d(2020, 12, 31),
            d(2020, 12, 31),
        ];
        assert_eq!(repeated_dates(&dates), [(2, 0), (3, 0)]);
        assert!(repeated_dates(&dates[..2]).is_empty());
    }
}
