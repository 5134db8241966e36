//! Goals: rows, filters and the batched lookup by measure.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::goal::is_overdue;
use masterplan_domain::status::GoalStatus;
use masterplan_domain::timing::{Timing, TimingKind};
use masterplan_domain::visibility::{Audience, Visibility};

use crate::db::DbConn;
use crate::error::RepoResult;
use crate::id_list::in_ids;
use crate::ids::{GoalId, MeasureId, PlanId, WorkingGroupId};
use crate::load_rows::LoadRows;
use crate::models::visible::PUBLIC;
use crate::page::Window;
use crate::schema::{goals, measures};
use crate::sql_types::TextEnum;
use crate::timestamps::{SqlDate, SqlTimestamp};
use crate::{for_audience, public_goal, with_conn};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = goals)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct GoalRow {
    pub id: GoalId,
    pub measure_id: MeasureId,
    pub position: i32,
    pub text: String,
    pub category: Option<String>,
    pub timing_phrase: Option<String>,
    #[diesel(deserialize_as = TextEnum<TimingKind>)]
    pub timing_kind: TimingKind,
    #[diesel(deserialize_as = SqlDate<Option<NaiveDate>>)]
    pub starts_on: Option<NaiveDate>,
    #[diesel(deserialize_as = SqlDate<Option<NaiveDate>>)]
    pub due_on: Option<NaiveDate>,
    #[diesel(deserialize_as = TextEnum<GoalStatus>)]
    pub status: GoalStatus,
    pub version: i32,
    #[diesel(deserialize_as = SqlTimestamp<NaiveDateTime>)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = SqlTimestamp<NaiveDateTime>)]
    pub updated_at: NaiveDateTime,
    #[diesel(deserialize_as = SqlTimestamp<Option<NaiveDateTime>>)]
    pub archived_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = TextEnum<Visibility>)]
    pub visibility: Visibility,
}

impl GoalRow {
    /// The goal's timing, from its four columns.
    pub fn timing(&self) -> Timing {
        Timing {
            phrase: self.timing_phrase.clone(),
            kind: self.timing_kind,
            starts_on: self.starts_on,
            due_on: self.due_on,
        }
    }
}

/// Which goals a list shows. Empty vectors mean "no restriction".
#[derive(Debug, Clone, Default)]
pub struct GoalFilter {
    /// Who reads: the public sees public goals of public measures only.
    pub audience: Audience,
    pub plan_id: Option<PlanId>,
    pub working_group_id: Option<WorkingGroupId>,
    pub measure_ids: Vec<MeasureId>,
    pub statuses: Vec<GoalStatus>,
    /// Due on or after this date.
    pub due_after: Option<NaiveDate>,
    /// Due on or before this date.
    pub due_before: Option<NaiveDate>,
    /// `Some(true)`: only overdue goals as of `as_of`; `Some(false)`: only the others.
    pub overdue: Option<bool>,
    pub as_of: Option<NaiveDate>,
}

/// The statuses in which a goal past its due date counts as overdue, taken
/// from the domain rule so SQL and Rust cannot disagree.
pub fn overdue_statuses() -> Vec<String> {
    let today = NaiveDate::from_ymd_opt(2000, 1, 2).expect("valid date");
    let yesterday = today.pred_opt().expect("valid date");
    GoalStatus::ALL
        .iter()
        .filter(|s| is_overdue(Some(yesterday), **s, today))
        .map(|s| s.as_str().to_owned())
        .collect()
}

