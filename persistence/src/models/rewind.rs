//! Undoing one recorded field change on a row: the audit trail names fields
//! as the writes record them (`title`, `estimates.costEur`, `archivedAt`, …,
//! see the `changes` of each module in [`crate::writes`]) and gives the value
//! each change replaced; this sets that value back on the row's columns.
//!
//! Derived columns follow the field they derive from: a goal's timing is
//! parsed again from its phrase; a measure's effective classes are derived
//! under the plan's legend of the instant by [`crate::models::plan_at`].
//! A field this module does not know is an error, never skipped: the
//! history would be wrong without a word.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};
use masterplan_domain::timing::{Timing, parse_timing};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::RepoError;
use crate::ids::{KpiId, KpiTargetId, KpiValueId};
use crate::models::goal::GoalRow;
use crate::models::kpi::{KpiRow, TargetRow};
use crate::models::kpi_values::ValueRow;
use crate::models::measure::DescribedMeasure;
use crate::models::plan::PlanRow;
use crate::models::working_group::WorkingGroupRow;

/// An entry's value that does not fit the field it names.
#[derive(Debug)]
pub struct Unreadable(String);

impl Unreadable {
    /// The error, placed at an entry and field.
    pub fn at(self, place: String) -> RepoError {
        RepoError::Corrupt(format!("{place}: {}", self.0))
    }
}

type Undone<T = ()> = Result<T, Unreadable>;

/// What undoing a measure's field left to do.
#[derive(Debug, PartialEq)]
pub enum Rewound {
    Done,
    /// The measure belonged to the working group with this code.
    WorkingGroup(String),
}

fn json<T: DeserializeOwned>(value: &Value) -> Undone<T> {
    serde_json::from_value(value.clone()).map_err(|e| Unreadable(format!("{value}: {e}")))
}

/// A class stored by its name (`"PLANNED"`).
fn named<T: FromStr>(value: &Value) -> Undone<T> {
    let text: String = json(value)?;
    text.parse()
        .map_err(|_| Unreadable(format!("unknown value {text:?}")))
}

fn named_or_none<T: FromStr>(value: &Value) -> Undone<Option<T>> {
    match value {
        Value::Null => Ok(None),
        other => named(other).map(Some),
    }
}

fn unknown<T>(field: &str) -> Undone<T> {
    Err(Unreadable(format!("no such field {field:?}")))
}

pub fn plan(row: &mut PlanRow, field: &str, old: &Value) -> Undone {
    let legend = &mut row.legend;
    match field {
        "slug" => row.slug = json(old)?,
        "title" => row.title = json(old)?,
        "organisation" => row.organisation = json(old)?,
        "publishedOn" => row.published_on = json(old)?,
        "description" => row.description = json(old)?,
        "legend.costLowBelowEur" => legend.cost_low_below_eur = json(old)?,
        "legend.costHighAboveEur" => legend.cost_high_above_eur = json(old)?,
        "legend.personnelLowBelowFte" => legend.personnel_low_below_fte = json(old)?,
        "legend.personnelHighAboveFte" => legend.personnel_high_above_fte = json(old)?,
        "legend.periodShortBelowMonths" => legend.period_short_below_months = json(old)?,
        "legend.periodLongAboveMonths" => legend.period_long_above_months = json(old)?,
        "legend.notes" => row.legend_notes = json(old)?,
        other => return unknown(other),
    }
    Ok(())
}

pub fn working_group(row: &mut WorkingGroupRow, field: &str, old: &Value) -> Undone {
    match field {
        "code" => row.code = json(old)?,
        "number" => row.number = json(old)?,
        "name" => row.name = json(old)?,
        "lead" => row.lead = json(old)?,
        other => return unknown(other),
    }
    Ok(())
}

