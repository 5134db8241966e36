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
    let (last_id, last_hash): (AuditId, String) = with_conn!(conn, c => audit_head::table
        .find(1)
        .select((audit_head::last_id, audit_head::last_hash))
        .first(c)
        .await)?;
    let mut row = AuditRow {
        id: AuditId::new(last_id.get() + 1),
        at: clock::now(),
        actor: actor.to_owned(),
        action,
        entity_type: subject.entity_type,
        entity_id: subject.entity_id,
        changes: changes.to_json(),
        prev_hash: last_hash,
        hash: String::new(),
    };
    row.hash = entry_hash(&row.prev_hash, &row.content());
    with_conn!(conn, c => {
        diesel::insert_into(audit_log::table).values(row.clone()).execute(c).await?;
        diesel::update(audit_head::table.find(1))
            .set((audit_head::last_id.eq(row.id), audit_head::last_hash.eq(&row.hash)))
            .execute(c)
            .await
    })?;
    crate::writes::webhooks::enqueue(conn, &row).await?;
    // Listeners hear of it through the NOTIFY of the write transaction.
    Ok(row)
}
