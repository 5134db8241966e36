//! Appending to the audit trail, inside the write transaction of the change
//! it records: the entry's changed fields and its link in the hash chain.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::audit::{AuditAction, entry_hash};
use serde::Serialize;
use serde_json::{Value, json};

use crate::clock;
use crate::db::DbConn;
use crate::error::RepoResult;
use crate::ids::{AuditId, Subject};
use crate::models::audit::AuditRow;
use crate::schema::{audit_head, audit_log};
use crate::with_conn;

/// The fields a change touched, each with its old and new value, stored as
/// `{"field": {"old": …, "new": …}}` with fields in name order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes(BTreeMap<String, Value>);

impl Changes {
    /// Records `field` when its value changes.
    pub fn field<T: Serialize + PartialEq>(&mut self, field: &str, old: &T, new: &T) {
        if old != new {
            self.0.insert(
                field.to_owned(),
                json!({ "old": to_value(old), "new": to_value(new) }),
            );
        }
    }

    /// Records a field of a new object (its old value is null).
    pub fn created<T: Serialize>(&mut self, field: &str, new: &T) {
        let new = to_value(new);
        if !new.is_null() {
            self.0
                .insert(field.to_owned(), json!({ "old": null, "new": new }));
        }
    }

    /// Records `field` of a change from `old` (`None`: the object is new).
    pub fn record<T: Serialize + PartialEq>(&mut self, field: &str, old: Option<&T>, new: &T) {
        match old {
            Some(old) => self.field(field, old, new),
            None => self.created(field, new),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn to_json(&self) -> String {
        serde_json::to_string(&self.0).expect("JSON values serialise")
    }
}

fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("audited values serialise")
}

/// Appends an entry to the chain. Call it inside
/// [`DbConn::write_transaction`], which holds the head row.
pub async fn append(
    conn: &mut DbConn,
    actor: &str,
    action: AuditAction,
    subject: Subject,
    changes: &Changes,
) -> RepoResult<AuditRow> {
    let mut rows = append_all(conn, actor, [(action, subject, changes)]).await?;
    Ok(rows.pop().expect("one entry was appended"))
}

/// Rows per INSERT on PostgreSQL: nine binds a row, under its 65,535.
const ROWS_PER_INSERT: usize = 5000;

/// Appends entries to the chain in their order, with one read and one
/// update of the head whatever their number (and on PostgreSQL one insert
/// per 5,000 entries): a batch of a thousand KPI values took four thousand
/// round trips when each entry was appended on its own. The entries share
/// the transaction's time. Call it inside [`DbConn::write_transaction`].
pub async fn append_all<'a>(
    conn: &mut DbConn,
    actor: &str,
    entries: impl IntoIterator<Item = (AuditAction, Subject, &'a Changes)> + Send,
) -> RepoResult<Vec<AuditRow>> {
    let entries: Vec<(AuditAction, Subject, &Changes)> = entries.into_iter().collect();
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let (last_id, last_hash): (AuditId, String) = with_conn!(conn, c => audit_head::table
        .find(1)
        .select((audit_head::last_id, audit_head::last_hash))
        .first(c)
        .await)?;
    let at = clock::now();
    let (mut id, mut prev_hash) = (last_id.get(), last_hash);
    let mut rows = Vec::with_capacity(entries.len());
    for (action, subject, changes) in entries {
        id += 1;
        let mut row = AuditRow {
            id: AuditId::new(id),
            at,
            actor: actor.to_owned(),
            action,
            entity_type: subject.entity_type,
            entity_id: subject.entity_id,
            changes: changes.to_json(),
            prev_hash,
            hash: String::new(),
        };
        row.hash = entry_hash(&row.prev_hash, &row.content());
        prev_hash = row.hash.clone();
        rows.push(row);
    }
    match conn {
        DbConn::Postgres(pooled, _) => {
            let c: &mut diesel_async::AsyncPgConnection = &mut *pooled;
            for chunk in rows.chunks(ROWS_PER_INSERT) {
                diesel::insert_into(audit_log::table)
                    .values(chunk.to_vec())
                    .execute(c)
                    .await?;
            }
        }
        // SQLite's async wrapper takes no multi-row insert here (as for KPI
        // values); its statements are cheap calls in the process.
        DbConn::Sqlite(pooled, _) => {
            let c: &mut crate::db::SqliteConn = &mut *pooled;
            for row in &rows {
                diesel::insert_into(audit_log::table)
                    .values(row.clone())
                    .execute(c)
                    .await?;
            }
        }
    }
    with_conn!(conn, c => diesel::update(audit_head::table.find(1))
        .set((audit_head::last_id.eq(AuditId::new(id)), audit_head::last_hash.eq(&prev_hash)))
        .execute(c)
        .await)?;
    crate::writes::webhooks::enqueue_all(conn, &rows).await?;
    // Listeners hear of it through the NOTIFY of the write transaction.
    Ok(rows)
}
