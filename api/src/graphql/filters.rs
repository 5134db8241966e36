//! Filter and ordering inputs of the list queries, and their translation to
//! repository filters (resolving plan slugs and measure references).

use async_graphql::{Context, InputObject};
use masterplan_persistence::ids::{MeasureId, PlanId};
use masterplan_persistence::models::goal::GoalFilter as RepoGoalFilter;
use masterplan_persistence::models::kpi::KpiFilter as RepoKpiFilter;
use masterplan_persistence::models::measure;
use masterplan_persistence::models::measure::{
    MeasureFilter as RepoMeasureFilter, MeasureOrder as RepoMeasureOrder,
    MeasureOrderField as RepoField,
};

use crate::error::{ApiError, ApiResult};
use crate::graphql::context::{as_of, audience, conn};
use crate::graphql::enums::{
    GoalStatus, KpiValueType, MeasureStatus, OrderDirection, PeriodCategory, QuickWin,
    SizeCategory, TrajectoryStatus,
};
use crate::graphql::plans::{plan_id_by_slug, resolve_plan};
use crate::graphql::scalars::Date;
use crate::graphql::trajectory_filter::TrajectoryCondition;
use crate::ids::decode_as;

/// Which measures to list. Every given condition must hold; a list matches any
/// of its values (`status: [PLANNED, IN_PROGRESS]`; a single value works too).
#[derive(InputObject, Default)]
pub struct MeasureFilter {
    /// Plan slug; without it, measures of every plan.
    pub plan: Option<String>,
    /// Working group codes (`I` … `IV`).
    pub working_group: Option<Vec<String>>,
    pub status: Option<Vec<MeasureStatus>>,
    pub quick_win: Option<Vec<QuickWin>>,
    pub cost_category: Option<Vec<SizeCategory>>,
    pub personnel_category: Option<Vec<SizeCategory>>,
    pub period_category: Option<Vec<PeriodCategory>>,
    /// Case-insensitive text contained in the code, title or description.
    pub search: Option<String>,
}

fn mapped<T: Copy, U: From<T>>(values: &Option<Vec<T>>) -> Vec<U> {
    values.iter().flatten().map(|v| U::from(*v)).collect()
}

impl MeasureFilter {
    pub async fn resolve(&self, ctx: &Context<'_>) -> ApiResult<RepoMeasureFilter> {
        let plan_id = match &self.plan {
            Some(slug) => Some(plan_id_by_slug(ctx, slug).await?),
            None => None,
        };
        Ok(RepoMeasureFilter {
            audience: audience(ctx),
            plan_id,
            working_group_codes: self.working_group.clone().unwrap_or_default(),
            statuses: mapped(&self.status),
            quick_wins: mapped(&self.quick_win),
            cost_categories: mapped(&self.cost_category),
            personnel_categories: mapped(&self.personnel_category),
            period_categories: mapped(&self.period_category),
            search: self.search.clone(),
        })
    }
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Default, Debug)]
#[graphql(remote = "RepoField")]
pub enum MeasureOrderField {
    /// The plan's order.
    #[default]
    Position,
    Code,
    Title,
    UpdatedAt,
}

