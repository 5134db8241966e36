//! The Relay `Node` interface and lookups by global ID.

use async_graphql::{Context, ID, Interface};

use crate::error::ApiResult;
use crate::graphql::audit::decode_subject;
use crate::graphql::context::loaders;
use crate::graphql::objects::{Goal, Kpi, KpiValue, Measure, Plan, WorkingGroup};
use masterplan_persistence::ids::SubjectId;

/// An object with a global ID, fetchable with `node(id:)`.
// Built once per resolved node; boxing rows would only add allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Plan(Plan),
    WorkingGroup(WorkingGroup),
    Measure(Measure),
    Goal(Goal),
    Kpi(Kpi),
    KpiValue(KpiValue),
}

/// The object behind a global ID; `None` for unknown or malformed IDs (as
/// Relay expects), so one stale ID does not fail a whole `nodes` call.
pub async fn load_node(ctx: &Context<'_>, id: &str) -> ApiResult<Option<Node>> {
    let Some(subject) = decode_subject(id) else {
        return Ok(None);
    };
    load_typed(ctx, subject.id()).await
}

/// The object of a typed id, as the caller may see it.
pub async fn load_typed(ctx: &Context<'_>, id: SubjectId) -> ApiResult<Option<Node>> {
    let loaders = loaders(ctx)?;
    Ok(match id {
        SubjectId::Plan(id) => loaders
            .plan
            .load_one(id)
            .await?
            .map(|r| Node::Plan(Plan::live(r))),
        SubjectId::WorkingGroup(id) => loaders
            .working_group
            .load_one(id)
            .await?
            .map(|r| Node::WorkingGroup(WorkingGroup::live(r))),
        SubjectId::Measure(id) => loaders
            .measure
            .load_one(id)
            .await?
            .map(|r| Node::Measure(Measure::live(r))),
        SubjectId::Goal(id) => loaders
            .goal
            .load_one(id)
            .await?
            .map(|r| Node::Goal(Goal::live(r))),
        SubjectId::Kpi(id) => loaders
            .kpi
            .load_one(id)
            .await?
            .map(|r| Node::Kpi(Kpi::live(r))),
        SubjectId::KpiValue(id) => loaders
            .kpi_value
            .load_one(id)
            .await?
            .map(|r| Node::KpiValue(KpiValue::live(r))),
        SubjectId::ApiToken(_) => None,
    })
}
