//! The audit log read as a feed of changes: the entries after a given one,
//! each placed in its plan and measure with whether the public sees it, so a
//! change can be matched against many subscribers in memory.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::audit::{AuditAction, AuditEntityType};

use crate::db::DbConn;
use crate::error::RepoResult;
use crate::id_list::in_ids;
use crate::ids::{
    AuditId, AuditSubject, GoalId, KpiId, KpiValueId, MeasureId, PlanId, SubjectId, WorkingGroupId,
};
use crate::load_rows::LoadRows;
use crate::models::audit::AuditRow;
use crate::models::visible::PUBLIC;
use crate::schema::{audit_head, audit_log, goals, kpi_values, kpis, measures, working_groups};
use crate::with_conn;

/// Where a change belongs. Objects that no longer exist (a deleted KPI
/// value's KPI is read from the entry) and API tokens belong to no measure
/// and are not public.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Placement {
    pub plan_id: Option<PlanId>,
    /// The measure of a measure, goal, KPI or KPI value.
    pub measure_id: Option<MeasureId>,
    /// The public sees the object (as the read API decides it: a goal or KPI
    /// when it and its measure are public, a KPI value when its KPI is).
    pub public: bool,
}

/// An audit entry with its placement.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub entry: AuditRow,
    pub place: Placement,
}

/// The id of the newest entry (0 for an empty log).
pub async fn head(conn: &mut DbConn) -> RepoResult<AuditId> {
    Ok(with_conn!(conn, c => audit_head::table
        .find(1)
        .select(audit_head::last_id)
        .first(c)
        .await)?)
}

/// Up to `limit` entries after entry `after`, oldest first, placed.
pub async fn after(conn: &mut DbConn, after: AuditId, limit: i64) -> RepoResult<Vec<Change>> {
    let entries: Vec<AuditRow> = with_conn!(conn, c => c.load_rows(audit_log::table
        .filter(audit_log::id.gt(after))
        .order(audit_log::id.asc())
        .limit(limit)
        .select(AuditRow::as_select()))
        .await)?;
    place(conn, entries).await
}

/// Where each of `entries` belongs, in their order.
pub(crate) async fn placements_of(
    conn: &mut DbConn,
    entries: &[AuditRow],
) -> RepoResult<Vec<Placement>> {
    let placed = place(conn, entries.to_vec()).await?;
    Ok(placed.into_iter().map(|c| c.place).collect())
}

