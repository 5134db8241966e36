//! Webhooks and their deliveries: rows and reads (writes, the outbox and
//! the claiming of due deliveries are in [`crate::writes::webhooks`]).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};
use diesel_async::RunQueryDsl;
use masterplan_domain::audit::AuditEntityType;

use crate::db::DbConn;
use crate::error::RepoResult;
use crate::ids::{AuditId, MeasureId, WebhookDeliveryId, WebhookId};
use crate::load_rows::LoadRows;
use crate::models::kpi_values::placeholders;
use crate::schema::{webhook_deliveries, webhooks};
use crate::with_conn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct WebhookRow {
    pub id: WebhookId,
    pub url: String,
    /// JSON list of entity type names; `None`: every type.
    pub entity_types: Option<String>,
    pub measure_id: Option<MeasureId>,
    /// `whsec_` and the base64 of the signing key.
    pub secret: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub deleted_at: Option<NaiveDateTime>,
}

impl WebhookRow {
    /// The entity types it reports; `None`: every type.
    pub fn types(&self) -> Option<Vec<AuditEntityType>> {
        let names: Vec<String> = serde_json::from_str(self.entity_types.as_deref()?).ok()?;
        Some(names.iter().filter_map(|n| n.parse().ok()).collect())
    }
}

/// Where a delivery stands.
pub const PENDING: &str = "PENDING";
pub const DELIVERED: &str = "DELIVERED";
/// Given up after retrying for a day, or the webhook was deleted.
pub const FAILED: &str = "FAILED";

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = webhook_deliveries)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct DeliveryRow {
    pub id: WebhookDeliveryId,
    pub webhook_id: WebhookId,
    pub audit_id: AuditId,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub delivered_at: Option<NaiveDateTime>,
}

/// The webhooks not deleted, oldest first.
pub async fn list(conn: &mut DbConn) -> RepoResult<Vec<WebhookRow>> {
    Ok(with_conn!(conn, c => c.load_rows(webhooks::table
        .filter(webhooks::deleted_at.is_null())
        .order(webhooks::id.asc())
        .select(WebhookRow::as_select()))
        .await)?)
}

/// The newest `first` deliveries of each webhook, newest first; one statement.
pub async fn deliveries_of(
    conn: &mut DbConn,
    webhook_ids: &[WebhookId],
    first: i32,
) -> RepoResult<HashMap<WebhookId, Vec<DeliveryRow>>> {
    let mut grouped: HashMap<WebhookId, Vec<DeliveryRow>> =
        webhook_ids.iter().map(|id| (*id, Vec::new())).collect();
    if webhook_ids.is_empty() || first <= 0 {
        return Ok(grouped);
    }
    let mut placeholder = placeholders(conn);
    let ids = webhook_ids
        .iter()
        .map(|_| placeholder())
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT id, webhook_id, audit_id, status, attempts, next_attempt_at, last_error, \
           delivered_at FROM (\
           SELECT d.*, ROW_NUMBER() OVER (PARTITION BY webhook_id ORDER BY id DESC) AS rn \
           FROM webhook_deliveries d WHERE webhook_id IN ({ids})\
         ) ranked WHERE rn <= {} ORDER BY id DESC",
        placeholder()
    );
    let rows: Vec<DeliveryRow> = with_conn!(conn, c => {
        let mut query = diesel::sql_query(sql.clone()).into_boxed();
        for id in webhook_ids {
            query = query.bind::<BigInt, _>(*id);
        }
        query.bind::<Integer, _>(first).load::<DeliveryRow>(c).await
    })?;
    for row in rows {
        grouped.entry(row.webhook_id).or_default().push(row);
    }
    Ok(grouped)
}
