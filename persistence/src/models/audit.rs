//! The audit trail: its rows, reading the log, and walking the hash chain to
//! verify it (entries are appended by [`crate::writes::audit_log`]).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::audit::{
    AuditAction, AuditEntityType, EntryContent, GENESIS_HASH, entry_hash,
};

use crate::db::DbConn;
use crate::error::RepoResult;
use crate::ids::{AuditId, AuditSubject, Subject};
use crate::load_rows::LoadRows;
use crate::page::Window;
use crate::schema::{audit_head, audit_log, goals, kpi_values, kpis, measures, working_groups};
use crate::sql_types::TextEnum;
use crate::with_conn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct AuditRow {
    pub id: AuditId,
    pub at: NaiveDateTime,
    pub actor: String,
    #[diesel(deserialize_as = TextEnum<AuditAction>, serialize_as = TextEnum<AuditAction>)]
    pub action: AuditAction,
    #[diesel(
        deserialize_as = TextEnum<AuditEntityType>,
        serialize_as = TextEnum<AuditEntityType>
    )]
    pub entity_type: AuditEntityType,
    pub entity_id: i64,
    /// Exactly the JSON text that was hashed.
    pub changes: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    /// What the entry is about.
    pub fn subject(&self) -> Subject {
        Subject {
            entity_type: self.entity_type,
            entity_id: self.entity_id,
        }
    }

    /// The id the entry is about when it is about an `I`.
    pub fn about<I: AuditSubject>(&self) -> Option<I> {
        I::of(self.subject())
    }

    pub(crate) fn content(&self) -> EntryContent<'_> {
        EntryContent {
            id: self.id.get(),
            at: self.at,
            actor: &self.actor,
            action: self.action.as_str(),
            entity_type: self.entity_type.as_str(),
            entity_id: self.entity_id,
            changes: &self.changes,
        }
    }
}

/// Whose entries a reader of the log may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditScope {
    /// Admins: every entry, tokens included.
    Everything,
    /// Editors of every working group: every entry but those about tokens.
    AllButTokens,
    /// Editors restricted to working groups (by code): entries about these
    /// groups and their measures, goals, KPIs and KPI values. Entries of a
    /// deleted KPI value can no longer be placed in a group and are left out.
    WorkingGroups(Vec<String>),
}

impl Default for AuditScope {
    /// No working group: nothing, so a reader that forgets to say who it is
    /// sees nothing.
    fn default() -> Self {
        AuditScope::WorkingGroups(Vec::new())
    }
}

/// Restricts a boxed `audit_log` query to what `$scope` may see.
macro_rules! scoped {
    ($query:expr, $scope:expr) => {{
        let query = $query;
        let token = TextEnum(AuditEntityType::ApiToken);
        match $scope {
            AuditScope::Everything => query,
            AuditScope::AllButTokens => query.filter(audit_log::entity_type.ne(token)),
            AuditScope::WorkingGroups(codes) => {
                let groups = || {
                    working_groups::table
                        .filter(working_groups::code.eq_any(codes.clone()))
                        .select(working_groups::id)
                };
                let group_measures = || {
                    measures::table
                        .filter(measures::working_group_id.eq_any(groups()))
                        .select(measures::id)
                };
                let group_kpis = || {
                    kpis::table
                        .filter(kpis::measure_id.eq_any(group_measures()))
                        .select(kpis::id)
                };
                let about = |t: AuditEntityType| audit_log::entity_type.eq(TextEnum(t));
                query.filter(
                    about(AuditEntityType::WorkingGroup)
                        .and(audit_log::entity_id.eq_any(groups()))
                        .or(about(AuditEntityType::Measure)
                            .and(audit_log::entity_id.eq_any(group_measures())))
                        .or(about(AuditEntityType::Goal).and(
                            audit_log::entity_id.eq_any(
                                goals::table
                                    .filter(goals::measure_id.eq_any(group_measures()))
                                    .select(goals::id),
                            ),
                        ))
                        .or(about(AuditEntityType::Kpi)
                            .and(audit_log::entity_id.eq_any(group_kpis())))
                        .or(about(AuditEntityType::KpiValue).and(
                            audit_log::entity_id.eq_any(
                                kpi_values::table
                                    .filter(kpi_values::kpi_id.eq_any(group_kpis()))
                                    .select(kpi_values::id),
                            ),
                        )),
                )
            }
        }
    }};
}

