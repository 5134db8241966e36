//! `Subscription.changes`: one event per committed audit entry, in audit
//! order, narrowed by plan, measure and entity type, filtered by what the
//! subscriber may see, and resumable from any event's cursor.
//!
//! A subscription takes the process's broadcast (see [`crate::change_feed`])
//! and knows where it stands by the id of the last entry it passed on.
//! Entry ids have no gaps, so whenever the next entry is not the one the
//! broadcast brings (a replay from `since`, a subscriber that fell behind),
//! it reads the entries in between from the database, and the seam between
//! replay and live events has neither a gap nor a duplicate.

use std::collections::VecDeque;
use std::sync::Arc;

use async_graphql::{Context, ID, Object, Subscription};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use futures_util::Stream;
use masterplan_domain::audit as domain;
use masterplan_persistence::Database;
use masterplan_persistence::ids::{AuditId, MeasureId, PlanId};
use masterplan_persistence::models::audit::{AuditRow, AuditScope};
use masterplan_persistence::models::changes::Change;
use masterplan_persistence::models::measure;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;

use crate::auth::Caller;
use crate::change_feed::{self, ChangeFeed};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::graphql::audit::entity_global_id;
use crate::graphql::context::{audience, conn};
use crate::graphql::enums::{AuditAction, AuditEntityType};
use crate::graphql::node::{Node, load_typed};
use crate::graphql::plans::resolve_plan;
use crate::metrics::Open;
use crate::streams::StreamConnection;

#[derive(Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Every change committed from now on, one event per audit entry, in
    /// the audit log's order and only after commit. `measure` narrows to a
    /// measure (`1.2`) and its goals, KPIs and KPI values; `plan` to one plan
    /// (needed with `measure` when several plans exist); `entityTypes` to
    /// these types. `since` (an event's `cursor`) first replays every
    /// matching change after that event, then goes on live. Public callers
    /// get changes of public objects only; changes of API tokens go to
    /// admins only.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        plan: Option<String>,
        measure: Option<String>,
        entity_types: Option<Vec<AuditEntityType>>,
        since: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = ChangeEvent> + use<>> {
        Ok(subscribe(ctx, plan, measure, entity_types, since).await?)
    }
}

async fn subscribe(
    ctx: &Context<'_>,
    plan: Option<String>,
    measure: Option<String>,
    entity_types: Option<Vec<AuditEntityType>>,
    since: Option<String>,
) -> ApiResult<impl Stream<Item = ChangeEvent> + use<>> {
    let feed = ctx
        .data::<Arc<ChangeFeed>>()
        .map_err(|_| ApiError::internal())?;
    let db = ctx
        .data::<Database>()
        .map_err(|_| ApiError::internal())?
        .clone();
    let connection = ctx.data_opt::<StreamConnection>();
    let slot = connection.map(StreamConnection::take_slot).transpose()?;
    let interest = Interest::of(ctx, plan, measure, entity_types).await?;
    // Subscribe before finding the start, so nothing committed in
    // between is missed (what the broadcast brings twice is skipped).
    let receiver = feed.subscribe();
    let head = change_feed::head(&db).await?;
    let last = match since.as_deref() {
        None => head,
        Some(cursor) => match decode_cursor(cursor) {
            Some(id) if id <= head => id,
            Some(_) => {
                return Err(ApiError::bad_input(
                    "`since` names a change this server has not recorded (a cursor of another database?)",
                ));
            }
            None => {
                return Err(ApiError::bad_input(
                    "`since` is not a cursor of `changes`: pass an event's `cursor`",
                ));
            }
        },
    };
    let subscriber = Subscriber {
        db,
        interest,
        receiver,
        last,
        pending: VecDeque::new(),
        behind: since.is_some(),
        _slot: slot,
        _open: Open::subscription(connection.map_or("other", |c| c.transport)),
    };
    Ok(futures_util::stream::unfold(
        subscriber,
        |mut s| async move { s.next().await.map(|event| (event, s)) },
    ))
}

/// What a subscription asked for and may see.
struct Interest {
    plan_id: Option<PlanId>,
    measure_id: Option<MeasureId>,
    types: Option<Vec<domain::AuditEntityType>>,
    public: bool,
    admin: bool,
}

impl Interest {
    async fn of(
        ctx: &Context<'_>,
        plan: Option<String>,
        measure: Option<String>,
        types: Option<Vec<AuditEntityType>>,
    ) -> ApiResult<Self> {
        let audience = audience(ctx);
        let (plan_id, measure_id) = match (plan, measure) {
            (plan, Some(code)) => {
                let plan = resolve_plan(ctx, plan.as_deref()).await?;
                let mut conn = conn(ctx).await?;
                let found = measure::find_by_code(&mut conn, plan.id, &code, audience).await?;
                let measure = found.ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::NotFound,
                        format!("no measure {code:?} in plan {:?}", plan.slug),
                    )
                })?;
                (Some(plan.id), Some(measure.id))
            }
            (Some(slug), None) => (Some(resolve_plan(ctx, Some(&slug)).await?.id), None),
            (None, None) => (None, None),
        };
        let caller = ctx.data_opt::<Caller>();
        Ok(Self {
            plan_id,
            measure_id,
            types: types.map(|types| types.into_iter().map(Into::into).collect()),
            public: audience.is_public(),
            admin: caller.is_some_and(|c| c.audit_scope() == AuditScope::Everything),
        })
    }

    fn matches(&self, change: &Change) -> bool {
        let (entry, place) = (&change.entry, &change.place);
        if entry.entity_type == domain::AuditEntityType::ApiToken && !self.admin {
            return false;
        }
        !(self.public && !place.public
            || narrowed_out(self.measure_id, place.measure_id)
            || narrowed_out(self.plan_id, place.plan_id)
            || self
                .types
                .as_ref()
                .is_some_and(|types| !types.contains(&entry.entity_type)))
    }
}

