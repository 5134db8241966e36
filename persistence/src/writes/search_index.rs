//! Keeping the search index in step with the measures, goals and KPIs it
//! covers: their documents, stored, replaced and removed inside the
//! transactions that write them.

use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use masterplan_domain::search::fold;

use crate::db::DbConn;
use crate::error::RepoResult;
use crate::ids::{PlanId, Searched};
use crate::models::search::{EntityType, marker};
use crate::with_conn;

/// Indexes `text` (first line: the title) for an entity; the stored body is
/// case-folded in Rust, because SQLite folds ASCII letters only.
pub async fn index(
    conn: &mut DbConn,
    plan_id: PlanId,
    entity: impl Searched,
    text: &str,
) -> RepoResult<()> {
    let (document, entity_id) = document_of(entity);
    let sql = format!(
        "INSERT INTO search_documents (entity_type, entity_id, plan_id, body) VALUES ({}, {}, {}, {})",
        marker(conn, 1),
        marker(conn, 2),
        marker(conn, 3),
        marker(conn, 4)
    );
    let body = fold(text);
    with_conn!(conn, c => diesel::sql_query(sql.clone())
        .bind::<Text, _>(document.as_str())
        .bind::<BigInt, _>(entity_id)
        .bind::<BigInt, _>(plan_id)
        .bind::<Text, _>(&body)
        .execute(c)
        .await)?;
    Ok(())
}

/// Removes a plan's documents (SQLite's FTS5 table has no foreign keys).
pub async fn remove_plan(conn: &mut DbConn, plan_id: PlanId) -> RepoResult<()> {
    let sql = format!(
        "DELETE FROM search_documents WHERE plan_id = {}",
        marker(conn, 1)
    );
    with_conn!(conn, c => diesel::sql_query(sql.clone())
        .bind::<BigInt, _>(plan_id)
        .execute(c)
        .await)?;
    Ok(())
}

/// Removes an entity's document (when it is archived or deleted).
pub async fn remove(conn: &mut DbConn, entity: impl Searched) -> RepoResult<()> {
    let (document, entity_id) = document_of(entity);
    let sql = format!(
        "DELETE FROM search_documents WHERE entity_type = {} AND entity_id = {}",
        marker(conn, 1),
        marker(conn, 2)
    );
    with_conn!(conn, c => diesel::sql_query(sql.clone())
        .bind::<Text, _>(document.as_str())
        .bind::<BigInt, _>(entity_id)
        .execute(c)
        .await)?;
    Ok(())
}

/// Replaces an entity's document with `text` (when it is edited).
pub async fn reindex(
    conn: &mut DbConn,
    plan_id: PlanId,
    entity: impl Searched,
    text: &str,
) -> RepoResult<()> {
    remove(conn, entity).await?;
    index(conn, plan_id, entity, text).await
}

/// A document's entity type and bare id, as `search_documents` stores them.
fn document_of<I: Searched>(entity: I) -> (EntityType, i64) {
    (I::DOCUMENT, entity.get())
}
