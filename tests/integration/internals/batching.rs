//! `api::batching`: when a request counts as idle (DataLoader batches wait for it).

use std::sync::Arc;
use std::time::Duration;

use masterplan_api::batching::{Activity, Tracked};

#[tokio::test]
async fn idle_waits_for_the_tracked_future_to_stop_running() {
    let activity = Arc::new(Activity::default());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let tracked = Tracked::new(
        async move {
            rx.await.ok();
        },
        activity.clone(),
    );
    let handle = tokio::spawn(tracked);
    // Pending on the channel: idle.
    tokio::time::timeout(Duration::from_secs(5), activity.idle())
        .await
        .expect("idle while waiting for input");
    tx.send(()).unwrap();
    handle.await.unwrap();
    assert!(activity.is_idle(), "a finished request is idle");
}
