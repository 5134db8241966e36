//! Measures: rows, filters, ordering and the batched lookups behind the API's loaders.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::legend::{Estimates, PeriodCategory, QuickWin, SizeCategory};
use masterplan_domain::status::MeasureStatus;
use masterplan_domain::visibility::{Audience, Visibility};

use crate::db::DbConn;
use crate::error::RepoResult;
use crate::id_list::in_ids;
use crate::ids::{MeasureId, PlanId, WorkingGroupId};
use crate::load_rows::{LoadRows, first_row};
use crate::models::visible::PUBLIC;
use crate::models::working_group::WorkingGroupRow;
use crate::page::{Direction, Window, contains_pattern};
use crate::schema::{measure_relations, measures, working_groups};
use crate::sql_types::{JsonText, TextEnum};
use crate::timestamps::SqlTimestamp;
use crate::{for_audience, public_measure_ids, with_conn};

/// A measure as lists and loaders read it: every column but the description
/// (the long Markdown text, most of a measure's bytes, read only where it is
/// asked for: [`DescribedMeasure`], [`descriptions`]) and the search text.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = measures)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct MeasureRow {
    pub id: MeasureId,
    pub plan_id: PlanId,
    pub working_group_id: WorkingGroupId,
    pub code: Option<String>,
    pub title: String,
    pub position: i32,
    #[diesel(deserialize_as = TextEnum<MeasureStatus>)]
    pub status: MeasureStatus,
    pub responsible_unit: Option<String>,
    #[diesel(deserialize_as = JsonText<Vec<String>>)]
    pub partners: Vec<String>,
    #[diesel(deserialize_as = JsonText<Vec<PilotArea>>)]
    pub pilot_areas: Vec<PilotArea>,
    pub cost_estimate_eur: Option<f64>,
    pub personnel_estimate_fte: Option<f64>,
    pub realization_months: Option<i32>,
    /// Explicit classifications; `None`: by the legend.
    #[diesel(deserialize_as = TextEnum<Option<SizeCategory>>)]
    pub cost_category_override: Option<SizeCategory>,
    #[diesel(deserialize_as = TextEnum<Option<SizeCategory>>)]
    pub personnel_category_override: Option<SizeCategory>,
    #[diesel(deserialize_as = TextEnum<Option<PeriodCategory>>)]
    pub period_category_override: Option<PeriodCategory>,
    #[diesel(deserialize_as = TextEnum<Option<QuickWin>>)]
    pub quick_win_override: Option<QuickWin>,
    /// The effective classifications (explicit, else by the legend).
    #[diesel(deserialize_as = TextEnum<Option<SizeCategory>>)]
    pub cost_category: Option<SizeCategory>,
    #[diesel(deserialize_as = TextEnum<Option<SizeCategory>>)]
    pub personnel_category: Option<SizeCategory>,
    #[diesel(deserialize_as = TextEnum<Option<PeriodCategory>>)]
    pub period_category: Option<PeriodCategory>,
    #[diesel(deserialize_as = TextEnum<QuickWin>)]
    pub quick_win: QuickWin,
    // Not `search_text`: only the `text` filter's WHERE reads it, and it
    // repeats the description, so every read of measures would carry it twice.
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

impl MeasureRow {
    /// The estimates and explicit classes as set (not the derived classes).
    pub fn estimates(&self) -> Estimates {
        Estimates {
            cost_eur: self.cost_estimate_eur,
            personnel_fte: self.personnel_estimate_fte,
            realization_months: self.realization_months,
            cost_category: self.cost_category_override,
            personnel_category: self.personnel_category_override,
            period_category: self.period_category_override,
            quick_win: self.quick_win_override,
        }
    }
}

/// A measure with its description: what writes compare, exports write and
/// the plan's history rewinds.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = measures)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct DescribedMeasure {
    #[diesel(embed)]
    pub measure: MeasureRow,
    pub description: String,
}

/// A pilot area of a measure (3.1 has "11/2" and "51/8-2"), stored as JSON.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PilotArea {
    pub code: String,
    pub name: String,
}

