//! `Portfolio`: where a plan (or one working group) stands, counted in SQL
//! (KPI trajectories: judged in Rust from rows read through loaders).

use async_graphql::{Context, Object, OutputType, SimpleObject};
use chrono::{Months, NaiveDate};
use masterplan_domain::legend::{PeriodCategory, QuickWin, SizeCategory};
use masterplan_domain::status::{GoalStatus, MeasureStatus};
use masterplan_domain::trajectory::TrajectoryStatus;
use masterplan_domain::visibility::Audience;
use masterplan_persistence::ids::{PlanId, WorkingGroupId};
use masterplan_persistence::models::goal::GoalFilter;
use masterplan_persistence::models::kpi::{KpiFilter, KpiRow};
use masterplan_persistence::models::portfolio::{MeasureDimension, Scope};

use crate::error::{ApiError, ApiResult};
use crate::graphql::context::{audience, limits, loaders};
use crate::graphql::objects::{Goal, Kpi, trajectories};
use crate::graphql::paging::{OffsetConnection, PageArgs, offset_connection, page_in_memory};
use crate::graphql::query::{goal_connection, kpi_connection};
use crate::graphql::totals::TotalCount;

/// Key of measures without a value in a dimension (no estimate, so no category).
const UNCLASSIFIED: &str = "UNCLASSIFIED";

/// How many measures or goals have one value of a dimension.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// The value (`PLANNED`, `I`, `LOW`, …), or `UNCLASSIFIED`.
    pub key: String,
    pub count: i64,
}

/// Figures of a plan, or of one working group, as of a date.
pub struct Portfolio {
    pub scope: Scope,
    pub as_of: NaiveDate,
}

impl Portfolio {
    async fn measures_by(
        &self,
        ctx: &Context<'_>,
        dimension: MeasureDimension,
        keys: Vec<String>,
    ) -> ApiResult<Vec<Bucket>> {
        let counts = loaders(ctx)?
            .measure_counts
            .load_one((self.scope.plan_id, dimension))
            .await?
            .unwrap_or_default();
        Ok(buckets(keys, self.in_scope(counts)))
    }

    /// The rows of this portfolio's working group, or all of them.
    fn in_scope<K>(&self, rows: Vec<(WorkingGroupId, K, i64)>) -> Vec<(K, i64)> {
        rows.into_iter()
            .filter(|(group, _, _)| self.scope.working_group_id.is_none_or(|id| id == *group))
            .map(|(_, key, count)| (key, count))
            .collect()
    }

    /// The goals of `list`: paged in SQL for a plan; for a working group, the
    /// plan's list grouped by working group through a loader, so the
    /// summaries of all groups share one statement.
    async fn goals(
        &self,
        ctx: &Context<'_>,
        list: GoalList,
        args: &PageArgs,
    ) -> ApiResult<OffsetConnection<Goal, TotalCount>> {
        let Some(group) = self.scope.working_group_id else {
            let filter = goal_filter(audience(ctx), self.scope.plan_id, None, self.as_of, list);
            return goal_connection(ctx, filter, self.as_of, args).await;
        };
        let key = GoalListKey {
            plan_id: self.scope.plan_id,
            as_of: self.as_of,
            list,
        };
        let mut lists = loaders(ctx)?
            .goal_lists
            .load_one(key)
            .await?
            .unwrap_or_default();
        in_memory_page(
            ctx,
            lists.remove(&group).unwrap_or_default(),
            args,
            Goal::live,
        )
    }

    async fn kpis(
        &self,
        ctx: &Context<'_>,
        since: NaiveDate,
        args: &PageArgs,
    ) -> ApiResult<OffsetConnection<Kpi, TotalCount>> {
        let Some(group) = self.scope.working_group_id else {
            let filter = stale_filter(audience(ctx), self.scope.plan_id, since);
            return kpi_connection(ctx, filter, args).await;
        };
        let key = (self.scope.plan_id, since);
        let mut lists = loaders(ctx)?
            .stale_kpi_lists
            .load_one(key)
            .await?
            .unwrap_or_default();
        in_memory_page(
            ctx,
            lists.remove(&group).unwrap_or_default(),
            args,
            Kpi::live,
        )
    }
}

