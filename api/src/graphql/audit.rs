//! The audit trail in GraphQL: the `auditLog` list, `verifyAuditLog`, and
//! the entries `Measure.history` and `Kpi.history` show. Only editors and
//! admins may read any of it (anonymous callers get UNAUTHENTICATED, readers
//! FORBIDDEN), because entries name token holders and every old value; an
//! editor restricted to working groups reads the entries of those groups,
//! and only admins read entries about tokens.

use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use masterplan_persistence::ids::{AuditId, Subject};
use masterplan_persistence::models::audit::{self, AuditFilter, AuditRow, AuditScope};
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::{conn, limits, loaders};
use crate::graphql::enums::{AuditAction, AuditEntityType};
use crate::graphql::instant::View;
use crate::graphql::mutations::access::auditor;
use crate::graphql::paging::{
    OffsetConnection, OffsetPage, PageArgs, offset_connection, rows_wanted,
};
use crate::ids::{decode, encode_raw};

/// Which audit entries `auditLog` lists; every given condition must hold.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// Only entries about this object (the global ID of a plan, working
    /// group, measure, goal, KPI or KPI value).
    pub entity_id: Option<ID>,
    /// Only changes made by this token name.
    pub actor: Option<String>,
    /// Only entries made at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only entries made before this time.
    pub to: Option<DateTime<Utc>>,
}

impl AuditLogFilter {
    fn resolve(self, scope: AuditScope) -> ApiResult<AuditFilter> {
        let entity = self
            .entity_id
            .map(|id| {
                decode_subject(&id).ok_or_else(|| {
                    ApiError::bad_input(format!("`entityId` {:?} is not an ID of this API", id.0))
                })
            })
            .transpose()?;
        Ok(AuditFilter {
            scope,
            entity,
            actor: self.actor,
            from: self.from.map(|t| t.naive_utc()),
            to: self.to.map(|t| t.naive_utc()),
        })
    }
}

/// The global ID of the object an entry is about.
pub fn entity_global_id(entry: &AuditRow) -> ID {
    encode_raw(entry.entity_type, entry.entity_id)
}

/// What a global ID names, as audit entries store it; `None` for anything
/// that is not one of ours.
pub fn decode_subject(id: &str) -> Option<Subject> {
    let (entity_type, entity_id) = decode(id)?;
    Some(Subject {
        entity_type,
        entity_id,
    })
}

/// Stored changes the API cannot read: logged, reported as INTERNAL.
fn corrupt(entry: AuditId, error: impl std::fmt::Display) -> ApiError {
    tracing::error!(entry = entry.get(), error = %error, "unreadable changes in the audit log");
    ApiError::internal()
}

/// An entry of the audit trail.
pub struct AuditEntry(pub AuditRow);

/// One recorded change: who changed which object how, chained to the entry
/// before it by `previousHash`.
#[Object]
impl AuditEntry {
    /// The entry's place in the chain: 1, 2, 3, … without gaps.
    async fn id(&self) -> i64 {
        self.0.id.get()
    }
    /// When the change was committed (UTC).
    async fn at(&self) -> DateTime<Utc> {
        self.0.at.and_utc()
    }
    /// The name of the API token that made the change (`cli` for the command
    /// line, `seed` for the bundled plan's first load).
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    async fn action(&self) -> AuditAction {
        self.0.action.into()
    }
    async fn entity_type(&self) -> AuditEntityType {
        self.0.entity_type.into()
    }
    /// The global ID of the changed object (it may since have been archived
    /// or deleted).
    async fn entity_id(&self) -> ID {
        entity_global_id(&self.0)
    }
    /// The fields the change touched with their old and new values, as one
    /// JSON object: `{"title": {"old": "…", "new": "…"}, …}`.
    async fn changes(&self) -> ApiResult<Json<Value>> {
        Ok(Json(Value::Object(self.stored_changes()?)))
    }
    /// The same changes as a list, one entry per field, in name order.
    async fn field_changes(&self) -> ApiResult<Vec<FieldChange>> {
        Ok(self
            .stored_changes()?
            .into_iter()
            .map(|(field, change)| FieldChange {
                field,
                old: json_value(&change["old"]),
                new: json_value(&change["new"]),
            })
            .collect())
    }
    /// The changes exactly as stored and hashed:
    /// `{"field": {"old": …, "new": …}, …}`.
    async fn changes_json(&self) -> &str {
        &self.0.changes
    }
    /// SHA-256 (hex) over `previousHash` and this entry's content.
    async fn hash(&self) -> &str {
        &self.0.hash
    }
    /// The hash of the entry before (64 zeros for the first entry).
    async fn previous_hash(&self) -> &str {
        &self.0.prev_hash
    }
}

