//! Rules about goals that depend on the day they are asked about.

use chrono::NaiveDate;

use crate::status::GoalStatus;

/// Whether a goal's due date has passed without it being settled.
///
/// A goal due today is not yet overdue. ACHIEVED and DROPPED goals never are;
/// a MISSED goal stays overdue, since it is still not achieved and readers of
/// "overdue" lists want to see it.
pub fn is_overdue(due_on: Option<NaiveDate>, status: GoalStatus, as_of: NaiveDate) -> bool {
    let unsettled = match status {
        GoalStatus::Open | GoalStatus::InProgress | GoalStatus::Missed => true,
        GoalStatus::Achieved | GoalStatus::Dropped => false,
    };
    unsettled && due_on.is_some_and(|due| due < as_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const DUE: Option<NaiveDate> = NaiveDate::from_ymd_opt(2020, 12, 31);

    #[test]
    fn open_goal_past_due_is_overdue() {
        assert!(is_overdue(DUE, GoalStatus::Open, d(2021, 1, 1)));
    }

    #[test]
    fn in_progress_goal_past_due_is_overdue() {
        assert!(is_overdue(DUE, GoalStatus::InProgress, d(2021, 1, 1)));
    }

    #[test]
    fn missed_goal_past_due_is_overdue() {
        assert!(is_overdue(DUE, GoalStatus::Missed, d(2021, 1, 1)));
    }

    #[test]
    fn achieved_goal_is_never_overdue() {
        assert!(!is_overdue(DUE, GoalStatus::Achieved, d(2030, 1, 1)));
    }

    #[test]
    fn dropped_goal_is_never_overdue() {
        assert!(!is_overdue(DUE, GoalStatus::Dropped, d(2030, 1, 1)));
    }

    #[test]
    fn goal_due_today_is_not_overdue() {
        assert!(!is_overdue(DUE, GoalStatus::Open, d(2020, 12, 31)));
    }

    #[test]
    fn goal_due_later_is_not_overdue() {
        assert!(!is_overdue(DUE, GoalStatus::Open, d(2020, 6, 30)));
    }

    #[test]
    fn goal_without_due_date_is_never_overdue() {
        for status in GoalStatus::ALL {
            assert!(!is_overdue(None, *status, d(2030, 1, 1)));
        }
    }
}
