//! The one audited write path: look up → check reach and version → diff →
//! check → guarded UPDATE → reindex → audit entry, in one write transaction.
//! Each entity supplies its part through [`Audited`] (what its settable fields
//! are, who may change it, how it is stored); [`create`], [`update`] and
//! [`archive`] are the same sequence for all of them, and [`insert`] is the
//! one way a new row gets into a table (mutations and plan loads alike).

use chrono::NaiveDateTime;
use masterplan_domain::audit::AuditAction;
use masterplan_domain::validation::FieldError;

use crate::clock;
use crate::db::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::ids::{AuditSubject, Searched};
use crate::writes::Actor;
use crate::writes::Problems;
use crate::writes::audit_log::{self, Changes};
use crate::writes::search_index;

/// An entity's settable fields (the implementing type) and how they are
/// read from, checked against and written to the database.
pub trait Audited: Clone + PartialEq + Sized {
    /// The stored row as the reads return it.
    type Row;
    /// How a caller names an existing object (by ID or natural key).
    type Target;
    /// What the reach check found and storing needs (e.g. the measure's plan
    /// and working group).
    type Scope;
    /// A partial change; applying it gives the new fields.
    type Patch;

    /// Its id type, which names its entity type in audit entries.
    type Id: AuditSubject;
    /// The entity's name in messages ("measure", "KPI").
    const NAME: &'static str;

    fn id(row: &Self::Row) -> Self::Id;
    fn version(row: &Self::Row) -> i32;

    /// The object a target names; refused (`NOT_FOUND` on the target's
    /// field) when there is none.
    async fn find(conn: &mut DbConn, target: &Self::Target) -> RepoResult<Self::Row>;
    /// Refuses an actor who may not change `row`; else what storing needs.
    async fn reach(conn: &mut DbConn, actor: &Actor, row: &Self::Row) -> RepoResult<Self::Scope>;
    /// The settable fields of a stored row.
    async fn of(conn: &mut DbConn, row: &Self::Row, scope: &Self::Scope) -> RepoResult<Self>;
    /// `self` with `patch` applied, normalised (texts trimmed, blanks none).
    fn apply(self, patch: Self::Patch) -> Self;
    /// Whether `self` stores exactly what `old` does (an update that changes
    /// nothing leaves the object and its version as they are).
    fn same_as(&self, old: &Self) -> bool {
        self == old
    }
    /// Every problem of the fields by the input rules alone, without the
    /// database: what an import checks of every object before it writes.
    fn field_problems(&self) -> Problems;
    /// Every problem of the fields (input rules), and conflicts with other
    /// rows (taken codes, names, positions). `old` is `None` on create.
    async fn check(
        &self,
        conn: &mut DbConn,
        scope: &Self::Scope,
        current: Option<&Self::Row>,
        old: Option<&Self>,
    ) -> RepoResult<()>;
    /// Inserts the fields as a new row; returns its ID.
    async fn insert_row(&self, conn: &mut DbConn, scope: &Self::Scope) -> RepoResult<Self::Id>;
    /// Writes the fields over `current` with the next version, guarded by the
    /// version read before (use [`guarded_update!`](crate::writes::guarded_update)).
    async fn update_row(
        &self,
        conn: &mut DbConn,
        scope: &Self::Scope,
        current: &Self::Row,
        old: &Self,
    ) -> RepoResult<()>;
    async fn load(conn: &mut DbConn, id: Self::Id) -> RepoResult<Self::Row>;
    /// Keeps the row's search document in step (nothing for unsearched entities).
    async fn reindex(conn: &mut DbConn, row: &Self::Row, scope: &Self::Scope) -> RepoResult<()>;
    /// The audit record of going from `old` (`None`: nothing) to `self`.
    fn changes(&self, old: Option<&Self>) -> Changes;
}

