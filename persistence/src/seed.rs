//! Loads a plan file (`data/*.json`) into the database, all or nothing.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::audit::AuditAction;
use masterplan_domain::kpi_value_rules::ObservedOnRange;
use masterplan_domain::legend::{Estimates, Legend};
use masterplan_domain::plan_check::check_plan_file_within;
use masterplan_domain::plan_file::{
    GoalEntry, KpiEntry, MeasureEntry, PlanEntry, PlanFile, WorkingGroupEntry,
};
use masterplan_domain::plan_reading::read_plan_file;
use masterplan_domain::validation::FieldError;

use crate::db::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::ids::{AuditSubject, PlanId};
use crate::models::measure::{PilotArea, RelationRow};
use crate::models::plan;
use crate::schema::{
    goals, kpi_targets, kpi_values, kpis, measure_relations, measures, plans, working_groups,
};
use crate::with_conn;
use crate::writes::Actor;
use crate::writes::audit_log::{self, Changes};
use crate::writes::audited::{self, Audited};
use crate::writes::goals::GoalFields;
use crate::writes::kpi_values::{NewKpiValue, insert_all, text_problems};
use crate::writes::kpis::{Baseline, KpiFields, TargetInput};
use crate::writes::measures::{MeasureFields, MeasureScope};
use crate::writes::plans::PlanFields;
use crate::writes::search_index;
use crate::writes::working_groups::{PlanScope, WorkingGroupFields};

/// What loading a plan did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub plan_id: PlanId,
    pub slug: String,
    pub measures: usize,
    pub goals: usize,
    pub kpis: usize,
    pub replaced: bool,
}

/// Parses and checks a plan file's text; every problem is reported, values
/// of the wrong type among them, one per place in the file. KPI values must
/// lie within the default horizon ([`ObservedOnRange::DEFAULT`]).
pub fn parse_plan_file(json: &str) -> RepoResult<PlanFile> {
    parse_plan_file_within(json, &ObservedOnRange::DEFAULT)
}

/// [`parse_plan_file`] with KPI values observed within `horizon`.
pub fn parse_plan_file_within(json: &str, horizon: &ObservedOnRange) -> RepoResult<PlanFile> {
    let read = read_plan_file(json).map_err(RepoError::plan_file)?;
    let mut problems: Vec<FieldError> = read.problems.into_iter().map(FieldError::from).collect();
    problems.extend(file_problems(&read.file, horizon));
    let problems = one_per_place(problems);
    if problems.is_empty() {
        Ok(read.file)
    } else {
        Err(RepoError::Rejected(problems))
    }
}

/// Every problem of a plan file: its structure (references, duplicates,
/// vocabularies) and the field rules of the create mutations, the same rules
/// for every way data gets in.
fn file_problems(file: &PlanFile, horizon: &ObservedOnRange) -> Vec<FieldError> {
    let mut problems: Vec<FieldError> = check_plan_file_within(file, horizon)
        .into_iter()
        .map(FieldError::from)
        .collect();
    problems.extend(plan_fields(&file.plan).field_problems().located(&["plan"]));
    for (i, group) in file.working_groups.iter().enumerate() {
        let at = ["workingGroups", &i.to_string()];
        problems.extend(group_fields(group).field_problems().located(&at));
    }
    for (i, measure) in file.measures.iter().enumerate() {
        let at = i.to_string();
        // Fields that do not convert have a vocabulary problem reported above.
        if let Ok(fields) = measure_fields(measure, i) {
            problems.extend(fields.field_problems().located(&["measures", &at]));
        }
        for (j, goal) in measure.goals.iter().enumerate() {
            if let Ok(fields) = goal_fields(goal, j) {
                let at = ["measures", &at, "goals", &j.to_string()];
                problems.extend(fields.field_problems().located(&at));
            }
        }
        for (j, kpi) in measure.kpis.iter().enumerate() {
            let kpi_at = j.to_string();
            if let Ok(fields) = kpi_fields(kpi, j) {
                let at = ["measures", &at, "kpis", &kpi_at];
                problems.extend(fields.field_problems().located(&at));
            }
            for (k, value) in kpi.values.iter().enumerate() {
                let at = ["measures", &at, "kpis", &kpi_at, "values", &k.to_string()];
                problems.extend(
                    text_problems(&value.note, &value.source)
                        .into_iter()
                        .map(|e| e.under(&at)),
                );
            }
        }
    }
    problems
}