#[derive(InputObject, Default)]
pub struct MeasureOrder {
    pub field: MeasureOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl From<&MeasureOrder> for RepoMeasureOrder {
    fn from(order: &MeasureOrder) -> Self {
        RepoMeasureOrder {
            field: order.field.into(),
            direction: order.direction.into(),
        }
    }
}

/// Which goals to list.
#[derive(InputObject, Default)]
pub struct GoalFilter {
    /// Plan slug; without it, goals of every plan.
    pub plan: Option<String>,
    /// A measure's global ID or its code (`1.2`, within `plan` or the only plan).
    pub measure: Option<String>,
    pub status: Option<Vec<GoalStatus>>,
    /// Due on or after this date.
    pub due_after: Option<Date>,
    /// Due on or before this date.
    pub due_before: Option<Date>,
    /// Only overdue goals (true) or only the others (false), as of `asOf`.
    pub overdue: Option<bool>,
    /// The date `overdue` is judged against (default: today).
    pub as_of: Option<Date>,
}

impl GoalFilter {
    pub async fn resolve(&self, ctx: &Context<'_>) -> ApiResult<RepoGoalFilter> {
        if let (Some(after), Some(before)) = (self.due_after, self.due_before)
            && after > before
        {
            return Err(ApiError::bad_input(format!(
                "`dueAfter` ({}) is later than `dueBefore` ({})",
                after.0, before.0
            )));
        }
        let (plan_id, measure_ids) =
            scope(ctx, self.plan.as_deref(), self.measure.as_deref()).await?;
        Ok(RepoGoalFilter {
            audience: audience(ctx),
            plan_id,
            working_group_id: None,
            measure_ids,
            statuses: mapped(&self.status),
            due_after: self.due_after.map(|d| d.0),
            due_before: self.due_before.map(|d| d.0),
            overdue: self.overdue,
            as_of: self.as_of.map(|d| d.0),
        })
    }
}

/// Which KPIs to list.
#[derive(InputObject, Default)]
pub struct KpiFilter {
    /// Plan slug; without it, KPIs of every plan.
    pub plan: Option<String>,
    /// A measure's global ID or its code (`1.2`, within `plan` or the only plan).
    pub measure: Option<String>,
    pub value_type: Option<Vec<KpiValueType>>,
    /// Only KPIs whose trajectory (see `KpiTrajectory`), as of `asOf`, has
    /// one of these statuses.
    pub trajectory: Option<Vec<TrajectoryStatus>>,
    /// The date `trajectory` is judged against (default: today).
    pub as_of: Option<Date>,
}

impl KpiFilter {
    /// The `trajectory` condition, judged outside SQL; None without one (an
    /// empty list restricts nothing, as elsewhere).
    pub fn trajectory_condition(&self) -> Option<TrajectoryCondition> {
        let statuses: Vec<_> = mapped(&self.trajectory);
        (!statuses.is_empty()).then(|| TrajectoryCondition {
            statuses,
            as_of: as_of(self.as_of),
        })
    }

    pub async fn resolve(&self, ctx: &Context<'_>) -> ApiResult<RepoKpiFilter> {
        let (plan_id, measure_ids) =
            scope(ctx, self.plan.as_deref(), self.measure.as_deref()).await?;
        Ok(RepoKpiFilter {
            audience: audience(ctx),
            plan_id,
            working_group_id: None,
            measure_ids,
            value_types: mapped(&self.value_type),
            no_value_since: None,
        })
    }
}

/// The plan and measure a goal or KPI list is restricted to.
async fn scope(
    ctx: &Context<'_>,
    plan: Option<&str>,
    measure: Option<&str>,
) -> ApiResult<(Option<PlanId>, Vec<MeasureId>)> {
    let plan_id = match plan {
        Some(slug) => Some(plan_id_by_slug(ctx, slug).await?),
        None => None,
    };
    let measure_ids = match measure {
        Some(reference) => vec![measure_id(ctx, reference, plan).await?],
        None => Vec::new(),
    };
    Ok((plan_id, measure_ids))
}

/// A measure named by global ID or by code.
async fn measure_id(
    ctx: &Context<'_>,
    reference: &str,
    plan: Option<&str>,
) -> ApiResult<MeasureId> {
    if let Some(id) = decode_as(reference) {
        return Ok(id);
    }
    let plan = resolve_plan(ctx, plan).await?;
    let mut conn = conn(ctx).await?;
    measure::find_by_code(&mut conn, plan.id, reference, audience(ctx))
        .await?
        .map(|m| m.id)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no measure {reference:?} in plan {:?} (give a measure's ID or code)",
                plan.slug
            ))
        })
}