/// Places entries with at most five statements, whatever their number.
async fn place(conn: &mut DbConn, entries: Vec<AuditRow>) -> RepoResult<Vec<Change>> {
    fn of<I: AuditSubject>(entries: &[AuditRow]) -> Vec<I> {
        entries.iter().filter_map(AuditRow::about).collect()
    }
    let value_ids: Vec<KpiValueId> = of(&entries);
    let value_kpis: HashMap<KpiValueId, KpiId> = if value_ids.is_empty() {
        HashMap::new()
    } else {
        with_conn!(conn, c => kpi_values::table
            .filter(in_ids(kpi_values::id, &value_ids))
            .select((kpi_values::id, kpi_values::kpi_id))
            .load::<(KpiValueId, KpiId)>(c)
            .await)?
        .into_iter()
        .collect()
    };
    let value_kpi = |entry: &AuditRow| {
        let id = entry.about::<KpiValueId>()?;
        value_kpis
            .get(&id)
            .copied()
            .or_else(|| deleted_value_kpi(entry))
    };
    let mut kpi_ids: Vec<KpiId> = of(&entries);
    kpi_ids.extend(
        entries
            .iter()
            .filter(|e| e.entity_type == AuditEntityType::KpiValue)
            .filter_map(value_kpi),
    );
    let kpi_rows = children(conn, Child::Kpi, &kpi_ids).await?;
    let goal_ids: Vec<GoalId> = of(&entries);
    let goal_rows = children(conn, Child::Goal, &goal_ids).await?;
    let mut measure_ids: Vec<MeasureId> = of(&entries);
    measure_ids.extend(kpi_rows.values().chain(goal_rows.values()).map(|(m, _)| *m));
    let measure_rows: HashMap<MeasureId, (PlanId, bool)> = if measure_ids.is_empty() {
        HashMap::new()
    } else {
        with_conn!(conn, c => c.load_rows(measures::table
            .filter(in_ids(measures::id, &measure_ids))
            .select((measures::id, measures::plan_id, measures::visibility)))
            .await)?
        .into_iter()
        .map(|(id, plan, visibility): (MeasureId, PlanId, String)| {
            (id, (plan, visibility == PUBLIC))
        })
        .collect()
    };
    let group_ids: Vec<WorkingGroupId> = of(&entries);
    let group_plans: HashMap<WorkingGroupId, PlanId> = if group_ids.is_empty() {
        HashMap::new()
    } else {
        with_conn!(conn, c => c.load_rows(working_groups::table
            .filter(in_ids(working_groups::id, &group_ids))
            .select((working_groups::id, working_groups::plan_id)))
            .await)?
        .into_iter()
        .collect()
    };

    let in_measure = |measure_id: MeasureId, own_public: bool| {
        measure_rows
            .get(&measure_id)
            .map_or(Placement::default(), |&(plan, public)| Placement {
                plan_id: Some(plan),
                measure_id: Some(measure_id),
                public: public && own_public,
            })
    };
    let child = |found: Option<&(MeasureId, bool)>| {
        found.map_or(Placement::default(), |&(measure, public)| {
            in_measure(measure, public)
        })
    };
    Ok(entries
        .into_iter()
        .map(|entry| {
            let place = match entry.subject().id() {
                SubjectId::Plan(plan) => Placement {
                    plan_id: Some(plan),
                    measure_id: None,
                    public: true,
                },
                SubjectId::WorkingGroup(group) => Placement {
                    plan_id: group_plans.get(&group).copied(),
                    measure_id: None,
                    public: group_plans.contains_key(&group),
                },
                SubjectId::Measure(measure) => in_measure(measure, true),
                SubjectId::Goal(goal) => child(goal_rows.get(&goal)),
                SubjectId::Kpi(kpi) => child(kpi_rows.get(&kpi)),
                SubjectId::KpiValue(_) => {
                    child(value_kpi(&entry).and_then(|kpi| kpi_rows.get(&kpi)))
                }
                SubjectId::ApiToken(_) => Placement::default(),
            };
            Change { entry, place }
        })
        .collect())
}

#[derive(Clone, Copy)]
enum Child {
    Goal,
    Kpi,
}

/// Goals or KPIs by id: their measure and whether their own column says public.
async fn children<I: AuditSubject>(
    conn: &mut DbConn,
    which: Child,
    ids: &[I],
) -> RepoResult<HashMap<I, (MeasureId, bool)>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i64> = ids.iter().map(|id| id.get()).collect();
    let rows: Vec<(i64, MeasureId, String)> = match which {
        Child::Goal => with_conn!(conn, c => c.load_rows(goals::table
            .filter(goals::id.eq_any(ids))
            .select((goals::id, goals::measure_id, goals::visibility))
            .into_boxed())
            .await)?,
        Child::Kpi => with_conn!(conn, c => c.load_rows(kpis::table
            .filter(kpis::id.eq_any(ids))
            .select((kpis::id, kpis::measure_id, kpis::visibility))
            .into_boxed())
            .await)?,
    };
    Ok(rows
        .into_iter()
        .map(|(id, measure, visibility)| (I::new(id), (measure, visibility == PUBLIC)))
        .collect())
}

/// The KPI a deleted value belonged to, as its deletion entry recorded it.
fn deleted_value_kpi(entry: &AuditRow) -> Option<KpiId> {
    if entry.action != AuditAction::Delete {
        return None;
    }
    let changes: serde_json::Value = serde_json::from_str(&entry.changes).ok()?;
    changes["kpi"]["old"].as_i64().map(KpiId::new)
}
