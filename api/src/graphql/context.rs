//! What resolvers take from the request context: loaders, database, limits.

use async_graphql::Context;
use chrono::{NaiveDate, Utc};
use masterplan_domain::visibility::Audience;
use masterplan_persistence::{Database, DbConn};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::graphql::scalars::Date;
use crate::limits::Limits;
use crate::loaders::Loaders;

pub fn loaders<'a>(ctx: &Context<'a>) -> ApiResult<&'a Loaders> {
    ctx.data::<Loaders>().map_err(|_| missing("loaders"))
}

pub fn limits<'a>(ctx: &Context<'a>) -> ApiResult<&'a Limits> {
    ctx.data::<Limits>().map_err(|_| missing("limits"))
}

/// Whom the request's reads serve; the public when no caller is known.
pub fn audience(ctx: &Context<'_>) -> Audience {
    ctx.data::<Caller>()
        .map(Caller::audience)
        .unwrap_or_default()
}

pub async fn conn(ctx: &Context<'_>) -> ApiResult<DbConn> {
    let db = ctx.data::<Database>().map_err(|_| missing("database"))?;
    Ok(db.conn().await?)
}

fn missing(what: &str) -> ApiError {
    tracing::error!("{what} missing from the GraphQL context");
    ApiError::internal()
}

/// The date "overdue" and "next target" are judged against: the caller's
/// `asOf`, else today (UTC).
pub fn as_of(date: Option<Date>) -> NaiveDate {
    date.map_or_else(|| Utc::now().date_naive(), |d| d.0)
}