/// A goal list of the portfolio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GoalList {
    Overdue,
    /// Open or in progress, due from `asOf` to this date.
    DueUntil(NaiveDate),
}

/// A goal list of a plan, as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GoalListKey {
    pub plan_id: PlanId,
    pub as_of: NaiveDate,
    pub list: GoalList,
}

pub fn goal_filter(
    audience: Audience,
    plan_id: PlanId,
    group: Option<WorkingGroupId>,
    as_of: NaiveDate,
    list: GoalList,
) -> GoalFilter {
    let base = GoalFilter {
        audience,
        plan_id: Some(plan_id),
        working_group_id: group,
        as_of: Some(as_of),
        ..GoalFilter::default()
    };
    match list {
        GoalList::Overdue => GoalFilter {
            overdue: Some(true),
            ..base
        },
        GoalList::DueUntil(until) => GoalFilter {
            statuses: vec![GoalStatus::Open, GoalStatus::InProgress],
            due_after: Some(as_of),
            due_before: Some(until),
            ..base
        },
    }
}

/// KPIs of a plan without a value observed on or after `since`.
pub fn stale_filter(audience: Audience, plan_id: PlanId, since: NaiveDate) -> KpiFilter {
    KpiFilter {
        audience,
        plan_id: Some(plan_id),
        no_value_since: Some(since),
        ..KpiFilter::default()
    }
}

/// A page of rows that are already loaded, counted without SQL.
pub(crate) fn in_memory_page<Row, Node: OutputType>(
    ctx: &Context<'_>,
    rows: Vec<Row>,
    args: &PageArgs,
    to_node: impl Fn(Row) -> Node,
) -> ApiResult<OffsetConnection<Node, TotalCount>> {
    let total = rows.len() as i64;
    let (page, fetched) = page_in_memory(rows, args, limits(ctx)?)?;
    Ok(offset_connection(
        page,
        fetched,
        TotalCount::known(total),
        to_node,
    ))
}

/// Every key in its order with its count (0 when absent), then keys the
/// database has beyond them, then the unclassified rows, if any.
pub fn buckets(keys: Vec<String>, counts: Vec<(Option<String>, i64)>) -> Vec<Bucket> {
    let mut result: Vec<Bucket> = keys
        .into_iter()
        .map(|key| Bucket { key, count: 0 })
        .collect();
    for (key, count) in counts {
        let key = key.unwrap_or_else(|| UNCLASSIFIED.to_owned());
        match result.iter_mut().find(|b| b.key == key) {
            Some(bucket) => bucket.count += count,
            None => result.push(Bucket { key, count }),
        }
    }
    result
}

/// The keys of an enum's buckets, in the order given, as the enum prints them.
pub fn names<T: Copy + std::fmt::Display>(values: &[T]) -> Vec<String> {
    values.iter().map(ToString::to_string).collect()
}

fn page_args(first: Option<i32>, after: Option<String>) -> PageArgs {
    PageArgs {
        first,
        after,
        ..PageArgs::default()
    }
}

#[Object]
impl Portfolio {
    /// The date overdue, due, stale and trajectories are judged against.
    async fn as_of(&self) -> crate::graphql::scalars::Date {
        self.as_of.into()
    }

