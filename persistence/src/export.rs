//! Reads a whole plan back into the plan-file format: the inverse of
//! [`crate::seed::load_plan`], so export → import → export is lossless.

use std::collections::HashMap;

use masterplan_domain::visibility::Audience;

use masterplan_domain::plan_file::{
    BaselineEntry, EstimatesEntry, FORMAT, GoalEntry, KpiEntry, LegendEntry, MeasureEntry,
    PilotAreaEntry, PlanEntry, PlanFile, RelatedEntry, TargetEntry, ValueEntry, WorkingGroupEntry,
};

use crate::db::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::ids::{KpiId, MeasureId, WorkingGroupId};
use crate::models::goal::GoalRow;
use crate::models::kpi::{KpiRow, TargetRow};
use crate::models::kpi_values::ValueRow;
use crate::models::measure::{DescribedMeasure, MeasureFilter, MeasureOrder, RelationRow};
use crate::models::plan::PlanRow;
use crate::models::working_group::WorkingGroupRow;
use crate::models::{goal, kpi, kpi_values, measure, plan, working_group};
use crate::page::Window;

/// A whole plan as stored, each list in the plan's order (measures by
/// position, then what belongs to them): the one read both exports are made
/// from, the plan file ([`PlanSnapshot::into_plan_file`]) and the CSV files.
#[derive(Debug, Clone)]
pub struct PlanSnapshot {
    pub plan: PlanRow,
    pub working_groups: Vec<WorkingGroupRow>,
    pub measures: Vec<DescribedMeasure>,
    pub goals: Vec<GoalRow>,
    pub kpis: Vec<KpiRow>,
    pub targets: Vec<TargetRow>,
    pub values: Vec<ValueRow>,
    pub relations: Vec<RelationRow>,
}

/// The plan with `slug` and everything under it that `audience` sees; `None`
/// when there is no such plan. Reads in one transaction, so the snapshot is
/// consistent. For the public, internal objects are left out and fields
/// that only staff read are removed ([`PlanSnapshot::without_internal_fields`]).
pub async fn read_plan(
    conn: &mut DbConn,
    slug: &str,
    audience: Audience,
) -> RepoResult<Option<PlanSnapshot>> {
    conn.transaction(async |conn| {
        let Some(plan) = plan::find_by_slug(conn, slug).await? else {
            return Ok(None);
        };
        let working_groups = working_group::list(conn, Some(plan.id)).await?;
        let filter = MeasureFilter {
            audience,
            plan_id: Some(plan.id),
            ..MeasureFilter::default()
        };
        let all = Window {
            offset: 0,
            limit: i64::MAX,
        };
        let measures = measure::list_described(conn, &filter, MeasureOrder::default(), all).await?;
        let ids: Vec<MeasureId> = measures.iter().map(|m| m.measure.id).collect();
        let goals = goal::by_measure_ids(conn, &ids, audience).await?;
        let kpis = kpi::by_measure_ids(conn, &ids, audience).await?;
        let kpi_ids: Vec<KpiId> = kpis.iter().map(|k| k.id).collect();
        let targets = kpi::targets_of(conn, &kpi_ids).await?;
        let values = kpi_values::all_of(conn, &kpi_ids).await?;
        let relations = measure::relations_of(conn, &ids, audience).await?;
        let snapshot = PlanSnapshot {
            plan,
            working_groups,
            measures,
            goals,
            kpis,
            targets,
            values,
            relations,
        };
        Ok(Some(if audience.sees_internal_fields() {
            snapshot
        } else {
            snapshot.without_internal_fields()
        }))
    })
    .await
}

/// The plan with `slug` and everything under it that `audience` sees, as a
/// plan file in the plan's order; `None` when there is no such plan.
pub async fn export_plan(
    conn: &mut DbConn,
    slug: &str,
    audience: Audience,
) -> RepoResult<Option<PlanFile>> {
    read_plan(conn, slug, audience)
        .await?
        .map(PlanSnapshot::into_plan_file)
        .transpose()
}

impl PlanSnapshot {
    /// The snapshot without the fields that are internal whatever the
    /// object's visibility: amounts in EUR and FTE, value notes and sources.
    /// A class the legend derived from a removed amount is kept as an
    /// explicit class, so the published categories survive a re-import.
    pub fn without_internal_fields(mut self) -> Self {
        for DescribedMeasure { measure: m, .. } in &mut self.measures {
            let mut removed = false;
            if m.cost_estimate_eur.take().is_some() {
                m.cost_category_override = m.cost_category;
                removed = true;
            }
            if m.personnel_estimate_fte.take().is_some() {
                m.personnel_category_override = m.personnel_category;
                removed = true;
            }
            if removed {
                m.quick_win_override = Some(m.quick_win);
            }
        }
        for v in &mut self.values {
            v.note = None;
            v.source = None;
        }
        self
    }

