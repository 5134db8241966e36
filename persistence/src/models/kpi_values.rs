//! KPI values (observations): batched pages, counts and latest values per KPI.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};
use diesel_async::RunQueryDsl;

use masterplan_domain::series::{Aggregate, Interval};
use masterplan_domain::visibility::Audience;

use crate::db::DbConn;
use crate::error::RepoResult;
use crate::id_list::{in_ids, json_array};
use crate::ids::{KpiId, KpiValueId};
use crate::load_rows::LoadRows;
use crate::schema::kpi_values;
use crate::timestamps::{SqlDate, SqlTimestamp};
use crate::{for_audience, public_kpi_ids, with_conn};

#[derive(Debug, Clone, PartialEq, Queryable, QueryableByName, Selectable, Identifiable)]
#[diesel(table_name = kpi_values)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ValueRow {
    pub id: KpiValueId,
    pub kpi_id: KpiId,
    #[diesel(deserialize_as = SqlDate<NaiveDate>)]
    pub observed_on: NaiveDate,
    pub value: f64,
    pub note: Option<String>,
    pub source: Option<String>,
    #[diesel(deserialize_as = SqlTimestamp<NaiveDateTime>)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = SqlTimestamp<NaiveDateTime>)]
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

impl ValueSlice {
    /// The newest value alone.
    pub fn latest() -> Self {
        ValueSlice {
            limit: 1,
            newest_first: true,
            ..ValueSlice::default()
        }
    }

    /// The same rows, any number of them: slices of one shape differ only
    /// in how many rows they take from the same ordered list, so one
    /// statement with the largest limit serves them all.
    pub fn shape(self) -> Self {
        ValueSlice { limit: 0, ..self }
    }
}

/// Numbered bind markers for hand-written SQL: `$1, $2, …` on PostgreSQL, `?` on SQLite.
pub(crate) fn placeholders(conn: &DbConn) -> impl FnMut() -> String + use<> {
    let postgres = matches!(conn, DbConn::Postgres(..));
    let mut binds = 0;
    move || {
        binds += 1;
        if postgres {
            format!("${binds}")
        } else {
            "?".to_owned()
        }
    }
}

/// Up to `slice.limit` values of each KPI, oldest first in the result unless
/// `newest_first`, in one statement whose text depends only on which bounds
/// the slice has (so the prepared statement is reused): for each KPI id of a
/// JSON list, its newest (or oldest) rows from the `(kpi_id, observed_on)`
/// index: `LATERAL … LIMIT` on PostgreSQL, a correlated `IN (… LIMIT)` on
/// SQLite. The cost follows the rows returned, not how many values the KPIs
/// have, nor how many KPIs (the `UNION ALL` of one part per KPI this replaces
/// spent most of its time parsing and planning).
pub async fn slice_of(
    conn: &mut DbConn,
    kpi_ids: &[KpiId],
    slice: ValueSlice,
) -> RepoResult<Vec<ValueRow>> {
    if kpi_ids.is_empty() {
        return Ok(Vec::new());
    }
    let postgres = matches!(conn, DbConn::Postgres(..));
    let mut placeholder = placeholders(conn);
    let direction = if slice.newest_first { "DESC" } else { "ASC" };
    let bounds: Vec<(NaiveDate, &str)> = [
        (slice.from, ">="),
        (slice.to, "<="),
        (slice.after, ">"),
        (slice.before, "<"),
    ]
    .into_iter()
    .filter_map(|(date, op)| date.map(|d| (d, op)))
    .collect();
    let ids = placeholder();
    let (source, kpi) = if postgres {
        (
            format!("json_array_elements_text({ids}::json) AS k(value)"),
            "k.value::bigint",
        )
    } else {
        (format!("json_each({ids}) AS k"), "k.value")
    };
    let mut conditions = vec![format!("kpi_id = {kpi}")];
    for (_, op) in &bounds {
        conditions.push(format!("observed_on {op} {}", placeholder()));
    }
    let newest = format!(
        "FROM kpi_values WHERE {} ORDER BY observed_on {direction} LIMIT {}",
        conditions.join(" AND "),
        placeholder()
    );
    let columns =
        "p.id, p.kpi_id, p.observed_on, p.value, p.note, p.source, p.created_at, p.updated_at";
    let sql = if postgres {
        format!(
            "SELECT {columns} FROM {source} CROSS JOIN LATERAL (SELECT * {newest}) p \
             ORDER BY p.kpi_id, p.observed_on {direction}"
        )
    } else {
        format!(
            "SELECT {columns} FROM {source} JOIN kpi_values p ON p.id IN (SELECT id {newest}) \
             ORDER BY p.kpi_id, p.observed_on {direction}"
        )
    };
    let ids = json_array(kpi_ids);
    Ok(with_conn!(conn, c => {
        let mut query = diesel::sql_query(sql.clone())
            .into_boxed()
            .bind::<Text, _>(ids.clone());
        for (date, _) in &bounds {
            query = query.bind::<Date, _>(*date);
        }
        c.load_rows(query.bind::<BigInt, _>(slice.limit)).await
    })?)
}

