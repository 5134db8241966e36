//! Persisted queries. Automatic persisted queries as Apollo clients send
//! them: `extensions.persistedQuery { version: 1, sha256Hash }` without a
//! query is answered `PERSISTED_QUERY_NOT_FOUND` until the document has
//! been sent once with its hash (which is checked), then the hash alone
//! runs it, by POST and by GET (short, cacheable URLs). Trusted documents
//! (`--trusted-documents FILE`: a JSON object from hash to document, as
//! Relay and GraphQL Codegen write them) are known from the start; with
//! `--persisted-only` nothing else runs, for the public deployment. Clients
//! of trusted documents name them by `documentId` (`sha256:<hex>`, as
//! GraphQL Codegen's client preset and GraphQL over HTTP's persisted
//! documents send it) instead of `extensions.persistedQuery`.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Request;
use quick_cache::sync::Cache;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ErrorCode};

/// Documents learned from clients, at most (the oldest are forgotten and
/// asked for again).
const LEARNED: usize = 10_000;

pub struct PersistedQueries {
    trusted: HashMap<String, Arc<str>>,
    learned: Cache<String, Arc<str>>,
    persisted_only: bool,
}

impl Default for PersistedQueries {
    fn default() -> Self {
        Self::new(HashMap::new(), false)
    }
}

/// The lower-case hex SHA-256 of a document.
pub fn hash(document: &str) -> String {
    Sha256::digest(document.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl PersistedQueries {
    pub fn new(trusted: HashMap<String, Arc<str>>, persisted_only: bool) -> Self {
        Self {
            trusted,
            learned: Cache::new(LEARNED),
            persisted_only,
        }
    }

    /// Reads a trusted-documents file: `{"<sha256 hex>" or "sha256:<hex>": "document", …}`;
    /// every hash must be its document's.
    pub fn read_trusted(text: &str) -> Result<HashMap<String, Arc<str>>, String> {
        let entries: HashMap<String, String> = serde_json::from_str(text)
            .map_err(|e| format!("not a JSON object from hash to document: {e}"))?;
        entries
            .into_iter()
            .map(|(key, document)| {
                let given = key
                    .strip_prefix("sha256:")
                    .unwrap_or(&key)
                    .to_ascii_lowercase();
                let actual = hash(&document);
                if given == actual {
                    Ok((actual, Arc::from(document)))
                } else {
                    Err(format!(
                        "{key} is not the SHA-256 of its document ({actual})"
                    ))
                }
            })
            .collect()
    }

    /// Fills in the document of a request that names it by `document_id`
    /// (the request's `documentId`, where its transport has one) or by
    /// `extensions.persistedQuery`, learns one sent with its hash, and
    /// refuses what may not run.
    pub fn resolve(
        &self,
        request: &mut Request,
        document_id: Option<&str>,
    ) -> Result<(), ApiError> {
        if let Some(id) = document_id {
            self.by_document_id(request, id)?;
        }
        let Some(wanted) = persisted_hash(request)? else {
            if self.persisted_only && !self.trusted.contains_key(&hash(&request.query)) {
                return Err(not_in_list());
            }
            return Ok(());
        };
        if request.query.trim().is_empty() {
            request.query = self.known(&wanted)?.to_string();
            return Ok(());
        }
        let actual = hash(&request.query);
        if actual != wanted {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                format!("`sha256Hash` is not the SHA-256 of the query (that is {actual})"),
            ));
        }
        if self.persisted_only && !self.trusted.contains_key(&actual) {
            return Err(not_in_list());
        }
        if !self.trusted.contains_key(&actual) {
            self.learned
                .insert(actual, Arc::from(request.query.as_str()));
        }
        Ok(())
    }

    /// Fills in the document a request names by `documentId`: `sha256:`
    /// and the document's SHA-256 in hex (the bare hex is taken too).
    fn by_document_id(&self, request: &mut Request, id: &str) -> Result<(), ApiError> {
        if !request.query.trim().is_empty() {
            return Err(bad("send either `query` or `documentId`, not both"));
        }
        let hex = id.strip_prefix("sha256:").unwrap_or(id);
        if !is_sha256_hex(hex) {
            return Err(bad(
                "`documentId` must be `sha256:` followed by the document's SHA-256 in 64 hex digits",
            ));
        }
        request.query = self.known(&hex.to_ascii_lowercase())?.to_string();
        Ok(())
    }

    /// The document with this hash: trusted, or (unless only trusted ones
    /// run) learned from a client.
    fn known(&self, wanted: &str) -> Result<Arc<str>, ApiError> {
        if let Some(document) = self.trusted.get(wanted) {
            return Ok(document.clone());
        }
        if self.persisted_only {
            return Err(not_in_list());
        }
        self.learned.get(wanted).ok_or_else(|| {
            ApiError::new(
                ErrorCode::PersistedQueryNotFound,
                "PersistedQueryNotFound: send the document with its hash once",
            )
        })
    }
}

fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit())
}

fn not_in_list() -> ApiError {
    ApiError::new(
        ErrorCode::PersistedQueryNotInList,
        "this server runs trusted documents only (--persisted-only); this document is not one",
    )
}

/// `extensions.persistedQuery.sha256Hash`, when the request has one.
fn persisted_hash(request: &Request) -> Result<Option<String>, ApiError> {
    let Some(persisted) = request.extensions.get("persistedQuery") else {
        return Ok(None);
    };
    let persisted = persisted
        .clone()
        .into_json()
        .map_err(|_| bad("`extensions.persistedQuery` is not an object"))?;
    if persisted.get("version").and_then(|v| v.as_i64()) != Some(1) {
        return Err(bad("`extensions.persistedQuery.version` must be 1"));
    }
    let hash = persisted
        .get("sha256Hash")
        .and_then(|h| h.as_str())
        .filter(|h| is_sha256_hex(h))
        .ok_or_else(|| bad("`extensions.persistedQuery.sha256Hash` must be 64 hex digits"))?;
    Ok(Some(hash.to_ascii_lowercase()))
}

fn bad(message: &str) -> ApiError {
    ApiError::new(ErrorCode::BadRequest, message)
}
