//! The version-stamped response cache: the plan changes rarely and is read
//! by many portal sessions, so a query asked again while the data is
//! unchanged is answered from memory, without touching the database.
//!
//! An answer is kept under a SHA-256 of everything that decides it: the
//! document, operation name and variables, who asks (public or staff, role,
//! working groups), today's date (`overdue` without `asOf`), and the data
//! version: a number that changes with every commit this process hears of
//! (its own at once; on PostgreSQL every instance's through `NOTIFY`). So an
//! entry is never valid past a change; old ones age out of the bounded
//! cache. While the PostgreSQL listener is reconnecting, other instances'
//! commits go unheard and nothing is served from the cache.
//!
//! Only error-free query results are kept, never `viewer` (it names the
//! token), `verifyAuditLog` (it reads what no audited write changed) nor
//! `webhooks` (deliveries change without audited writes). The `ETag`
//! is the entry's key; it holds a number of this process, so another
//! instance never takes it for its own.

use async_graphql::Request;
use axum::body::Bytes;
use axum::http::HeaderValue;
use masterplan_persistence::Database;
use masterplan_persistence::db::CommitSignals;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use sha2::{Digest, Sha256};

use crate::auth::Caller;

type Key = [u8; 32];

#[derive(Clone)]
struct BodySize;

impl Weighter<Key, Bytes> for BodySize {
    fn weight(&self, _key: &Key, body: &Bytes) -> u64 {
        body.len() as u64 + 64
    }
}

pub struct ResponseCache {
    entries: Cache<Key, Bytes, BodySize>,
    signals: CommitSignals,
    /// Makes ETags of this process differ from every other's.
    process: u64,
}

/// Where a request's answer is (or would be) kept.
pub struct Lookup {
    key: Key,
    pub etag: HeaderValue,
}

impl ResponseCache {
    /// A cache of at most `bytes` of answers; `None` for 0. Call it on the
    /// runtime (on PostgreSQL it starts a listener).
    pub fn new(db: &Database, bytes: u64) -> Option<Self> {
        if bytes == 0 {
            return None;
        }
        let mut process = [0_u8; 8];
        getrandom::fill(&mut process).expect("the OS has randomness");
        Some(Self {
            entries: Cache::with_weighter((bytes / 2048).max(16) as usize, bytes, BodySize),
            signals: db.commit_signals(),
            process: u64::from_le_bytes(process),
        })
    }

    /// The key of a query's answer, or `None` when it is not to be cached
    /// (or nothing may be served from the cache now).
    pub fn lookup(&self, request: &Request, caller: &Caller) -> Option<Lookup> {
        if !self.signals.hears_everything() {
            crate::metrics::cache("bypass");
            return None;
        }
        let query = request.query.as_str();
        if ["viewer", "verifyAuditLog", "webhooks"]
            .iter()
            .any(|field| query.contains(field))
        {
            return None;
        }
        let who = match caller {
            Caller::Anonymous => "anonymous".to_owned(),
            Caller::PublicZone => "public".to_owned(),
            Caller::Token {
                role,
                working_groups,
                ..
            } => format!("{role}:{}", working_groups.join(",")),
        };
        let variables = serde_json::to_string(&request.variables).ok()?;
        let today = chrono::Utc::now().date_naive().to_string();
        let version = self.signals.version().to_string();
        let mut hasher = Sha256::new();
        for part in [
            query,
            request.operation_name.as_deref().unwrap_or(""),
            &variables,
            &who,
            &today,
            &version,
        ] {
            // Length-prefixed: no two different requests hash the same text.
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part.as_bytes());
        }
        let key: Key = hasher.finalize().into();
        let hex: String = key[..12].iter().map(|b| format!("{b:02x}")).collect();
        let etag = HeaderValue::from_str(&format!("\"{:016x}-{hex}\"", self.process))
            .expect("hex is a header value");
        Some(Lookup { key, etag })
    }

    pub fn get(&self, lookup: &Lookup) -> Option<Bytes> {
        let found = self.entries.get(&lookup.key);
        crate::metrics::cache(if found.is_some() { "hit" } else { "miss" });
        found
    }

    pub fn put(&self, lookup: &Lookup, body: Bytes) {
        self.entries.insert(lookup.key, body);
        metrics::gauge!("masterplan_cache_bytes").set(self.entries.weight() as f64);
    }
}
