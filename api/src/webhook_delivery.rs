//! Delivering webhooks from the outbox: one worker per server process takes
//! the next due delivery (see `writes::webhooks::deliver_next`), POSTs the
//! change as JSON signed as the Standard Webhooks specification says, and
//! records the outcome. Woken by commits (on PostgreSQL any instance's) and
//! by the next retry falling due; idle otherwise.
//!
//! Each attempt of a delivery carries the same `webhook-id`, so a receiver
//! can drop a repeat (a delivery is repeated when the server stopped between
//! sending it and recording it). Redirects are not followed; only a 2xx
//! answer counts as delivered.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use masterplan_persistence::Database;
use masterplan_persistence::models::audit::AuditRow;
use masterplan_persistence::writes::webhooks::{Due, Retries, deliver_next, next_due_at};
use opentelemetry_http::hyper::HyperClient;
use opentelemetry_http::{Bytes, HttpClient, Request};
use serde_json::json;
use sha2::Sha256;

use crate::graphql::changes::event_json;
use crate::limits::Limits;

/// The longest a worker sleeps before it looks again without being woken.
const IDLE: Duration = Duration::from_secs(60);
const DATABASE_RETRY: Duration = Duration::from_secs(1);

/// Starts the process's delivery worker.
pub fn spawn(db: Database, limits: &Limits) {
    let retries = Retries {
        first: limits.webhook_first_retry,
        longest: Duration::from_secs(60 * 60),
        give_up_after: Duration::from_secs(24 * 60 * 60),
    };
    let timeout = limits.webhook_timeout;
    tokio::spawn(run(db, retries, timeout));
}

async fn run(db: Database, retries: Retries, timeout: Duration) {
    let client = HyperClient::with_default_connector(timeout, None);
    let mut signals = db.commit_signals();
    loop {
        let wait = match drain(&db, &client, retries, timeout).await {
            Ok(wait) => wait,
            Err(err) => {
                tracing::warn!(error = %err, "webhook deliveries wait for the database");
                DATABASE_RETRY
            }
        };
        tokio::select! {
            () = signals.changed() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// Attempts every due delivery; returns how long until the next falls due.
async fn drain(
    db: &Database,
    client: &HyperClient,
    retries: Retries,
    timeout: Duration,
) -> masterplan_persistence::RepoResult<Duration> {
    let mut conn = db.conn().await?;
    while deliver_next(&mut conn, retries, async |due| {
        post(client, due, timeout).await
    })
    .await?
    {}
    let next = next_due_at(&mut conn).await?;
    let now = masterplan_persistence::clock::now();
    Ok(next.map_or(IDLE, |at| {
        (at - now).to_std().unwrap_or(Duration::ZERO).min(IDLE)
    }))
}

/// The body of a delivery: the Standard Webhooks envelope around the change.
fn body(entry: &AuditRow) -> Result<String, String> {
    let data = event_json(entry).map_err(|e| e.message)?;
    let kind = format!(
        "{}.{}",
        entry.entity_type.as_str().to_ascii_lowercase(),
        entry.action.as_str().to_ascii_lowercase()
    );
    Ok(json!({ "type": kind, "timestamp": entry.at.and_utc(), "data": data }).to_string())
}

/// `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under the key
/// in `whsec_<base64>`.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, String> {
    let key = secret
        .strip_prefix("whsec_")
        .and_then(|key| STANDARD.decode(key).ok())
        .ok_or("the webhook's secret is unreadable")?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

async fn post(client: &HyperClient, due: &Due, timeout: Duration) -> Result<(), String> {
    let body = body(&due.entry)?;
    let id = format!("msg_{}", due.delivery.id);
    let timestamp = chrono::Utc::now().timestamp();
    let signed = signature(&due.webhook.secret, &id, timestamp, &body)?;
    let request = Request::post(&due.webhook.url)
        .header("content-type", "application/json")
        .header("user-agent", "masterplan-api")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signed)
        .body(Bytes::from(body))
        .map_err(|e| format!("cannot build the request: {e}"))?;
    let answer = tokio::time::timeout(timeout, client.send_bytes(request)).await;
    let result = match answer {
        Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
        Ok(Err(err)) => Err(err.to_string()),
        Ok(Ok(response)) if response.status().is_success() => Ok(()),
        Ok(Ok(response)) => Err(format!("the receiver answered {}", response.status())),
    };
    match &result {
        Ok(()) => tracing::info!(
            webhook = due.webhook.id.get(),
            delivery = due.delivery.id.get(),
            "webhook delivered"
        ),
        Err(error) => {
            tracing::info!(webhook = due.webhook.id.get(), delivery = due.delivery.id.get(), %error, "webhook delivery failed")
        }
    }
    result
}
