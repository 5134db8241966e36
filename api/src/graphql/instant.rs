//! Answers as of an instant (`at:` on `measure`, `measures` and `node`). The
//! object types carry the [`View`] they were read from, and every field
//! below them reads from the same view: today's rows through the request's
//! loaders, or the plan as it was, rebuilt from the audit trail
//! ([`masterplan_persistence::models::plan_at`]) once per plan and instant.

use std::sync::Arc;

use async_graphql::Context;
use chrono::{DateTime, NaiveDate, Utc};
use masterplan_persistence::ids::{PlanId, SubjectId};
use masterplan_persistence::models::plan_at::PlanAt;

use masterplan_domain::visibility::Audience;
use masterplan_persistence::models::measure::{MeasureFilter, MeasureOrder};
use masterplan_persistence::models::plan;
use masterplan_persistence::models::plan_at::measure_order;
use masterplan_persistence::writes::lookups::MeasureKey;

use crate::error::{ApiError, ApiResult};
use crate::graphql::audit::decode_subject;
use crate::graphql::context::{as_of, audience, conn, limits, loaders};
use crate::graphql::node::Node;
use crate::graphql::objects::{Goal, Kpi, KpiValue, Measure, Plan, WorkingGroup};
use crate::graphql::paging::{OffsetConnection, PageArgs, offset_connection, page_in_memory};
use crate::graphql::scalars::Date;
use crate::graphql::totals::TotalCount;

/// Where an object's fields read from.
#[derive(Clone, Default)]
pub struct View(Option<Arc<PlanAt>>);

impl View {
    /// Today's data.
    pub const LIVE: View = View(None);

    /// The plan as it was at an instant.
    pub fn of(plan: Arc<PlanAt>) -> View {
        View(Some(plan))
    }

    /// The plan at the instant, when this is not the live view.
    pub fn at(&self) -> Option<&PlanAt> {
        self.0.as_deref()
    }

    /// The date an `asOf` argument means: the one given, else the
    /// instant's date (today for the live view).
    pub fn as_of(&self, date: Option<Date>) -> NaiveDate {
        match (date, self.at()) {
            (None, Some(plan)) => plan.at.date(),
            (date, _) => as_of(date),
        }
    }
}

/// Plan `plan_id` as it was at `at`; `None` before it was loaded.
pub async fn plan_at(
    ctx: &Context<'_>,
    plan_id: PlanId,
    at: DateTime<Utc>,
) -> ApiResult<Option<Arc<PlanAt>>> {
    loaders(ctx)?
        .plan_at
        .load_one((plan_id, at.naive_utc()))
        .await
}

/// `measure(code:|title:, at:)`: the measure that had that code (or, alone,
/// that title) in the plan at `at`.
pub async fn measure_at(
    ctx: &Context<'_>,
    plan_id: PlanId,
    key: &MeasureKey,
    at: DateTime<Utc>,
) -> ApiResult<Option<Measure>> {
    let Some(plan) = plan_at(ctx, plan_id, at).await? else {
        return Ok(None);
    };
    let audience = audience(ctx);
    let row = match key {
        MeasureKey::Code(code) => plan.measure_by_code(code, audience),
        MeasureKey::Title(title) => {
            let mut titled = plan.measures(audience).filter(|m| m.title == title.trim());
            match (titled.next(), titled.next()) {
                (Some(_), Some(_)) => {
                    return Err(ApiError::bad_input(format!(
                        "several measures were titled {title:?} then: name it by `code`"
                    )));
                }
                (only, _) => only,
            }
        }
    };
    Ok(row.cloned().map(|row| Measure(row, View::of(plan))))
}

/// `measures(…, at:)`: the filter and order applied to the measures of every
/// plan (or the filter's plan) as they were at `at`, paged in memory.
pub async fn measures_at(
    ctx: &Context<'_>,
    filter: &MeasureFilter,
    order: MeasureOrder,
    args: &PageArgs,
    at: DateTime<Utc>,
) -> ApiResult<OffsetConnection<Measure, TotalCount>> {
    let mut found: Vec<Measure> = Vec::new();
    for plan_id in plan_ids(ctx, filter.plan_id).await? {
        if let Some(plan) = plan_at(ctx, plan_id, at).await? {
            let rows = plan.list_measures(filter, order);
            let view = View::of(plan.clone());
            found.extend(
                rows.into_iter()
                    .map(|row| Measure(row.clone(), view.clone())),
            );
        }
    }
    found.sort_by(|a, b| measure_order(order, &a.0, &b.0));
    let total = TotalCount::known(found.len() as i64);
    let (page, rows) = page_in_memory(found, args, limits(ctx)?)?;
    Ok(offset_connection(page, rows, total, |m| m))
}

/// `nodes(ids:, at:)` (and `node`): the objects behind global IDs as they
/// were at `at`, each in whichever plan holds it. Every plan is rebuilt once,
/// however many IDs are asked.
pub async fn nodes_at(
    ctx: &Context<'_>,
    ids: &[&str],
    at: DateTime<Utc>,
) -> ApiResult<Vec<Option<Node>>> {
    let mut plans = Vec::new();
    for plan_id in plan_ids(ctx, None).await? {
        plans.extend(plan_at(ctx, plan_id, at).await?);
    }
    let audience = audience(ctx);
    Ok(ids
        .iter()
        .map(|id| {
            let id = decode_subject(id)?.id();
            plans.iter().find_map(|plan| node_in(plan, id, audience))
        })
        .collect())
}

/// The object of a type and id in `plan`, as `audience` sees it.
fn node_in(plan: &Arc<PlanAt>, id: SubjectId, audience: Audience) -> Option<Node> {
    let view = || View::of(plan.clone());
    match id {
        SubjectId::Plan(id) => {
            (plan.plan.id == id).then(|| Node::Plan(Plan(plan.plan.clone(), view())))
        }
        SubjectId::WorkingGroup(id) => plan
            .working_group(id)
            .map(|g| Node::WorkingGroup(WorkingGroup(g.clone(), view()))),
        SubjectId::Measure(id) => plan
            .measure(id, audience)
            .map(|m| Node::Measure(Measure(m.clone(), view()))),
        SubjectId::Goal(id) => plan
            .goal(id, audience)
            .map(|g| Node::Goal(Goal(g.clone(), view()))),
        SubjectId::Kpi(id) => plan
            .kpi(id, audience)
            .map(|k| Node::Kpi(Kpi(k.clone(), view()))),
        SubjectId::KpiValue(id) => plan
            .value(id, audience)
            .map(|v| Node::KpiValue(KpiValue(v.clone(), view()))),
        SubjectId::ApiToken(_) => None,
    }
}

/// The plan named, or every plan.
async fn plan_ids(ctx: &Context<'_>, plan_id: Option<PlanId>) -> ApiResult<Vec<PlanId>> {
    if let Some(id) = plan_id {
        return Ok(vec![id]);
    }
    let mut conn = conn(ctx).await?;
    Ok(plan::list(&mut conn).await?.iter().map(|p| p.id).collect())
}
