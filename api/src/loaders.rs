//! Per-request DataLoaders: every parent→children and child→parent field
//! batches its keys into one query, so the number of SQL statements of a
//! request does not grow with the number of rows it returns.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use chrono::{NaiveDate, NaiveDateTime};
use masterplan_domain::audit::AuditEntityType;
use masterplan_domain::series::Aggregate;
use masterplan_domain::series::Interval;
use masterplan_domain::visibility::Audience;
use masterplan_persistence::Database;
use masterplan_persistence::ids::{
    GoalId, KpiId, KpiValueId, MeasureId, PlanId, Subject, WebhookId, WorkingGroupId,
};
use masterplan_persistence::models::audit::{self, AuditRow, AuditScope};
use masterplan_persistence::models::goal::{self, GoalRow};
use masterplan_persistence::models::kpi::{self, KpiRow, TargetRow};
use masterplan_persistence::models::kpi_values::{self, ValueRow, ValueSlice};
use masterplan_persistence::models::measure::{self, MeasureRow};
use masterplan_persistence::models::plan::{self, PlanRow};
use masterplan_persistence::models::plan_at::{self, PlanAt};
use masterplan_persistence::models::portfolio::{self, MeasureDimension};
use masterplan_persistence::models::webhooks::{self, DeliveryRow};
use masterplan_persistence::models::working_group::{self, WorkingGroupRow};

use crate::auth::Caller;
use crate::batching::Activity;
use crate::error::ApiError;
use crate::graphql::portfolio::{GoalListKey, goal_filter, stale_filter};

/// How long a batch collects keys at least; it also waits for the request to be idle.
const BATCH_DELAY: Duration = Duration::from_millis(1);

/// Declares a loader that fetches rows by their own id: `$call` loads the
/// rows of `$ids` for `$audience` (the rows the public may not see are left out).
macro_rules! by_id_loader {
    ($name:ident, $id:ty => $row:ty, |$conn:ident, $ids:ident, $audience:ident| $call:expr) => {
        /// Loads for one audience: public and internal callers never share a batch.
        pub struct $name(Database, Audience);

        impl Loader<$id> for $name {
            type Value = $row;
            type Error = ApiError;

            async fn load(&self, ids: &[$id]) -> Result<HashMap<$id, $row>, ApiError> {
                let mut conn = self.0.conn().await?;
                let ($conn, $ids, $audience) = (&mut conn, ids, self.1);
                let rows = $call.await?;
                Ok(rows.into_iter().map(|row| (row.id, row)).collect())
            }
        }
    };
}

/// Declares a loader that fetches the rows belonging to each parent id, in
/// the order the query returns them; parents without rows get an empty list.
macro_rules! children_loader {
    ($name:ident, $row:ty, $parent:ident: $id:ty, |$conn:ident, $ids:ident, $audience:ident| $call:expr) => {
        /// Loads for one audience: public and internal callers never share a batch.
        pub struct $name(Database, Audience);

        impl Loader<$id> for $name {
            type Value = Vec<$row>;
            type Error = ApiError;

            async fn load(&self, ids: &[$id]) -> Result<HashMap<$id, Vec<$row>>, ApiError> {
                let mut conn = self.0.conn().await?;
                let ($conn, $ids, $audience) = (&mut conn, ids, self.1);
                let rows = $call.await?;
                let mut grouped: HashMap<$id, Vec<$row>> =
                    ids.iter().map(|id| (*id, Vec::new())).collect();
                for row in rows {
                    grouped.entry(row.$parent).or_default().push(row);
                }
                Ok(grouped)
            }
        }
    };
}

// Plans, working groups and targets are public whatever the audience (a
// target is reached only through a KPI the caller sees).
by_id_loader!(PlanById, PlanId => PlanRow, |c, ids, _a| plan::by_ids(c, ids));
/// Working groups by id. A measures list that read its rows' groups in the
/// same statement primes them here ([`WorkingGroupById::prime`]), so their
/// `workingGroup` fields run no statement of their own. Loaders live for one
/// request, and only queries list measures, so a primed row is never older
/// than the request's own reads.
pub struct WorkingGroupById {
    db: Database,
    primed: Mutex<HashMap<WorkingGroupId, WorkingGroupRow>>,
}

