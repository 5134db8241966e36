//! API tokens: rows and queries (stored and revoked by
//! [`crate::writes::tokens`]). Secrets are never stored, only their hash.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use masterplan_domain::status::Role;

use crate::db::DbConn;
use crate::error::RepoResult;
use crate::ids::ApiTokenId;
use crate::load_rows::LoadRows;
use crate::schema::api_tokens;
use crate::sql_types::{JsonText, TextEnum};
use crate::with_conn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = api_tokens)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct TokenRow {
    pub id: ApiTokenId,
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

pub async fn list(conn: &mut DbConn) -> RepoResult<Vec<TokenRow>> {
    Ok(with_conn!(conn, c => c.load_rows(api_tokens::table
        .select(TokenRow::as_select())
        .order(api_tokens::id))
        .await)?)
}

pub async fn find_by_key_id(conn: &mut DbConn, key_id: &str) -> RepoResult<Option<TokenRow>> {
    let key_id = key_id.to_owned();
    let rows = with_conn!(conn, c => c.load_rows(api_tokens::table
        .filter(api_tokens::key_id.eq(key_id))
        .select(TokenRow::as_select())
        .limit(1)
        .into_boxed())
        .await)?;
    Ok(rows.into_iter().next())
}