/// Number of values of each KPI between `from` and `to` (inclusive).
pub async fn counts_of(
    conn: &mut DbConn,
    kpi_ids: &[KpiId],
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> RepoResult<Vec<(KpiId, i64)>> {
    Ok(with_conn!(conn, c => {
        let mut query = kpi_values::table
            .filter(in_ids(kpi_values::kpi_id, kpi_ids))
            .group_by(kpi_values::kpi_id)
            .select((kpi_values::kpi_id, diesel::dsl::count_star()))
            .into_boxed();
        if let Some(from) = from {
            query = query.filter(kpi_values::observed_on.ge(from));
        }
        if let Some(to) = to {
            query = query.filter(kpi_values::observed_on.le(to));
        }
        c.load_rows(query).await
    })?)
}

/// Values by id (`node`); for the public, only values of public KPIs. The
/// other lookups here take KPI ids the caller already sees.
pub async fn by_ids(
    conn: &mut DbConn,
    ids: &[KpiValueId],
    audience: Audience,
) -> RepoResult<Vec<ValueRow>> {
    Ok(with_conn!(conn, c => c.load_rows(for_audience!(
        kpi_values::table
            .filter(in_ids(kpi_values::id, ids))
            .select(ValueRow::as_select())
            .into_boxed(),
        audience,
        kpi_values::kpi_id.eq_any(public_kpi_ids!())
    ))
    .await)?)
}

/// Every value of the given KPIs, each KPI's oldest first (for exports).
pub async fn all_of(conn: &mut DbConn, kpi_ids: &[KpiId]) -> RepoResult<Vec<ValueRow>> {
    Ok(with_conn!(conn, c => c.load_rows(kpi_values::table
        .filter(in_ids(kpi_values::kpi_id, kpi_ids))
        .select(ValueRow::as_select())
        .order((kpi_values::kpi_id, kpi_values::observed_on)))
        .await)?)
}

#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct SeriesRow {
    #[diesel(sql_type = BigInt)]
    pub kpi_id: KpiId,
    /// First day of the bucket, `YYYY-MM-DD`.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub bucket: String,
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub value: f64,
}

/// One value per KPI and calendar bucket between `from` and `to`, computed in
/// SQL (buckets without values are absent). One statement for all KPIs.
pub async fn series_of(
    conn: &mut DbConn,
    kpi_ids: &[KpiId],
    from: NaiveDate,
    to: NaiveDate,
    interval: Interval,
    aggregate: Aggregate,
) -> RepoResult<Vec<SeriesRow>> {
    if kpi_ids.is_empty() {
        return Ok(Vec::new());
    }
    let postgres = matches!(conn, DbConn::Postgres(..));
    // The bucket's first day as text, the same on both backends.
    let bucket = match (postgres, interval) {
        (true, Interval::Month) => "to_char(date_trunc('month', observed_on), 'YYYY-MM-DD')",
        (true, Interval::Quarter) => "to_char(date_trunc('quarter', observed_on), 'YYYY-MM-DD')",
        (true, Interval::Year) => "to_char(date_trunc('year', observed_on), 'YYYY-MM-DD')",
        (false, Interval::Month) => "strftime('%Y-%m-01', observed_on)",
        (false, Interval::Quarter) => {
            "printf('%s-%02d-01', strftime('%Y', observed_on), \
             (CAST(strftime('%m', observed_on) AS INTEGER) - 1) / 3 * 3 + 1)"
        }
        (false, Interval::Year) => "strftime('%Y-01-01', observed_on)",
    };
    let mut placeholder = placeholders(conn);
    let ids = kpi_ids
        .iter()
        .map(|_| placeholder())
        .collect::<Vec<_>>()
        .join(", ");
    let range = format!(
        "kpi_id IN ({ids}) AND observed_on >= {} AND observed_on <= {}",
        placeholder(),
        placeholder()
    );
    let real = if postgres { "DOUBLE PRECISION" } else { "REAL" };
    let sql = match aggregate {
        Aggregate::Last => format!(
            "SELECT kpi_id, bucket, value FROM (\
               SELECT kpi_id, {bucket} AS bucket, value, ROW_NUMBER() OVER \
               (PARTITION BY kpi_id, {bucket} ORDER BY observed_on DESC) AS rn \
               FROM kpi_values WHERE {range}\
             ) ranked WHERE rn = 1"
        ),
        Aggregate::Sum | Aggregate::Avg | Aggregate::Max => {
            let function = match aggregate {
                Aggregate::Sum => "SUM",
                Aggregate::Avg => "AVG",
                _ => "MAX",
            };
            format!(
                "SELECT kpi_id, {bucket} AS bucket, CAST({function}(value) AS {real}) AS value \
                 FROM kpi_values WHERE {range} GROUP BY kpi_id, {bucket}"
            )
        }
    };
    Ok(with_conn!(conn, c => {
        let mut query = diesel::sql_query(sql.clone()).into_boxed();
        for id in kpi_ids {
            query = query.bind::<BigInt, _>(*id);
        }
        query
            .bind::<Date, _>(from)
            .bind::<Date, _>(to)
            .load::<SeriesRow>(c)
            .await
    })?)
}
