//! The structured plan file format (`data/*.json`): what the bundled plan is
//! written in and what `masterplan seed` loads. Documented in `data/README.md`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Identifies the format so a later, incompatible layout can be told apart.
pub const FORMAT: &str = "masterplan/v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanFile {
    pub format: String,
    pub plan: PlanEntry,
    pub working_groups: Vec<WorkingGroupEntry>,
    /// In the plan's order; `position` is the index + 1.
    pub measures: Vec<MeasureEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanEntry {
    pub slug: String,
    pub title: String,
    pub organisation: String,
    #[serde(default)]
    pub published_on: Option<NaiveDate>,
    pub description: String,
    pub legend: LegendEntry,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LegendEntry {
    pub cost_low_below_eur: f64,
    pub cost_high_above_eur: f64,
    pub personnel_low_below_fte: f64,
    pub personnel_high_above_fte: f64,
    pub period_short_below_months: i32,
    pub period_long_above_months: i32,
    /// The legend's own words, kept for readers.
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkingGroupEntry {
    pub code: String,
    pub number: i32,
    pub name: String,
    #[serde(default)]
    pub lead: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MeasureEntry {
    #[serde(default)]
    pub code: Option<String>,
    pub working_group: String,
    pub title: String,
    /// Markdown.
    pub description: String,
    #[serde(default = "default_measure_status")]
    pub status: String,
    #[serde(default)]
    pub responsible_unit: Option<String>,
    #[serde(default)]
    pub partners: Vec<String>,
    #[serde(default)]
    pub pilot_areas: Vec<PilotAreaEntry>,
    #[serde(default)]
    pub related: Vec<RelatedEntry>,
    #[serde(default)]
    pub estimates: EstimatesEntry,
    #[serde(default)]
    pub goals: Vec<GoalEntry>,
    #[serde(default)]
    pub kpis: Vec<KpiEntry>,
    /// `PUBLIC` (the default: a plan file is a published document) or `INTERNAL`.
    #[serde(default = "default_visibility", skip_serializing_if = "is_public")]
    pub visibility: String,
}

fn default_visibility() -> String {
    "PUBLIC".to_owned()
}

/// Public objects are written without the field, so files stay as they were.
fn is_public(visibility: &str) -> bool {
    visibility == "PUBLIC"
}

fn default_measure_status() -> String {
    "PLANNED".to_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PilotAreaEntry {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RelatedEntry {
    /// Code of the related measure in the same plan.
    pub code: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EstimatesEntry {
    #[serde(default)]
    pub cost_eur: Option<f64>,
    #[serde(default)]
    pub personnel_fte: Option<f64>,
    #[serde(default)]
    pub period_months: Option<i32>,
    /// Explicit categories override the legend's classification.
    #[serde(default)]
    pub cost_category: Option<String>,
    #[serde(default)]
    pub personnel_category: Option<String>,
    #[serde(default)]
    pub period_category: Option<String>,
    #[serde(default)]
    pub quick_win: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GoalEntry {
    pub text: String,
    #[serde(default)]
    pub category: Option<String>,
    /// The plan's own timing phrase ("bis Ende 2020"), parsed by
    /// `timing::parse_timing`; absent when the goal names no date.
    #[serde(default)]
    pub timing: Option<String>,
    #[serde(default = "default_goal_status")]
    pub status: String,
    /// `PUBLIC` (the default: a plan file is a published document) or `INTERNAL`.
    #[serde(default = "default_visibility", skip_serializing_if = "is_public")]
    pub visibility: String,
}

fn default_goal_status() -> String {
    "OPEN".to_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KpiEntry {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    /// `NUMBER`, `PERCENT` or `MILESTONE`.
    pub value_type: String,
    /// `INCREASE`, `DECREASE` or `NONE`.
    pub direction: String,
    #[serde(default)]
    pub baseline: Option<BaselineEntry>,
    #[serde(default)]
    pub targets: Vec<TargetEntry>,
    #[serde(default)]
    pub values: Vec<ValueEntry>,
    /// `PUBLIC` (the default: a plan file is a published document) or `INTERNAL`.
    #[serde(default = "default_visibility", skip_serializing_if = "is_public")]
    pub visibility: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BaselineEntry {
    pub value: f64,
    #[serde(default)]
    pub observed_on: Option<NaiveDate>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TargetEntry {
    pub value: f64,
    pub due_on: NaiveDate,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ValueEntry {
    pub observed_on: NaiveDate,
    pub value: f64,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
}
