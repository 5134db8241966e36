//! The audit trail's hash chain: what an entry's hash covers, and the
//! vocabulary of actions and entity types.

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use crate::status::text_enum;

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

text_enum!(
    /// What kind of object an audit entry is about.
    AuditEntityType {
        Plan => "PLAN",
        WorkingGroup => "WORKING_GROUP",
        Measure => "MEASURE",
        Goal => "GOAL",
        Kpi => "KPI",
        KpiValue => "KPI_VALUE",
        ApiToken => "API_TOKEN",
    }
);

text_enum!(
    /// What a change did. `IMPORT`: a whole plan loaded from a plan file
    /// (`masterplan seed`/`import`); `REVOKE`: an API token withdrawn.
    AuditAction {
        Create => "CREATE",
        Update => "UPDATE",
        Archive => "ARCHIVE",
        Delete => "DELETE",
        Import => "IMPORT",
        Revoke => "REVOKE",
    }
);

/// The hashed content of an entry, exactly as stored (`changes` is the stored
/// JSON text, so the hash never depends on how JSON is re-serialised).
#[derive(Debug, Clone, PartialEq)]
pub struct EntryContent<'a> {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: i64,
    pub changes: &'a str,
}

/// SHA-256 (lower-case hex) over the previous hash and the entry's fields,
/// each length-prefixed so that no two different entries hash the same text.
pub fn entry_hash(prev_hash: &str, entry: &EntryContent<'_>) -> String {
    let at = entry.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
    let id = entry.id.to_string();
    let entity_id = entry.entity_id.to_string();
    let mut hasher = Sha256::new();
    for part in [
        prev_hash,
        &id,
        &at,
        entry.actor,
        entry.action,
        entry.entity_type,
        &entity_id,
        entry.changes,
    ] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(changes: &str) -> EntryContent<'_> {
        EntryContent {
            id: 1,
            at: chrono::NaiveDate::from_ymd_opt(2026, 11, 29)
                .unwrap()
                .and_hms_micro_opt(10, 0, 0, 5)
                .unwrap(),
            actor: "script",
            action: "UPDATE",
            entity_type: "MEASURE",
            entity_id: 7,
            changes,
        }
    }

    #[test]
    fn every_field_and_the_previous_hash_count() {
        let base = entry_hash(GENESIS_HASH, &entry("{}"));
        assert_eq!(base.len(), 64);
        assert_eq!(base, entry_hash(GENESIS_HASH, &entry("{}")));
        assert_ne!(base, entry_hash(GENESIS_HASH, &entry("{ }")));
        assert_ne!(base, entry_hash(&base, &entry("{}")));
        let mut other = entry("{}");
        other.entity_id = 8;
        assert_ne!(base, entry_hash(GENESIS_HASH, &other));
    }

    #[test]
    fn fields_cannot_be_shifted_into_each_other() {
        let mut a = entry("{}");
        a.actor = "ab";
        a.action = "c";
        let mut b = entry("{}");
        b.actor = "a";
        b.action = "bc";
        assert_ne!(entry_hash(GENESIS_HASH, &a), entry_hash(GENESIS_HASH, &b));
    }
}