/// Whether a subscription narrowed to `wanted` leaves out what `is` in.
fn narrowed_out<I: PartialEq>(wanted: Option<I>, is: Option<I>) -> bool {
    wanted.is_some_and(|w| is != Some(w))
}

/// One subscription's place in the log.
struct Subscriber {
    db: Database,
    interest: Interest,
    receiver: Receiver<Arc<Change>>,
    /// The id of the last entry passed on or skipped.
    last: AuditId,
    /// Entries read from the database, not yet passed on.
    pending: VecDeque<Arc<Change>>,
    /// The entries after `last` are to be read from the database.
    behind: bool,
    _slot: Option<tokio::sync::OwnedSemaphorePermit>,
    _open: Open,
}

impl Subscriber {
    async fn next(&mut self) -> Option<ChangeEvent> {
        loop {
            if let Some(change) = self.pending.pop_front() {
                self.last = change.entry.id;
                if self.interest.matches(&change) {
                    return Some(ChangeEvent(change));
                }
                continue;
            }
            if self.behind {
                match change_feed::after(&self.db, self.last).await {
                    Ok(page) if page.is_empty() => self.behind = false,
                    Ok(page) => self.pending.extend(page.into_iter().map(Arc::new)),
                    Err(err) => {
                        // An outage delays events; it loses none.
                        tracing::warn!(error = %err, "a subscription cannot read the audit log");
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    }
                }
                continue;
            }
            match self.receiver.recv().await {
                Ok(change) if change.entry.id <= self.last => {}
                Ok(change) if change.entry.id.get() == self.last.get() + 1 => {
                    self.pending.push_back(change)
                }
                // Entries in between not seen yet, or more missed than the
                // broadcast keeps: read them.
                Ok(_) | Err(RecvError::Lagged(_)) => self.behind = true,
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

const CURSOR_PREFIX: &str = "change:";

pub(crate) fn encode_cursor(id: AuditId) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{id}"))
}

/// The entry id behind a cursor; `change:0` is before the first entry, so
/// it replays the whole log.
fn decode_cursor(cursor: &str) -> Option<AuditId> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let digits = text.strip_prefix(CURSOR_PREFIX)?;
    let id: i64 = digits.parse().ok()?;
    (id >= 0 && id.to_string() == digits).then_some(AuditId::new(id))
}

/// One committed change.
pub struct ChangeEvent(Arc<Change>);

#[Object]
impl ChangeEvent {
    /// Where to resume: pass it as `changes(since:)` to get every change
    /// after this one.
    async fn cursor(&self) -> String {
        encode_cursor(self.0.entry.id)
    }
    /// When the change was committed (UTC).
    async fn at(&self) -> DateTime<Utc> {
        self.0.entry.at.and_utc()
    }
    async fn action(&self) -> AuditAction {
        self.0.entry.action.into()
    }
    async fn entity_type(&self) -> AuditEntityType {
        self.0.entry.entity_type.into()
    }
    /// The global ID of the changed object.
    async fn entity_id(&self) -> ID {
        entity_global_id(&self.0.entry)
    }
    /// The fields the change touched, in name order (their values are in
    /// the audit log, for those who may read it).
    async fn changed_fields(&self) -> ApiResult<Vec<String>> {
        changed_fields(&self.0.entry)
    }
    /// The object as it is now, as this subscriber may see it; null when it
    /// was archived or deleted, or is not visible to the subscriber.
    async fn node(&self, ctx: &Context<'_>) -> ApiResult<Option<Node>> {
        // API tokens are no nodes: `load_typed` has none for them.
        let entry = &self.0.entry;
        load_typed(ctx, entry.subject().id()).await
    }
}

/// The fields an entry's change touched, in name order.
fn changed_fields(entry: &AuditRow) -> ApiResult<Vec<String>> {
    let changes: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&entry.changes)
        .map_err(|err| {
            tracing::error!(entry = entry.id.get(), error = %err, "unreadable changes in the audit log");
            ApiError::internal()
        })?;
    Ok(changes.into_iter().map(|(field, _)| field).collect())
}

/// A change as JSON, with the fields of [`ChangeEvent`] but `node` (what
/// webhooks deliver).
pub(crate) fn event_json(entry: &AuditRow) -> ApiResult<serde_json::Value> {
    Ok(serde_json::json!({
        "cursor": encode_cursor(entry.id),
        "at": entry.at.and_utc(),
        "action": entry.action.as_str(),
        "entityType": entry.entity_type.as_str(),
        "entityId": entity_global_id(entry).0,
        "changedFields": changed_fields(entry)?,
    }))
}