/// The first problem of each field (the structure check and the field rules
/// both look at titles, say), in file order.
fn one_per_place(problems: Vec<FieldError>) -> Vec<FieldError> {
    let mut seen = HashSet::new();
    let mut problems: Vec<FieldError> = problems
        .into_iter()
        .filter(|p| seen.insert(p.field.clone()))
        .collect();
    problems.sort_by_cached_key(|p| {
        let part = |name: &str| {
            ["format", "plan", "workingGroups", "measures"]
                .iter()
                .position(|n| *n == name)
        };
        let indexes: Vec<usize> = p.field.iter().filter_map(|f| f.parse().ok()).collect();
        (p.field.as_slice().first().and_then(|f| part(f)), indexes)
    });
    problems
}

/// Loads `file` in one transaction. A plan with the same slug is refused
/// unless `replace`, which deletes it (with everything under it) first.
/// KPI values must lie within the default horizon ([`ObservedOnRange::DEFAULT`]).
pub async fn load_plan(
    conn: &mut DbConn,
    file: &PlanFile,
    replace: bool,
    actor: &str,
) -> RepoResult<SeedReport> {
    load_plan_within(conn, file, replace, actor, &ObservedOnRange::DEFAULT).await
}

/// [`load_plan`] with KPI values observed within `horizon`.
pub async fn load_plan_within(
    conn: &mut DbConn,
    file: &PlanFile,
    replace: bool,
    actor: &str,
    horizon: &ObservedOnRange,
) -> RepoResult<SeedReport> {
    let problems = one_per_place(file_problems(file, horizon));
    if !problems.is_empty() {
        return Err(RepoError::Rejected(problems));
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
        audit_log::append(
            conn,
            actor,
            AuditAction::Import,
            report.plan_id.subject(),
            &changes,
        )
        .await?;
        Ok(report)
    })
    .await
}

async fn delete_plan(conn: &mut DbConn, plan_id: PlanId) -> RepoResult<()> {
    search_index::remove_plan(conn, plan_id).await?;
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

/// A closed-vocabulary text of the plan file (checked by `check_plan_file`).
fn vocabulary<T: std::str::FromStr>(text: &str) -> RepoResult<T>
where
    T::Err: std::fmt::Display,
{
    text.parse::<T>()
        .map_err(|e| RepoError::refused(e.to_string()))
}

fn optional_vocabulary<T: std::str::FromStr>(text: &Option<String>) -> RepoResult<Option<T>>
where
    T::Err: std::fmt::Display,
{
    text.as_deref().map(vocabulary).transpose()
}

/// A refusal of the write rules, located in the plan file (`measures.3.title`).
fn located(err: RepoError, at: &[&str]) -> RepoError {
    match err {
        RepoError::Rejected(errors) => RepoError::Rejected(
            errors
                .into_iter()
                .map(|mut e| {
                    let mut field: Vec<String> = at.iter().map(|s| (*s).to_owned()).collect();
                    field.append(&mut e.field);
                    e.field = field;
                    e
                })
                .collect(),
        ),
        other => other,
    }
}

fn position(index: usize) -> i32 {
    i32::try_from(index + 1).expect("fewer than 2^31 entries")
}

/// Inserts the plan through the same insert path (and the same field rules)
/// as the create mutations; the load's one IMPORT entry is its audit record.
async fn insert_plan(conn: &mut DbConn, file: &PlanFile) -> RepoResult<SeedReport> {
    let plan = audited::insert(conn, &(), &plan_fields(&file.plan))
        .await
        .map_err(|e| located(e, &["plan"]))?;

    let mut groups = HashMap::new();
    for (index, group) in file.working_groups.iter().enumerate() {
        let row = audited::insert(conn, &PlanScope(plan.id), &group_fields(group))
            .await
            .map_err(|e| located(e, &["workingGroups", &index.to_string()]))?;
        groups.insert(group.code.as_str(), row);
    }

    let actor = Actor::unrestricted("import");
    let mut measure_ids_by_code = HashMap::new();
    let mut measure_ids = Vec::with_capacity(file.measures.len());
    let (mut goal_count, mut kpi_count) = (0, 0);
    for (index, entry) in file.measures.iter().enumerate() {
        let at = index.to_string();
        let scope = MeasureScope {
            plan: plan.clone(),
            group: groups[entry.working_group.as_str()].clone(),
            actor: actor.clone(),
        };
        let measure = audited::insert(conn, &scope, &measure_fields(entry, index)?)
            .await
            .map_err(|e| located(e, &["measures", &at]))?
            .measure;
        if let Some(code) = &entry.code {
            measure_ids_by_code.insert(code.as_str(), measure.id);
        }
        measure_ids.push(measure.id);
        for (i, goal) in entry.goals.iter().enumerate() {
            audited::insert(conn, &measure, &goal_fields(goal, i)?)
                .await
                .map_err(|e| located(e, &["measures", &at, "goals", &i.to_string()]))?;
        }
        for (i, kpi) in entry.kpis.iter().enumerate() {
            let fields = kpi_fields(kpi, i)?;
            let row = audited::insert(conn, &measure, &fields)
                .await
                .map_err(|e| located(e, &["measures", &at, "kpis", &i.to_string()]))?;
            let values: Vec<NewKpiValue> = kpi
                .values
                .iter()
                .map(|v| {
                    NewKpiValue::new(
                        row.id,
                        v.observed_on,
                        v.value,
                        v.note.clone(),
                        v.source.clone(),
                    )
                })
                .collect();
            insert_all(conn, &values).await?;
        }
        goal_count += entry.goals.len();
        kpi_count += entry.kpis.len();
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
        plan_id: plan.id,
        slug: plan.slug,
        measures: file.measures.len(),
        goals: goal_count,
        kpis: kpi_count,
        replaced: false,
    })
}

