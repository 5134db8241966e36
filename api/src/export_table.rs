//! The columns of each exported entity, with typed cells: one definition for
//! the CSV files ([`crate::csv_export`]) and the workbook
//! ([`crate::xlsx_export`]), so that the two cannot drift apart.

use std::collections::HashMap;

use chrono::NaiveDate;
use masterplan_persistence::export::PlanSnapshot;
use masterplan_persistence::ids::{KpiId, MeasureId, WorkingGroupId};
use masterplan_persistence::models::measure::MeasureRow;

/// The entities of a plan that are exported as tables: a CSV file or a
/// worksheet each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Measures,
    Goals,
    Kpis,
    KpiValues,
}

impl Entity {
    /// Every entity, in the order of the workbook's sheets.
    pub const ALL: [Entity; 4] = [
        Entity::Measures,
        Entity::Goals,
        Entity::Kpis,
        Entity::KpiValues,
    ];

    /// The entity's name: the worksheet's name, and its CSV file's without
    /// `.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Entity::Measures => "measures",
            Entity::Goals => "goals",
            Entity::Kpis => "kpis",
            Entity::KpiValues => "kpi-values",
        }
    }

    /// The name of the entity's CSV file, e.g. `kpi-values.csv`.
    pub fn file_name(self) -> String {
        format!("{}.csv", self.name())
    }

    /// The entity whose CSV file is called `name`.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let name = name.strip_suffix(".csv")?;
        Self::ALL.into_iter().find(|e| e.name() == name)
    }
}

/// One cell of an exported table, typed so that a spreadsheet gets text,
/// numbers and dates as such (a code like `1.10` is text, never a number).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Empty,
}

impl Cell {
    fn text(value: Option<impl ToString>) -> Self {
        value.map_or(Cell::Empty, |v| Cell::Text(v.to_string()))
    }

    fn number(value: Option<impl Into<f64>>) -> Self {
        value.map_or(Cell::Empty, |v| Cell::Number(v.into()))
    }

    fn date(value: Option<NaiveDate>) -> Self {
        value.map_or(Cell::Empty, Cell::Date)
    }
}

/// An entity's header row and data rows, in the plan's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub header: &'static [&'static str],
    pub rows: Vec<Vec<Cell>>,
}

const MEASURE_COLUMNS: &[&str] = &[
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
];

const GOAL_COLUMNS: &[&str] = &[
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
];

const KPI_COLUMNS: &[&str] = &[
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
];

const KPI_VALUE_COLUMNS: &[&str] = &[
    "measure_code",
    "kpi",
    "observed_on",
    "value",
    "note",
    "source",
];

/// The table of one entity of a plan (read by
/// [`masterplan_persistence::export::read_plan`], as the JSON export is, so
/// it holds what the caller may see and nothing more).
pub fn table(plan: &PlanSnapshot, entity: Entity) -> Table {
    match entity {
        Entity::Measures => measures(plan),
        Entity::Goals => goals(plan),
        Entity::Kpis => kpis(plan),
        Entity::KpiValues => kpi_values(plan),
    }
}

/// Looks up the measure that a goal, KPI or value belongs to.
struct Measures<'a>(HashMap<MeasureId, &'a MeasureRow>);

impl<'a> Measures<'a> {
    fn of(plan: &'a PlanSnapshot) -> Self {
        Self(
            plan.measures
                .iter()
                .map(|m| (m.measure.id, &m.measure))
                .collect(),
        )
    }

    fn code(&self, id: MeasureId) -> Cell {
        Cell::text(self.0.get(&id).and_then(|m| m.code.as_ref()))
    }

    fn title(&self, id: MeasureId) -> Cell {
        Cell::text(self.0.get(&id).map(|m| &m.title))
    }
}

fn measures(plan: &PlanSnapshot) -> Table {
    let groups: HashMap<WorkingGroupId, &str> = plan
        .working_groups
        .iter()
        .map(|g| (g.id, g.code.as_str()))
        .collect();
    let rows = plan
        .measures
        .iter()
        .map(|described| {
            let m = &described.measure;
            vec![
                Cell::Number(m.position.into()),
                Cell::text(m.code.as_ref()),
                Cell::Text(m.title.clone()),
                Cell::text(groups.get(&m.working_group_id)),
                Cell::Text(m.status.to_string()),
                Cell::text(m.responsible_unit.as_ref()),
                Cell::Text(m.partners.join("; ")),
                Cell::number(m.cost_estimate_eur),
                Cell::text(m.cost_category),
                Cell::number(m.personnel_estimate_fte),
                Cell::text(m.personnel_category),
                Cell::number(m.realization_months),
                Cell::text(m.period_category),
                Cell::Text(m.quick_win.to_string()),
                Cell::Text(described.description.clone()),
            ]
        })
        .collect();
    Table {
        header: MEASURE_COLUMNS,
        rows,
    }
}

fn goals(plan: &PlanSnapshot) -> Table {
    let measures = Measures::of(plan);
    let rows = plan
        .goals
        .iter()
        .map(|g| {
            vec![
                measures.code(g.measure_id),
                measures.title(g.measure_id),
                Cell::Number(g.position.into()),
                Cell::Text(g.text.clone()),
                Cell::text(g.category.as_ref()),
                Cell::text(g.timing_phrase.as_ref()),
                Cell::Text(g.timing_kind.to_string()),
                Cell::date(g.starts_on),
                Cell::date(g.due_on),
                Cell::Text(g.status.to_string()),
            ]
        })
        .collect();
    Table {
        header: GOAL_COLUMNS,
        rows,
    }
}

fn kpis(plan: &PlanSnapshot) -> Table {
    let measures = Measures::of(plan);
    let mut targets: HashMap<KpiId, Vec<String>> = HashMap::new();
    for t in &plan.targets {
        targets
            .entry(t.kpi_id)
            .or_default()
            .push(format!("{} by {}", t.value, t.due_on));
    }
    let rows = plan
        .kpis
        .iter()
        .map(|k| {
            vec![
                measures.code(k.measure_id),
                measures.title(k.measure_id),
                Cell::Number(k.position.into()),
                Cell::Text(k.name.clone()),
                Cell::text(k.unit.as_ref()),
                Cell::Text(k.value_type.to_string()),
                Cell::Text(k.direction.to_string()),
                Cell::number(k.baseline_value),
                Cell::date(k.baseline_observed_on),
                Cell::Text(targets.remove(&k.id).unwrap_or_default().join("; ")),
            ]
        })
        .collect();
    Table {
        header: KPI_COLUMNS,
        rows,
    }
}

fn kpi_values(plan: &PlanSnapshot) -> Table {
    let measures = Measures::of(plan);
    let kpis: HashMap<KpiId, (MeasureId, &str)> = plan
        .kpis
        .iter()
        .map(|k| (k.id, (k.measure_id, k.name.as_str())))
        .collect();
    let rows = plan
        .values
        .iter()
        .map(|v| {
            let (measure_id, name) = kpis.get(&v.kpi_id).copied().unwrap_or_default();
            vec![
                measures.code(measure_id),
                Cell::Text(name.to_owned()),
                Cell::Date(v.observed_on),
                Cell::Number(v.value),
                Cell::text(v.note.as_ref()),
                Cell::text(v.source.as_ref()),
            ]
        })
        .collect();
    Table {
        header: KPI_VALUE_COLUMNS,
        rows,
    }
}
