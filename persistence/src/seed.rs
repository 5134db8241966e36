//! Loads a plan file (`data/*.json`) into the database, all or nothing.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::audit::{AuditAction, AuditEntityType};
use masterplan_domain::legend::{Legend, PeriodCategory, QuickWin, SizeCategory, quick_win};
use masterplan_domain::plan_check::check_plan_file;
use masterplan_domain::plan_file::{MeasureEntry, PlanFile};
use masterplan_domain::timing::{Timing, parse_timing};

use crate::clock;
use crate::db::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::models::audit::{self, Changes};
use crate::models::goal::NewGoal;
use crate::models::kpi::{NewKpi, NewTarget};
use crate::models::kpi_values::NewValue;
use crate::models::measure::{NewMeasure, RelationRow, search_text};
use crate::models::plan::{self, NewPlan};
use crate::models::search::{self, EntityType};
use crate::models::working_group::NewWorkingGroup;
use crate::schema::{
    goals, kpi_targets, kpi_values, kpis, measure_relations, measures, plans, working_groups,
};
use crate::with_conn;

/// What loading a plan did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub plan_id: i64,
    pub slug: String,
    pub measures: usize,
    pub goals: usize,
    pub kpis: usize,
    pub replaced: bool,
}

/// Parses and checks a plan file's text; every problem is reported.
pub fn parse_plan_file(json: &str) -> RepoResult<PlanFile> {
    let file: PlanFile = serde_json::from_str(json)
        .map_err(|e| RepoError::Invalid(vec![format!("not a plan file: {e}")]))?;
    let problems = check_plan_file(&file);
    if problems.is_empty() {
        Ok(file)
    } else {
        Err(RepoError::Invalid(
            problems.iter().map(ToString::to_string).collect(),
        ))
    }
}

/// Loads `file` in one transaction. A plan with the same slug is refused
/// unless `replace`, which deletes it (with everything under it) first.
pub async fn load_plan(
    conn: &mut DbConn,
    file: &PlanFile,
    replace: bool,
    actor: &str,
) -> RepoResult<SeedReport> {
    let problems = check_plan_file(file);
    if !problems.is_empty() {
        return Err(RepoError::Invalid(
            problems.iter().map(ToString::to_string).collect(),
        ));
    }
    conn.write_transaction(async |conn| {
        let existing = plan::find_by_slug(conn, &file.plan.slug).await?;
        let replaced = existing.is_some();
        if let Some(existing) = existing {
            if !replace {
                return Err(RepoError::Conflict(format!(
                    "plan {:?} already exists; use --replace to load it again",
                    file.plan.slug
                )));
            }
            delete_plan(conn, existing.id).await?;
        }
        let mut report = insert_plan(conn, file).await?;
        report.replaced = replaced;
        let mut changes = Changes::default();
        changes.created("slug", &report.slug);
        changes.created("title", &file.plan.title);
        changes.created("measures", &report.measures);
        changes.created("goals", &report.goals);
        changes.created("kpis", &report.kpis);
        changes.created("replaced", &report.replaced);
        audit::append(
            conn,
            actor,
            AuditAction::Import,
            AuditEntityType::Plan,
            report.plan_id,
            &changes,
        )
        .await?;
        Ok(report)
    })
    .await
}

