//! Portfolio figures: measure and goal counts grouped in SQL (`GROUP BY`),
//! for a whole plan or one working group.

use diesel::prelude::*;
use masterplan_domain::visibility::Audience;

use crate::db::DbConn;
use crate::error::RepoResult;
use crate::ids::{PlanId, WorkingGroupId};
use crate::load_rows::LoadRows;
use crate::models::visible::PUBLIC;
use crate::schema::{goals, measures, working_groups};
use crate::with_conn;

/// What the counted measures and goals belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    pub plan_id: PlanId,
    pub working_group_id: Option<WorkingGroupId>,
}

/// A measure attribute to group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeasureDimension {
    Status,
    WorkingGroup,
    CostCategory,
    PersonnelCategory,
    PeriodCategory,
    QuickWin,
}

/// The visibilities an audience counts: the public only public objects.
fn counted(audience: Audience) -> &'static [&'static str] {
    if audience.is_public() {
        &[PUBLIC]
    } else {
        &[PUBLIC, "INTERNAL"]
    }
}

/// Counts of a plan's live measures per working group and value of
/// `dimension` (`None`: no value, e.g. no cost estimate), one statement.
pub async fn measure_counts(
    conn: &mut DbConn,
    plan_id: PlanId,
    dimension: MeasureDimension,
    audience: Audience,
) -> RepoResult<Vec<(WorkingGroupId, Option<String>, i64)>> {
    let visible = counted(audience);
    /// One grouped count; `$key` is the grouped column.
    macro_rules! grouped {
        ($c:ident, $key:expr) => {{
            let query = measures::table
                .inner_join(working_groups::table)
                .filter(measures::plan_id.eq(plan_id))
                .filter(measures::archived_at.is_null())
                .filter(measures::visibility.eq_any(visible))
                .group_by((measures::working_group_id, $key))
                .select((measures::working_group_id, $key, diesel::dsl::count_star()))
                .into_boxed();
            $c.load_rows(query).await
        }};
    }
    let nullable = |rows: Vec<(WorkingGroupId, String, i64)>| {
        rows.into_iter()
            .map(|(group, key, n)| (group, Some(key), n))
            .collect()
    };
    Ok(with_conn!(conn, c => match dimension {
        MeasureDimension::Status => grouped!(c, measures::status).map(nullable)?,
        MeasureDimension::WorkingGroup => grouped!(c, working_groups::code).map(nullable)?,
        MeasureDimension::QuickWin => grouped!(c, measures::quick_win).map(nullable)?,
        MeasureDimension::CostCategory => grouped!(c, measures::cost_category)?,
        MeasureDimension::PersonnelCategory => grouped!(c, measures::personnel_category)?,
        MeasureDimension::PeriodCategory => grouped!(c, measures::period_category)?,
    }))
}

/// Counts of a plan's live goals per working group and status, one statement.
pub async fn goal_counts(
    conn: &mut DbConn,
    plan_id: PlanId,
    audience: Audience,
) -> RepoResult<Vec<(WorkingGroupId, String, i64)>> {
    let visible = counted(audience);
    Ok(with_conn!(conn, c => c.load_rows(goals::table
        .inner_join(measures::table)
        .filter(measures::plan_id.eq(plan_id))
        .filter(measures::archived_at.is_null())
        .filter(goals::archived_at.is_null())
        .filter(measures::visibility.eq_any(visible))
        .filter(goals::visibility.eq_any(visible))
        .group_by((measures::working_group_id, goals::status))
        .select((measures::working_group_id, goals::status, diesel::dsl::count_star()))
        .into_boxed())
        .await)?)
}