macro_rules! filter_goals {
    ($query:expr, $filter:expr, $as_of:expr) => {{
        let filter: &GoalFilter = $filter;
        // The queries join the goal's measure, so its column is at hand.
        let mut query = for_audience!(
            $query
                .filter(goals::archived_at.is_null())
                .filter(measures::archived_at.is_null()),
            filter.audience,
            goals::visibility
                .eq(PUBLIC)
                .and(measures::visibility.eq(PUBLIC))
        );
        if let Some(plan_id) = filter.plan_id {
            query = query.filter(measures::plan_id.eq(plan_id));
        }
        if let Some(group_id) = filter.working_group_id {
            query = query.filter(measures::working_group_id.eq(group_id));
        }
        if !filter.measure_ids.is_empty() {
            query = query.filter(goals::measure_id.eq_any(filter.measure_ids.clone()));
        }
        if !filter.statuses.is_empty() {
            let statuses: Vec<String> = filter
                .statuses
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect();
            query = query.filter(goals::status.eq_any(statuses));
        }
        if let Some(after) = filter.due_after {
            query = query.filter(goals::due_on.ge(after));
        }
        if let Some(before) = filter.due_before {
            query = query.filter(goals::due_on.le(before));
        }
        let as_of: NaiveDate = $as_of;
        match filter.overdue {
            Some(true) => {
                query = query
                    .filter(goals::due_on.lt(as_of))
                    .filter(goals::status.eq_any(overdue_statuses()));
            }
            Some(false) => {
                query = query.filter(
                    goals::due_on
                        .is_null()
                        .or(goals::due_on.ge(as_of))
                        .or(goals::status.ne_all(overdue_statuses())),
                );
            }
            None => {}
        }
        query
    }};
}

/// Goals across measures, in the plan's order (measure position, goal position).
pub async fn list(
    conn: &mut DbConn,
    filter: &GoalFilter,
    as_of: NaiveDate,
    window: Window,
) -> RepoResult<Vec<GoalRow>> {
    Ok(with_conn!(conn, c => {
        let query = goals::table
            .inner_join(measures::table)
            .select(GoalRow::as_select())
            .into_boxed();
        c.load_rows(
            filter_goals!(query, filter, as_of)
                .order((measures::position, goals::position, goals::id))
                .offset(window.offset)
                .limit(window.limit),
        )
        .await
    })?)
}

/// Every goal matching `filter` with its measure's working group, in the
/// plan's order: the lists of all working-group summaries in one statement.
pub async fn list_by_working_group(
    conn: &mut DbConn,
    filter: &GoalFilter,
    as_of: NaiveDate,
) -> RepoResult<Vec<(WorkingGroupId, GoalRow)>> {
    Ok(with_conn!(conn, c => {
        let query = goals::table
            .inner_join(measures::table)
            .select((measures::working_group_id, GoalRow::as_select()))
            .into_boxed();
        c.load_rows(
            filter_goals!(query, filter, as_of)
                .order((measures::position, goals::position, goals::id)),
        )
        .await
    })?)
}

pub async fn count(conn: &mut DbConn, filter: &GoalFilter, as_of: NaiveDate) -> RepoResult<i64> {
    Ok(with_conn!(conn, c => {
        let query = goals::table
            .inner_join(measures::table)
            .select(diesel::dsl::count_star())
            .into_boxed();
        filter_goals!(query, filter, as_of).get_result(c).await
    })?)
}

pub async fn by_ids(
    conn: &mut DbConn,
    ids: &[GoalId],
    audience: Audience,
) -> RepoResult<Vec<GoalRow>> {
    Ok(with_conn!(conn, c => c.load_rows(for_audience!(
        goals::table
            .filter(in_ids(goals::id, ids))
            .filter(goals::archived_at.is_null())
            .select(GoalRow::as_select())
            .into_boxed(),
        audience,
        public_goal!()
    ))
    .await)?)
}

/// Goals of the given measures, each measure's in its own order.
pub async fn by_measure_ids(
    conn: &mut DbConn,
    measure_ids: &[MeasureId],
    audience: Audience,
) -> RepoResult<Vec<GoalRow>> {
    Ok(with_conn!(conn, c => c.load_rows(for_audience!(
        goals::table
            .filter(in_ids(goals::measure_id, measure_ids))
            .filter(goals::archived_at.is_null())
            .select(GoalRow::as_select())
            .order((goals::measure_id, goals::position, goals::id))
            .into_boxed(),
        audience,
        public_goal!(measure_ids)
    ))
    .await)?)
}
