//! Plans: rows and queries.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::legend::Legend;

use crate::db::DbConn;
use crate::error::RepoResult;
use crate::schema::plans;
use crate::with_conn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = plans)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct PlanRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub organisation: String,
    pub published_on: Option<NaiveDate>,
    pub description: String,
    pub cost_low_below_eur: f64,
    pub cost_high_above_eur: f64,
    pub personnel_low_below_fte: f64,
    pub personnel_high_above_fte: f64,
    pub period_short_below_months: i32,
    pub period_long_above_months: i32,
    pub legend_notes: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PlanRow {
    pub fn legend(&self) -> Legend {
        Legend {
            cost_low_below_eur: self.cost_low_below_eur,
            cost_high_above_eur: self.cost_high_above_eur,
            personnel_low_below_fte: self.personnel_low_below_fte,
            personnel_high_above_fte: self.personnel_high_above_fte,
            period_short_below_months: self.period_short_below_months,
            period_long_above_months: self.period_long_above_months,
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
    pub cost_low_below_eur: f64,
    pub cost_high_above_eur: f64,
    pub personnel_low_below_fte: f64,
    pub personnel_high_above_fte: f64,
    pub period_short_below_months: i32,
    pub period_long_above_months: i32,
    pub legend_notes: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// All plans, oldest first.
pub async fn list(conn: &mut DbConn) -> RepoResult<Vec<PlanRow>> {
    Ok(with_conn!(conn, c => plans::table
        .select(PlanRow::as_select())
        .order(plans::id)
        .load(c)
        .await)?)
}

pub async fn find_by_slug(conn: &mut DbConn, slug: &str) -> RepoResult<Option<PlanRow>> {
    Ok(with_conn!(conn, c => plans::table
        .filter(plans::slug.eq(slug))
        .select(PlanRow::as_select())
        .first(c)
        .await
        .optional())?)
}

pub async fn by_ids(conn: &mut DbConn, ids: &[i64]) -> RepoResult<Vec<PlanRow>> {
    Ok(with_conn!(conn, c => plans::table
        .filter(plans::id.eq_any(ids))
        .select(PlanRow::as_select())
        .load(c)
        .await)?)
}

/// The first two plans: enough to tell "none", "exactly one" and "several".
pub async fn first_two(conn: &mut DbConn) -> RepoResult<Vec<PlanRow>> {
    Ok(with_conn!(conn, c => plans::table
        .select(PlanRow::as_select())
        .order(plans::id)
        .limit(2)
        .load(c)
        .await)?)
}
