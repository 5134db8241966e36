//! Storing and revoking API tokens, each with its audit entry. Secrets are
//! never stored, only their hash.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::audit::AuditAction;
use masterplan_domain::status::Role;

use crate::db::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::ids::{ApiTokenId, AuditSubject};
use crate::models::token::TokenRow;
use crate::schema::api_tokens;
use crate::sql_types::{JsonText, TextEnum};
use crate::with_conn;
use crate::writes::audit_log::{self, Changes};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewToken {
    pub name: String,
    pub key_id: String,
    pub secret_hash: String,
    #[diesel(serialize_as = TextEnum<Role>)]
    pub role: Role,
    #[diesel(serialize_as = JsonText<Vec<String>>)]
    pub working_groups: Vec<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
}

/// Stores a token (and its audit entry, by `actor`); a name that exists
/// already is refused. The audit entry names the token, never its secret.
pub async fn create(conn: &mut DbConn, token: &NewToken, actor: &str) -> RepoResult<TokenRow> {
    conn.write_transaction(async |conn| {
        let row = insert(conn, token).await?;
        let mut changes = Changes::default();
        changes.created("name", &row.name);
        changes.created("role", &row.role.as_str());
        changes.created("workingGroups", &row.working_groups);
        changes.created("expiresAt", &row.expires_at);
        audit_log::append(conn, actor, AuditAction::Create, row.id.subject(), &changes).await?;
        Ok(row)
    })
    .await
}

async fn insert(conn: &mut DbConn, token: &NewToken) -> RepoResult<TokenRow> {
    let existing: i64 = with_conn!(conn, c => api_tokens::table
        .filter(api_tokens::name.eq(&token.name))
        .count()
        .get_result(c)
        .await)?;
    if existing > 0 {
        return Err(RepoError::Conflict(format!(
            "a token named {:?} exists already",
            token.name
        )));
    }
    Ok(with_conn!(conn, c => diesel::insert_into(api_tokens::table)
        .values(token.clone())
        .returning(TokenRow::as_returning())
        .get_result(c)
        .await)?)
}

/// Revokes the token called `name` (audited as `actor`); false when there is
/// none or it was revoked already.
pub async fn revoke(
    conn: &mut DbConn,
    name: &str,
    at: NaiveDateTime,
    actor: &str,
) -> RepoResult<bool> {
    conn.write_transaction(async |conn| {
        let revoked: Option<ApiTokenId> = with_conn!(conn, c => diesel::update(
            api_tokens::table
                .filter(api_tokens::name.eq(name))
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(Some(at)))
        .returning(api_tokens::id)
        .get_result(c)
        .await
        .optional())?;
        let Some(id) = revoked else {
            return Ok(false);
        };
        let mut changes = Changes::default();
        changes.field("revokedAt", &None, &Some(at));
        audit_log::append(conn, actor, AuditAction::Revoke, id.subject(), &changes).await?;
        Ok(true)
    })
    .await
}