impl WorkingGroupById {
    pub fn prime(&self, rows: impl IntoIterator<Item = WorkingGroupRow>) {
        let mut primed = self.primed.lock().unwrap_or_else(|e| e.into_inner());
        primed.extend(rows.into_iter().map(|row| (row.id, row)));
    }
}

impl Loader<WorkingGroupId> for WorkingGroupById {
    type Value = WorkingGroupRow;
    type Error = ApiError;

    async fn load(
        &self,
        ids: &[WorkingGroupId],
    ) -> Result<HashMap<WorkingGroupId, WorkingGroupRow>, ApiError> {
        let (mut found, missing) = {
            let primed = self.primed.lock().unwrap_or_else(|e| e.into_inner());
            let mut found = HashMap::new();
            let mut missing = Vec::new();
            for id in ids {
                match primed.get(id) {
                    Some(row) => {
                        found.insert(*id, row.clone());
                    }
                    None => missing.push(*id),
                }
            }
            (found, missing)
        };
        if !missing.is_empty() {
            let mut conn = self.db.conn().await?;
            let rows = working_group::by_ids(&mut conn, &missing).await?;
            found.extend(rows.into_iter().map(|row| (row.id, row)));
        }
        Ok(found)
    }
}
by_id_loader!(MeasureById, MeasureId => MeasureRow, |c, ids, a| measure::by_ids(
    c, ids, a
));
/// Measure descriptions by measure id: lists and loaders read measures
/// without them (they are most of a measure's bytes), so a request that asks
/// for descriptions reads them in one more statement, and others not at all.
pub struct MeasureDescriptions(Database, Audience);

impl Loader<MeasureId> for MeasureDescriptions {
    type Value = String;
    type Error = ApiError;

    async fn load(&self, ids: &[MeasureId]) -> Result<HashMap<MeasureId, String>, ApiError> {
        let mut conn = self.0.conn().await?;
        let found = measure::descriptions(&mut conn, ids, self.1).await?;
        Ok(found.into_iter().collect())
    }
}
by_id_loader!(GoalById, GoalId => GoalRow, |c, ids, a| goal::by_ids(c, ids, a));
by_id_loader!(KpiById, KpiId => KpiRow, |c, ids, a| kpi::by_ids(c, ids, a));
by_id_loader!(KpiValueById, KpiValueId => ValueRow, |c, ids, a| kpi_values::by_ids(
    c, ids, a
));

children_loader!(
    WorkingGroupsByPlan,
    WorkingGroupRow,
    plan_id: PlanId,
    |c, ids, _a| { working_group::by_plan_ids(c, ids) }
);
children_loader!(
    MeasuresByWorkingGroup,
    MeasureRow,
    working_group_id: WorkingGroupId,
    |c, ids, a| measure::by_working_group_ids(c, ids, a)
);
children_loader!(GoalsByMeasure, GoalRow, measure_id: MeasureId, |c, ids, a| {
    goal::by_measure_ids(c, ids, a)
});
children_loader!(KpisByMeasure, KpiRow, measure_id: MeasureId, |c, ids, a| {
    kpi::by_measure_ids(c, ids, a)
});
children_loader!(TargetsByKpi, TargetRow, kpi_id: KpiId, |c, ids, _a| {
    kpi::targets_of(c, ids)
});

/// Related measures in both directions, in the plan's order.
pub struct RelatedMeasures(Database, Audience);

impl Loader<MeasureId> for RelatedMeasures {
    type Value = Vec<MeasureRow>;
    type Error = ApiError;

    async fn load(
        &self,
        ids: &[MeasureId],
    ) -> Result<HashMap<MeasureId, Vec<MeasureRow>>, ApiError> {
        let mut conn = self.0.conn().await?;
        let relations = measure::relations_of(&mut conn, ids, self.1).await?;
        let mut others: HashMap<MeasureId, Vec<MeasureId>> =
            ids.iter().map(|id| (*id, Vec::new())).collect();
        for rel in &relations {
            for (owner, other) in [
                (rel.measure_id, rel.related_measure_id),
                (rel.related_measure_id, rel.measure_id),
            ] {
                if let Some(list) = others.get_mut(&owner)
                    && !list.contains(&other)
                {
                    list.push(other);
                }
            }
        }
        let wanted: Vec<MeasureId> = others.values().flatten().copied().collect();
        let rows: HashMap<MeasureId, MeasureRow> = measure::by_ids(&mut conn, &wanted, self.1)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        Ok(others
            .into_iter()
            .map(|(owner, ids)| {
                let mut related: Vec<MeasureRow> =
                    ids.iter().filter_map(|id| rows.get(id).cloned()).collect();
                related.sort_by_key(|m| (m.position, m.id));
                (owner, related)
            })
            .collect())
    }
}

