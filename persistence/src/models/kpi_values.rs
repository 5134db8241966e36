//! KPI values (observations): batched pages, counts and latest values per KPI.

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date};
use diesel_async::RunQueryDsl;

use crate::db::DbConn;
use crate::error::RepoResult;
use crate::schema::kpi_values;
use crate::with_conn;

#[derive(Debug, Clone, PartialEq, Queryable, QueryableByName, Selectable, Identifiable)]
#[diesel(table_name = kpi_values)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ValueRow {
    pub id: i64,
    pub kpi_id: i64,
    pub observed_on: NaiveDate,
    pub value: f64,
    pub note: Option<String>,
    pub source: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = kpi_values)]
pub struct NewValue {
    pub kpi_id: i64,
    pub observed_on: NaiveDate,
    pub value: f64,
    pub note: Option<String>,
    pub source: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Which slice of each KPI's series to read. Values are ordered by date; a
/// KPI has at most one value per date, so the date is the keyset cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ValueSlice {
    /// Observed on or after.
    pub from: Option<NaiveDate>,
    /// Observed on or before.
    pub to: Option<NaiveDate>,
    /// Strictly after this date (the `after` cursor).
    pub after: Option<NaiveDate>,
    /// Strictly before this date (the `before` cursor).
    pub before: Option<NaiveDate>,
    /// Rows per KPI, counted from the oldest (or the newest when `newest_first`).
    pub limit: i64,
    pub newest_first: bool,
}

/// Up to `slice.limit` values of each KPI in one statement (a window function
/// ranks each KPI's rows), oldest first in the result unless `newest_first`.
pub async fn slice_of(
    conn: &mut DbConn,
    kpi_ids: &[i64],
    slice: ValueSlice,
) -> RepoResult<Vec<ValueRow>> {
    if kpi_ids.is_empty() {
        return Ok(Vec::new());
    }
    let postgres = matches!(conn, DbConn::Postgres(_));
    let mut binds = 0;
    let mut placeholder = || {
        binds += 1;
        if postgres {
            format!("${binds}")
        } else {
            "?".to_owned()
        }
    };
    let ids = kpi_ids
        .iter()
        .map(|_| placeholder())
        .collect::<Vec<_>>()
        .join(", ");
    let mut conditions = vec![format!("kpi_id IN ({ids})")];
    let mut dates = Vec::new();
    for (date, op) in [
        (slice.from, ">="),
        (slice.to, "<="),
        (slice.after, ">"),
        (slice.before, "<"),
    ] {
        if let Some(date) = date {
            conditions.push(format!("observed_on {op} {}", placeholder()));
            dates.push(date);
        }
    }
    let limit = placeholder();
    let direction = if slice.newest_first { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT id, kpi_id, observed_on, value, note, source, created_at, updated_at FROM (\
           SELECT kpi_values.*, ROW_NUMBER() OVER (PARTITION BY kpi_id ORDER BY observed_on {direction}) AS rn \
           FROM kpi_values WHERE {}\
         ) ranked WHERE rn <= {limit} ORDER BY kpi_id, observed_on {direction}",
        conditions.join(" AND ")
    );
    Ok(with_conn!(conn, c => {
        let mut query = diesel::sql_query(sql.clone()).into_boxed();
        for id in kpi_ids {
            query = query.bind::<BigInt, _>(*id);
        }
        for date in &dates {
            query = query.bind::<Date, _>(*date);
        }
        query.bind::<BigInt, _>(slice.limit).load::<ValueRow>(c).await
    })?)
}

/// Number of values of each KPI between `from` and `to` (inclusive).
pub async fn counts_of(
    conn: &mut DbConn,
    kpi_ids: &[i64],
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> RepoResult<Vec<(i64, i64)>> {
    Ok(with_conn!(conn, c => {
        let mut query = kpi_values::table
            .filter(kpi_values::kpi_id.eq_any(kpi_ids))
            .group_by(kpi_values::kpi_id)
            .select((kpi_values::kpi_id, diesel::dsl::count_star()))
            .into_boxed();
        if let Some(from) = from {
            query = query.filter(kpi_values::observed_on.ge(from));
        }
        if let Some(to) = to {
            query = query.filter(kpi_values::observed_on.le(to));
        }
        query.load(c).await
    })?)
}

/// The newest value of each KPI: two statements whatever the number of KPIs.
pub async fn latest_of(conn: &mut DbConn, kpi_ids: &[i64]) -> RepoResult<Vec<ValueRow>> {
    let newest: Vec<(i64, Option<NaiveDate>)> = with_conn!(conn, c => kpi_values::table
        .filter(kpi_values::kpi_id.eq_any(kpi_ids))
        .group_by(kpi_values::kpi_id)
        .select((kpi_values::kpi_id, diesel::dsl::max(kpi_values::observed_on)))
        .load(c)
        .await)?;
    let wanted: HashSet<(i64, NaiveDate)> = newest
        .into_iter()
        .filter_map(|(kpi, date)| date.map(|d| (kpi, d)))
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let kpis: Vec<i64> = wanted.iter().map(|(k, _)| *k).collect();
    let dates: Vec<NaiveDate> = wanted.iter().map(|(_, d)| *d).collect();
    let candidates: Vec<ValueRow> = with_conn!(conn, c => kpi_values::table
        .filter(kpi_values::kpi_id.eq_any(&kpis))
        .filter(kpi_values::observed_on.eq_any(&dates))
        .select(ValueRow::as_select())
        .load(c)
        .await)?;
    Ok(candidates
        .into_iter()
        .filter(|row| wanted.contains(&(row.kpi_id, row.observed_on)))
        .collect())
}

pub async fn by_ids(conn: &mut DbConn, ids: &[i64]) -> RepoResult<Vec<ValueRow>> {
    Ok(with_conn!(conn, c => kpi_values::table
        .filter(kpi_values::id.eq_any(ids))
        .select(ValueRow::as_select())
        .load(c)
        .await)?)
}

/// Every value of the given KPIs, each KPI's oldest first (for exports).
pub async fn all_of(conn: &mut DbConn, kpi_ids: &[i64]) -> RepoResult<Vec<ValueRow>> {
    Ok(with_conn!(conn, c => kpi_values::table
        .filter(kpi_values::kpi_id.eq_any(kpi_ids))
        .select(ValueRow::as_select())
        .order((kpi_values::kpi_id, kpi_values::observed_on))
        .load(c)
        .await)?)
}
