//! `KpiValue`: one observation of a KPI.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use masterplan_persistence::models::kpi_values::ValueRow;

use crate::error::{ApiError, ApiResult};
use crate::graphql::context::{audience, loaders};
use crate::graphql::instant::View;
use crate::graphql::objects::Kpi;
use crate::graphql::scalars::Date;
use crate::ids::encode;

/// A KPI's value on a date; a KPI has at most one value per date.
pub struct KpiValue(pub ValueRow, pub View);

impl KpiValue {
    /// Today's value.
    pub fn live(row: ValueRow) -> Self {
        KpiValue(row, View::LIVE)
    }
}

#[Object]
impl KpiValue {
    pub async fn id(&self) -> ID {
        encode(self.0.id)
    }
    async fn observed_on(&self) -> Date {
        Date(self.0.observed_on)
    }
    async fn value(&self) -> f64 {
        self.0.value
    }
    /// Internal: null for public callers.
    async fn note(&self, ctx: &Context<'_>) -> Option<&str> {
        self.0
            .note
            .as_deref()
            .filter(|_| audience(ctx).sees_internal_fields())
    }
    /// Where the value comes from (a report, a system). Internal: null for
    /// public callers.
    async fn source(&self, ctx: &Context<'_>) -> Option<&str> {
        self.0
            .source
            .as_deref()
            .filter(|_| audience(ctx).sees_internal_fields())
    }
    async fn kpi(&self, ctx: &Context<'_>) -> ApiResult<Kpi> {
        if let Some(plan) = self.1.at() {
            let kpi = plan.kpi(self.0.kpi_id, audience(ctx)).cloned();
            return kpi
                .map(|k| Kpi(k, self.1.clone()))
                .ok_or_else(ApiError::internal);
        }
        let kpi = loaders(ctx)?.kpi.load_one(self.0.kpi_id).await?;
        kpi.map(Kpi::live).ok_or_else(ApiError::internal)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at.and_utc()
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at.and_utc()
    }
}
