//! `Measure` and its estimates.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use masterplan_persistence::ids::AuditSubject;
use masterplan_persistence::models::measure::MeasureRow;

use crate::error::{ApiError, ApiResult};
use crate::graphql::audit::{AuditEntry, history};
use crate::graphql::context::{audience, loaders};
use crate::graphql::enums::{MeasureStatus, PeriodCategory, QuickWin, SizeCategory, Visibility};
use crate::graphql::instant::View;
use crate::graphql::objects::{Goal, Kpi, Plan, WorkingGroup};
use crate::ids::encode;

/// A measure (Maßnahme) of the plan, e.g. "1.2 Bürgerportal".
pub struct Measure(pub MeasureRow, pub View);

impl Measure {
    /// Today's measure.
    pub fn live(row: MeasureRow) -> Self {
        Measure(row, View::LIVE)
    }
}

#[Object]
impl Measure {
    pub async fn id(&self) -> ID {
        encode(self.0.id)
    }
    /// The plan's number (`1.2`); absent for the one unnumbered measure
    /// ("DMS und E-Akte"). Unique per plan.
    async fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Markdown.
    async fn description(&self, ctx: &Context<'_>) -> ApiResult<String> {
        let description = match self.1.at() {
            Some(plan) => plan
                .described(self.0.id, audience(ctx))
                .map(|d| d.description.clone()),
            None => {
                loaders(ctx)?
                    .measure_description
                    .load_one(self.0.id)
                    .await?
            }
        };
        // Read after the measure itself: gone only when a write made it
        // internal in between (for a public caller).
        description.ok_or_else(|| ApiError::not_found("this measure is no longer public"))
    }
    /// Place in the plan's order, from 1.
    async fn position(&self) -> i32 {
        self.0.position
    }
    async fn status(&self) -> MeasureStatus {
        self.0.status.into()
    }
    /// `PUBLIC`: part of the published plan; `INTERNAL`: seen by staff only
    /// (a draft until someone publishes it), with its goals and KPIs.
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    async fn working_group(&self, ctx: &Context<'_>) -> ApiResult<WorkingGroup> {
        if let Some(plan) = self.1.at() {
            let group = plan.working_group(self.0.working_group_id).cloned();
            return group
                .map(|g| WorkingGroup(g, self.1.clone()))
                .ok_or_else(ApiError::internal);
        }
        let group = loaders(ctx)?
            .working_group
            .load_one(self.0.working_group_id)
            .await?;
        group.map(WorkingGroup::live).ok_or_else(ApiError::internal)
    }
    async fn plan(&self, ctx: &Context<'_>) -> ApiResult<Plan> {
        if let Some(plan) = self.1.at() {
            return Ok(Plan(plan.plan.clone(), self.1.clone()));
        }
        let plan = loaders(ctx)?.plan.load_one(self.0.plan_id).await?;
        plan.map(Plan::live).ok_or_else(ApiError::internal)
    }
    async fn responsible_unit(&self) -> Option<&str> {
        self.0.responsible_unit.as_deref()
    }
    /// Partners named by the plan (e.g. 3.4's partner cities).
    async fn partners(&self) -> &[String] {
        &self.0.partners
    }
    /// Pilot areas (3.1 has two: 11/2 and 51/8-2).
    async fn pilot_areas(&self) -> Vec<PilotArea> {
        self.0
            .pilot_areas
            .iter()
            .map(|a| PilotArea {
                code: a.code.clone(),
                name: a.name.clone(),
            })
            .collect()
    }
    /// Measures this one depends on or that depend on it (e.g. 3.5 ↔ 1.8).
    #[graphql(complexity = "5 * child_complexity")]
    async fn related_measures(&self, ctx: &Context<'_>) -> ApiResult<Vec<Measure>> {
        if let Some(plan) = self.1.at() {
            let related = plan.related(self.0.id, audience(ctx));
            return Ok(related
                .into_iter()
                .map(|m| Measure(m.clone(), self.1.clone()))
                .collect());
        }
        let related = loaders(ctx)?
            .related_measures
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(related.into_iter().map(Measure::live).collect())
    }
    /// Goals in the plan's order.
    #[graphql(complexity = "20 * child_complexity")]
    async fn goals(&self, ctx: &Context<'_>) -> ApiResult<Vec<Goal>> {
        if let Some(plan) = self.1.at() {
            let goals = plan.goals_of(self.0.id, audience(ctx));
            return Ok(goals.map(|g| Goal(g.clone(), self.1.clone())).collect());
        }
        let goals = loaders(ctx)?
            .goals_of_measure
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(goals.into_iter().map(Goal::live).collect())
    }
    /// KPIs in the plan's order.
    #[graphql(complexity = "5 * child_complexity")]
    async fn kpis(&self, ctx: &Context<'_>) -> ApiResult<Vec<Kpi>> {
        if let Some(plan) = self.1.at() {
            let kpis = plan.kpis_of(self.0.id, audience(ctx));
            return Ok(kpis.map(|k| Kpi(k.clone(), self.1.clone())).collect());
        }
        let kpis = loaders(ctx)?
            .kpis_of_measure
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(kpis.into_iter().map(Kpi::live).collect())
    }
    /// Implementation and follow-up costs during the realisation period.
    async fn cost_estimate(&self, ctx: &Context<'_>) -> CostEstimate {
        let shown = audience(ctx).sees_internal_fields();
        CostEstimate {
            amount_eur: self.0.cost_estimate_eur.filter(|_| shown),
            category: self.0.cost_category.map(Into::into),
            category_is_explicit: self.0.cost_category_override.is_some(),
        }
    }
    async fn personnel_estimate(&self, ctx: &Context<'_>) -> PersonnelEstimate {
        let shown = audience(ctx).sees_internal_fields();
        PersonnelEstimate {
            fte: self.0.personnel_estimate_fte.filter(|_| shown),
            category: self.0.personnel_category.map(Into::into),
            category_is_explicit: self.0.personnel_category_override.is_some(),
        }
    }
    async fn realization_period(&self) -> RealizationPeriod {
        RealizationPeriod {
            months: self.0.realization_months,
            category: self.0.period_category.map(Into::into),
            category_is_explicit: self.0.period_category_override.is_some(),
        }
    }
    /// Derived from the legend's rule unless set explicitly; `UNKNOWN` while
    /// the estimates it needs are missing.
    async fn quick_win(&self) -> QuickWin {
        self.0.quick_win.into()
    }
    async fn quick_win_is_explicit(&self) -> bool {
        self.0.quick_win_override.is_some()
    }
    /// Increases with every change; updates must name the version they saw.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Every recorded change of this measure, oldest first (editors and admins
    /// only, like `auditLog`; for other callers null, with an error, so the
    /// rest of the answer stands).
    #[graphql(complexity = "10 * child_complexity")]
    async fn history(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<AuditEntry>>> {
        history(ctx, self.0.id.subject(), &self.1).await.map(Some)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at.and_utc()
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at.and_utc()
    }
}

#[derive(SimpleObject)]
pub struct PilotArea {
    /// Organisational unit, e.g. `11/2`.
    pub code: String,
    pub name: String,
}

/// Cost estimate in EUR; the category comes from the legend unless set explicitly.
#[derive(SimpleObject)]
pub struct CostEstimate {
    /// Internal: null for public callers, who see the category.
    pub amount_eur: Option<f64>,
    pub category: Option<SizeCategory>,
    pub category_is_explicit: bool,
}

/// Personnel estimate in full-time equivalents (VZV MA).
#[derive(SimpleObject)]
pub struct PersonnelEstimate {
    /// Internal: null for public callers, who see the category.
    pub fte: Option<f64>,
    pub category: Option<SizeCategory>,
    pub category_is_explicit: bool,
}

/// Realisation period in months.
#[derive(SimpleObject)]
pub struct RealizationPeriod {
    pub months: Option<i32>,
    pub category: Option<PeriodCategory>,
    pub category_is_explicit: bool,
}
