//! Plans: rows and queries.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::pg::Pg;
use diesel::prelude::*;
use masterplan_domain::legend::Legend;

use crate::db::DbConn;
use crate::error::RepoResult;
use crate::id_list::in_ids;
use crate::ids::PlanId;
use crate::load_rows::LoadRows;
use crate::schema::plans;
use crate::timestamps::{SqlDate, SqlTimestamp};
use crate::with_conn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = plans)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct PlanRow {
    pub id: PlanId,
    pub slug: String,
    pub title: String,
    pub organisation: String,
    #[diesel(deserialize_as = SqlDate<Option<NaiveDate>>)]
    pub published_on: Option<NaiveDate>,
    pub description: String,
    /// Read from its six columns ([`LegendColumns`]; the selection names a
    /// backend only because the derive needs one type: the columns are the
    /// same on both).
    #[diesel(
        select_expression = <LegendColumns as Selectable<Pg>>::construct_selection(),
        select_expression_type = <LegendColumns as Selectable<Pg>>::SelectExpression,
        deserialize_as = LegendColumns
    )]
    pub legend: Legend,
    pub legend_notes: Option<String>,
    pub version: i32,
    #[diesel(deserialize_as = SqlTimestamp<NaiveDateTime>)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = SqlTimestamp<NaiveDateTime>)]
    pub updated_at: NaiveDateTime,
}

/// The legend's thresholds as the `plans` table stores them.
#[derive(Debug, Clone, Copy, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = plans)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct LegendColumns {
    cost_low_below_eur: f64,
    cost_high_above_eur: f64,
    personnel_low_below_fte: f64,
    personnel_high_above_fte: f64,
    period_short_below_months: i32,
    period_long_above_months: i32,
}

// Struct literals both ways: a threshold added to either side fails to compile.
impl From<Legend> for LegendColumns {
    fn from(l: Legend) -> Self {
        LegendColumns {
            cost_low_below_eur: l.cost_low_below_eur,
            cost_high_above_eur: l.cost_high_above_eur,
            personnel_low_below_fte: l.personnel_low_below_fte,
            personnel_high_above_fte: l.personnel_high_above_fte,
            period_short_below_months: l.period_short_below_months,
            period_long_above_months: l.period_long_above_months,
        }
    }
}

impl From<LegendColumns> for Legend {
    fn from(c: LegendColumns) -> Self {
        Legend {
            cost_low_below_eur: c.cost_low_below_eur,
            cost_high_above_eur: c.cost_high_above_eur,
            personnel_low_below_fte: c.personnel_low_below_fte,
            personnel_high_above_fte: c.personnel_high_above_fte,
            period_short_below_months: c.period_short_below_months,
            period_long_above_months: c.period_long_above_months,
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = plans)]
pub struct NewPlan<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub organisation: &'a str,
    pub published_on: Option<NaiveDate>,
    pub description: &'a str,
    #[diesel(embed)]
    pub legend: LegendColumns,
    pub legend_notes: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// All plans, oldest first.
pub async fn list(conn: &mut DbConn) -> RepoResult<Vec<PlanRow>> {
    Ok(with_conn!(conn, c => c.load_rows(plans::table
        .select(PlanRow::as_select())
        .order(plans::id))
        .await)?)
}

pub async fn find_by_slug(conn: &mut DbConn, slug: &str) -> RepoResult<Option<PlanRow>> {
    let slug = slug.to_owned();
    let rows = with_conn!(conn, c => c.load_rows(
        plans::table
            .filter(plans::slug.eq(slug))
            .select(PlanRow::as_select())
            .limit(1)
            .into_boxed()
    )
    .await)?;
    Ok(rows.into_iter().next())
}

pub async fn by_ids(conn: &mut DbConn, ids: &[PlanId]) -> RepoResult<Vec<PlanRow>> {
    Ok(with_conn!(conn, c => c.load_rows(plans::table
        .filter(in_ids(plans::id, ids))
        .select(PlanRow::as_select()))
        .await)?)
}

/// The first two plans: enough to tell "none", "exactly one" and "several".
pub async fn first_two(conn: &mut DbConn) -> RepoResult<Vec<PlanRow>> {
    Ok(with_conn!(conn, c => c.load_rows(plans::table
        .select(PlanRow::as_select())
        .order(plans::id)
        .limit(2))
        .await)?)
}
