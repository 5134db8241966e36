//! Opaque Relay global IDs: base64 of `Type:id`, so clients never build or
//! parse them and an ID of one type is never accepted for another.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use masterplan_persistence::ids::{
    ApiTokenId, GoalId, KpiId, KpiValueId, MeasureId, PlanId, TableId, WebhookId, WorkingGroupId,
};

/// The object types that have global IDs: the audit trail's entity types
/// (`API_TOKEN` only as the subject of audit entries; tokens are not
/// readable nodes).
pub use masterplan_domain::audit::AuditEntityType as NodeType;

/// The type name a global ID starts with ("Measure" in "Measure:7").
pub fn type_name(node_type: NodeType) -> &'static str {
    match node_type {
        NodeType::Plan => "Plan",
        NodeType::WorkingGroup => "WorkingGroup",
        NodeType::Measure => "Measure",
        NodeType::Goal => "Goal",
        NodeType::Kpi => "Kpi",
        NodeType::KpiValue => "KpiValue",
        NodeType::ApiToken => "ApiToken",
    }
}

/// An id type whose objects have global IDs of one [`NodeType`].
pub trait NodeId: TableId {
    const TYPE: NodeType;
}

macro_rules! node_id {
    ($($id:ident => $node_type:ident),+ $(,)?) => {$(
        impl NodeId for $id {
            const TYPE: NodeType = NodeType::$node_type;
        }
    )+};
}

node_id!(
    PlanId => Plan,
    WorkingGroupId => WorkingGroup,
    MeasureId => Measure,
    GoalId => Goal,
    KpiId => Kpi,
    KpiValueId => KpiValue,
    ApiTokenId => ApiToken,
);

pub fn encode<I: NodeId>(id: I) -> ID {
    encode_raw(I::TYPE, id.get())
}

/// The global ID of a type and bare id (audit entries store no more).
pub fn encode_raw(node_type: NodeType, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", type_name(node_type))))
}

/// The type and database id behind a global ID, or `None` for anything that
/// is not one of ours.
pub fn decode(id: &str) -> Option<(NodeType, i64)> {
    let bytes = URL_SAFE_NO_PAD.decode(id).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (name, digits) = text.split_once(':')?;
    let node_type = *NodeType::ALL.iter().find(|t| type_name(**t) == name)?;
    let number: i64 = digits.parse().ok()?;
    // Only the canonical spelling is ours ("Measure:7", not "Measure:007").
    (number > 0 && number.to_string() == digits).then_some((node_type, number))
}

/// The ID of a webhook (not a node: webhooks are read through `webhooks`).
pub fn encode_webhook(id: WebhookId) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{WEBHOOK}:{id}")))
}

pub fn decode_webhook(id: &str) -> Option<WebhookId> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(id).ok()?).ok()?;
    let digits = text.strip_prefix(WEBHOOK)?.strip_prefix(':')?;
    let number: i64 = digits.parse().ok()?;
    (number > 0 && number.to_string() == digits).then_some(WebhookId::new(number))
}

const WEBHOOK: &str = "Webhook";

/// The database id of a global ID that must be of `I`'s type.
pub fn decode_as<I: NodeId>(id: &str) -> Option<I> {
    decode(id).and_then(|(t, n)| (t == I::TYPE).then(|| I::new(n)))
}