    /// The plan file of the snapshot. Refused when a relation points at a
    /// measure without a code, which a plan file cannot name.
    pub fn into_plan_file(self) -> RepoResult<PlanFile> {
        let PlanSnapshot {
            plan,
            working_groups: groups,
            measures,
            goals: goal_rows,
            kpis: kpi_rows,
            targets: target_rows,
            values: value_rows,
            relations,
        } = self;
        let group_codes: HashMap<WorkingGroupId, String> =
            groups.iter().map(|g| (g.id, g.code.clone())).collect();
        let codes: HashMap<MeasureId, Option<String>> = measures
            .iter()
            .map(|m| (m.measure.id, m.measure.code.clone()))
            .collect();

        let mut goals: HashMap<MeasureId, Vec<GoalEntry>> = HashMap::new();
        for row in goal_rows {
            goals.entry(row.measure_id).or_default().push(GoalEntry {
                text: row.text,
                category: row.category,
                timing: row.timing_phrase,
                status: row.status.to_string(),
                visibility: row.visibility.to_string(),
            });
        }
        let mut targets: HashMap<KpiId, Vec<TargetEntry>> = HashMap::new();
        for row in target_rows {
            targets.entry(row.kpi_id).or_default().push(TargetEntry {
                value: row.value,
                due_on: row.due_on,
                note: row.note,
            });
        }
        let mut values: HashMap<KpiId, Vec<ValueEntry>> = HashMap::new();
        for row in value_rows {
            values.entry(row.kpi_id).or_default().push(ValueEntry {
                observed_on: row.observed_on,
                value: row.value,
                note: row.note,
                source: row.source,
            });
        }
        let mut kpis: HashMap<MeasureId, Vec<KpiEntry>> = HashMap::new();
        for row in kpi_rows {
            let baseline = row.baseline_value.map(|value| BaselineEntry {
                value,
                observed_on: row.baseline_observed_on,
                note: row.baseline_note.clone(),
            });
            kpis.entry(row.measure_id).or_default().push(KpiEntry {
                targets: targets.remove(&row.id).unwrap_or_default(),
                values: values.remove(&row.id).unwrap_or_default(),
                name: row.name,
                description: row.description,
                unit: row.unit,
                value_type: row.value_type.to_string(),
                direction: row.direction.to_string(),
                baseline,
                visibility: row.visibility.to_string(),
            });
        }
        let mut related: HashMap<MeasureId, Vec<RelatedEntry>> = HashMap::new();
        for rel in relations {
            // Relations are stored where the plan states them (3.5 → 1.8).
            let Some(code) = codes.get(&rel.related_measure_id).cloned().flatten() else {
                return Err(RepoError::refused(format!(
                    "measure {} is related to a measure without a code, which a plan file cannot name",
                    rel.measure_id
                )));
            };
            related
                .entry(rel.measure_id)
                .or_default()
                .push(RelatedEntry {
                    code,
                    note: rel.note,
                });
        }

        let mut entries = Vec::with_capacity(measures.len());
        for DescribedMeasure {
            measure: m,
            description,
        } in measures
        {
            let mut rel = related.remove(&m.id).unwrap_or_default();
            rel.sort_by(|a, b| a.code.cmp(&b.code));
            entries.push(MeasureEntry {
                partners: m.partners,
                pilot_areas: m
                    .pilot_areas
                    .into_iter()
                    .map(|a| PilotAreaEntry {
                        code: a.code,
                        name: a.name,
                    })
                    .collect(),
                working_group: group_codes
                    .get(&m.working_group_id)
                    .cloned()
                    .ok_or_else(|| RepoError::Corrupt("measure without working group".into()))?,
                related: rel,
                estimates: EstimatesEntry {
                    cost_eur: m.cost_estimate_eur,
                    personnel_fte: m.personnel_estimate_fte,
                    period_months: m.realization_months,
                    cost_category: m.cost_category_override.map(|c| c.to_string()),
                    personnel_category: m.personnel_category_override.map(|c| c.to_string()),
                    period_category: m.period_category_override.map(|c| c.to_string()),
                    quick_win: m.quick_win_override.map(|q| q.to_string()),
                },
                goals: goals.remove(&m.id).unwrap_or_default(),
                kpis: kpis.remove(&m.id).unwrap_or_default(),
                code: m.code,
                title: m.title,
                description,
                status: m.status.to_string(),
                responsible_unit: m.responsible_unit,
                visibility: m.visibility.to_string(),
            });
        }

        Ok(PlanFile {
            format: FORMAT.to_owned(),
            plan: PlanEntry {
                slug: plan.slug,
                title: plan.title,
                organisation: plan.organisation,
                published_on: plan.published_on,
                description: plan.description,
                legend: LegendEntry::new(plan.legend, plan.legend_notes),
            },
            working_groups: groups
                .into_iter()
                .map(|g| WorkingGroupEntry {
                    code: g.code,
                    number: g.number,
                    name: g.name,
                    lead: g.lead,
                })
                .collect(),
            measures: entries,
        })
    }
}

/// The file's text: pretty JSON with a final newline.
pub fn to_json(file: &PlanFile) -> String {
    let mut text = serde_json::to_string_pretty(file).expect("plan files serialise");
    text.push('\n');
    text
}
