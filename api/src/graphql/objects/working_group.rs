//! `WorkingGroup`.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use masterplan_persistence::models::working_group::WorkingGroupRow;

use crate::error::{ApiError, ApiResult};
use crate::graphql::context::{as_of, audience, loaders};
use crate::graphql::instant::View;
use crate::graphql::objects::{Measure, Plan};
use crate::graphql::portfolio::Portfolio;
use crate::graphql::scalars::Date;
use crate::ids::encode;
use masterplan_persistence::models::portfolio::Scope;

/// One of the plan's working groups (Arbeitsgruppen I–IV).
pub struct WorkingGroup(pub WorkingGroupRow, pub View);

impl WorkingGroup {
    /// Today's workinggroup.
    pub fn live(row: WorkingGroupRow) -> Self {
        WorkingGroup(row, View::LIVE)
    }
}

#[Object]
impl WorkingGroup {
    pub async fn id(&self) -> ID {
        encode(self.0.id)
    }
    /// Roman numeral, unique per plan (`I` … `IV`).
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn number(&self) -> i32 {
        self.0.number
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn lead(&self) -> Option<&str> {
        self.0.lead.as_deref()
    }
    async fn plan(&self, ctx: &Context<'_>) -> ApiResult<Plan> {
        if let Some(plan) = self.1.at() {
            return Ok(Plan(plan.plan.clone(), self.1.clone()));
        }
        let plan = loaders(ctx)?.plan.load_one(self.0.plan_id).await?;
        plan.map(Plan::live).ok_or_else(ApiError::internal)
    }
    /// The group's measures in the plan's order.
    #[graphql(complexity = "25 * child_complexity")]
    async fn measures(&self, ctx: &Context<'_>) -> ApiResult<Vec<Measure>> {
        if let Some(plan) = self.1.at() {
            let measures = plan
                .measures(audience(ctx))
                .filter(|m| m.working_group_id == self.0.id);
            return Ok(measures
                .map(|m| Measure(m.clone(), self.1.clone()))
                .collect());
        }
        let measures = loaders(ctx)?
            .measures_of_working_group
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(measures.into_iter().map(Measure::live).collect())
    }
    /// The portfolio figures of this group alone, as of `asOf` (default
    /// today). Today's figures only: below a root read `at:` an instant it
    /// is an error.
    async fn summary(
        &self,
        #[graphql(name = "asOf")] as_of_date: Option<Date>,
    ) -> ApiResult<Portfolio> {
        if self.1.at().is_some() {
            return Err(ApiError::bad_input(
                "`summary` gives today's figures only; ask for it without `at`",
            ));
        }
        Ok(Portfolio {
            scope: Scope {
                plan_id: self.0.plan_id,
                working_group_id: Some(self.0.id),
            },
            as_of: as_of(as_of_date),
        })
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
