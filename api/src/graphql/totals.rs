//! `totalCount` of the root connections: counted in SQL only when asked for,
//! and at most once per connection.

use async_graphql::{Context, Object};
use chrono::NaiveDate;
use masterplan_persistence::models::goal::{self, GoalFilter};
use masterplan_persistence::models::kpi::{self, KpiFilter};
use masterplan_persistence::models::measure::{self, MeasureFilter};
use tokio::sync::OnceCell;

use crate::error::ApiResult;
use crate::graphql::context::conn;

enum CountQuery {
    /// Counted already (lists paged in memory).
    Known,
    Measures(MeasureFilter),
    Goals(GoalFilter, NaiveDate),
    Kpis(KpiFilter),
}

pub struct TotalCount {
    query: CountQuery,
    count: OnceCell<i64>,
}

impl TotalCount {
    fn new(query: CountQuery) -> Self {
        Self {
            query,
            count: OnceCell::new(),
        }
    }
    pub fn known(count: i64) -> Self {
        Self {
            query: CountQuery::Known,
            count: OnceCell::new_with(Some(count)),
        }
    }
    pub fn measures(filter: MeasureFilter) -> Self {
        Self::new(CountQuery::Measures(filter))
    }
    pub fn goals(filter: GoalFilter, as_of: NaiveDate) -> Self {
        Self::new(CountQuery::Goals(filter, as_of))
    }
    pub fn kpis(filter: KpiFilter) -> Self {
        Self::new(CountQuery::Kpis(filter))
    }

    pub async fn get(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        self.count
            .get_or_try_init(|| async {
                let mut conn = conn(ctx).await?;
                Ok(match &self.query {
                    // `known` filled the cell, so this arm never runs.
                    CountQuery::Known => 0,
                    CountQuery::Measures(filter) => measure::count(&mut conn, filter).await?,
                    CountQuery::Goals(filter, as_of) => {
                        goal::count(&mut conn, filter, *as_of).await?
                    }
                    CountQuery::Kpis(filter) => kpi::count(&mut conn, filter).await?,
                })
            })
            .await
            .copied()
    }
}

#[Object]
impl TotalCount {
    /// Number of items matching the filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        self.get(ctx).await
    }
}
