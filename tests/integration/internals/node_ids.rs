//! `api::ids`: global node ids, encoded and decoded.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use masterplan_api::ids::{NodeType, decode, decode_as, decode_webhook, encode, encode_webhook};
use masterplan_persistence::ids::{GoalId, MeasureId, WebhookId};

#[test]
fn round_trip() {
    let id = encode(MeasureId::new(42));
    assert_eq!(decode(&id), Some((NodeType::Measure, 42)));
    assert_eq!(decode_as::<MeasureId>(&id), Some(MeasureId::new(42)));
    assert_eq!(decode_as::<GoalId>(&id), None);
    assert_eq!(decode_webhook(&id), None);
    let hook = encode_webhook(WebhookId::new(42));
    assert_eq!(decode_webhook(&hook), Some(WebhookId::new(42)));
    assert_eq!(decode(&hook), None);
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
