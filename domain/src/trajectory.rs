//! Whether a KPI will reach its next target: the trajectory rule.
//!
//! The rule, as of a date `as_of` (values observed after it are ignored):
//!
//! 1. The target is the next one ([`next_target`]: the earliest due on or
//!    after `as_of`, else the last). Without targets: `NO_TARGET`.
//! 2. Without any value observed by `as_of`: `NO_DATA`.
//! 3. The KPI's sense: higher is better for `INCREASE`, lower for
//!    `DECREASE`; for `NONE`, toward the target from the *start* (the
//!    baseline, else the oldest value of the window below, else the latest
//!    value). When the latest value meets the target in that sense:
//!    `ACHIEVED`.
//! 4. When the target's due date has passed (it is before `as_of`) without
//!    that: `OFF_TRACK`.
//! 5. `MILESTONE` KPIs are reached or not, and have no trend to project:
//!    not reached while the due date is ahead is `ON_TRACK` (steps 3 and 4
//!    decide the rest).
//! 6. Otherwise the values of the 12 months up to `as_of` (the *window*,
//!    from the day after `as_of` minus 12 months) are fitted by least
//!    squares (value against day) and the line is read at the due date: the
//!    *projection* (`PERCENT` projections clamped to 0–100). One value in
//!    the window (or none, when the latest is older) shows no trend:
//!    `NO_DATA`, unless step 3 already said `ACHIEVED`.
//! 7. A projection that meets the target is `ON_TRACK`; one that misses it
//!    by at most the *tolerance*, 10 % of the distance from the start to the
//!    target, is `AT_RISK`; a bigger miss is `OFF_TRACK`.

use chrono::{Days, Months, NaiveDate};

use crate::kpi::{Observation, Target, next_target};
use crate::status::{KpiDirection, KpiValueType, text_enum};

/// How many months of values the projection fits.
pub const WINDOW_MONTHS: u32 = 12;

/// The share of the distance from the start to the target within which a
/// projection that falls short is `AT_RISK` rather than `OFF_TRACK`.
pub const TOLERANCE: f64 = 0.10;

/// Most values a window holds: a KPI has at most one value a day, and the
/// window is at most 366 days long.
pub const MAX_WINDOW_VALUES: i64 = 366;

text_enum!(
    /// Whether a KPI will reach its next target.
    TrajectoryStatus {
        Achieved => "ACHIEVED",
        OnTrack => "ON_TRACK",
        AtRisk => "AT_RISK",
        OffTrack => "OFF_TRACK",
        NoTarget => "NO_TARGET",
        NoData => "NO_DATA",
    }
);

/// What the rule needs to know of a KPI.
#[derive(Debug, Clone, Copy)]
pub struct TrajectoryInput<'a> {
    pub value_type: KpiValueType,
    pub direction: KpiDirection,
    pub baseline: Option<f64>,
    /// In any order.
    pub targets: &'a [Target],
    /// In any order; those observed after `as_of` are ignored.
    pub observations: &'a [Observation],
    pub as_of: NaiveDate,
}

/// The rule's answer for one KPI.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    pub status: TrajectoryStatus,
    /// The fitted line's value at the target's due date; only when the
    /// status rests on it (`ON_TRACK`, `AT_RISK`, `OFF_TRACK` by step 7).
    pub projected: Option<f64>,
    /// The target judged against; None for `NO_TARGET`.
    pub target: Option<Target>,
    /// What the status rests on, in words.
    pub basis: String,
}

/// The first day of the window of values fitted as of `as_of`: the day after
/// `as_of` minus [`WINDOW_MONTHS`] months.
pub fn window_start(as_of: NaiveDate) -> NaiveDate {
    as_of
        .checked_sub_months(Months::new(WINDOW_MONTHS))
        .and_then(|d| d.checked_add_days(Days::new(1)))
        .unwrap_or(NaiveDate::MIN)
}

