//! `Goal` and its `Timing`.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use masterplan_domain::goal::is_overdue;
use masterplan_persistence::models::goal::GoalRow;

use crate::error::{ApiError, ApiResult};
use crate::graphql::context::{audience, loaders};
use crate::graphql::enums::{GoalStatus, TimingKind, Visibility};
use crate::graphql::instant::View;
use crate::graphql::objects::Measure;
use crate::graphql::scalars::Date;
use crate::ids::encode;

/// A goal (Ziel) of a measure, with the plan's timing phrase parsed.
pub struct Goal(pub GoalRow, pub View);

impl Goal {
    /// Today's goal.
    pub fn live(row: GoalRow) -> Self {
        Goal(row, View::LIVE)
    }
}

#[Object]
impl Goal {
    pub async fn id(&self) -> ID {
        encode(self.0.id)
    }
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// Group heading in the plan (3.1: "Personal", …; 4.5: "Kurzfristig", "Langfristig").
    async fn category(&self) -> Option<&str> {
        self.0.category.as_deref()
    }
    /// Place within the measure's goals, from 1.
    async fn position(&self) -> i32 {
        self.0.position
    }
    async fn status(&self) -> GoalStatus {
        self.0.status.into()
    }
    /// `INTERNAL` goals are seen by staff only; so are all goals of an
    /// internal measure, whatever their own visibility.
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    async fn timing(&self) -> Timing {
        let timing = self.0.timing();
        Timing {
            phrase: timing.phrase,
            kind: timing.kind.into(),
            starts_on: timing.starts_on.map(Date),
            due_on: timing.due_on.map(Date),
        }
    }
    /// Due date passed and the goal neither achieved nor dropped, as of
    /// `asOf` (default: today; below a root read `at:` an instant, its date).
    async fn overdue(&self, #[graphql(name = "asOf")] as_of_date: Option<Date>) -> bool {
        is_overdue(self.0.due_on, self.0.status, self.1.as_of(as_of_date))
    }
    async fn measure(&self, ctx: &Context<'_>) -> ApiResult<Measure> {
        if let Some(plan) = self.1.at() {
            let measure = plan.measure(self.0.measure_id, audience(ctx)).cloned();
            return measure
                .map(|m| Measure(m, self.1.clone()))
                .ok_or_else(ApiError::internal);
        }
        let measure = loaders(ctx)?.measure.load_one(self.0.measure_id).await?;
        measure.map(Measure::live).ok_or_else(ApiError::internal)
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

/// When a goal is due: the plan's phrase ("bis Ende 2020") and what it means.
#[derive(SimpleObject)]
pub struct Timing {
    pub phrase: Option<String>,
    pub kind: TimingKind,
    pub starts_on: Option<Date>,
    pub due_on: Option<Date>,
}
