//! CSV exports for spreadsheets: one file per entity, UTF-8 with a byte-order
//! mark so that Excel shows umlauts.

use std::collections::HashMap;

use masterplan_persistence::export::PlanSnapshot;
use masterplan_persistence::models::measure::MeasureRow;
use masterplan_persistence::{RepoError, RepoResult};

/// The entities with a CSV file, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvEntity {
    Measures,
    Goals,
    Kpis,
    KpiValues,
}

impl CsvEntity {
    pub const ALL: [CsvEntity; 4] = [
        CsvEntity::Measures,
        CsvEntity::Goals,
        CsvEntity::Kpis,
        CsvEntity::KpiValues,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            CsvEntity::Measures => "measures.csv",
            CsvEntity::Goals => "goals.csv",
            CsvEntity::Kpis => "kpis.csv",
            CsvEntity::KpiValues => "kpi-values.csv",
        }
    }

    pub fn from_file_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.file_name() == name)
    }
}

const BOM: &str = "\u{feff}";

fn text<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// The CSV text of one entity of a plan (read by
/// [`masterplan_persistence::export::read_plan`], as the JSON export is), in
/// the plan's order.
pub fn render(plan: &PlanSnapshot, entity: CsvEntity) -> RepoResult<String> {
    let measures = &plan.measures;
    let by_id: HashMap<i64, &MeasureRow> = measures.iter().map(|m| (m.id, m)).collect();
    let code = |id: i64| text(by_id.get(&id).and_then(|m| m.code.clone()));
    let title = |id: i64| by_id.get(&id).map(|m| m.title.clone()).unwrap_or_default();

    let mut out = csv::Writer::from_writer(Vec::new());
    let write = |out: &mut csv::Writer<Vec<u8>>, row: &[String]| {
        out.write_record(row)
            .map_err(|e| RepoError::Corrupt(format!("CSV: {e}")))
    };
    match entity {
        CsvEntity::Measures => {
            let groups: HashMap<i64, &str> = plan
                .working_groups
                .iter()
                .map(|g| (g.id, g.code.as_str()))
                .collect();
            write(
                &mut out,
                &[
                    "position",
                    "code",
                    "title",
                    "working_group",
                    "status",
                    "responsible_unit",
                    "partners",
                    "cost_estimate_eur",
                    "cost_category",
                    "personnel_estimate_fte",
                    "personnel_category",
                    "realization_months",
                    "period_category",
                    "quick_win",
                    "description",
                ]
                .map(str::to_owned),
            )?;
            for m in measures {
                write(
                    &mut out,
                    &[
                        m.position.to_string(),
                        text(m.code.clone()),
                        m.title.clone(),
                        text(groups.get(&m.working_group_id)),
                        m.status.to_string(),
                        text(m.responsible_unit.clone()),
                        m.partners.join("; "),
                        text(m.cost_estimate_eur),
                        text(m.cost_category),
                        text(m.personnel_estimate_fte),
                        text(m.personnel_category),
                        text(m.realization_months),
                        text(m.period_category),
                        m.quick_win.to_string(),
                        m.description.clone(),
                    ],
                )?;
            }
        }
        CsvEntity::Goals => {
            write(
                &mut out,
                &[
                    "measure_code",
                    "measure_title",
                    "position",
                    "text",
                    "category",
                    "timing_phrase",
                    "timing_kind",
                    "starts_on",
                    "due_on",
                    "status",
                ]
                .map(str::to_owned),
            )?;
            for g in &plan.goals {
                write(
                    &mut out,
                    &[
                        code(g.measure_id),
                        title(g.measure_id),
                        g.position.to_string(),
                        g.text.clone(),
                        text(g.category.as_ref()),
                        text(g.timing_phrase.as_ref()),
                        g.timing_kind.to_string(),
                        text(g.starts_on),
                        text(g.due_on),
                        g.status.to_string(),
                    ],
                )?;
            }
        }
        CsvEntity::Kpis => {
            let mut targets: HashMap<i64, Vec<String>> = HashMap::new();
            for t in &plan.targets {
                targets
                    .entry(t.kpi_id)
                    .or_default()
                    .push(format!("{} by {}", t.value, t.due_on));
            }
            write(
                &mut out,
                &[
                    "measure_code",
                    "measure_title",
                    "position",
                    "name",
                    "unit",
                    "value_type",
                    "direction",
                    "baseline_value",
                    "baseline_observed_on",
                    "targets",
                ]
                .map(str::to_owned),
            )?;
            for k in &plan.kpis {
                write(
                    &mut out,
                    &[
                        code(k.measure_id),
                        title(k.measure_id),
                        k.position.to_string(),
                        k.name.clone(),
                        text(k.unit.as_ref()),
                        k.value_type.to_string(),
                        k.direction.to_string(),
                        text(k.baseline_value),
                        text(k.baseline_observed_on),
                        targets.remove(&k.id).unwrap_or_default().join("; "),
                    ],
                )?;
            }
        }
        CsvEntity::KpiValues => {
            let names: HashMap<i64, (i64, &str)> = plan
                .kpis
                .iter()
                .map(|k| (k.id, (k.measure_id, k.name.as_str())))
                .collect();
            write(
                &mut out,
                &[
                    "measure_code",
                    "kpi",
                    "observed_on",
                    "value",
                    "note",
                    "source",
                ]
                .map(str::to_owned),
            )?;
            for v in &plan.values {
                let (measure_id, name) = names.get(&v.kpi_id).copied().unwrap_or_default();
                write(
                    &mut out,
                    &[
                        code(measure_id),
                        name.to_owned(),
                        v.observed_on.to_string(),
                        v.value.to_string(),
                        text(v.note.as_ref()),
                        text(v.source.as_ref()),
                    ],
                )?;
            }
        }
    }
    let bytes = out
        .into_inner()
        .map_err(|e| RepoError::Corrupt(format!("CSV: {e}")))?;
    let body = String::from_utf8(bytes).map_err(|e| RepoError::Corrupt(format!("CSV: {e}")))?;
    Ok(format!("{BOM}{body}"))
}