    async fn measure_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let by_status = self
            .measures_by(ctx, MeasureDimension::Status, Vec::new())
            .await?;
        Ok(by_status.iter().map(|b| b.count).sum())
    }

    /// Every status, with 0 where no measure has it.
    async fn measures_by_status(&self, ctx: &Context<'_>) -> ApiResult<Vec<Bucket>> {
        self.measures_by(ctx, MeasureDimension::Status, names(MeasureStatus::ALL))
            .await
    }

    /// Every working group of the plan (or the one summarised), by code.
    async fn measures_by_working_group(&self, ctx: &Context<'_>) -> ApiResult<Vec<Bucket>> {
        let groups = loaders(ctx)?
            .working_groups_of_plan
            .load_one(self.scope.plan_id)
            .await?
            .unwrap_or_default();
        let keys = groups
            .into_iter()
            .filter(|g| self.scope.working_group_id.is_none_or(|id| id == g.id))
            .map(|g| g.code)
            .collect();
        self.measures_by(ctx, MeasureDimension::WorkingGroup, keys)
            .await
    }

    /// By cost class of the legend; `UNCLASSIFIED` without an estimate.
    async fn measures_by_cost(&self, ctx: &Context<'_>) -> ApiResult<Vec<Bucket>> {
        self.measures_by(
            ctx,
            MeasureDimension::CostCategory,
            names(SizeCategory::ALL),
        )
        .await
    }

    async fn measures_by_personnel(&self, ctx: &Context<'_>) -> ApiResult<Vec<Bucket>> {
        self.measures_by(
            ctx,
            MeasureDimension::PersonnelCategory,
            names(SizeCategory::ALL),
        )
        .await
    }

    async fn measures_by_period(&self, ctx: &Context<'_>) -> ApiResult<Vec<Bucket>> {
        self.measures_by(
            ctx,
            MeasureDimension::PeriodCategory,
            names(PeriodCategory::ALL),
        )
        .await
    }

    async fn measures_by_quick_win(&self, ctx: &Context<'_>) -> ApiResult<Vec<Bucket>> {
        self.measures_by(ctx, MeasureDimension::QuickWin, names(QuickWin::ALL))
            .await
    }

    /// Every goal status, with 0 where no goal has it.
    async fn goals_by_status(&self, ctx: &Context<'_>) -> ApiResult<Vec<Bucket>> {
        let counts = loaders(ctx)?
            .goal_counts
            .load_one(self.scope.plan_id)
            .await?
            .unwrap_or_default();
        let counts = self.in_scope(counts);
        Ok(buckets(
            names(GoalStatus::ALL),
            counts.into_iter().map(|(k, n)| (Some(k), n)).collect(),
        ))
    }

    /// KPIs by trajectory as of `asOf` (see `KpiTrajectory`): every status,
    /// with 0 where no KPI has it. The KPIs of all summaries of a request
    /// are read and judged together.
    async fn kpis_by_trajectory(&self, ctx: &Context<'_>) -> ApiResult<Vec<Bucket>> {
        let kpis: Vec<KpiRow> = loaders(ctx)?
            .kpis_of_plan
            .load_one(self.scope.plan_id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .filter(|(group, _)| self.scope.working_group_id.is_none_or(|id| id == *group))
            .map(|(_, kpi)| kpi)
            .collect();
        let judged = trajectories(ctx, &kpis, self.as_of).await?;
        Ok(TrajectoryStatus::ALL
            .iter()
            .map(|status| Bucket {
                key: status.to_string(),
                count: judged.iter().filter(|t| t.status == *status).count() as i64,
            })
            .collect())
    }

    /// Goals past their due date and neither achieved nor dropped.
    #[graphql(complexity = "first.map_or(100, |n| n.max(0) as usize) * child_complexity")]
    async fn overdue_goals(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<OffsetConnection<Goal, TotalCount>> {
        self.goals(ctx, GoalList::Overdue, &page_args(first, after))
            .await
    }

    /// Open or in-progress goals due within `days` after `asOf` (inclusive).
    #[graphql(complexity = "first.map_or(100, |n| n.max(0) as usize) * child_complexity")]
    async fn goals_due_within(
        &self,
        ctx: &Context<'_>,
        days: i32,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<OffsetConnection<Goal, TotalCount>> {
        let until = u64::try_from(days)
            .ok()
            .and_then(|d| self.as_of.checked_add_days(chrono::Days::new(d)))
            .filter(|_| days <= 3660)
            .ok_or_else(|| ApiError::bad_input("`days` must be between 0 and 3660"))?;
        self.goals(ctx, GoalList::DueUntil(until), &page_args(first, after))
            .await
    }

    /// KPIs without any value observed in the `months` before `asOf`.
    #[graphql(complexity = "first.map_or(100, |n| n.max(0) as usize) * child_complexity")]
    async fn stale_kpis(
        &self,
        ctx: &Context<'_>,
        months: i32,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<OffsetConnection<Kpi, TotalCount>> {
        let since = u32::try_from(months)
            .ok()
            .filter(|m| (1..=240).contains(m))
            .and_then(|m| self.as_of.checked_sub_months(Months::new(m)))
            .ok_or_else(|| ApiError::bad_input("`months` must be between 1 and 240"))?;
        self.kpis(ctx, since, &page_args(first, after)).await
    }
}
