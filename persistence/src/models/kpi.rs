//! KPIs and their targets: rows, filters and batched lookups.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::status::{KpiDirection, KpiValueType};
use masterplan_domain::visibility::{Audience, Visibility};

use crate::db::DbConn;
use crate::error::RepoResult;
use crate::id_list::in_ids;
use crate::ids::{KpiId, KpiTargetId, MeasureId, PlanId, WorkingGroupId};
use crate::load_rows::LoadRows;
use crate::models::visible::PUBLIC;
use crate::page::Window;
use crate::schema::{kpi_targets, kpi_values, kpis, measures};
use crate::sql_types::TextEnum;
use crate::timestamps::{SqlDate, SqlTimestamp};
use crate::{for_audience, public_kpi, with_conn};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = kpis)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct KpiRow {
    pub id: KpiId,
    pub measure_id: MeasureId,
    pub position: i32,
    pub name: String,
    pub description: Option<String>,
    pub unit: Option<String>,
    #[diesel(deserialize_as = TextEnum<KpiValueType>)]
    pub value_type: KpiValueType,
    #[diesel(deserialize_as = TextEnum<KpiDirection>)]
    pub direction: KpiDirection,
    pub baseline_value: Option<f64>,
    #[diesel(deserialize_as = SqlDate<Option<NaiveDate>>)]
    pub baseline_observed_on: Option<NaiveDate>,
    pub baseline_note: Option<String>,
    pub version: i32,
    #[diesel(deserialize_as = SqlTimestamp<NaiveDateTime>)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = SqlTimestamp<NaiveDateTime>)]
    pub updated_at: NaiveDateTime,
    #[diesel(deserialize_as = SqlTimestamp<Option<NaiveDateTime>>)]
    pub archived_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = TextEnum<Visibility>)]
    pub visibility: Visibility,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = kpi_targets)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct TargetRow {
    pub id: KpiTargetId,
    pub kpi_id: KpiId,
    pub value: f64,
    #[diesel(deserialize_as = SqlDate<NaiveDate>)]
    pub due_on: NaiveDate,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = kpi_targets)]
pub struct NewTarget {
    pub kpi_id: KpiId,
    pub value: f64,
    pub due_on: NaiveDate,
    pub note: Option<String>,
}

/// Which KPIs a list shows. Empty vectors mean "no restriction".
#[derive(Debug, Clone, Default)]
pub struct KpiFilter {
    /// Who reads: the public sees public KPIs of public measures only.
    pub audience: Audience,
    pub plan_id: Option<PlanId>,
    pub working_group_id: Option<WorkingGroupId>,
    pub measure_ids: Vec<MeasureId>,
    pub value_types: Vec<KpiValueType>,
    /// Only KPIs without any value observed on or after this date ("stale").
    pub no_value_since: Option<NaiveDate>,
}

macro_rules! filter_kpis {
    ($query:expr, $filter:expr) => {{
        let filter: &KpiFilter = $filter;
        // The queries join the KPI's measure, so its column is at hand.
        let mut query = for_audience!(
            $query
                .filter(kpis::archived_at.is_null())
                .filter(measures::archived_at.is_null()),
            filter.audience,
            kpis::visibility
                .eq(PUBLIC)
                .and(measures::visibility.eq(PUBLIC))
        );
        if let Some(plan_id) = filter.plan_id {
            query = query.filter(measures::plan_id.eq(plan_id));
        }
        if let Some(group_id) = filter.working_group_id {
            query = query.filter(measures::working_group_id.eq(group_id));
        }
        if !filter.measure_ids.is_empty() {
            query = query.filter(kpis::measure_id.eq_any(filter.measure_ids.clone()));
        }
        if let Some(since) = filter.no_value_since {
            let recent = kpi_values::table
                .filter(kpi_values::observed_on.ge(since))
                .select(kpi_values::kpi_id);
            query = query.filter(kpis::id.ne_all(recent));
        }
        if !filter.value_types.is_empty() {
            let types: Vec<String> = filter
                .value_types
                .iter()
                .map(|t| t.as_str().to_owned())
                .collect();
            query = query.filter(kpis::value_type.eq_any(types));
        }
        query
    }};
}

/// KPIs across measures, in the plan's order.
pub async fn list(
    conn: &mut DbConn,
    filter: &KpiFilter,
    window: Window,
) -> RepoResult<Vec<KpiRow>> {
    Ok(with_conn!(conn, c => {
        let query = kpis::table
            .inner_join(measures::table)
            .select(KpiRow::as_select())
            .into_boxed();
        c.load_rows(
            filter_kpis!(query, filter)
                .order((measures::position, kpis::position, kpis::id))
                .offset(window.offset)
                .limit(window.limit),
        )
        .await
    })?)
}

/// Every KPI matching `filter` with its measure's working group, in the
/// plan's order: the lists of all working-group summaries in one statement.
pub async fn list_by_working_group(
    conn: &mut DbConn,
    filter: &KpiFilter,
) -> RepoResult<Vec<(WorkingGroupId, KpiRow)>> {
    Ok(with_conn!(conn, c => {
        let query = kpis::table
            .inner_join(measures::table)
            .select((measures::working_group_id, KpiRow::as_select()))
            .into_boxed();
        c.load_rows(
            filter_kpis!(query, filter)
                .order((measures::position, kpis::position, kpis::id)),
        )
        .await
    })?)
}

pub async fn count(conn: &mut DbConn, filter: &KpiFilter) -> RepoResult<i64> {
    Ok(with_conn!(conn, c => {
        let query = kpis::table
            .inner_join(measures::table)
            .select(diesel::dsl::count_star())
            .into_boxed();
        filter_kpis!(query, filter).get_result(c).await
    })?)
}

pub async fn by_ids(
    conn: &mut DbConn,
    ids: &[KpiId],
    audience: Audience,
) -> RepoResult<Vec<KpiRow>> {
    Ok(with_conn!(conn, c => c.load_rows(for_audience!(
        kpis::table
            .filter(in_ids(kpis::id, ids))
            .filter(kpis::archived_at.is_null())
            .select(KpiRow::as_select())
            .into_boxed(),
        audience,
        public_kpi!()
    ))
    .await)?)
}

/// KPIs of the given measures, each measure's in its own order.
pub async fn by_measure_ids(
    conn: &mut DbConn,
    measure_ids: &[MeasureId],
    audience: Audience,
) -> RepoResult<Vec<KpiRow>> {
    Ok(with_conn!(conn, c => c.load_rows(for_audience!(
        kpis::table
            .filter(in_ids(kpis::measure_id, measure_ids))
            .filter(kpis::archived_at.is_null())
            .select(KpiRow::as_select())
            .order((kpis::measure_id, kpis::position, kpis::id))
            .into_boxed(),
        audience,
        public_kpi!(measure_ids)
    ))
    .await)?)
}

/// Targets of the given KPIs, earliest due first.
pub async fn targets_of(conn: &mut DbConn, kpi_ids: &[KpiId]) -> RepoResult<Vec<TargetRow>> {
    Ok(with_conn!(conn, c => c.load_rows(kpi_targets::table
        .filter(in_ids(kpi_targets::kpi_id, kpi_ids))
        .select(TargetRow::as_select())
        .order((kpi_targets::kpi_id, kpi_targets::due_on)))
        .await)?)
}
