//! API tokens: rows and queries. Secrets are never stored, only their hash.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::status::Role;

use crate::db::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::models::audit::{self, Changes};
use crate::schema::api_tokens;
use crate::sql_types::{JsonText, TextEnum};
use crate::with_conn;
use masterplan_domain::audit::{AuditAction, AuditEntityType};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = api_tokens)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub key_id: String,
    pub secret_hash: String,
    #[diesel(deserialize_as = TextEnum<Role>)]
    pub role: Role,
    /// Codes of the working groups an editor is restricted to; empty: all.
    #[diesel(deserialize_as = JsonText<Vec<String>>)]
    pub working_groups: Vec<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

impl TokenRow {
    /// Usable at `now`: neither revoked nor expired.
    pub fn is_active(&self, now: NaiveDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| now < at)
    }
}

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
        audit::append(
            conn,
            actor,
            AuditAction::Create,
            AuditEntityType::ApiToken,
            row.id,
            &changes,
        )
        .await?;
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

pub async fn list(conn: &mut DbConn) -> RepoResult<Vec<TokenRow>> {
    Ok(with_conn!(conn, c => api_tokens::table
        .select(TokenRow::as_select())
        .order(api_tokens::id)
        .load(c)
        .await)?)
}

pub async fn find_by_key_id(conn: &mut DbConn, key_id: &str) -> RepoResult<Option<TokenRow>> {
    Ok(with_conn!(conn, c => api_tokens::table
        .filter(api_tokens::key_id.eq(key_id))
        .select(TokenRow::as_select())
        .first(c)
        .await
        .optional())?)
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
        let revoked: Option<i64> = with_conn!(conn, c => diesel::update(
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
        audit::append(
            conn,
            actor,
            AuditAction::Revoke,
            AuditEntityType::ApiToken,
            id,
            &changes,
        )
        .await?;
        Ok(true)
    })
    .await
}