/// Judges one KPI by the rule in this module's documentation.
pub fn trajectory(input: &TrajectoryInput<'_>) -> Trajectory {
    let as_of = input.as_of;
    let Some(target) = next_target(input.targets, as_of) else {
        return Trajectory {
            status: TrajectoryStatus::NoTarget,
            projected: None,
            target: None,
            basis: "no target".to_owned(),
        };
    };
    let answer = |status, projected, basis| Trajectory {
        status,
        projected,
        target: Some(target),
        basis,
    };
    let mut known: Vec<Observation> = input
        .observations
        .iter()
        .filter(|o| o.observed_on <= as_of)
        .copied()
        .collect();
    known.sort_by_key(|o| o.observed_on);
    let Some(&latest) = known.last() else {
        return answer(
            TrajectoryStatus::NoData,
            None,
            format!("no value recorded by {as_of}"),
        );
    };
    let from = window_start(as_of);
    let window: Vec<Observation> = known
        .iter()
        .filter(|o| o.observed_on >= from)
        .copied()
        .collect();
    let start = input
        .baseline
        .or_else(|| window.first().map(|o| o.value))
        .unwrap_or(latest.value);
    let higher_is_better = match input.direction {
        KpiDirection::Increase => true,
        KpiDirection::Decrease => false,
        KpiDirection::None => target.value >= start,
    };
    let meets = |value: f64| {
        if higher_is_better {
            value >= target.value
        } else {
            value <= target.value
        }
    };
    let latest_text = format!(
        "the latest value, {} on {}",
        number(latest.value),
        latest.observed_on
    );
    let target_text = format!("the target {} due {}", number(target.value), target.due_on);
    if meets(latest.value) {
        return answer(
            TrajectoryStatus::Achieved,
            None,
            format!("{latest_text}, meets {target_text}"),
        );
    }
    if target.due_on < as_of {
        return answer(
            TrajectoryStatus::OffTrack,
            None,
            format!("{target_text} has passed; {latest_text}, does not meet it"),
        );
    }
    if input.value_type == KpiValueType::Milestone {
        return answer(
            TrajectoryStatus::OnTrack,
            None,
            format!("milestone not reached yet ({latest_text}); {target_text}"),
        );
    }
    let Some(fitted) = least_squares(&window, target.due_on) else {
        let found = match window.as_slice() {
            [] => format!(
                "no value in the {WINDOW_MONTHS} months to {as_of} (the latest is from {})",
                latest.observed_on
            ),
            [only] => format!(
                "one value ({}) in the {WINDOW_MONTHS} months to {as_of}",
                only.observed_on
            ),
            _ => format!("no line fits the values of the {WINDOW_MONTHS} months to {as_of}"),
        };
        return answer(
            TrajectoryStatus::NoData,
            None,
            format!("{found}; a projection needs two"),
        );
    };
    let projected = if input.value_type == KpiValueType::Percent {
        fitted.clamp(0.0, 100.0)
    } else {
        fitted
    };
    let tolerance = TOLERANCE * (target.value - start).abs();
    let shortfall = (target.value - projected).abs();
    let status = if meets(projected) {
        TrajectoryStatus::OnTrack
    } else if shortfall <= tolerance {
        TrajectoryStatus::AtRisk
    } else {
        TrajectoryStatus::OffTrack
    };
    let (first, last) = (window[0], window[window.len() - 1]);
    answer(
        status,
        Some(projected),
        format!(
            "least-squares over {} values from {} to {}, projected to {}: {} against the target {} (tolerance {})",
            window.len(),
            first.observed_on,
            last.observed_on,
            target.due_on,
            number(projected),
            number(target.value),
            number(tolerance),
        ),
    )
}

/// The least-squares line through `points` (value against day), read at
/// `at`; None with fewer than two distinct days or non-finite values.
fn least_squares(points: &[Observation], at: NaiveDate) -> Option<f64> {
    let origin = points.first()?.observed_on;
    let day = |date: NaiveDate| (date - origin).num_days() as f64;
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| day(p.observed_on)).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.value).sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for p in points {
        let dx = day(p.observed_on) - mean_x;
        sxy += dx * (p.value - mean_y);
        sxx += dx * dx;
    }
    if sxx == 0.0 {
        return None;
    }
    let value = mean_y + sxy / sxx * (day(at) - mean_x);
    value.is_finite().then_some(value)
}