impl AuditEntry {
    fn stored_changes(&self) -> ApiResult<serde_json::Map<String, Value>> {
        serde_json::from_str(&self.0.changes).map_err(|e| corrupt(self.0.id, e))
    }
}

/// A stored value as itself; `None` for JSON null (or a missing value).
fn json_value(value: &Value) -> Option<Json<Value>> {
    (!value.is_null()).then(|| Json(value.clone()))
}

/// One field of an audited change.
#[derive(SimpleObject)]
pub struct FieldChange {
    /// The field's input name (camelCase, e.g. `title`, `estimates.costEur`).
    pub field: String,
    /// The value before, as a JSON value (`"PLANNED"`, `12.5`, `["51/8"]`);
    /// null when there was none (creation).
    pub old: Option<Json<Value>>,
    /// The value after, as a JSON value; null when it was cleared.
    pub new: Option<Json<Value>>,
}

/// Whether the audit chain is intact.
#[derive(SimpleObject)]
pub struct AuditVerification {
    /// True when every entry's hash and link are right and none is missing.
    pub ok: bool,
    /// Entries found intact (before the first broken one).
    pub checked: i64,
    /// The first entry that was edited, removed or put out of sequence; null
    /// when the chain is intact.
    pub first_broken_id: Option<i64>,
}

/// `totalCount` of `auditLog`: counted only when asked for, at most once.
pub struct AuditCount {
    filter: AuditFilter,
    count: OnceCell<i64>,
}

impl AuditCount {
    async fn get(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        self.count
            .get_or_try_init(|| async {
                let mut conn = conn(ctx).await?;
                Ok(audit::count(&mut conn, &self.filter).await?)
            })
            .await
            .copied()
    }
}

#[Object]
impl AuditCount {
    /// Number of entries matching the filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        self.get(ctx).await
    }
}

/// `auditLog`: a page of entries matching `filter`, newest first.
pub async fn audit_log(
    ctx: &Context<'_>,
    filter: Option<AuditLogFilter>,
    args: &PageArgs,
) -> ApiResult<OffsetConnection<AuditEntry, AuditCount>> {
    auditor(ctx)?;
    let scope = ctx
        .data::<Caller>()
        .map(Caller::audit_scope)
        .unwrap_or_default();
    let filter = filter.unwrap_or_default().resolve(scope)?;
    let total = AuditCount {
        filter: filter.clone(),
        count: OnceCell::new(),
    };
    let known = if OffsetPage::needs_total(args) {
        Some(total.get(ctx).await?)
    } else {
        None
    };
    let page = OffsetPage::plan(args, limits(ctx)?, known)?;
    let rows = if rows_wanted(ctx) {
        let mut conn = conn(ctx).await?;
        audit::list(&mut conn, &filter, page.fetch).await?
    } else {
        Vec::new()
    };
    Ok(offset_connection(page, rows, total, AuditEntry))
}

/// `verifyAuditLog`: walks the whole chain.
pub async fn verify_audit_log(ctx: &Context<'_>) -> ApiResult<AuditVerification> {
    auditor(ctx)?;
    let mut conn = conn(ctx).await?;
    let verification = audit::verify(&mut conn).await?;
    Ok(AuditVerification {
        ok: verification.ok(),
        checked: verification.checked,
        first_broken_id: verification.first_broken_id.map(AuditId::get),
    })
}

/// The `history` of an object: its entries, oldest first, batched across
/// the objects of a request.
pub async fn history(
    ctx: &Context<'_>,
    subject: Subject,
    view: &View,
) -> ApiResult<Vec<AuditEntry>> {
    auditor(ctx)?;
    let rows = loaders(ctx)?
        .history
        .load_one(subject)
        .await?
        .unwrap_or_default();
    let until = view.at().map(|plan| plan.at);
    Ok(rows
        .into_iter()
        .filter(|row| until.is_none_or(|at| row.at <= at))
        .map(AuditEntry)
        .collect())
}