/// A page of one KPI's values; keys asking for the same slice share a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ValuePageKey {
    pub kpi_id: KpiId,
    pub slice: ValueSlice,
}

pub struct ValuePages(Database);

impl Loader<ValuePageKey> for ValuePages {
    type Value = Vec<ValueRow>;
    type Error = ApiError;

    /// One statement per slice shape: keys that differ only in their limit
    /// (`latestValue` beside `values(last: 10)`) share the one with the
    /// largest limit, and each key keeps its own first rows.
    async fn load(
        &self,
        keys: &[ValuePageKey],
    ) -> Result<HashMap<ValuePageKey, Vec<ValueRow>>, ApiError> {
        let mut by_shape: HashMap<ValueSlice, (i64, Vec<KpiId>)> = HashMap::new();
        for key in keys {
            let (limit, kpi_ids) = by_shape.entry(key.slice.shape()).or_default();
            *limit = (*limit).max(key.slice.limit);
            kpi_ids.push(key.kpi_id);
        }
        let mut conn = self.0.conn().await?;
        let mut rows_of: HashMap<(ValueSlice, KpiId), Vec<ValueRow>> = HashMap::new();
        for (shape, (limit, mut kpi_ids)) in by_shape {
            // A KPI asked for in two limits of one shape is read once.
            kpi_ids.sort_unstable();
            kpi_ids.dedup();
            let slice = ValueSlice { limit, ..shape };
            for row in kpi_values::slice_of(&mut conn, &kpi_ids, slice).await? {
                rows_of.entry((shape, row.kpi_id)).or_default().push(row);
            }
        }
        Ok(keys
            .iter()
            .map(|key| {
                let rows = rows_of
                    .get(&(key.slice.shape(), key.kpi_id))
                    .map(|rows| {
                        let n = usize::try_from(key.slice.limit).unwrap_or(0);
                        rows.iter().take(n).cloned().collect()
                    })
                    .unwrap_or_default();
                (*key, rows)
            })
            .collect())
    }
}

/// How many values a KPI has in a date range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ValueCountKey {
    pub kpi_id: KpiId,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

pub struct ValueCounts(Database);

impl Loader<ValueCountKey> for ValueCounts {
    type Value = i64;
    type Error = ApiError;

    async fn load(&self, keys: &[ValueCountKey]) -> Result<HashMap<ValueCountKey, i64>, ApiError> {
        let mut by_range: HashMap<(Option<NaiveDate>, Option<NaiveDate>), Vec<KpiId>> =
            HashMap::new();
        for key in keys {
            by_range
                .entry((key.from, key.to))
                .or_default()
                .push(key.kpi_id);
        }
        let mut conn = self.0.conn().await?;
        let mut counts: HashMap<ValueCountKey, i64> = keys.iter().map(|key| (*key, 0)).collect();
        for ((from, to), kpi_ids) in by_range {
            for (kpi_id, count) in kpi_values::counts_of(&mut conn, &kpi_ids, from, to).await? {
                counts.insert(ValueCountKey { kpi_id, from, to }, count);
            }
        }
        Ok(counts)
    }
}

/// Counts per working group and value of a dimension, for a plan: every
/// `Portfolio`/`WorkingGroup.summary` of a request shares one statement per dimension.
pub struct MeasureCounts(Database, Audience);

impl Loader<(PlanId, MeasureDimension)> for MeasureCounts {
    type Value = Vec<(WorkingGroupId, Option<String>, i64)>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[(PlanId, MeasureDimension)],
    ) -> Result<HashMap<(PlanId, MeasureDimension), Self::Value>, ApiError> {
        let mut conn = self.0.conn().await?;
        let mut result = HashMap::new();
        for &(plan_id, dimension) in keys {
            let counts = portfolio::measure_counts(&mut conn, plan_id, dimension, self.1).await?;
            result.insert((plan_id, dimension), counts);
        }
        Ok(result)
    }
}

/// Goal counts per working group and status, for a plan.
pub struct GoalCounts(Database, Audience);

impl Loader<PlanId> for GoalCounts {
    type Value = Vec<(WorkingGroupId, String, i64)>;
    type Error = ApiError;

