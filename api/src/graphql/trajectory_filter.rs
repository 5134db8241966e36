//! The `trajectory` condition of the root `kpis` list. Trajectories are
//! judged in Rust, not SQL, so such a list reads every KPI matching the rest
//! of the filter, judges them all through the loaders (a constant number of
//! statements) and pages the matches in memory; `totalCount` counts them.

use async_graphql::Context;
use chrono::NaiveDate;
use masterplan_domain::trajectory::TrajectoryStatus;
use masterplan_persistence::models::kpi::{self, KpiFilter};

use crate::error::ApiResult;
use crate::graphql::context::conn;
use crate::graphql::objects::{Kpi, trajectories};
use crate::graphql::paging::{OffsetConnection, PageArgs};
use crate::graphql::portfolio::in_memory_page;
use crate::graphql::totals::TotalCount;

/// Only KPIs whose trajectory as of `as_of` has one of `statuses`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrajectoryCondition {
    pub statuses: Vec<TrajectoryStatus>,
    pub as_of: NaiveDate,
}

/// A page of the KPIs matching `filter` and `condition`, in the plan's order.
pub async fn kpi_trajectory_connection(
    ctx: &Context<'_>,
    filter: KpiFilter,
    condition: &TrajectoryCondition,
    args: &PageArgs,
) -> ApiResult<OffsetConnection<Kpi, TotalCount>> {
    let rows: Vec<_> = {
        let mut conn = conn(ctx).await?;
        kpi::list_by_working_group(&mut conn, &filter).await?
    }
    .into_iter()
    .map(|(_, row)| row)
    .collect();
    let judged = trajectories(ctx, &rows, condition.as_of).await?;
    let matching = rows
        .into_iter()
        .zip(judged)
        .filter(|(_, t)| condition.statuses.contains(&t.status))
        .map(|(row, _)| row)
        .collect();
    in_memory_page(ctx, matching, args, Kpi::live)
}
