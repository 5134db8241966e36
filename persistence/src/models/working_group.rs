//! Working groups: rows and queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::error::RepoResult;
use crate::id_list::in_ids;
use crate::ids::{PlanId, WorkingGroupId};
use crate::load_rows::LoadRows;
use crate::schema::working_groups;
use crate::timestamps::SqlTimestamp;
use crate::with_conn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = working_groups)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct WorkingGroupRow {
    pub id: WorkingGroupId,
    pub plan_id: PlanId,
    pub code: String,
    pub number: i32,
    pub name: String,
    pub lead: Option<String>,
    pub version: i32,
    #[diesel(deserialize_as = SqlTimestamp<NaiveDateTime>)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = SqlTimestamp<NaiveDateTime>)]
    pub updated_at: NaiveDateTime,
}

/// Working groups of one plan (or of all plans), by number.
pub async fn list(conn: &mut DbConn, plan_id: Option<PlanId>) -> RepoResult<Vec<WorkingGroupRow>> {
    Ok(with_conn!(conn, c => {
        let mut query = working_groups::table
            .select(WorkingGroupRow::as_select())
            .order((working_groups::plan_id, working_groups::number))
            .into_boxed();
        if let Some(plan_id) = plan_id {
            query = query.filter(working_groups::plan_id.eq(plan_id));
        }
        c.load_rows(query).await
    })?)
}

pub async fn find_by_code(
    conn: &mut DbConn,
    plan_id: PlanId,
    code: &str,
) -> RepoResult<Option<WorkingGroupRow>> {
    let code = code.to_owned();
    let rows = with_conn!(conn, c => c.load_rows(working_groups::table
        .filter(working_groups::plan_id.eq(plan_id))
        .filter(working_groups::code.eq(code))
        .select(WorkingGroupRow::as_select())
        .limit(1)
        .into_boxed())
        .await)?;
    Ok(rows.into_iter().next())
}

pub async fn by_ids(conn: &mut DbConn, ids: &[WorkingGroupId]) -> RepoResult<Vec<WorkingGroupRow>> {
    Ok(with_conn!(conn, c => c.load_rows(working_groups::table
        .filter(in_ids(working_groups::id, ids))
        .select(WorkingGroupRow::as_select()))
        .await)?)
}

/// Working groups of the given plans, by number.
pub async fn by_plan_ids(
    conn: &mut DbConn,
    plan_ids: &[PlanId],
) -> RepoResult<Vec<WorkingGroupRow>> {
    Ok(with_conn!(conn, c => c.load_rows(working_groups::table
        .filter(in_ids(working_groups::plan_id, plan_ids))
        .select(WorkingGroupRow::as_select())
        .order((working_groups::plan_id, working_groups::number)))
        .await)?)
}
