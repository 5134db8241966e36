//! API tokens on the wire (`Authorization: Bearer mp_<key>_<secret>`): minting,
//! hashing, and who a request is.

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use masterplan_domain::status::Role;
use masterplan_domain::visibility::Audience;
use masterplan_persistence::models::audit::AuditScope;
use masterplan_persistence::models::token;
use masterplan_persistence::writes::tokens::NewToken;
use masterplan_persistence::{DbConn, clock};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{ApiError, ErrorCode};

/// Who sent a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Anonymous,
    /// Any caller of a `--public-only` server, whatever token it sent.
    PublicZone,
    Token {
        name: String,
        role: Role,
        /// Empty: every working group.
        working_groups: Vec<String>,
    },
}

impl Caller {
    pub fn name(&self) -> &str {
        match self {
            Caller::Anonymous => "anonymous",
            Caller::PublicZone => "public",
            Caller::Token { name, .. } => name,
        }
    }

    /// What the caller may read: the public part of the plan for anonymous
    /// callers, `PUBLIC` tokens and a `--public-only` server; all of it for
    /// `READER` tokens and above.
    pub fn audience(&self) -> Audience {
        match self {
            Caller::Token { role, .. } if *role >= Role::Reader => Audience::Internal,
            _ => Audience::Public,
        }
    }

    /// Which audit entries the caller may read, once it may read the audit
    /// trail at all (editors and admins): admins all, editors all but those
    /// about tokens, restricted editors those of their working groups.
    pub fn audit_scope(&self) -> AuditScope {
        match self {
            Caller::Token { role, .. } if *role == Role::Admin => AuditScope::Everything,
            Caller::Token {
                role: Role::Editor,
                working_groups,
                ..
            } if working_groups.is_empty() => AuditScope::AllButTokens,
            Caller::Token {
                role: Role::Editor,
                working_groups,
                ..
            } => AuditScope::WorkingGroups(working_groups.clone()),
            _ => AuditScope::default(),
        }
    }
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn random_part(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system provides randomness");
    URL_SAFE_NO_PAD.encode(buf)
}

/// A new token: the row to store and the secret to show once.
pub fn mint(
    name: &str,
    role: Role,
    working_groups: &[String],
    expires_at: Option<chrono::NaiveDateTime>,
) -> (NewToken, String) {
    // `_` separates the parts of a token, so the key keeps to letters and digits.
    let key_id: String = random_part(9).replace(['-', '_'], "x");
    let secret = format!("mp_{key_id}_{}", random_part(32));
    let row = NewToken {
        name: name.to_owned(),
        key_id,
        secret_hash: sha256_hex(&secret),
        role,
        working_groups: working_groups.to_vec(),
        created_at: clock::now(),
        expires_at,
    };
    (row, secret)
}

fn unauthenticated(message: &str) -> ApiError {
    ApiError::new(ErrorCode::Unauthenticated, message)
}

/// The caller of a request: anonymous without an `Authorization` header
/// (refused when `require_auth`), else the token's principal. A malformed,
/// unknown, revoked or expired token is refused.
pub async fn authenticate(
    conn: &mut DbConn,
    headers: &HeaderMap,
    require_auth: bool,
) -> Result<Caller, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return if require_auth {
            Err(unauthenticated(
                "this server requires an API token (Authorization: Bearer …)",
            ))
        } else {
            Ok(Caller::Anonymous)
        };
    };
    let secret = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| unauthenticated("the Authorization header must be `Bearer <token>`"))?;
    let invalid = || unauthenticated("the API token is not valid (unknown, revoked or expired)");
    let key_id = secret
        .strip_prefix("mp_")
        .and_then(|rest| rest.split_once('_'))
        .map(|(key, _)| key)
        .ok_or_else(invalid)?;
    let Some(row) = token::find_by_key_id(conn, key_id).await? else {
        return Err(invalid());
    };
    let matches: bool = sha256_hex(secret)
        .as_bytes()
        .ct_eq(row.secret_hash.as_bytes())
        .into();
    if !matches || !row.is_active(clock::now()) {
        return Err(invalid());
    }
    Ok(Caller::Token {
        role: row.role,
        working_groups: row.working_groups,
        name: row.name,
    })
}
