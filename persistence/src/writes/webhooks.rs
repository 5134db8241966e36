//! Webhooks: creating and deleting them, the outbox (a delivery row per
//! matching webhook, written with each audit entry in its transaction), and
//! taking the next due delivery so that each webhook gets its deliveries in
//! order, one at a time, from one server instance at a time.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};
use diesel_async::RunQueryDsl;
use masterplan_domain::audit::AuditEntityType;

use crate::clock;
use crate::db::DbConn;
use crate::error::RepoResult;
use crate::ids::{MeasureId, WebhookDeliveryId, WebhookId};
use crate::load_rows::{LoadRows, first_row};
use crate::models::audit::AuditRow;
use crate::models::changes::placements_of;
use crate::models::webhooks::{DELIVERED, DeliveryRow, FAILED, PENDING, WebhookRow};
use crate::schema::{audit_log, webhook_deliveries, webhooks};
use crate::with_conn;

/// A webhook to store; its input was checked by the caller.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub url: String,
    pub entity_types: Option<Vec<AuditEntityType>>,
    pub measure_id: Option<MeasureId>,
    pub secret: String,
    pub created_by: String,
}

pub async fn create(conn: &mut DbConn, new: &NewWebhook) -> RepoResult<WebhookRow> {
    let types = new.entity_types.as_ref().map(|types| {
        let names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
        serde_json::to_string(&names).expect("names serialise")
    });
    let values = (
        webhooks::url.eq(&new.url),
        webhooks::entity_types.eq(types),
        webhooks::measure_id.eq(new.measure_id),
        webhooks::secret.eq(&new.secret),
        webhooks::created_at.eq(clock::now()),
        webhooks::created_by.eq(&new.created_by),
    );
    Ok(with_conn!(conn, c => diesel::insert_into(webhooks::table)
        .values(values.clone())
        .returning(WebhookRow::as_returning())
        .get_result(c)
        .await)?)
}

/// Deletes a webhook: it gets nothing more, and its pending deliveries are
/// given up. `None` when there is no such webhook (or it was deleted).
pub async fn delete(conn: &mut DbConn, id: WebhookId) -> RepoResult<Option<WebhookRow>> {
    conn.transaction(async |conn| {
        let deleted: Option<WebhookRow> = with_conn!(conn, c => diesel::update(
                webhooks::table.find(id).filter(webhooks::deleted_at.is_null()),
            )
            .set(webhooks::deleted_at.eq(clock::now()))
            .returning(WebhookRow::as_returning())
            .get_result(c)
            .await
            .optional())?;
        if deleted.is_some() {
            with_conn!(conn, c => diesel::update(
                    webhook_deliveries::table
                        .filter(webhook_deliveries::webhook_id.eq(id))
                        .filter(webhook_deliveries::status.eq(PENDING)),
                )
                .set((
                    webhook_deliveries::status.eq(FAILED),
                    webhook_deliveries::last_error.eq("the webhook was deleted"),
                ))
                .execute(c)
                .await)?;
        }
        Ok(deleted)
    })
    .await
}

/// Writes a delivery for every webhook that wants each of `entries`; call
/// it in the entries' transaction (see [`crate::writes::audit_log::append_all`]).
/// The webhooks are read once, and the entries placed at once when a webhook
/// wants one measure only.
pub(crate) async fn enqueue_all(conn: &mut DbConn, entries: &[AuditRow]) -> RepoResult<()> {
    let hooks: Vec<WebhookRow> = with_conn!(conn, c => c.load_rows(webhooks::table
        .filter(webhooks::deleted_at.is_null())
        .select(WebhookRow::as_select()))
        .await)?;
    // Each webhook with the entity types it wants (`None`: every type).
    let hooks: Vec<(WebhookRow, Option<Vec<AuditEntityType>>)> = hooks
        .into_iter()
        .map(|h| {
            let types = h.types();
            (h, types)
        })
        .filter(|(_, types)| {
            types
                .as_ref()
                .is_none_or(|t| entries.iter().any(|e| t.contains(&e.entity_type)))
        })
        .collect();
    if hooks.is_empty() {
        return Ok(());
    }
    let measures: Vec<Option<MeasureId>> = if hooks.iter().any(|(h, _)| h.measure_id.is_some()) {
        placements_of(conn, entries)
            .await?
            .into_iter()
            .map(|p| p.measure_id)
            .collect()
    } else {
        vec![None; entries.len()]
    };
    for (entry, measure) in entries.iter().zip(measures) {
        for (hook, types) in &hooks {
            if types
                .as_ref()
                .is_some_and(|t| !t.contains(&entry.entity_type))
                || hook.measure_id.is_some() && hook.measure_id != measure
            {
                continue;
            }
            let values = (
                webhook_deliveries::webhook_id.eq(hook.id),
                webhook_deliveries::audit_id.eq(entry.id),
                webhook_deliveries::status.eq(PENDING),
                webhook_deliveries::attempts.eq(0),
                webhook_deliveries::next_attempt_at.eq(entry.at),
            );
            with_conn!(conn, c => diesel::insert_into(webhook_deliveries::table)
                .values(values)
                .execute(c)
                .await)?;
        }
    }
    Ok(())
}