/// The text that `search` filters match against: case-folded with Unicode
/// rules in Rust, because SQLite's `lower()` folds ASCII only.
pub fn search_text(code: Option<&str>, title: &str, description: &str) -> String {
    format!("{}\n{}\n{}", code.unwrap_or(""), title, description).to_lowercase()
}

/// Which measures a list shows. Empty vectors mean "no restriction".
#[derive(Debug, Clone, Default)]
pub struct MeasureFilter {
    /// Who reads: the public sees public measures only.
    pub audience: Audience,
    pub plan_id: Option<PlanId>,
    pub working_group_codes: Vec<String>,
    pub statuses: Vec<MeasureStatus>,
    pub quick_wins: Vec<QuickWin>,
    pub cost_categories: Vec<SizeCategory>,
    pub personnel_categories: Vec<SizeCategory>,
    pub period_categories: Vec<PeriodCategory>,
    pub search: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MeasureOrderField {
    #[default]
    Position,
    Code,
    Title,
    UpdatedAt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MeasureOrder {
    pub field: MeasureOrderField,
    pub direction: Direction,
}

fn texts<T: ToString>(values: &[T]) -> Vec<String> {
    values.iter().map(ToString::to_string).collect()
}

/// Applies a [`MeasureFilter`] to a boxed query of either backend.
macro_rules! filter_measures {
    ($query:expr, $filter:expr) => {{
        let filter: &MeasureFilter = $filter;
        let mut query = for_audience!(
            $query.filter(measures::archived_at.is_null()),
            filter.audience,
            measures::visibility.eq(PUBLIC)
        );
        if let Some(plan_id) = filter.plan_id {
            query = query.filter(measures::plan_id.eq(plan_id));
        }
        if !filter.working_group_codes.is_empty() {
            let mut groups = working_groups::table
                .filter(working_groups::code.eq_any(filter.working_group_codes.clone()))
                .select(working_groups::id)
                .into_boxed();
            if let Some(plan_id) = filter.plan_id {
                groups = groups.filter(working_groups::plan_id.eq(plan_id));
            }
            query = query.filter(measures::working_group_id.eq_any(groups));
        }
        if !filter.statuses.is_empty() {
            query = query.filter(measures::status.eq_any(texts(&filter.statuses)));
        }
        if !filter.quick_wins.is_empty() {
            query = query.filter(measures::quick_win.eq_any(texts(&filter.quick_wins)));
        }
        if !filter.cost_categories.is_empty() {
            query = query.filter(measures::cost_category.eq_any(texts(&filter.cost_categories)));
        }
        if !filter.personnel_categories.is_empty() {
            query = query
                .filter(measures::personnel_category.eq_any(texts(&filter.personnel_categories)));
        }
        if !filter.period_categories.is_empty() {
            query =
                query.filter(measures::period_category.eq_any(texts(&filter.period_categories)));
        }
        if let Some(search) = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let pattern = contains_pattern(&search.to_lowercase());
            query = query.filter(measures::search_text.like(pattern).escape('\\'));
        }
        query
    }};
}

/// Orders a boxed measure query; `id` breaks ties so pages never overlap.
macro_rules! order_measures {
    ($query:expr, $order:expr) => {{
        let order: MeasureOrder = $order;
        let query = $query;
        match (order.field, order.direction) {
            (MeasureOrderField::Position, Direction::Asc) => {
                query.order((measures::position.asc(), measures::id.asc()))
            }
            (MeasureOrderField::Position, Direction::Desc) => {
                query.order((measures::position.desc(), measures::id.desc()))
            }
            // `code IS NULL` first in the key puts uncoded measures last on both
            // backends (PostgreSQL and SQLite sort NULLs differently).
            (MeasureOrderField::Code, Direction::Asc) => query.order((
                measures::code.is_null().asc(),
                measures::code.asc(),
                measures::id.asc(),
            )),
            (MeasureOrderField::Code, Direction::Desc) => query.order((
                measures::code.is_null().asc(),
                measures::code.desc(),
                measures::id.desc(),
            )),
            (MeasureOrderField::Title, Direction::Asc) => {
                query.order((measures::title.asc(), measures::id.asc()))
            }
            (MeasureOrderField::Title, Direction::Desc) => {
                query.order((measures::title.desc(), measures::id.desc()))
            }
            (MeasureOrderField::UpdatedAt, Direction::Asc) => {
                query.order((measures::updated_at.asc(), measures::id.asc()))
            }
            (MeasureOrderField::UpdatedAt, Direction::Desc) => {
                query.order((measures::updated_at.desc(), measures::id.desc()))
            }
        }
    }};
}

/// Loads a page of the measures `$filter` selects, in `$order`, from a
/// boxed query that selects whatever the caller needs of each measure.
macro_rules! load_measure_page {
    ($conn:expr, $boxed:expr, $filter:expr, $order:expr, $window:expr) => {{
        let window: Window = $window;
        Ok(with_conn!($conn, c => {
            let query = filter_measures!($boxed, $filter);
            c.load_rows(
                order_measures!(query, $order)
                    .offset(window.offset)
                    .limit(window.limit),
            )
            .await
        })?)
    }};
}

pub async fn list(
    conn: &mut DbConn,
    filter: &MeasureFilter,
    order: MeasureOrder,
    window: Window,
) -> RepoResult<Vec<MeasureRow>> {
    load_measure_page!(
        conn,
        measures::table.select(MeasureRow::as_select()).into_boxed(),
        filter,
        order,
        window
    )
}

/// [`list`] with each measure's description.
pub async fn list_described(
    conn: &mut DbConn,
    filter: &MeasureFilter,
    order: MeasureOrder,
    window: Window,
) -> RepoResult<Vec<DescribedMeasure>> {
    load_measure_page!(
        conn,
        measures::table
            .select(DescribedMeasure::as_select())
            .into_boxed(),
        filter,
        order,
        window
    )
}

/// [`list`] with each measure's working group, in one statement (a list
/// that shows the groups needs no second query for them).
pub async fn list_with_groups(
    conn: &mut DbConn,
    filter: &MeasureFilter,
    order: MeasureOrder,
    window: Window,
) -> RepoResult<Vec<(MeasureRow, WorkingGroupRow)>> {
    load_measure_page!(
        conn,
        measures::table
            .inner_join(working_groups::table)
            .select((MeasureRow::as_select(), WorkingGroupRow::as_select()))
            .into_boxed(),
        filter,
        order,
        window
    )
}

pub async fn count(conn: &mut DbConn, filter: &MeasureFilter) -> RepoResult<i64> {
    Ok(with_conn!(conn, c => {
        filter_measures!(
            measures::table.select(diesel::dsl::count_star()).into_boxed(),
            filter
        )
        .get_result(c)
        .await
    })?)
}

/// Loads the live measures of `$ids` that `$audience` sees, as `$row`.
macro_rules! load_by_ids {
    ($conn:expr, $row:ty, $ids:expr, $audience:expr) => {
        Ok(with_conn!($conn, c => c.load_rows(for_audience!(
            measures::table
                .filter(in_ids(measures::id, $ids))
                .filter(measures::archived_at.is_null())
                .select(<$row>::as_select())
                .into_boxed(),
            $audience,
            measures::visibility.eq(PUBLIC)
        ))
        .await)?)
    };
}

pub async fn by_ids(
    conn: &mut DbConn,
    ids: &[MeasureId],
    audience: Audience,
) -> RepoResult<Vec<MeasureRow>> {
    load_by_ids!(conn, MeasureRow, ids, audience)
}

/// [`by_ids`] with the descriptions.
pub async fn described_by_ids(
    conn: &mut DbConn,
    ids: &[MeasureId],
    audience: Audience,
) -> RepoResult<Vec<DescribedMeasure>> {
    load_by_ids!(conn, DescribedMeasure, ids, audience)
}

/// The descriptions of the given measures that the audience sees, archived
/// ones included (an archive mutation answers with the archived measure).
pub async fn descriptions(
    conn: &mut DbConn,
    ids: &[MeasureId],
    audience: Audience,
) -> RepoResult<Vec<(MeasureId, String)>> {
    Ok(with_conn!(conn, c => c.load_rows(for_audience!(
        measures::table
            .filter(in_ids(measures::id, ids))
            .select((measures::id, measures::description))
            .into_boxed(),
        audience,
        measures::visibility.eq(PUBLIC)
    ))
    .await)?)
}

/// A measure with its description, by id, archived or not.
pub async fn described(conn: &mut DbConn, id: MeasureId) -> RepoResult<DescribedMeasure> {
    Ok(with_conn!(conn, c => c.load_rows(
        measures::table
            .find(id)
            .select(DescribedMeasure::as_select())
            .into_boxed()
    )
    .await)
    .and_then(first_row)?)
}

pub async fn find_by_code(
    conn: &mut DbConn,
    plan_id: PlanId,
    code: &str,
    audience: Audience,
) -> RepoResult<Option<MeasureRow>> {
    let code = code.to_owned();
    let rows = with_conn!(conn, c => c.load_rows(for_audience!(
        measures::table
            .filter(measures::plan_id.eq(plan_id))
            .filter(measures::code.eq(code))
            .filter(measures::archived_at.is_null())
            .select(MeasureRow::as_select())
            .limit(1)
            .into_boxed(),
        audience,
        measures::visibility.eq(PUBLIC)
    ))
    .await)?;
    Ok(rows.into_iter().next())
}

/// The live measures of a plan with exactly this title (titles are not
/// unique, so there may be several).
pub async fn find_by_title(
    conn: &mut DbConn,
    plan_id: PlanId,
    title: &str,
    audience: Audience,
) -> RepoResult<Vec<MeasureRow>> {
    let title = title.to_owned();
    Ok(with_conn!(conn, c => c.load_rows(for_audience!(
        measures::table
            .filter(measures::plan_id.eq(plan_id))
            .filter(measures::title.eq(title))
            .filter(measures::archived_at.is_null())
            .select(MeasureRow::as_select())
            .into_boxed(),
        audience,
        measures::visibility.eq(PUBLIC)
    )
    .order(measures::position))
    .await)?)
}

/// Measures of the given working groups, in the plan's order.
pub async fn by_working_group_ids(
    conn: &mut DbConn,
    group_ids: &[WorkingGroupId],
    audience: Audience,
) -> RepoResult<Vec<MeasureRow>> {
    Ok(with_conn!(conn, c => c.load_rows(for_audience!(
        measures::table
            .filter(in_ids(measures::working_group_id, group_ids))
            .filter(measures::archived_at.is_null())
            .select(MeasureRow::as_select())
            .order((measures::position, measures::id))
            .into_boxed(),
        audience,
        measures::visibility.eq(PUBLIC)
    ))
    .await)?)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = measure_relations)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct RelationRow {
    pub measure_id: MeasureId,
    pub related_measure_id: MeasureId,
    pub note: Option<String>,
}

/// Relations touching any of the measures, in either direction: a link stated
/// in one measure ("3.5 needs an interface to 1.8") relates both. For the
/// public, only relations between two public measures.
pub async fn relations_of(
    conn: &mut DbConn,
    ids: &[MeasureId],
    audience: Audience,
) -> RepoResult<Vec<RelationRow>> {
    Ok(with_conn!(conn, c => c.load_rows(for_audience!(
        measure_relations::table
            .filter(
                in_ids(measure_relations::measure_id, ids)
                    .or(in_ids(measure_relations::related_measure_id, ids)),
            )
            .select(RelationRow::as_select())
            .into_boxed(),
        audience,
        measure_relations::measure_id
            .eq_any(public_measure_ids!())
            .and(measure_relations::related_measure_id.eq_any(public_measure_ids!()))
    ))
    .await)?)
}