/// A number for the basis text: at most two decimals, no trailing zeros.
fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// Monthly values on the last day of each month from `first` on.
    fn monthly(year: i32, month: u32, values: &[f64]) -> Vec<Observation> {
        values
            .iter()
            .enumerate()
            .map(|(i, &value)| {
                let first = d(year, month, 1)
                    .checked_add_months(Months::new(i as u32 + 1))
                    .unwrap();
                Observation {
                    observed_on: first.pred_opt().unwrap(),
                    value,
                }
            })
            .collect()
    }

    struct Kpi {
        value_type: KpiValueType,
        direction: KpiDirection,
        baseline: Option<f64>,
        targets: Vec<Target>,
    }

    impl Kpi {
        fn number(direction: KpiDirection, baseline: Option<f64>, target: f64) -> Kpi {
            Kpi {
                value_type: KpiValueType::Number,
                direction,
                baseline,
                targets: vec![Target {
                    value: target,
                    due_on: d(2027, 12, 31),
                }],
            }
        }

        fn judge(&self, observations: &[Observation], as_of: NaiveDate) -> Trajectory {
            trajectory(&TrajectoryInput {
                value_type: self.value_type,
                direction: self.direction,
                baseline: self.baseline,
                targets: &self.targets,
                observations,
                as_of,
            })
        }
    }

    const AS_OF: (i32, u32, u32) = (2026, 12, 1);

    fn as_of() -> NaiveDate {
        d(AS_OF.0, AS_OF.1, AS_OF.2)
    }

    #[test]
    fn window_is_the_twelve_months_up_to_as_of() {
        assert_eq!(window_start(d(2026, 12, 1)), d(2025, 12, 2));
        assert_eq!(window_start(d(2024, 2, 29)), d(2023, 3, 1));
    }

    #[test]
    fn increasing_kpi_on_track() {
        // 1.2: from 67 services, +2 a month for the last 12 months; 100 by
        // the end of 2027 is in reach (the line gives about 118).
        let values: Vec<f64> = (0..12).map(|i| 70.0 + 2.0 * f64::from(i)).collect();
        let kpi = Kpi::number(KpiDirection::Increase, Some(67.0), 100.0);
        let t = kpi.judge(&monthly(2025, 12, &values), as_of());
        assert_eq!(t.status, TrajectoryStatus::OnTrack, "{}", t.basis);
        let projected = t.projected.unwrap();
        assert!((projected - 118.0).abs() < 0.5, "{projected}");
        assert_eq!(t.target.unwrap().value, 100.0);
        assert!(
            t.basis.starts_with(
                "least-squares over 12 values from 2025-12-31 to 2026-11-30, projected to 2027-12-31: 118.",
            ),
            "{}",
            t.basis
        );
        assert!(
            t.basis.ends_with("against the target 100 (tolerance 3.3)"),
            "{}",
            t.basis
        );
    }

    #[test]
    fn increasing_kpi_at_risk_and_off_track() {
        // +1 a month: about 94 at the end of 2027, short of 100 by 6.
        let slow: Vec<f64> = (0..12).map(|i| 70.0 + f64::from(i)).collect();
        let observations = monthly(2025, 12, &slow);
        // Baseline 30: tolerance 7 → at risk.
        let t =
            Kpi::number(KpiDirection::Increase, Some(30.0), 100.0).judge(&observations, as_of());
        assert_eq!(t.status, TrajectoryStatus::AtRisk, "{}", t.basis);
        // Baseline 67: tolerance 3.3 → off track.
        let t =
            Kpi::number(KpiDirection::Increase, Some(67.0), 100.0).judge(&observations, as_of());
        assert_eq!(t.status, TrajectoryStatus::OffTrack, "{}", t.basis);
        assert!(t.projected.unwrap() < 100.0);
    }

    #[test]
    fn decreasing_kpi_whose_values_fall() {
        // 3.4: processing time from 90 days down to 30; −3 days a month.
        let values: Vec<f64> = (0..12).map(|i| 80.0 - 3.0 * f64::from(i)).collect();
        let kpi = Kpi::number(KpiDirection::Decrease, Some(90.0), 30.0);
        let t = kpi.judge(&monthly(2025, 12, &values), as_of());
        assert_eq!(t.status, TrajectoryStatus::OnTrack, "{}", t.basis);
        assert!(t.projected.unwrap() < 30.0);
        // Falling too slowly: −1 a month, about 36 at the due date, 6 short;
        // within the tolerance from a baseline of 100 (7), not of 80 (5).
        let slow: Vec<f64> = (0..12).map(|i| 60.0 - f64::from(i)).collect();
        let slow = monthly(2025, 12, &slow);
        let from_100 = Kpi::number(KpiDirection::Decrease, Some(100.0), 30.0);
        let t = from_100.judge(&slow, as_of());
        assert_eq!(t.status, TrajectoryStatus::AtRisk, "{}", t.basis);
        let from_80 = Kpi::number(KpiDirection::Decrease, Some(80.0), 30.0);
        assert_eq!(
            from_80.judge(&slow, as_of()).status,
            TrajectoryStatus::OffTrack
        );
        // Rising, for a KPI that should fall.
        let rising: Vec<f64> = (0..12).map(|i| 50.0 + f64::from(i)).collect();
        let t = kpi.judge(&monthly(2025, 12, &rising), as_of());
        assert_eq!(t.status, TrajectoryStatus::OffTrack, "{}", t.basis);
    }

    #[test]
    fn increasing_values_are_bad_news_for_a_decreasing_kpi_and_the_reverse() {
        let rising: Vec<f64> = (0..12).map(|i| 10.0 + f64::from(i)).collect();
        let observations = monthly(2025, 12, &rising);
        let up = Kpi::number(KpiDirection::Increase, Some(0.0), 30.0).judge(&observations, as_of());
        assert_eq!(up.status, TrajectoryStatus::OnTrack, "{}", up.basis);
        let down =
            Kpi::number(KpiDirection::Decrease, Some(20.0), 5.0).judge(&observations, as_of());
        assert_eq!(down.status, TrajectoryStatus::OffTrack, "{}", down.basis);
    }

    #[test]
    fn flat_kpi_projects_its_level() {
        let flat = [40.0; 6];
        let observations = monthly(2026, 5, &flat);
        let t = Kpi::number(KpiDirection::Increase, Some(0.0), 50.0).judge(&observations, as_of());
        assert_eq!(t.status, TrajectoryStatus::OffTrack, "{}", t.basis);
        assert!((t.projected.unwrap() - 40.0).abs() < 1e-9);
        // Within 10 % of the way from 0 to 42.
        let t = Kpi::number(KpiDirection::Increase, Some(0.0), 42.0).judge(&observations, as_of());
        assert_eq!(t.status, TrajectoryStatus::AtRisk, "{}", t.basis);
    }

    #[test]
    fn noisy_kpi_follows_the_fitted_line_not_the_last_step() {
        // Up about 2 a month with noise; the last step goes down.
        let noisy = [
            70.0, 75.0, 72.0, 78.0, 77.0, 83.0, 80.0, 86.0, 85.0, 91.0, 88.0, 86.0,
        ];
        let kpi = Kpi::number(KpiDirection::Increase, Some(67.0), 100.0);
        let t = kpi.judge(&monthly(2025, 12, &noisy), as_of());
        assert_eq!(t.status, TrajectoryStatus::OnTrack, "{}", t.basis);
        // The same values, in reverse date order of input, give the same answer.
        let mut shuffled = monthly(2025, 12, &noisy);
        shuffled.reverse();
        assert_eq!(kpi.judge(&shuffled, as_of()), t);
    }

    #[test]
    fn only_the_last_twelve_months_are_fitted() {
        // Fast growth two years ago, flat since: the old values do not count.
        let mut observations = monthly(2024, 1, &[0.0, 20.0, 40.0, 60.0]);
        observations.extend(monthly(2025, 12, &[70.0; 12]));
        let t = Kpi::number(KpiDirection::Increase, Some(0.0), 100.0).judge(&observations, as_of());
        assert_eq!(t.status, TrajectoryStatus::OffTrack, "{}", t.basis);
        assert!((t.projected.unwrap() - 70.0).abs() < 1e-9);
        assert!(
            t.basis.contains("over 12 values from 2025-12-31"),
            "{}",
            t.basis
        );
        // Values after as_of are ignored too.
        let mut later = observations.clone();
        later.push(Observation {
            observed_on: d(2027, 1, 31),
            value: 1000.0,
        });
        assert_eq!(
            Kpi::number(KpiDirection::Increase, Some(0.0), 100.0).judge(&later, as_of()),
            t
        );
    }

    #[test]
    fn percent_projection_is_clamped() {
        let kpi = Kpi {
            value_type: KpiValueType::Percent,
            ..Kpi::number(KpiDirection::Increase, Some(0.0), 100.0)
        };
        let steep: Vec<f64> = (0..6).map(|i| 40.0 + 10.0 * f64::from(i)).collect();
        let t = kpi.judge(&monthly(2026, 5, &steep), as_of());
        assert_eq!(t.status, TrajectoryStatus::OnTrack, "{}", t.basis);
        assert_eq!(t.projected, Some(100.0));
    }

    #[test]
    fn latest_value_meeting_the_target_is_achieved() {
        let kpi = Kpi::number(KpiDirection::Increase, Some(67.0), 100.0);
        // Even after falling from above: the latest value counts.
        let t = kpi.judge(&monthly(2026, 9, &[120.0, 110.0, 101.0]), as_of());
        assert_eq!(t.status, TrajectoryStatus::Achieved);
        assert_eq!(t.projected, None);
        assert_eq!(
            t.basis,
            "the latest value, 101 on 2026-11-30, meets the target 100 due 2027-12-31"
        );
        // One value is enough to have achieved it, however old.
        let t = kpi.judge(&monthly(2020, 1, &[100.0]), as_of());
        assert_eq!(t.status, TrajectoryStatus::Achieved);
        // Lower is better: at or below.
        let kpi = Kpi::number(KpiDirection::Decrease, Some(90.0), 30.0);
        let t = kpi.judge(&monthly(2026, 11, &[30.0]), as_of());
        assert_eq!(t.status, TrajectoryStatus::Achieved);
    }

    #[test]
    fn direction_none_moves_toward_the_target_from_the_start() {
        // Start 20 (baseline), target 10: lower is better here.
        let kpi = Kpi::number(KpiDirection::None, Some(20.0), 10.0);
        let t = kpi.judge(&monthly(2026, 11, &[9.0]), as_of());
        assert_eq!(t.status, TrajectoryStatus::Achieved, "{}", t.basis);
        let falling: Vec<f64> = (0..6).map(|i| 19.0 - f64::from(i)).collect();
        let t = kpi.judge(&monthly(2026, 5, &falling), as_of());
        assert_eq!(t.status, TrajectoryStatus::OnTrack, "{}", t.basis);
        // Without a baseline, from the oldest value of the window.
        let kpi = Kpi::number(KpiDirection::None, None, 10.0);
        let t = kpi.judge(&monthly(2026, 5, &falling), as_of());
        assert_eq!(t.status, TrajectoryStatus::OnTrack, "{}", t.basis);
    }

    #[test]
    fn passed_target_not_met_is_off_track() {
        let kpi = Kpi {
            targets: vec![Target {
                value: 100.0,
                due_on: d(2025, 12, 31),
            }],
            ..Kpi::number(KpiDirection::Increase, Some(67.0), 0.0)
        };
        let t = kpi.judge(&monthly(2025, 12, &[80.0, 90.0, 99.0]), as_of());
        assert_eq!(t.status, TrajectoryStatus::OffTrack);
        assert_eq!(t.projected, None);
        assert_eq!(
            t.basis,
            "the target 100 due 2025-12-31 has passed; the latest value, 99 on 2026-02-28, does not meet it"
        );
    }

    #[test]
    fn the_next_target_is_judged() {
        // 2.2: 30 training places by 2020, 50 by 2021; as of mid-2021 the 50 count.
        let kpi = Kpi {
            targets: vec![
                Target {
                    value: 30.0,
                    due_on: d(2020, 12, 31),
                },
                Target {
                    value: 50.0,
                    due_on: d(2021, 12, 31),
                },
            ],
            ..Kpi::number(KpiDirection::Increase, None, 0.0)
        };
        let values: Vec<f64> = (0..6).map(|i| 30.0 + 2.0 * f64::from(i)).collect();
        let t = kpi.judge(&monthly(2021, 1, &values), d(2021, 7, 1));
        assert_eq!(t.target.unwrap().value, 50.0);
        assert_eq!(t.target.unwrap().due_on, d(2021, 12, 31));
        assert_eq!(t.status, TrajectoryStatus::OnTrack, "{}", t.basis);
    }

    #[test]
    fn milestone_is_reached_or_not() {
        let kpi = Kpi {
            value_type: KpiValueType::Milestone,
            direction: KpiDirection::None,
            baseline: None,
            targets: vec![Target {
                value: 1.0,
                due_on: d(2027, 6, 30),
            }],
        };
        let t = kpi.judge(&monthly(2026, 10, &[0.0, 1.0]), as_of());
        assert_eq!(t.status, TrajectoryStatus::Achieved, "{}", t.basis);
        // Not reached, due date ahead: no trend to project from 0s.
        let t = kpi.judge(&monthly(2026, 11, &[0.0]), as_of());
        assert_eq!(t.status, TrajectoryStatus::OnTrack, "{}", t.basis);
        assert_eq!(t.projected, None);
        assert_eq!(
            t.basis,
            "milestone not reached yet (the latest value, 0 on 2026-11-30); the target 1 due 2027-06-30"
        );
        // Not reached by the due date.
        let t = kpi.judge(&monthly(2026, 11, &[0.0]), d(2027, 7, 1));
        assert_eq!(t.status, TrajectoryStatus::OffTrack, "{}", t.basis);
        // Never reported.
        assert_eq!(kpi.judge(&[], as_of()).status, TrajectoryStatus::NoData);
    }

    #[test]
    fn no_target() {
        let kpi = Kpi {
            targets: Vec::new(),
            ..Kpi::number(KpiDirection::Increase, None, 0.0)
        };
        let t = kpi.judge(&monthly(2026, 1, &[1.0, 2.0, 3.0]), as_of());
        assert_eq!(
            t,
            Trajectory {
                status: TrajectoryStatus::NoTarget,
                projected: None,
                target: None,
                basis: "no target".to_owned(),
            }
        );
        // No target wins over no data.
        assert_eq!(kpi.judge(&[], as_of()).status, TrajectoryStatus::NoTarget);
    }

    #[test]
    fn no_data_without_values_or_with_one_in_the_window() {
        let kpi = Kpi::number(KpiDirection::Increase, Some(67.0), 100.0);
        let t = kpi.judge(&[], as_of());
        assert_eq!(t.status, TrajectoryStatus::NoData);
        assert_eq!(t.target.unwrap().value, 100.0);
        assert_eq!(t.basis, "no value recorded by 2026-12-01");
        // Values after as_of are not known yet.
        let t = kpi.judge(&monthly(2027, 1, &[70.0, 80.0]), as_of());
        assert_eq!(t.status, TrajectoryStatus::NoData);
        // One value cannot show a trend.
        let t = kpi.judge(&monthly(2026, 6, &[80.0]), as_of());
        assert_eq!(t.status, TrajectoryStatus::NoData);
        assert_eq!(
            t.basis,
            "one value (2026-06-30) in the 12 months to 2026-12-01; a projection needs two"
        );
        // Older values only: one in the window is all there is.
        let mut observations = monthly(2024, 1, &[70.0, 72.0]);
        observations.extend(monthly(2026, 6, &[80.0]));
        assert_eq!(
            kpi.judge(&observations, as_of()).status,
            TrajectoryStatus::NoData
        );
        let t = kpi.judge(&monthly(2024, 1, &[70.0, 72.0]), as_of());
        assert_eq!(t.status, TrajectoryStatus::NoData);
        assert_eq!(
            t.basis,
            "no value in the 12 months to 2026-12-01 (the latest is from 2024-02-29); a projection needs two"
        );
    }

    #[test]
    fn numbers_in_the_basis_are_short() {
        assert_eq!(number(100.0).to_string(), "100");
        assert_eq!(number(3.3000000000000003).to_string(), "3.3");
        assert_eq!(number(93.33333).to_string(), "93.33");
        assert_eq!(number(-0.001).to_string(), "0");
        assert_eq!(TrajectoryStatus::AtRisk.to_string(), "AT_RISK");
    }
}