    async fn load(&self, plan_ids: &[PlanId]) -> Result<HashMap<PlanId, Self::Value>, ApiError> {
        let mut conn = self.0.conn().await?;
        let mut result = HashMap::new();
        for &plan_id in plan_ids {
            result.insert(
                plan_id,
                portfolio::goal_counts(&mut conn, plan_id, self.1).await?,
            );
        }
        Ok(result)
    }
}

/// A series request: all KPIs asking for the same range, interval and
/// aggregate share one statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SeriesKey {
    pub kpi_id: KpiId,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub interval: Interval,
    pub aggregate: Aggregate,
}

pub struct Series(Database);

impl Loader<SeriesKey> for Series {
    /// Bucket start → value.
    type Value = HashMap<NaiveDate, f64>;
    type Error = ApiError;

    async fn load(&self, keys: &[SeriesKey]) -> Result<HashMap<SeriesKey, Self::Value>, ApiError> {
        let mut groups: HashMap<(NaiveDate, NaiveDate, Interval, Aggregate), Vec<KpiId>> =
            HashMap::new();
        for key in keys {
            groups
                .entry((key.from, key.to, key.interval, key.aggregate))
                .or_default()
                .push(key.kpi_id);
        }
        let mut conn = self.0.conn().await?;
        let mut result: HashMap<SeriesKey, Self::Value> =
            keys.iter().map(|key| (*key, HashMap::new())).collect();
        for ((from, to, interval, aggregate), kpi_ids) in groups {
            for row in
                kpi_values::series_of(&mut conn, &kpi_ids, from, to, interval, aggregate).await?
            {
                let start = NaiveDate::parse_from_str(&row.bucket, "%Y-%m-%d").map_err(|e| {
                    tracing::error!(bucket = row.bucket, error = %e, "unexpected bucket");
                    ApiError::internal()
                })?;
                let key = SeriesKey {
                    kpi_id: row.kpi_id,
                    from,
                    to,
                    interval,
                    aggregate,
                };
                result.entry(key).or_default().insert(start, row.value);
            }
        }
        Ok(result)
    }
}

/// The newest value of a KPI observed on or before a date (a target's due
/// date). One statement for all keys: the KPIs' values are read up to the
/// latest date asked and picked in memory (KPI series are short).
pub struct ValueAsOf(Database);

impl Loader<(KpiId, NaiveDate)> for ValueAsOf {
    type Value = ValueRow;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[(KpiId, NaiveDate)],
    ) -> Result<HashMap<(KpiId, NaiveDate), ValueRow>, ApiError> {
        let mut kpi_ids: Vec<KpiId> = keys.iter().map(|(kpi, _)| *kpi).collect();
        kpi_ids.sort_unstable();
        kpi_ids.dedup();
        let mut conn = self.0.conn().await?;
        let rows = kpi_values::all_of(&mut conn, &kpi_ids).await?;
        let mut result = HashMap::new();
        for &(kpi_id, date) in keys {
            // all_of is ordered by date, so the first match from the end is the newest.
            if let Some(row) = rows
                .iter()
                .rev()
                .find(|r| r.kpi_id == kpi_id && r.observed_on <= date)
            {
                result.insert((kpi_id, date), row.clone());
            }
        }
        Ok(result)
    }
}

/// A portfolio goal list of a plan, grouped by working group: the summaries
/// of all groups share one statement.
pub struct GoalLists(Database, Audience);

impl Loader<GoalListKey> for GoalLists {
    type Value = HashMap<WorkingGroupId, Vec<GoalRow>>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[GoalListKey],
    ) -> Result<HashMap<GoalListKey, Self::Value>, ApiError> {
        let mut conn = self.0.conn().await?;
        let mut result = HashMap::new();
        for key in keys {
            let filter = goal_filter(self.1, key.plan_id, None, key.as_of, key.list);
            let mut groups: Self::Value = HashMap::new();
            for (group, row) in goal::list_by_working_group(&mut conn, &filter, key.as_of).await? {
                groups.entry(group).or_default().push(row);
            }
            result.insert(*key, groups);
        }
        Ok(result)
    }
}

/// Stale KPIs of a plan (no value since the date), grouped by working group.
pub struct StaleKpiLists(Database, Audience);