async fn delete_plan(conn: &mut DbConn, plan_id: i64) -> RepoResult<()> {
    search::remove_plan(conn, plan_id).await?;
    // Children first: SQLite checks foreign keys row by row.
    with_conn!(conn, c => {
        let measure_ids = measures::table
            .filter(measures::plan_id.eq(plan_id))
            .select(measures::id);
        let kpi_ids = kpis::table
            .filter(kpis::measure_id.eq_any(measure_ids))
            .select(kpis::id);
        diesel::delete(kpi_values::table.filter(kpi_values::kpi_id.eq_any(kpi_ids)))
            .execute(c)
            .await?;
        let kpi_ids = kpis::table
            .filter(kpis::measure_id.eq_any(measure_ids))
            .select(kpis::id);
        diesel::delete(kpi_targets::table.filter(kpi_targets::kpi_id.eq_any(kpi_ids)))
            .execute(c)
            .await?;
        diesel::delete(kpis::table.filter(kpis::measure_id.eq_any(measure_ids)))
            .execute(c)
            .await?;
        diesel::delete(goals::table.filter(goals::measure_id.eq_any(measure_ids)))
            .execute(c)
            .await?;
        diesel::delete(
            measure_relations::table.filter(
                measure_relations::measure_id
                    .eq_any(measure_ids)
                    .or(measure_relations::related_measure_id.eq_any(measure_ids)),
            ),
        )
        .execute(c)
        .await?;
        diesel::delete(measures::table.filter(measures::plan_id.eq(plan_id)))
            .execute(c)
            .await?;
        diesel::delete(working_groups::table.filter(working_groups::plan_id.eq(plan_id)))
            .execute(c)
            .await?;
        diesel::delete(plans::table.filter(plans::id.eq(plan_id)))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// The effective categories and quick win of a measure: explicit values win,
/// otherwise the legend classifies the estimates.
pub struct Classification {
    pub cost: Option<SizeCategory>,
    pub personnel: Option<SizeCategory>,
    pub period: Option<PeriodCategory>,
    pub quick_win: QuickWin,
}

pub fn classify(
    legend: &Legend,
    cost_eur: Option<f64>,
    personnel_fte: Option<f64>,
    period_months: Option<i32>,
    overrides: (
        Option<SizeCategory>,
        Option<SizeCategory>,
        Option<PeriodCategory>,
        Option<QuickWin>,
    ),
) -> Classification {
    let cost = overrides.0.or(cost_eur.map(|v| legend.cost_category(v)));
    let personnel = overrides
        .1
        .or(personnel_fte.map(|v| legend.personnel_category(v)));
    let period = overrides
        .2
        .or(period_months.map(|v| legend.period_category(v)));
    let quick_win = overrides
        .3
        .unwrap_or_else(|| quick_win(period, cost, personnel));
    Classification {
        cost,
        personnel,
        period,
        quick_win,
    }
}

fn parse_opt<T: std::str::FromStr>(text: &Option<String>) -> RepoResult<Option<T>>
where
    T::Err: std::fmt::Display,
{
    text.as_deref()
        .map(str::parse::<T>)
        .transpose()
        .map_err(|e| RepoError::Invalid(vec![e.to_string()]))
}

fn new_measure(
    entry: &MeasureEntry,
    legend: &Legend,
    plan_id: i64,
    working_group_id: i64,
    position: i32,
) -> RepoResult<NewMeasure> {
    let est = &entry.estimates;
    let overrides = (
        parse_opt::<SizeCategory>(&est.cost_category)?,
        parse_opt::<SizeCategory>(&est.personnel_category)?,
        parse_opt::<PeriodCategory>(&est.period_category)?,
        parse_opt::<QuickWin>(&est.quick_win)?,
    );
    let class = classify(
        legend,
        est.cost_eur,
        est.personnel_fte,
        est.period_months,
        overrides,
    );
    let now = clock::now();
    Ok(NewMeasure {
        plan_id,
        working_group_id,
        code: entry.code.clone(),
        title: entry.title.clone(),
        description: entry.description.clone(),
        position,
        status: entry.status.clone(),
        responsible_unit: entry.responsible_unit.clone(),
        partners: to_json(&entry.partners),
        pilot_areas: to_json(&entry.pilot_areas),
        cost_estimate_eur: est.cost_eur,
        personnel_estimate_fte: est.personnel_fte,
        realization_months: est.period_months,
        cost_category_override: est.cost_category.clone(),
        personnel_category_override: est.personnel_category.clone(),
        period_category_override: est.period_category.clone(),
        quick_win_override: est.quick_win.clone(),
        cost_category: class.cost.map(|c| c.as_str().to_owned()),
        personnel_category: class.personnel.map(|c| c.as_str().to_owned()),
        period_category: class.period.map(|c| c.as_str().to_owned()),
        quick_win: class.quick_win.as_str().to_owned(),
        search_text: search_text(entry.code.as_deref(), &entry.title, &entry.description),
        created_at: now,
        updated_at: now,
    })
}

/// The list columns (partners, pilot areas) are stored as JSON text.
fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serialises")
}

async fn insert_plan(conn: &mut DbConn, file: &PlanFile) -> RepoResult<SeedReport> {
    let now = clock::now();
    let p = &file.plan;
    let l = &p.legend;
    let new_plan = NewPlan {
        slug: &p.slug,
        title: &p.title,
        organisation: &p.organisation,
        published_on: p.published_on,
        description: &p.description,
        legend: Legend::from(l).into(),
        legend_notes: l.notes.as_deref(),
        created_at: now,
        updated_at: now,
    };
    let legend = Legend::from(l);
    let plan_id: i64 = with_conn!(conn, c => diesel::insert_into(plans::table)
        .values(&new_plan)
        .returning(plans::id)
        .get_result(c)
        .await)?;

    let mut group_ids = HashMap::new();
    for group in &file.working_groups {
        let row = NewWorkingGroup {
            plan_id,
            code: &group.code,
            number: group.number,
            name: &group.name,
            lead: group.lead.as_deref(),
            created_at: now,
            updated_at: now,
        };
        let id: i64 = with_conn!(conn, c => diesel::insert_into(working_groups::table)
            .values(&row)
            .returning(working_groups::id)
            .get_result(c)
            .await)?;
        group_ids.insert(group.code.as_str(), id);
    }

    let mut measure_ids_by_code = HashMap::new();
    let mut measure_ids = Vec::with_capacity(file.measures.len());
    let (mut goal_count, mut kpi_count) = (0, 0);
    for (index, entry) in file.measures.iter().enumerate() {
        let group_id = group_ids[entry.working_group.as_str()];
        let position = i32::try_from(index + 1).expect("fewer than 2^31 measures");
        let row = new_measure(entry, &legend, plan_id, group_id, position)?;
        let measure_id: i64 = with_conn!(conn, c => diesel::insert_into(measures::table)
            .values(&row)
            .returning(measures::id)
            .get_result(c)
            .await)?;
        if let Some(code) = &entry.code {
            measure_ids_by_code.insert(code.as_str(), measure_id);
        }
        measure_ids.push(measure_id);
        let document =
            search::measure_document(&entry.title, entry.code.as_deref(), &entry.description);
        search::index(conn, plan_id, EntityType::Measure, measure_id, &document).await?;
        goal_count += insert_goals(conn, entry, plan_id, measure_id).await?;
        kpi_count += insert_kpis(conn, entry, plan_id, measure_id).await?;
    }

    for (entry, measure_id) in file.measures.iter().zip(&measure_ids) {
        for related in &entry.related {
            let row = RelationRow {
                measure_id: *measure_id,
                related_measure_id: measure_ids_by_code[related.code.as_str()],
                note: related.note.clone(),
            };
            with_conn!(conn, c => diesel::insert_into(measure_relations::table)
                .values(&row)
                .execute(c)
                .await)?;
        }
    }

    Ok(SeedReport {
        plan_id,
        slug: p.slug.clone(),
        measures: file.measures.len(),
        goals: goal_count,
        kpis: kpi_count,
        replaced: false,
    })
}

async fn insert_goals(
    conn: &mut DbConn,
    entry: &MeasureEntry,
    plan_id: i64,
    measure_id: i64,
) -> RepoResult<usize> {
    let now = clock::now();
    for (index, goal) in entry.goals.iter().enumerate() {
        let timing = match &goal.timing {
            Some(phrase) => parse_timing(phrase)
                .map_err(|e| RepoError::Invalid(vec![format!("{phrase:?}: {e}")]))?,
            None => Timing::none(),
        };
        let row = NewGoal {
            measure_id,
            position: i32::try_from(index + 1).expect("fewer than 2^31 goals"),
            text: goal.text.clone(),
            category: goal.category.clone(),
            timing_phrase: timing.phrase.clone(),
            timing_kind: timing.kind.as_str().to_owned(),
            starts_on: timing.starts_on,
            due_on: timing.due_on,
            status: goal.status.clone(),
            created_at: now,
            updated_at: now,
        };
        let goal_id: i64 = with_conn!(conn, c => diesel::insert_into(goals::table)
            .values(&row)
            .returning(goals::id)
            .get_result(c)
            .await)?;
        let document = search::goal_document(&goal.text, goal.category.as_deref());
        search::index(conn, plan_id, EntityType::Goal, goal_id, &document).await?;
    }
    Ok(entry.goals.len())
}

async fn insert_kpis(
    conn: &mut DbConn,
    entry: &MeasureEntry,
    plan_id: i64,
    measure_id: i64,
) -> RepoResult<usize> {
    let now = clock::now();
    for (index, kpi) in entry.kpis.iter().enumerate() {
        let row = NewKpi {
            measure_id,
            position: i32::try_from(index + 1).expect("fewer than 2^31 KPIs"),
            name: kpi.name.clone(),
            description: kpi.description.clone(),
            unit: kpi.unit.clone(),
            value_type: kpi.value_type.clone(),
            direction: kpi.direction.clone(),
            baseline_value: kpi.baseline.as_ref().map(|b| b.value),
            baseline_observed_on: kpi.baseline.as_ref().and_then(|b| b.observed_on),
            baseline_note: kpi.baseline.as_ref().and_then(|b| b.note.clone()),
            created_at: now,
            updated_at: now,
        };
        let kpi_id: i64 = with_conn!(conn, c => diesel::insert_into(kpis::table)
            .values(&row)
            .returning(kpis::id)
            .get_result(c)
            .await)?;
        let document = search::kpi_document(&kpi.name, kpi.description.as_deref());
        search::index(conn, plan_id, EntityType::Kpi, kpi_id, &document).await?;
        for target in &kpi.targets {
            let row = NewTarget {
                kpi_id,
                value: target.value,
                due_on: target.due_on,
                note: target.note.clone(),
            };
            with_conn!(conn, c => diesel::insert_into(kpi_targets::table)
                .values(&row)
                .execute(c)
                .await)?;
        }
        for value in &kpi.values {
            let row = NewValue {
                kpi_id,
                observed_on: value.observed_on,
                value: value.value,
                note: value.note.clone(),
                source: value.source.clone(),
                created_at: now,
                updated_at: now,
            };
            with_conn!(conn, c => diesel::insert_into(kpi_values::table)
                .values(&row)
                .execute(c)
                .await)?;
        }
    }
    Ok(entry.kpis.len())
}

/// The bundled Dortmund plan (`data/masterplan-dortmund-arbeiten-4-0.json`).
pub const BUNDLED_PLAN: &str = include_str!("../../data/masterplan-dortmund-arbeiten-4-0.json");
