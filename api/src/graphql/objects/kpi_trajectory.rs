//! `KpiTrajectory`: whether a KPI will reach its next target, judged by the
//! rule of [`masterplan_domain::trajectory`] from the KPI's targets and the
//! values of the year before the date asked about.

use async_graphql::{Context, SimpleObject};
use chrono::NaiveDate;
use futures_util::future::try_join;
use masterplan_domain::kpi::{Observation, Target};
use masterplan_domain::trajectory::{
    MAX_WINDOW_VALUES, Trajectory, TrajectoryInput, trajectory, window_start,
};
use masterplan_persistence::ids::KpiId;
use masterplan_persistence::models::kpi::{KpiRow, TargetRow};
use masterplan_persistence::models::kpi_values::{ValueRow, ValueSlice};
use masterplan_persistence::models::plan_at::PlanAt;

use crate::error::{ApiError, ApiResult};
use crate::graphql::context::loaders;
use crate::graphql::enums::TrajectoryStatus;
use crate::graphql::scalars::Date;
use crate::loaders::ValuePageKey;

/// Whether a KPI will reach its next target (the earliest due on or after
/// `asOf`, else the last): the values of the 12 months up to `asOf` fitted
/// by least squares and projected to the target's due date, in the KPI's
/// direction; `AT_RISK` when the projection falls short by at most 10 % of
/// the distance from the baseline (else the oldest value fitted) to the
/// target. A milestone is reached (`ACHIEVED`) or not: `ON_TRACK` until its
/// due date, `OFF_TRACK` after. One value, or none in the 12 months, shows
/// no trend: `NO_DATA`, unless it meets the target.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct KpiTrajectory {
    pub status: TrajectoryStatus,
    /// The fitted line's value at the due date; null unless the status
    /// rests on it.
    pub projected: Option<f64>,
    /// The target judged against; null without one.
    pub target: Option<f64>,
    pub due_on: Option<Date>,
    /// What the status rests on, in words ("least-squares over 7 values
    /// from 2025-12-03 to 2026-11-30, projected to 2027-12-31: …").
    pub basis: String,
}

impl From<Trajectory> for KpiTrajectory {
    fn from(t: Trajectory) -> Self {
        KpiTrajectory {
            status: t.status.into(),
            projected: t.projected,
            target: t.target.map(|t| t.value),
            due_on: t.target.map(|t| Date(t.due_on)),
            basis: t.basis,
        }
    }
}

/// The trajectories of `kpis` as of `as_of`, in their order, through the
/// request's loaders: one statement for the targets of all of them, one for
/// their values of the window, and one for the latest older value of those
/// with none in the window, however many KPIs there are. The rows are KPIs
/// the caller sees, so their values are too.
pub async fn trajectories(
    ctx: &Context<'_>,
    kpis: &[KpiRow],
    as_of: NaiveDate,
) -> ApiResult<Vec<Trajectory>> {
    let loaders = loaders(ctx)?;
    let ids: Vec<KpiId> = kpis.iter().map(|k| k.id).collect();
    let window = ValueSlice {
        from: Some(window_start(as_of)),
        to: Some(as_of),
        limit: MAX_WINDOW_VALUES,
        ..ValueSlice::default()
    };
    let latest = ValueSlice {
        to: Some(as_of),
        limit: 1,
        newest_first: true,
        ..ValueSlice::default()
    };
    let page = |kpi_id, slice| ValuePageKey { kpi_id, slice };
    let (targets, windows) = try_join(
        loaders.targets_of_kpi.load_many(ids.iter().copied()),
        loaders
            .value_pages
            .load_many(ids.iter().map(|&id| page(id, window))),
    )
    .await?;
    let empty: Vec<ValuePageKey> = ids
        .iter()
        .map(|&id| page(id, window))
        .filter(|key| windows.get(key).is_none_or(Vec::is_empty))
        .map(|key| page(key.kpi_id, latest))
        .collect();
    let older = if empty.is_empty() {
        Default::default()
    } else {
        loaders.value_pages.load_many(empty).await?
    };
    Ok(kpis
        .iter()
        .map(|kpi| {
            let targets = targets.get(&kpi.id).map_or(&[][..], Vec::as_slice);
            let values = windows
                .get(&page(kpi.id, window))
                .into_iter()
                .chain(older.get(&page(kpi.id, latest)))
                .flatten();
            judge(kpi, targets, values, as_of)
        })
        .collect())
}

/// The trajectory of one KPI (batched with those of the other KPIs of the
/// request).
pub async fn trajectory_of(
    ctx: &Context<'_>,
    kpi: &KpiRow,
    as_of: NaiveDate,
) -> ApiResult<KpiTrajectory> {
    let mut judged = trajectories(ctx, std::slice::from_ref(kpi), as_of).await?;
    judged.pop().map(Into::into).ok_or_else(ApiError::internal)
}

/// The trajectory of a KPI of the plan as it was at an instant: the same
/// values as [`trajectories`] reads (the window, else the latest older one),
/// taken from that plan.
pub fn trajectory_at(plan: &PlanAt, kpi: &KpiRow, as_of: NaiveDate) -> Trajectory {
    let start = window_start(as_of);
    let until: Vec<&ValueRow> = plan
        .values_of(kpi.id)
        .iter()
        .filter(|v| v.observed_on <= as_of)
        .collect();
    let window: Vec<&ValueRow> = until
        .iter()
        .copied()
        .filter(|v| v.observed_on >= start)
        .take(usize::try_from(MAX_WINDOW_VALUES).unwrap_or(usize::MAX))
        .collect();
    let values = if window.is_empty() {
        until.last().copied().into_iter().collect()
    } else {
        window
    };
    judge(kpi, plan.targets_of(kpi.id), values, as_of)
}

/// The rule applied to a KPI, its targets and the values read for it.
fn judge<'a>(
    kpi: &KpiRow,
    targets: &[TargetRow],
    values: impl IntoIterator<Item = &'a ValueRow>,
    as_of: NaiveDate,
) -> Trajectory {
    let targets: Vec<Target> = targets
        .iter()
        .map(|t| Target {
            value: t.value,
            due_on: t.due_on,
        })
        .collect();
    let observations: Vec<Observation> = values.into_iter().map(observation).collect();
    trajectory(&TrajectoryInput {
        value_type: kpi.value_type,
        direction: kpi.direction,
        baseline: kpi.baseline_value,
        targets: &targets,
        observations: &observations,
        as_of,
    })
}

fn observation(row: &ValueRow) -> Observation {
    Observation {
        observed_on: row.observed_on,
        value: row.value,
    }
}