impl Loader<(PlanId, NaiveDate)> for StaleKpiLists {
    type Value = HashMap<WorkingGroupId, Vec<KpiRow>>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[(PlanId, NaiveDate)],
    ) -> Result<HashMap<(PlanId, NaiveDate), Self::Value>, ApiError> {
        let mut conn = self.0.conn().await?;
        let mut result = HashMap::new();
        for &(plan_id, since) in keys {
            let filter = stale_filter(self.1, plan_id, since);
            let mut groups: Self::Value = HashMap::new();
            for (group, row) in kpi::list_by_working_group(&mut conn, &filter).await? {
                groups.entry(group).or_default().push(row);
            }
            result.insert((plan_id, since), groups);
        }
        Ok(result)
    }
}

/// Every KPI of a plan with its measure's working group, in the plan's
/// order: the trajectory counts of a portfolio and of all working-group
/// summaries share one statement.
pub struct KpisOfPlan(Database, Audience);

impl Loader<PlanId> for KpisOfPlan {
    type Value = Vec<(WorkingGroupId, KpiRow)>;
    type Error = ApiError;

    async fn load(&self, plan_ids: &[PlanId]) -> Result<HashMap<PlanId, Self::Value>, ApiError> {
        let mut conn = self.0.conn().await?;
        let mut result = HashMap::new();
        for &plan_id in plan_ids {
            let filter = kpi::KpiFilter {
                audience: self.1,
                plan_id: Some(plan_id),
                ..kpi::KpiFilter::default()
            };
            result.insert(
                plan_id,
                kpi::list_by_working_group(&mut conn, &filter).await?,
            );
        }
        Ok(result)
    }
}

/// The audit entries of objects (`history` fields), oldest first: one
/// statement per entity type asked for in a batch.
pub struct History(Database, AuditScope);

impl Loader<Subject> for History {
    type Value = Vec<AuditRow>;
    type Error = ApiError;

    async fn load(&self, keys: &[Subject]) -> Result<HashMap<Subject, Vec<AuditRow>>, ApiError> {
        let mut by_type: HashMap<AuditEntityType, Vec<i64>> = HashMap::new();
        for subject in keys {
            by_type
                .entry(subject.entity_type)
                .or_default()
                .push(subject.entity_id);
        }
        let mut conn = self.0.conn().await?;
        let mut result: HashMap<Subject, Vec<AuditRow>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for (entity_type, ids) in by_type {
            for row in audit::of_entities(&mut conn, entity_type, &ids, &self.1).await? {
                result.entry(row.subject()).or_default().push(row);
            }
        }
        Ok(result)
    }
}

/// The newest deliveries of webhooks, keyed by webhook and page size: one
/// statement per page size asked (admins only reach it).
pub struct WebhookDeliveries(Database);

impl Loader<(WebhookId, i32)> for WebhookDeliveries {
    type Value = Vec<DeliveryRow>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[(WebhookId, i32)],
    ) -> Result<HashMap<(WebhookId, i32), Vec<DeliveryRow>>, ApiError> {
        let mut sizes: Vec<i32> = keys.iter().map(|(_, first)| *first).collect();
        sizes.sort_unstable();
        sizes.dedup();
        let mut conn = self.0.conn().await?;
        let mut result = HashMap::new();
        for first in sizes {
            let ids: Vec<WebhookId> = keys.iter().filter(|k| k.1 == first).map(|k| k.0).collect();
            for (id, rows) in webhooks::deliveries_of(&mut conn, &ids, first).await? {
                result.insert((id, first), rows);
            }
        }
        Ok(result)
    }
}

/// Plans as they were at an instant, one rebuild per (plan, instant) and
/// request, however many roots ask for it.
pub struct PlansAt(Database);

impl Loader<(PlanId, NaiveDateTime)> for PlansAt {
    type Value = Arc<PlanAt>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[(PlanId, NaiveDateTime)],
    ) -> Result<HashMap<(PlanId, NaiveDateTime), Arc<PlanAt>>, ApiError> {
        let mut conn = self.0.conn().await?;
        let mut found = HashMap::new();
        for &(plan_id, at) in keys {
            if let Some(plan) = plan_at::plan_at(&mut conn, plan_id, at).await? {
                found.insert((plan_id, at), Arc::new(plan));
            }
        }
        Ok(found)
    }
}

