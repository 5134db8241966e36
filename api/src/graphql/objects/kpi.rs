//! `Kpi`: its baseline, targets, values and derived progress.

use std::collections::HashMap;

use async_graphql::connection::{Connection, Edge, OpaqueCursor};
use async_graphql::{ComplexObject, Context, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use masterplan_domain::kpi::{
    Observation, Target, next_target, progress, series_trend, target_met,
};
use masterplan_domain::series;
use masterplan_persistence::ids::{AuditSubject, KpiId};
use masterplan_persistence::models::kpi::{KpiRow, TargetRow};
use masterplan_persistence::models::kpi_values::{ValueRow, ValueSlice};

use crate::error::{ApiError, ApiResult};
use crate::graphql::audit::{AuditEntry, history};
use crate::graphql::context::{audience, limits, loaders};
use crate::graphql::enums::{
    KpiDirection, KpiValueType, SeriesAggregate, SeriesInterval, Trend, Visibility,
};
use crate::graphql::instant::View;
use crate::graphql::objects::{KpiTrajectory, KpiValue, Measure, kpi_trajectory};
use crate::graphql::paging::{PageArgs, PageSize, decode_cursor, page_size};
use crate::graphql::scalars::Date;
use crate::ids::encode;
use crate::loaders::{SeriesKey, ValueCountKey, ValuePageKey};

/// A key performance indicator (Kennzahl) of a measure.
pub struct Kpi(pub KpiRow, pub View);

impl Kpi {
    /// Today's kpi.
    pub fn live(row: KpiRow) -> Self {
        Kpi(row, View::LIVE)
    }
}

impl Kpi {
    async fn target_rows(&self, ctx: &Context<'_>) -> ApiResult<Vec<TargetRow>> {
        if let Some(plan) = self.1.at() {
            return Ok(plan.targets_of(self.0.id).to_vec());
        }
        Ok(loaders(ctx)?
            .targets_of_kpi
            .load_one(self.0.id)
            .await?
            .unwrap_or_default())
    }

    async fn latest(&self, ctx: &Context<'_>) -> ApiResult<Option<KpiValue>> {
        if let Some(plan) = self.1.at() {
            let latest = plan.values_of(self.0.id).last().cloned();
            return Ok(latest.map(|v| KpiValue(v, self.1.clone())));
        }
        // Through the value pages: beside `values(last: n)` one statement
        // serves both.
        let latest = self.slice(ctx, ValueSlice::latest()).await?;
        Ok(latest.into_iter().next().map(KpiValue::live))
    }

    /// The values a slice selects, from the view this KPI was read from.
    async fn slice(&self, ctx: &Context<'_>, slice: ValueSlice) -> ApiResult<Vec<ValueRow>> {
        if let Some(plan) = self.1.at() {
            return Ok(plan.value_slice(self.0.id, &slice));
        }
        Ok(loaders(ctx)?
            .value_pages
            .load_one(ValuePageKey {
                kpi_id: self.0.id,
                slice,
            })
            .await?
            .unwrap_or_default())
    }
}

#[Object]
impl Kpi {
    pub async fn id(&self) -> ID {
        encode(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Unit of the values (`Anzahl`, `%`, `m²`, `Tage`, …).
    async fn unit(&self) -> Option<&str> {
        self.0.unit.as_deref()
    }
    async fn value_type(&self) -> KpiValueType {
        self.0.value_type.into()
    }
    async fn direction(&self) -> KpiDirection {
        self.0.direction.into()
    }
    /// `INTERNAL` KPIs, and all KPIs of an internal measure, are seen by
    /// staff only, with their values.
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    /// Place within the measure's KPIs, from 1.
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// The starting point the plan states (1.2's portal offered 67 services).
    async fn baseline(&self) -> Option<Baseline> {
        self.0.baseline_value.map(|value| Baseline {
            value,
            observed_on: self.0.baseline_observed_on.map(Date),
            note: self.0.baseline_note.clone(),
        })
    }
    /// Target values by due date, earliest first.
    #[graphql(complexity = "5 * child_complexity")]
    async fn targets(&self, ctx: &Context<'_>) -> ApiResult<Vec<KpiTarget>> {
        let direction = self.0.direction;
        Ok(self
            .target_rows(ctx)
            .await?
            .into_iter()
            .map(|t| KpiTarget {
                value: t.value,
                due_on: Date(t.due_on),
                note: t.note,
                kpi_id: self.0.id,
                direction,
                view: self.1.clone(),
            })
            .collect())
    }
    /// The most recent recorded value.
    async fn latest_value(&self, ctx: &Context<'_>) -> ApiResult<Option<KpiValue>> {
        self.latest(ctx).await
    }
    /// Recorded values, oldest first; `last` gives the newest.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "first.or(last).map_or(100, |n| n.max(0) as usize) * child_complexity")]
    async fn values(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only values observed on or after this date.")] from: Option<Date>,
        #[graphql(desc = "Only values observed on or before this date.")] to: Option<Date>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<Connection<OpaqueCursor<NaiveDate>, KpiValue, ValueCount>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let size = page_size(&args, limits(ctx)?)?;
        let after: Option<NaiveDate> = decode_cursor("after", args.after.as_deref())?;
        let before: Option<NaiveDate> = decode_cursor("before", args.before.as_deref())?;
        let (n, newest_first) = match size {
            PageSize::First(n) => (n, false),
            PageSize::Last(n) => (n, true),
        };
        let slice = ValueSlice {
            from: from.map(|d| d.0),
            to: to.map(|d| d.0),
            after,
            before,
            limit: n + 1,
            newest_first,
        };
        let mut rows = self.slice(ctx, slice).await?;
        let more = rows.len() as i64 > n;
        rows.truncate(usize::try_from(n).unwrap_or(0));
        if newest_first {
            rows.reverse();
        }
        let (has_previous, has_next) = if newest_first {
            (more, before.is_some())
        } else {
            (after.is_some(), more)
        };
        let count = ValueCount {
            key: ValueCountKey {
                kpi_id: self.0.id,
                from: slice.from,
                to: slice.to,
            },
            view: self.1.clone(),
        };
        let mut connection = Connection::with_additional_fields(has_previous, has_next, count);
        connection
            .edges
            .extend(rows.into_iter().map(|row| {
                Edge::new(OpaqueCursor(row.observed_on), KpiValue(row, self.1.clone()))
            }));
        Ok(connection)
    }
    /// Whether the last two recorded values went up, down or stayed flat;
    /// null with fewer than two values.
    async fn trend(&self, ctx: &Context<'_>) -> ApiResult<Option<Trend>> {
        let last_two = ValueSlice {
            limit: 2,
            newest_first: true,
            ..ValueSlice::default()
        };
        let rows = self.slice(ctx, last_two).await?;
        let observations: Vec<Observation> = rows
            .iter()
            .map(|v| Observation {
                observed_on: v.observed_on,
                value: v.value,
            })
            .collect();
        Ok(series_trend(&observations).map(Into::into))
    }
    /// The values bucketed by calendar month, quarter or year from `from` to
    /// `to`, every bucket listed (value null where nothing was recorded).
    #[graphql(complexity = "100 * child_complexity")]
    async fn series(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        interval: SeriesInterval,
        #[graphql(default_with = "SeriesAggregate::Last")] aggregate: SeriesAggregate,
    ) -> ApiResult<Vec<SeriesPoint>> {
        if from.0 > to.0 {
            return Err(ApiError::bad_input("`from` is later than `to`"));
        }
        let buckets = series::buckets(from.0, to.0, interval.into(), MAX_SERIES_BUCKETS)
            .ok_or_else(|| {
                ApiError::bad_input(format!(
                    "a series may have at most {MAX_SERIES_BUCKETS} buckets; narrow `from`/`to` or use a longer interval"
                ))
            })?;
        let values: HashMap<NaiveDate, f64> = match self.1.at() {
            Some(plan) => {
                let observations: Vec<(NaiveDate, f64)> = plan
                    .values_of(self.0.id)
                    .iter()
                    .map(|v| (v.observed_on, v.value))
                    .collect();
                series::aggregate(
                    &observations,
                    from.0,
                    to.0,
                    interval.into(),
                    aggregate.into(),
                )
                .into_iter()
                .collect()
            }
            None => loaders(ctx)?
                .series
                .load_one(SeriesKey {
                    kpi_id: self.0.id,
                    from: from.0,
                    to: to.0,
                    interval: interval.into(),
                    aggregate: aggregate.into(),
                })
                .await?
                .unwrap_or_default(),
        };
        Ok(buckets
            .into_iter()
            .map(|b| SeriesPoint {
                start: Date(b.start),
                end: Date(b.end),
                value: values.get(&b.start).copied(),
            })
            .collect())
    }
    /// Share of the way from the baseline (or 0) to the next target due on or
    /// after `asOf` (default today, or the instant of an `at:` root; the last
    /// target once all are past),
    /// clamped to 0–1 and respecting the direction. Null without a target or value.
    async fn progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "asOf")] as_of_date: Option<Date>,
    ) -> ApiResult<Option<f64>> {
        let targets: Vec<Target> = self
            .target_rows(ctx)
            .await?
            .iter()
            .map(|t| Target {
                value: t.value,
                due_on: t.due_on,
            })
            .collect();
        let Some(target) = next_target(&targets, self.1.as_of(as_of_date)) else {
            return Ok(None);
        };
        let latest = self.latest(ctx).await?.map(|v| v.0.value);
        Ok(progress(
            self.0.direction,
            self.0.baseline_value,
            latest,
            target.value,
        ))
    }
    /// Whether the KPI will reach its next target as of `asOf` (default
    /// today; below a root read `at:` an instant, that instant's date): see
    /// `KpiTrajectory`.
    async fn trajectory(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "asOf")] as_of_date: Option<Date>,
    ) -> ApiResult<KpiTrajectory> {
        let as_of = self.1.as_of(as_of_date);
        match self.1.at() {
            Some(plan) => Ok(kpi_trajectory::trajectory_at(plan, &self.0, as_of).into()),
            None => kpi_trajectory::trajectory_of(ctx, &self.0, as_of).await,
        }
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
    /// Every recorded change of this KPI, oldest first (editors and admins
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

/// Most buckets one series may have (50 years of months).
const MAX_SERIES_BUCKETS: usize = 600;

/// One calendar bucket of a KPI series.
#[derive(SimpleObject)]
pub struct SeriesPoint {
    pub start: Date,
    pub end: Date,
    /// Null when no value was recorded in the bucket.
    pub value: Option<f64>,
}

#[derive(SimpleObject)]
pub struct Baseline {
    pub value: f64,
    /// When the baseline held, if the plan says.
    pub observed_on: Option<Date>,
    pub note: Option<String>,
}

/// A value a KPI should reach by a date (2.2: 30 training places in 2020, 50 in 2021).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct KpiTarget {
    pub value: f64,
    pub due_on: Date,
    pub note: Option<String>,
    #[graphql(skip)]
    kpi_id: KpiId,
    #[graphql(skip)]
    direction: masterplan_domain::status::KpiDirection,
    #[graphql(skip)]
    view: View,
}

#[ComplexObject]
impl KpiTarget {
    /// Whether the newest value recorded on or before the due date reaches
    /// the target (in the KPI's direction); null while no value was recorded
    /// by then.
    async fn met(&self, ctx: &Context<'_>) -> ApiResult<Option<bool>> {
        let value = match self.view.at() {
            Some(plan) => plan
                .value_as_of(self.kpi_id, self.due_on.0)
                .map(|v| v.value),
            None => loaders(ctx)?
                .value_as_of
                .load_one((self.kpi_id, self.due_on.0))
                .await?
                .map(|v| v.value),
        };
        Ok(value.map(|v| target_met(self.direction, self.value, v)))
    }
}

/// `totalCount` of a KPI's values in the requested date range.
pub struct ValueCount {
    key: ValueCountKey,
    view: View,
}

#[Object]
impl ValueCount {
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        if let Some(plan) = self.view.at() {
            let key = &self.key;
            return Ok(plan.value_count(key.kpi_id, key.from, key.to));
        }
        let count = loaders(ctx)?.value_counts.load_one(self.key).await?;
        Ok(count.unwrap_or(0))
    }
}
