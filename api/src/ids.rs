//! Opaque Relay global IDs: base64 of `Type:id`, so clients never build or
//! parse them and an ID of one type is never accepted for another.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The object types that have global IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeType {
    Plan,
    WorkingGroup,
    Measure,
    Goal,
    Kpi,
    KpiValue,
    /// Only as the subject of audit entries; tokens are not readable nodes.
    ApiToken,
}

impl NodeType {
    const ALL: [NodeType; 7] = [
        NodeType::Plan,
        NodeType::WorkingGroup,
        NodeType::Measure,
        NodeType::Goal,
        NodeType::Kpi,
        NodeType::KpiValue,
        NodeType::ApiToken,
    ];

    pub fn name(self) -> &'static str {
        match self {
            NodeType::Plan => "Plan",
            NodeType::WorkingGroup => "WorkingGroup",
            NodeType::Measure => "Measure",
            NodeType::Goal => "Goal",
            NodeType::Kpi => "Kpi",
            NodeType::KpiValue => "KpiValue",
            NodeType::ApiToken => "ApiToken",
        }
    }
}

pub fn encode(node_type: NodeType, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", node_type.name())))
}

/// The type and database id behind a global ID, or `None` for anything that
/// is not one of ours.
pub fn decode(id: &str) -> Option<(NodeType, i64)> {
    let bytes = URL_SAFE_NO_PAD.decode(id).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (name, digits) = text.split_once(':')?;
    let node_type = NodeType::ALL.into_iter().find(|t| t.name() == name)?;
    let number: i64 = digits.parse().ok()?;
    // Only the canonical spelling is ours ("Measure:7", not "Measure:007").
    (number > 0 && number.to_string() == digits).then_some((node_type, number))
}

/// The database id of a global ID that must be of `expected` type.
/// The ID of a webhook (not a node: webhooks are read through `webhooks`).
pub fn encode_webhook(id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{WEBHOOK}:{id}")))
}

pub fn decode_webhook(id: &str) -> Option<i64> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(id).ok()?).ok()?;
    let digits = text.strip_prefix(WEBHOOK)?.strip_prefix(':')?;
    let number: i64 = digits.parse().ok()?;
    (number > 0 && number.to_string() == digits).then_some(number)
}

const WEBHOOK: &str = "Webhook";

pub fn decode_as(id: &str, expected: NodeType) -> Option<i64> {
    decode(id).and_then(|(t, n)| (t == expected).then_some(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let id = encode(NodeType::Measure, 42);
        assert_eq!(decode(&id), Some((NodeType::Measure, 42)));
        assert_eq!(decode_as(&id, NodeType::Goal), None);
    }

    #[test]
    fn rejects_foreign_ids() {
        for bad in [
            "",
            "1.2",
            "TWVhc3VyZTo",
            "not base64!",
            &URL_SAFE_NO_PAD.encode("Measure:+1"),
        ] {
            assert_eq!(decode(bad), None, "{bad}");
        }
        assert_eq!(decode(&URL_SAFE_NO_PAD.encode("Measure:007")), None);
        assert_eq!(decode(&URL_SAFE_NO_PAD.encode("User:1")), None);
    }
}