/// All loaders of one request (their caches live as long as the request),
/// for the caller's audience. Loaders of KPI values, series and history take
/// the ids of objects the caller already sees (or, for history, may read),
/// so they need no audience of their own.
pub struct Loaders {
    pub plan: DataLoader<PlanById>,
    pub working_group: DataLoader<WorkingGroupById>,
    pub measure: DataLoader<MeasureById>,
    pub measure_description: DataLoader<MeasureDescriptions>,
    pub goal: DataLoader<GoalById>,
    pub kpi: DataLoader<KpiById>,
    pub kpi_value: DataLoader<KpiValueById>,
    pub working_groups_of_plan: DataLoader<WorkingGroupsByPlan>,
    pub measures_of_working_group: DataLoader<MeasuresByWorkingGroup>,
    pub goals_of_measure: DataLoader<GoalsByMeasure>,
    pub kpis_of_measure: DataLoader<KpisByMeasure>,
    pub targets_of_kpi: DataLoader<TargetsByKpi>,
    pub related_measures: DataLoader<RelatedMeasures>,
    pub value_pages: DataLoader<ValuePages>,
    pub value_counts: DataLoader<ValueCounts>,
    pub measure_counts: DataLoader<MeasureCounts>,
    pub goal_counts: DataLoader<GoalCounts>,
    pub series: DataLoader<Series>,
    pub value_as_of: DataLoader<ValueAsOf>,
    pub goal_lists: DataLoader<GoalLists>,
    pub stale_kpi_lists: DataLoader<StaleKpiLists>,
    pub kpis_of_plan: DataLoader<KpisOfPlan>,
    pub history: DataLoader<History>,
    pub webhook_deliveries: DataLoader<WebhookDeliveries>,
    pub plan_at: DataLoader<PlansAt>,
}

impl Loaders {
    /// Loaders whose batches wait until the request is idle (see [`crate::batching`]).
    pub fn new(db: &Database, activity: &Arc<Activity>, caller: &Caller) -> Self {
        let audience = caller.audience();
        fn loader<T: Send + Sync + 'static>(inner: T, activity: &Arc<Activity>) -> DataLoader<T> {
            // The delay is applied by the spawner, before it waits for idleness.
            let name = std::any::type_name::<T>();
            let name = name.rsplit("::").next().unwrap_or(name);
            DataLoader::new(inner, activity.spawner(BATCH_DELAY, name)).delay(Duration::ZERO)
        }
        Self {
            plan: loader(PlanById(db.clone(), audience), activity),
            working_group: loader(
                WorkingGroupById {
                    db: db.clone(),
                    primed: Mutex::default(),
                },
                activity,
            ),
            measure: loader(MeasureById(db.clone(), audience), activity),
            measure_description: loader(MeasureDescriptions(db.clone(), audience), activity),
            goal: loader(GoalById(db.clone(), audience), activity),
            kpi: loader(KpiById(db.clone(), audience), activity),
            kpi_value: loader(KpiValueById(db.clone(), audience), activity),
            working_groups_of_plan: loader(WorkingGroupsByPlan(db.clone(), audience), activity),
            measures_of_working_group: loader(
                MeasuresByWorkingGroup(db.clone(), audience),
                activity,
            ),
            goals_of_measure: loader(GoalsByMeasure(db.clone(), audience), activity),
            kpis_of_measure: loader(KpisByMeasure(db.clone(), audience), activity),
            targets_of_kpi: loader(TargetsByKpi(db.clone(), audience), activity),
            related_measures: loader(RelatedMeasures(db.clone(), audience), activity),
            value_pages: loader(ValuePages(db.clone()), activity),
            value_counts: loader(ValueCounts(db.clone()), activity),
            measure_counts: loader(MeasureCounts(db.clone(), audience), activity),
            goal_counts: loader(GoalCounts(db.clone(), audience), activity),
            series: loader(Series(db.clone()), activity),
            value_as_of: loader(ValueAsOf(db.clone()), activity),
            goal_lists: loader(GoalLists(db.clone(), audience), activity),
            stale_kpi_lists: loader(StaleKpiLists(db.clone(), audience), activity),
            kpis_of_plan: loader(KpisOfPlan(db.clone(), audience), activity),
            history: loader(History(db.clone(), caller.audit_scope()), activity),
            webhook_deliveries: loader(WebhookDeliveries(db.clone()), activity),
            plan_at: loader(PlansAt(db.clone()), activity),
        }
    }
}
