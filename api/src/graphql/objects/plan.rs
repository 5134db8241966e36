//! `Plan` and its `Legend`.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use masterplan_domain::legend as domain;
use masterplan_persistence::models::plan::PlanRow;

use crate::error::ApiResult;
use crate::graphql::context::loaders;
use crate::graphql::instant::View;
use crate::graphql::objects::WorkingGroup;
use crate::graphql::scalars::Date;
use crate::ids::encode;

/// A masterplan: its measures, grouped by working groups, classified by its legend.
pub struct Plan(pub PlanRow, pub View);

impl Plan {
    /// Today's plan.
    pub fn live(row: PlanRow) -> Self {
        Plan(row, View::LIVE)
    }
}

#[Object]
impl Plan {
    pub async fn id(&self) -> ID {
        encode(self.0.id)
    }
    /// Stable name used to pick the plan in arguments (`dortmund-arbeiten-4-0`).
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn organisation(&self) -> &str {
        &self.0.organisation
    }
    async fn published_on(&self) -> Option<Date> {
        self.0.published_on.map(Date)
    }
    /// Markdown.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The thresholds that classify measures' estimates.
    async fn legend(&self) -> Legend {
        Legend {
            thresholds: self.0.legend.into(),
            notes: self.0.legend_notes.clone(),
        }
    }
    #[graphql(complexity = "5 * child_complexity")]
    async fn working_groups(&self, ctx: &Context<'_>) -> ApiResult<Vec<WorkingGroup>> {
        if let Some(plan) = self.1.at() {
            let groups = plan.working_groups.iter();
            return Ok(groups
                .map(|g| WorkingGroup(g.clone(), self.1.clone()))
                .collect());
        }
        let groups = loaders(ctx)?
            .working_groups_of_plan
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(groups.into_iter().map(WorkingGroup::live).collect())
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at.and_utc()
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at.and_utc()
    }
}

/// The plan's classification thresholds: cost LOW below `costLowBelowEur`,
/// HIGH above `costHighAboveEur`, MEDIUM between (inclusive); likewise for
/// personnel (FTE) and realisation period (months: SHORT, MEDIUM, LONG).
#[derive(SimpleObject)]
pub struct Legend {
    #[graphql(flatten)]
    pub thresholds: LegendThresholds,
    /// The legend's own words.
    pub notes: Option<String>,
}

/// The six thresholds of `Legend` and `LegendInput`, flattened into both
/// (so this type itself is not in the schema).
#[derive(SimpleObject, InputObject, Debug, Clone, Copy)]
#[graphql(input_name = "LegendThresholdsInput")]
pub struct LegendThresholds {
    pub cost_low_below_eur: f64,
    pub cost_high_above_eur: f64,
    pub personnel_low_below_fte: f64,
    pub personnel_high_above_fte: f64,
    pub period_short_below_months: i32,
    pub period_long_above_months: i32,
}

impl From<domain::Legend> for LegendThresholds {
    fn from(l: domain::Legend) -> Self {
        LegendThresholds {
            cost_low_below_eur: l.cost_low_below_eur,
            cost_high_above_eur: l.cost_high_above_eur,
            personnel_low_below_fte: l.personnel_low_below_fte,
            personnel_high_above_fte: l.personnel_high_above_fte,
            period_short_below_months: l.period_short_below_months,
            period_long_above_months: l.period_long_above_months,
        }
    }
}

impl From<LegendThresholds> for domain::Legend {
    fn from(t: LegendThresholds) -> Self {
        domain::Legend {
            cost_low_below_eur: t.cost_low_below_eur,
            cost_high_above_eur: t.cost_high_above_eur,
            personnel_low_below_fte: t.personnel_low_below_fte,
            personnel_high_above_fte: t.personnel_high_above_fte,
            period_short_below_months: t.period_short_below_months,
            period_long_above_months: t.period_long_above_months,
        }
    }
}