/// Which entries a log query returns; `None` means no restriction.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Whose entries the reader may see.
    pub scope: AuditScope,
    pub entity: Option<Subject>,
    pub actor: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

macro_rules! filter_entries {
    ($filter:expr) => {{
        let filter: &AuditFilter = $filter;
        let mut query = scoped!(audit_log::table.into_boxed(), &filter.scope);
        if let Some(Subject {
            entity_type,
            entity_id,
        }) = filter.entity
        {
            query = query
                .filter(audit_log::entity_type.eq(TextEnum(entity_type)))
                .filter(audit_log::entity_id.eq(entity_id));
        }
        if let Some(actor) = &filter.actor {
            query = query.filter(audit_log::actor.eq(actor.clone()));
        }
        if let Some(from) = filter.from {
            query = query.filter(audit_log::at.ge(from));
        }
        if let Some(to) = filter.to {
            query = query.filter(audit_log::at.lt(to));
        }
        query
    }};
}

/// Entries newest first.
pub async fn list(
    conn: &mut DbConn,
    filter: &AuditFilter,
    window: Window,
) -> RepoResult<Vec<AuditRow>> {
    Ok(with_conn!(conn, c => c.load_rows(filter_entries!(filter)
        .order(audit_log::id.desc())
        .offset(window.offset)
        .limit(window.limit)
        .select(AuditRow::as_select()))
        .await)?)
}

pub async fn count(conn: &mut DbConn, filter: &AuditFilter) -> RepoResult<i64> {
    Ok(with_conn!(conn, c => filter_entries!(filter).count().get_result(c).await)?)
}

/// Every entry about the given entities of one type that `scope` may see,
/// oldest first (for the `history` fields' loader).
pub async fn of_entities(
    conn: &mut DbConn,
    entity_type: AuditEntityType,
    ids: &[i64],
    scope: &AuditScope,
) -> RepoResult<Vec<AuditRow>> {
    Ok(
        with_conn!(conn, c => c.load_rows(scoped!(audit_log::table.into_boxed(), scope)
        .filter(audit_log::entity_type.eq(TextEnum(entity_type)))
        .filter(audit_log::entity_id.eq_any(ids.to_vec()))
        .order(audit_log::id.asc())
        .select(AuditRow::as_select()))
        .await)?,
    )
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Entries found intact before the first broken one (all, when intact).
    pub checked: i64,
    /// The first entry whose content, link or place in the sequence is wrong;
    /// for entries missing at the end, the id the first missing one had.
    pub first_broken_id: Option<AuditId>,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.first_broken_id.is_none()
    }
}

const VERIFY_BATCH: i64 = 1_000;

/// Walks the whole chain in id order, recomputing every hash.
pub async fn verify(conn: &mut DbConn) -> RepoResult<Verification> {
    let mut prev_id = 0_i64;
    let mut prev_hash = GENESIS_HASH.to_owned();
    loop {
        let batch: Vec<AuditRow> = with_conn!(conn, c => c.load_rows(audit_log::table
            .filter(audit_log::id.gt(AuditId::new(prev_id)))
            .order(audit_log::id.asc())
            .limit(VERIFY_BATCH)
            .select(AuditRow::as_select()))
            .await)?;
        let done = (batch.len() as i64) < VERIFY_BATCH;
        for row in batch {
            let intact = row.id.get() == prev_id + 1
                && row.prev_hash == prev_hash
                && entry_hash(&row.prev_hash, &row.content()) == row.hash;
            if !intact {
                return Ok(Verification {
                    checked: prev_id,
                    first_broken_id: Some(AuditId::new(row.id.get().min(prev_id + 1))),
                });
            }
            prev_id = row.id.get();
            prev_hash = row.hash;
        }
        if done {
            break;
        }
    }
    let (last_id, last_hash): (AuditId, String) = with_conn!(conn, c => audit_head::table
        .find(1)
        .select((audit_head::last_id, audit_head::last_hash))
        .first(c)
        .await)?;
    let complete = last_id.get() == prev_id && last_hash == prev_hash;
    Ok(Verification {
        checked: prev_id,
        first_broken_id: (!complete).then_some(AuditId::new(prev_id + 1)),
    })
}