/// An entity that is archived rather than deleted.
pub trait Archivable: Audited<Id: Searched> {
    /// Sets `archived_at` (and the next version) on the row (use
    /// [`set_archived!`](crate::writes::set_archived)).
    async fn archive_row(conn: &mut DbConn, row: &Self::Row, at: NaiveDateTime) -> RepoResult<()>;
}

/// Checks `fields` and inserts them, with their search document: the one
/// insert path of each table, for mutations and plan loads. Writes no audit
/// entry (a create writes one per object, a plan load one for the whole load).
pub async fn insert<F: Audited>(
    conn: &mut DbConn,
    scope: &F::Scope,
    fields: &F,
) -> RepoResult<F::Row> {
    fields.check(conn, scope, None, None).await?;
    let id = fields.insert_row(conn, scope).await?;
    let created = F::load(conn, id).await?;
    F::reindex(conn, &created, scope).await?;
    Ok(created)
}

/// Creates an object in a write transaction: `resolve` finds the scope (the
/// parent, checked against the actor's reach) and the fields to insert.
pub async fn create<F: Audited>(
    conn: &mut DbConn,
    actor: &Actor,
    resolve: impl AsyncFnOnce(&mut DbConn) -> RepoResult<(F::Scope, F)>,
) -> RepoResult<F::Row> {
    conn.write_transaction(async |conn| {
        let (scope, fields) = resolve(conn).await?;
        let created = insert(conn, &scope, &fields).await?;
        let id = F::id(&created);
        audit_log::append(
            conn,
            &actor.name,
            AuditAction::Create,
            id.subject(),
            &fields.changes(None),
        )
        .await?;
        Ok(created)
    })
    .await
}

/// Applies `patch` when `expected_version` is current. A patch that changes
/// nothing leaves the object (and its version) as it is.
pub async fn update<F: Audited>(
    conn: &mut DbConn,
    actor: &Actor,
    target: &F::Target,
    expected_version: i32,
    patch: F::Patch,
) -> RepoResult<F::Row> {
    conn.write_transaction(async |conn| {
        let current = F::find(conn, target).await?;
        let scope = F::reach(conn, actor, &current).await?;
        check_version(F::NAME, expected_version, F::version(&current))?;
        let old = F::of(conn, &current, &scope).await?;
        let new = old.clone().apply(patch);
        if new.same_as(&old) {
            return Ok(current);
        }
        new.check(conn, &scope, Some(&current), Some(&old)).await?;
        new.update_row(conn, &scope, &current, &old).await?;
        let id = F::id(&current);
        let updated = F::load(conn, id).await?;
        F::reindex(conn, &updated, &scope).await?;
        audit_log::append(
            conn,
            &actor.name,
            AuditAction::Update,
            id.subject(),
            &new.changes(Some(&old)),
        )
        .await?;
        Ok(updated)
    })
    .await
}

/// Archives an object: it leaves lists, search and counts but stays in the
/// database and its history; an ARCHIVE entry records when.
pub async fn archive<F: Archivable>(
    conn: &mut DbConn,
    actor: &Actor,
    target: &F::Target,
    expected_version: i32,
) -> RepoResult<F::Row> {
    conn.write_transaction(async |conn| {
        let current = F::find(conn, target).await?;
        F::reach(conn, actor, &current).await?;
        check_version(F::NAME, expected_version, F::version(&current))?;
        let now = clock::now();
        F::archive_row(conn, &current, now).await?;
        let id = F::id(&current);
        search_index::remove(conn, id).await?;
        let mut changes = Changes::default();
        changes.field("archivedAt", &None, &Some(now));
        audit_log::append(
            conn,
            &actor.name,
            AuditAction::Archive,
            id.subject(),
            &changes,
        )
        .await?;
        F::load(conn, id).await
    })
    .await
}

/// Refuses an update whose `expected` version is not the stored one.
fn check_version(what: &str, expected: i32, current: i32) -> RepoResult<()> {
    if expected == current {
        Ok(())
    } else {
        Err(RepoError::rejected(FieldError::version_conflict(
            what, expected, current,
        )))
    }
}
