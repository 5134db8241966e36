//! The Relay `Node` interface and lookups by global ID.

use async_graphql::{Context, ID, Interface};

use crate::error::ApiResult;
use crate::graphql::context::loaders;
use crate::graphql::objects::{Goal, Kpi, KpiValue, Measure, Plan, WorkingGroup};
use crate::ids::{NodeType, decode};

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
    let Some((node_type, id)) = decode(id) else {
        return Ok(None);
    };
    load_typed(ctx, node_type, id).await
}

/// The object of a type and database id, as the caller may see it.
pub async fn load_typed(
    ctx: &Context<'_>,
    node_type: NodeType,
    id: i64,
) -> ApiResult<Option<Node>> {
    let loaders = loaders(ctx)?;
    Ok(match node_type {
        NodeType::Plan => loaders
            .plan
            .load_one(id)
            .await?
            .map(|r| Node::Plan(Plan::live(r))),
        NodeType::WorkingGroup => loaders
            .working_group
            .load_one(id)
            .await?
            .map(|r| Node::WorkingGroup(WorkingGroup::live(r))),
        NodeType::Measure => loaders
            .measure
            .load_one(id)
            .await?
            .map(|r| Node::Measure(Measure::live(r))),
        NodeType::Goal => loaders
            .goal
            .load_one(id)
            .await?
            .map(|r| Node::Goal(Goal::live(r))),
        NodeType::Kpi => loaders
            .kpi
            .load_one(id)
            .await?
            .map(|r| Node::Kpi(Kpi::live(r))),
        NodeType::KpiValue => loaders
            .kpi_value
            .load_one(id)
            .await?
            .map(|r| Node::KpiValue(KpiValue::live(r))),
        NodeType::ApiToken => None,
    })
}