/// A delivery taken to be attempted now, with its webhook and entry.
#[derive(Debug, Clone)]
pub struct Due {
    pub webhook: WebhookRow,
    pub delivery: DeliveryRow,
    pub entry: AuditRow,
}

/// When to retry and when to give up.
#[derive(Debug, Clone, Copy)]
pub struct Retries {
    /// The wait after the first failure; each further failure doubles it.
    pub first: Duration,
    /// The longest wait between attempts.
    pub longest: Duration,
    /// How long after its change a delivery is given up.
    pub give_up_after: Duration,
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = BigInt)]
    id: WebhookDeliveryId,
}

/// The oldest pending delivery of each webhook is the only one it may get
/// next; of those, the first that is due.
const DUE: &str = "SELECT d.id AS id FROM webhook_deliveries d \
    JOIN webhooks w ON w.id = d.webhook_id \
    WHERE d.status = 'PENDING' AND w.deleted_at IS NULL AND d.next_attempt_at <= {now} \
      AND d.audit_id = (SELECT MIN(p.audit_id) FROM webhook_deliveries p \
                        WHERE p.webhook_id = d.webhook_id AND p.status = 'PENDING') \
    ORDER BY d.id LIMIT 1";

/// Attempts the next due delivery with `deliver` (which returns the error
/// text of a failed attempt) and records the outcome; `false` when none is
/// due. On PostgreSQL the delivery and its webhook stay locked (`FOR UPDATE
/// SKIP LOCKED`) until the outcome is recorded, so other instances take
/// other webhooks meanwhile (`NO KEY UPDATE`: a write adding a delivery for
/// the webhook only takes a key-share lock on it, and must not wait for a
/// slow receiver); SQLite has one server process.
pub async fn deliver_next(
    conn: &mut DbConn,
    retries: Retries,
    deliver: impl AsyncFnOnce(&Due) -> Result<(), String>,
) -> RepoResult<bool> {
    match conn {
        DbConn::Postgres(..) => {
            conn.transaction(async |conn| {
                let sql = format!(
                    "{} FOR NO KEY UPDATE OF w, d SKIP LOCKED",
                    DUE.replace("{now}", "$1")
                );
                attempt(conn, &sql, retries, deliver).await
            })
            .await
        }
        DbConn::Sqlite(..) => attempt(conn, &DUE.replace("{now}", "?"), retries, deliver).await,
    }
}

async fn attempt(
    conn: &mut DbConn,
    sql: &str,
    retries: Retries,
    deliver: impl AsyncFnOnce(&Due) -> Result<(), String>,
) -> RepoResult<bool> {
    let now = clock::now();
    let claimed: Option<Claimed> = with_conn!(conn, c => diesel::sql_query(sql)
        .bind::<Timestamp, _>(now)
        .get_result(c)
        .await
        .optional())?;
    let Some(Claimed { id }) = claimed else {
        return Ok(false);
    };
    let (delivery, webhook, entry): (DeliveryRow, WebhookRow, AuditRow) =
        with_conn!(conn, c => c.load_rows(webhook_deliveries::table
            .inner_join(webhooks::table)
            .inner_join(audit_log::table)
            .filter(webhook_deliveries::id.eq(id))
            .select((DeliveryRow::as_select(), WebhookRow::as_select(), AuditRow::as_select()))
            .limit(1)
            .into_boxed())
            .await)
        .and_then(first_row)?;
    if delivery.status != PENDING {
        return Ok(true);
    }
    let due = Due {
        webhook,
        delivery,
        entry,
    };
    let outcome = deliver(&due).await;
    let done = clock::now();
    let attempts = due.delivery.attempts + 1;
    let update = webhook_deliveries::table.find(id);
    match outcome {
        Ok(()) => with_conn!(conn, c => diesel::update(update)
            .set((
                webhook_deliveries::status.eq(DELIVERED),
                webhook_deliveries::attempts.eq(attempts),
                webhook_deliveries::delivered_at.eq(Some(done)),
                webhook_deliveries::last_error.eq(None::<String>),
            ))
            .execute(c)
            .await)?,
        Err(error) => {
            let wait = retries
                .first
                .saturating_mul(1 << (attempts - 1).clamp(0, 20))
                .min(retries.longest);
            let next = done + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
            let give_up = due.entry.at
                + chrono::Duration::from_std(retries.give_up_after)
                    .unwrap_or(chrono::Duration::MAX);
            let status = if next > give_up { FAILED } else { PENDING };
            with_conn!(conn, c => diesel::update(update)
                .set((
                    webhook_deliveries::status.eq(status),
                    webhook_deliveries::attempts.eq(attempts),
                    webhook_deliveries::next_attempt_at.eq(next),
                    webhook_deliveries::last_error.eq(Some(error.clone())),
                ))
                .execute(c)
                .await)?
        }
    };
    Ok(true)
}

/// When the next pending delivery falls due (a lower bound), if any.
pub async fn next_due_at(conn: &mut DbConn) -> RepoResult<Option<NaiveDateTime>> {
    Ok(with_conn!(conn, c => webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(PENDING))
        .select(diesel::dsl::min(webhook_deliveries::next_attempt_at))
        .first::<Option<NaiveDateTime>>(c)
        .await)?)
}