pub fn measure(described: &mut DescribedMeasure, field: &str, old: &Value) -> Undone<Rewound> {
    let row = &mut described.measure;
    match field {
        "workingGroup" => return Ok(Rewound::WorkingGroup(json(old)?)),
        "code" => row.code = json(old)?,
        "title" => row.title = json(old)?,
        "description" => described.description = json(old)?,
        "status" => row.status = named(old)?,
        "responsibleUnit" => row.responsible_unit = json(old)?,
        "partners" => row.partners = json(old)?,
        "position" => row.position = json(old)?,
        "visibility" => row.visibility = named(old)?,
        "estimates.costEur" => row.cost_estimate_eur = json(old)?,
        "estimates.personnelFte" => row.personnel_estimate_fte = json(old)?,
        "estimates.realizationMonths" => row.realization_months = json(old)?,
        "estimates.costCategory" => row.cost_category_override = named_or_none(old)?,
        "estimates.personnelCategory" => row.personnel_category_override = named_or_none(old)?,
        "estimates.periodCategory" => row.period_category_override = named_or_none(old)?,
        "estimates.quickWin" => row.quick_win_override = named_or_none(old)?,
        "archivedAt" => row.archived_at = json(old)?,
        other => return unknown(other),
    }
    Ok(Rewound::Done)
}

pub fn goal(row: &mut GoalRow, field: &str, old: &Value) -> Undone {
    match field {
        "text" => row.text = json(old)?,
        "category" => row.category = json(old)?,
        "timing" => {
            let phrase: Option<String> = json(old)?;
            let timing = match phrase.as_deref() {
                Some(p) => parse_timing(p).map_err(|e| Unreadable(e.to_string()))?,
                None => Timing::none(),
            };
            row.timing_phrase = timing.phrase;
            row.timing_kind = timing.kind;
            row.starts_on = timing.starts_on;
            row.due_on = timing.due_on;
        }
        "status" => row.status = named(old)?,
        "position" => row.position = json(old)?,
        "visibility" => row.visibility = named(old)?,
        "archivedAt" => row.archived_at = json(old)?,
        other => return unknown(other),
    }
    Ok(())
}

/// A KPI's baseline as its audit entries record it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Baseline {
    value: f64,
    observed_on: Option<NaiveDate>,
    note: Option<String>,
}

/// A KPI target as its audit entries record it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Target {
    value: f64,
    due_on: NaiveDate,
    note: Option<String>,
}

/// Every field of a KPI but its targets (see [`targets`]).
pub fn kpi(row: &mut KpiRow, field: &str, old: &Value) -> Undone {
    match field {
        "name" => row.name = json(old)?,
        "description" => row.description = json(old)?,
        "unit" => row.unit = json(old)?,
        "valueType" => row.value_type = named(old)?,
        "direction" => row.direction = named(old)?,
        "baseline" => {
            let baseline: Option<Baseline> = json(old)?;
            row.baseline_value = baseline.as_ref().map(|b| b.value);
            row.baseline_observed_on = baseline.as_ref().and_then(|b| b.observed_on);
            row.baseline_note = baseline.and_then(|b| b.note);
        }
        "visibility" => row.visibility = named(old)?,
        "archivedAt" => row.archived_at = json(old)?,
        other => return unknown(other),
    }
    Ok(())
}

/// A KPI's targets as a `targets` change recorded them (ids are not
/// recorded: restored targets have id 0).
pub fn targets(kpi_id: KpiId, old: &Value) -> Undone<Vec<TargetRow>> {
    let targets: Option<Vec<Target>> = json(old)?;
    Ok(targets
        .unwrap_or_default()
        .into_iter()
        .map(|t| TargetRow {
            id: KpiTargetId::new(0),
            kpi_id,
            value: t.value,
            due_on: t.due_on,
            note: t.note,
        })
        .collect())
}

pub fn value(row: &mut ValueRow, field: &str, old: &Value) -> Undone {
    match field {
        "value" => row.value = json(old)?,
        "note" => row.note = json(old)?,
        "source" => row.source = json(old)?,
        other => return unknown(other),
    }
    Ok(())
}

/// A KPI value as its deletion recorded it; its times are set by the caller.
pub fn deleted_value(id: KpiValueId, changes: &BTreeMap<String, Value>) -> Undone<ValueRow> {
    let old = |field: &str| {
        changes
            .get(field)
            .and_then(|c| c.get("old"))
            .unwrap_or(&Value::Null)
    };
    Ok(ValueRow {
        id,
        kpi_id: json(old("kpi"))?,
        observed_on: json(old("observedOn"))?,
        value: json(old("value"))?,
        note: json(old("note"))?,
        source: json(old("source"))?,
        created_at: NaiveDateTime::MIN,
        updated_at: NaiveDateTime::MIN,
    })
}