fn plan_fields(p: &PlanEntry) -> PlanFields {
    PlanFields {
        slug: p.slug.clone(),
        title: p.title.clone(),
        organisation: p.organisation.clone(),
        published_on: p.published_on,
        description: p.description.clone(),
        legend: Legend::from(&p.legend),
        legend_notes: p.legend.notes.clone(),
    }
    .normalised()
}

fn group_fields(group: &WorkingGroupEntry) -> WorkingGroupFields {
    WorkingGroupFields {
        code: group.code.clone(),
        number: group.number,
        name: group.name.clone(),
        lead: group.lead.clone(),
    }
    .normalised()
}

fn goal_fields(goal: &GoalEntry, index: usize) -> RepoResult<GoalFields> {
    Ok(GoalFields {
        text: goal.text.clone(),
        category: goal.category.clone(),
        timing: goal.timing.clone(),
        status: vocabulary(&goal.status)?,
        position: position(index),
        visibility: vocabulary(&goal.visibility)?,
    }
    .normalised())
}

fn measure_fields(entry: &MeasureEntry, index: usize) -> RepoResult<MeasureFields> {
    let est = &entry.estimates;
    Ok(MeasureFields {
        working_group: entry.working_group.clone(),
        code: entry.code.clone(),
        title: entry.title.clone(),
        description: entry.description.clone(),
        status: vocabulary(&entry.status)?,
        responsible_unit: entry.responsible_unit.clone(),
        partners: entry.partners.clone(),
        pilot_areas: entry
            .pilot_areas
            .iter()
            .map(|a| PilotArea {
                code: a.code.clone(),
                name: a.name.clone(),
            })
            .collect(),
        position: position(index),
        estimates: Estimates {
            cost_eur: est.cost_eur,
            personnel_fte: est.personnel_fte,
            realization_months: est.period_months,
            cost_category: optional_vocabulary(&est.cost_category)?,
            personnel_category: optional_vocabulary(&est.personnel_category)?,
            period_category: optional_vocabulary(&est.period_category)?,
            quick_win: optional_vocabulary(&est.quick_win)?,
        },
        visibility: vocabulary(&entry.visibility)?,
    }
    .normalised())
}

fn kpi_fields(kpi: &KpiEntry, index: usize) -> RepoResult<KpiFields> {
    Ok(KpiFields {
        name: kpi.name.clone(),
        description: kpi.description.clone(),
        unit: kpi.unit.clone(),
        value_type: vocabulary(&kpi.value_type)?,
        direction: vocabulary(&kpi.direction)?,
        baseline: kpi.baseline.as_ref().map(|b| Baseline {
            value: b.value,
            observed_on: b.observed_on,
            note: b.note.clone(),
        }),
        targets: kpi
            .targets
            .iter()
            .map(|t| TargetInput {
                value: t.value,
                due_on: t.due_on,
                note: t.note.clone(),
            })
            .collect(),
        position: position(index),
        visibility: vocabulary(&kpi.visibility)?,
    }
    .normalised())
}

/// The bundled Dortmund plan (`data/masterplan-dortmund-arbeiten-4-0.json`).
pub const BUNDLED_PLAN: &str = include_str!("../../data/masterplan-dortmund-arbeiten-4-0.json");
