//! A plan as it was at an instant, rebuilt from today's rows and the audit
//! trail: every entry recorded after the instant is undone, newest first
//! (see [`crate::models::rewind`] for what undoing a field means).
//!
//! The rows come back as they were: fields, versions, `updatedAt`, the
//! derived classes (under the legend of that instant). Objects created after
//! the instant are absent, objects archived after it are present, KPI values
//! deleted after it are back. A plan's beginning is its load (the IMPORT
//! entry): before it the plan does not exist; a plan loaded again with
//! `--replace` begins again then (its rows are new rows).
//!
//! One read costs a fixed number of statements whatever the plan's size: the
//! plan's rows (archived ones included), the entries after the instant, and
//! the last entry before it of each object those entries touch.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use masterplan_domain::audit::{AuditAction, AuditEntityType};
use masterplan_domain::visibility::Audience;
use serde_json::Value;

use crate::db::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::ids::{
    GoalId, KpiId, KpiValueId, MeasureId, PlanId, Subject, SubjectId, WorkingGroupId,
};
use crate::load_rows::LoadRows;
use crate::models::audit::AuditRow;
use crate::models::goal::GoalRow;
use crate::models::kpi::{KpiRow, TargetRow};
use crate::models::kpi_values::{ValueRow, ValueSlice};
use crate::models::measure::{
    DescribedMeasure, MeasureFilter, MeasureOrder, MeasureOrderField, MeasureRow, RelationRow,
    search_text,
};
use crate::models::plan::{self, PlanRow};
use crate::models::rewind::{self, Rewound};
use crate::models::working_group::WorkingGroupRow;
use crate::page::Direction;
use crate::schema::{
    audit_log, goals, kpi_targets, kpi_values, kpis, measure_relations, measures, working_groups,
};
use crate::with_conn;

/// The plan's objects as they were at `at`; lists hold what was live then
/// (not archived), in the plan's order.
#[derive(Debug, Clone)]
pub struct PlanAt {
    pub at: NaiveDateTime,
    pub plan: PlanRow,
    /// By number.
    pub working_groups: Vec<WorkingGroupRow>,
    /// By position.
    pub measures: Vec<DescribedMeasure>,
    pub relations: Vec<RelationRow>,
    /// By measure, then position.
    pub goals: Vec<GoalRow>,
    /// By measure, then position.
    pub kpis: Vec<KpiRow>,
    /// By KPI, then due date.
    pub targets: Vec<TargetRow>,
    /// By KPI, then observation date.
    pub values: Vec<ValueRow>,
}

/// The entity types whose entries shape a plan.
const PLAN_ENTITIES: [AuditEntityType; 6] = [
    AuditEntityType::Plan,
    AuditEntityType::WorkingGroup,
    AuditEntityType::Measure,
    AuditEntityType::Goal,
    AuditEntityType::Kpi,
    AuditEntityType::KpiValue,
];

/// The plan `plan_id` as it was at `at`; `None` when it did not exist yet.
pub async fn plan_at(
    conn: &mut DbConn,
    plan_id: PlanId,
    at: NaiveDateTime,
) -> RepoResult<Option<PlanAt>> {
    let Some(plan) = plan::by_ids(conn, &[plan_id]).await?.pop() else {
        return Ok(None);
    };
    if plan.created_at > at {
        return Ok(None);
    }
    let mut state = load_today(conn, plan).await?;
    let later = entries_after(conn, at).await?;
    let touched = state.undo_all(&later)?;
    let spans = last_entries_before(conn, at, &touched).await?;
    state.stamp(&touched, &spans);
    Ok(Some(state.finish(at)))
}

/// Every row of the plan as it is today, archived ones included, by id.
struct State {
    plan: PlanRow,
    groups: BTreeMap<WorkingGroupId, WorkingGroupRow>,
    measures: BTreeMap<MeasureId, DescribedMeasure>,
    relations: Vec<RelationRow>,
    goals: BTreeMap<GoalId, GoalRow>,
    kpis: BTreeMap<KpiId, KpiRow>,
    targets: HashMap<KpiId, Vec<TargetRow>>,
    values: BTreeMap<KpiValueId, ValueRow>,
    /// Values deleted after the instant and restored from their deletion.
    restored: HashSet<KpiValueId>,
}

async fn load_today(conn: &mut DbConn, plan: PlanRow) -> RepoResult<State> {
    let plan_id = plan.id;
    let (groups, measure_rows, relations, goal_rows, kpi_rows, target_rows, value_rows) = with_conn!(conn, c => {
        let groups: Vec<WorkingGroupRow> = c
            .load_rows(
                working_groups::table
                    .filter(working_groups::plan_id.eq(plan_id))
                    .select(WorkingGroupRow::as_select())
                    .into_boxed(),
            )
            .await?;
        let measure_ids = measures::table
            .filter(measures::plan_id.eq(plan_id))
            .select(measures::id);
        let measure_rows: Vec<DescribedMeasure> = c
            .load_rows(
                measures::table
                    .filter(measures::plan_id.eq(plan_id))
                    .select(DescribedMeasure::as_select())
                    .into_boxed(),
            )
            .await?;
        let relations: Vec<RelationRow> = c
            .load_rows(
                measure_relations::table
                    .filter(measure_relations::measure_id.eq_any(measure_ids))
                    .select(RelationRow::as_select())
                    .into_boxed(),
            )
            .await?;
        let goal_rows: Vec<GoalRow> = c
            .load_rows(
                goals::table
                    .filter(goals::measure_id.eq_any(measure_ids))
                    .select(GoalRow::as_select())
                    .into_boxed(),
            )
            .await?;
        let kpi_rows: Vec<KpiRow> = c
            .load_rows(
                kpis::table
                    .filter(kpis::measure_id.eq_any(measure_ids))
                    .select(KpiRow::as_select())
                    .into_boxed(),
            )
            .await?;
        let kpi_ids = kpis::table
            .filter(kpis::measure_id.eq_any(measure_ids))
            .select(kpis::id);
        let target_rows: Vec<TargetRow> = c
            .load_rows(
                kpi_targets::table
                    .filter(kpi_targets::kpi_id.eq_any(kpi_ids))
                    .select(TargetRow::as_select())
                    .into_boxed(),
            )
            .await?;
        let value_rows: Vec<ValueRow> = c
            .load_rows(
                kpi_values::table
                    .filter(kpi_values::kpi_id.eq_any(kpi_ids))
                    .select(ValueRow::as_select())
                    .into_boxed(),
            )
            .await?;
        Ok::<_, diesel::result::Error>((groups, measure_rows, relations, goal_rows, kpi_rows, target_rows, value_rows))
    })?;
    let mut targets: HashMap<KpiId, Vec<TargetRow>> = HashMap::new();
    for t in target_rows {
        targets.entry(t.kpi_id).or_default().push(t);
    }
    Ok(State {
        plan,
        groups: by_id(groups, |g| g.id),
        measures: by_id(measure_rows, |m| m.measure.id),
        relations,
        goals: by_id(goal_rows, |g| g.id),
        kpis: by_id(kpi_rows, |k| k.id),
        targets,
        values: by_id(value_rows, |v| v.id),
        restored: HashSet::new(),
    })
}

fn by_id<T, I: Ord>(rows: Vec<T>, id: impl Fn(&T) -> I) -> BTreeMap<I, T> {
    rows.into_iter().map(|r| (id(&r), r)).collect()
}

/// The entries about plan objects recorded after `at`, newest first.
async fn entries_after(conn: &mut DbConn, at: NaiveDateTime) -> RepoResult<Vec<AuditRow>> {
    let types: Vec<&str> = PLAN_ENTITIES.iter().map(|t| t.as_str()).collect();
    Ok(with_conn!(conn, c => c.load_rows(audit_log::table
        .filter(audit_log::at.gt(at))
        .filter(audit_log::entity_type.eq_any(types))
        .order(audit_log::id.desc())
        .select(AuditRow::as_select()))
        .await)?)
}

/// The times of the first and last entries at or before `at`.
type Span = (NaiveDateTime, NaiveDateTime);

/// For each touched object, the span of its entries at or before `at`.
async fn last_entries_before(
    conn: &mut DbConn,
    at: NaiveDateTime,
    touched: &HashSet<Subject>,
) -> RepoResult<HashMap<Subject, Span>> {
    if touched.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i64> = touched.iter().map(|s| s.entity_id).collect();
    let types: Vec<&str> = PLAN_ENTITIES.iter().map(|t| t.as_str()).collect();
    type Found = (String, i64, Option<NaiveDateTime>, Option<NaiveDateTime>);
    let rows: Vec<Found> = with_conn!(conn, c => c.load_rows(audit_log::table
        .filter(audit_log::at.le(at))
        .filter(audit_log::entity_type.eq_any(types))
        .filter(audit_log::entity_id.eq_any(ids))
        .group_by((audit_log::entity_type, audit_log::entity_id))
        .select((
            audit_log::entity_type,
            audit_log::entity_id,
            diesel::dsl::min(audit_log::at),
            diesel::dsl::max(audit_log::at),
        ))
        .into_boxed())
        .await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(kind, id, first, last)| {
            let subject = Subject {
                entity_type: kind.parse().ok()?,
                entity_id: id,
            };
            Some((subject, (first?, last?)))
        })
        .filter(|key| touched.contains(&key.0))
        .collect())
}

impl State {
    /// Undoes `entries` (newest first); returns the objects they touched.
    fn undo_all(&mut self, entries: &[AuditRow]) -> RepoResult<HashSet<Subject>> {
        let mut touched = HashSet::new();
        for entry in entries {
            let changes: BTreeMap<String, Value> =
                serde_json::from_str(&entry.changes).map_err(|e| {
                    RepoError::Corrupt(format!("audit entry {}: changes: {e}", entry.id))
                })?;
            if self.undo(entry, &changes)? {
                touched.insert(entry.subject());
            }
        }
        Ok(touched)
    }

    /// Undoes one entry; false when it is not about this plan.
    fn undo(&mut self, entry: &AuditRow, changes: &BTreeMap<String, Value>) -> RepoResult<bool> {
        use AuditAction::{Archive, Create, Delete, Update};
        use SubjectId as E;
        let at = |field: &str| format!("audit entry {} ({field})", entry.id);
        match (entry.subject().id(), entry.action) {
            (E::Plan(id), Update) if id == self.plan.id => {
                for (field, change) in changes {
                    rewind::plan(&mut self.plan, field, old(change))
                        .map_err(|e| e.at(at(field)))?;
                }
                self.plan.version -= 1;
            }
            (E::WorkingGroup(id), Create) => return Ok(self.groups.remove(&id).is_some()),
            (E::WorkingGroup(id), Update) => {
                let Some(group) = self.groups.get_mut(&id) else {
                    return Ok(false);
                };
                for (field, change) in changes {
                    rewind::working_group(group, field, old(change))
                        .map_err(|e| e.at(at(field)))?;
                }
                group.version -= 1;
            }
            (E::Measure(id), Create) => return Ok(self.measures.remove(&id).is_some()),
            (E::Measure(id), Update | Archive) => {
                let Some(measure) = self.measures.get_mut(&id) else {
                    return Ok(false);
                };
                for (field, change) in changes {
                    match rewind::measure(measure, field, old(change)) {
                        Ok(Rewound::Done) => {}
                        Ok(Rewound::WorkingGroup(code)) => {
                            let group =
                                self.groups
                                    .values()
                                    .find(|g| g.code == code)
                                    .ok_or_else(|| {
                                        RepoError::Corrupt(format!(
                                            "{}: no group {code:?}",
                                            at(field)
                                        ))
                                    })?;
                            measure.measure.working_group_id = group.id;
                        }
                        Err(e) => return Err(e.at(at(field))),
                    }
                }
                measure.measure.version -= 1;
            }
            (E::Goal(id), Create) => return Ok(self.goals.remove(&id).is_some()),
            (E::Goal(id), Update | Archive) => {
                let Some(goal) = self.goals.get_mut(&id) else {
                    return Ok(false);
                };
                for (field, change) in changes {
                    rewind::goal(goal, field, old(change)).map_err(|e| e.at(at(field)))?;
                }
                goal.version -= 1;
            }
            (E::Kpi(id), Create) => {
                self.targets.remove(&id);
                return Ok(self.kpis.remove(&id).is_some());
            }
            (E::Kpi(id), Update | Archive) => {
                let Some(kpi) = self.kpis.get_mut(&id) else {
                    return Ok(false);
                };
                for (field, change) in changes {
                    if field == "targets" {
                        let targets =
                            rewind::targets(id, old(change)).map_err(|e| e.at(at(field)))?;
                        self.targets.insert(id, targets);
                    } else {
                        rewind::kpi(kpi, field, old(change)).map_err(|e| e.at(at(field)))?;
                    }
                }
                kpi.version -= 1;
            }
            (E::KpiValue(id), Create) => return Ok(self.values.remove(&id).is_some()),
            (E::KpiValue(id), Update) => {
                let Some(value) = self.values.get_mut(&id) else {
                    return Ok(false);
                };
                for (field, change) in changes {
                    rewind::value(value, field, old(change)).map_err(|e| e.at(at(field)))?;
                }
            }
            (E::KpiValue(id), Delete) => {
                let value =
                    rewind::deleted_value(id, changes).map_err(|e| e.at(at("deleted value")))?;
                if !self.kpis.contains_key(&value.kpi_id) {
                    return Ok(false);
                }
                self.values.insert(id, value);
                self.restored.insert(id);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Sets `updatedAt` of every touched object to its last change at or
    /// before the instant (its creation when there is none); a value restored
    /// from its deletion was created by its first entry (or the plan's load).
    fn stamp(&mut self, touched: &HashSet<Subject>, spans: &HashMap<Subject, Span>) {
        use SubjectId as E;
        let plan_start = self.plan.created_at;
        for &subject in touched {
            let when =
                |created: NaiveDateTime| spans.get(&subject).map_or(created, |s| s.1.max(created));
            match subject.id() {
                E::Plan(_) => self.plan.updated_at = when(self.plan.created_at),
                E::WorkingGroup(id) => {
                    if let Some(g) = self.groups.get_mut(&id) {
                        g.updated_at = when(g.created_at);
                    }
                }
                E::Measure(id) => {
                    if let Some(DescribedMeasure { measure: m, .. }) = self.measures.get_mut(&id) {
                        m.updated_at = when(m.created_at);
                    }
                }
                E::Goal(id) => {
                    if let Some(g) = self.goals.get_mut(&id) {
                        g.updated_at = when(g.created_at);
                    }
                }
                E::Kpi(id) => {
                    if let Some(k) = self.kpis.get_mut(&id) {
                        k.updated_at = when(k.created_at);
                    }
                }
                E::KpiValue(id) => {
                    if let Some(v) = self.values.get_mut(&id) {
                        if self.restored.contains(&id) {
                            v.created_at = spans.get(&subject).map_or(plan_start, |s| s.0);
                        }
                        v.updated_at = when(v.created_at);
                    }
                }
                E::ApiToken(_) => {}
            }
        }
    }

    fn finish(self, at: NaiveDateTime) -> PlanAt {
        let live = |created: NaiveDateTime, archived: Option<NaiveDateTime>| {
            created <= at && archived.is_none()
        };
        let legend = self.plan.legend;
        let mut measures: Vec<DescribedMeasure> = self
            .measures
            .into_values()
            .filter(|d| live(d.measure.created_at, d.measure.archived_at))
            .map(|mut described| {
                let m = &mut described.measure;
                let class = legend.classify(&m.estimates());
                m.cost_category = class.cost;
                m.personnel_category = class.personnel;
                m.period_category = class.period;
                m.quick_win = class.quick_win;
                described
            })
            .collect();
        measures.sort_by_key(|d| (d.measure.position, d.measure.id));
        let measure_ids: HashSet<MeasureId> = measures.iter().map(|d| d.measure.id).collect();
        let mut goals: Vec<GoalRow> = self
            .goals
            .into_values()
            .filter(|g| live(g.created_at, g.archived_at) && measure_ids.contains(&g.measure_id))
            .collect();
        goals.sort_by_key(|g| (g.measure_id, g.position, g.id));
        let mut kpis: Vec<KpiRow> = self
            .kpis
            .into_values()
            .filter(|k| live(k.created_at, k.archived_at) && measure_ids.contains(&k.measure_id))
            .collect();
        kpis.sort_by_key(|k| (k.measure_id, k.position, k.id));
        let kpi_ids: HashSet<KpiId> = kpis.iter().map(|k| k.id).collect();
        let mut targets: Vec<TargetRow> = self
            .targets
            .into_iter()
            .filter(|(kpi, _)| kpi_ids.contains(kpi))
            .flat_map(|(_, t)| t)
            .collect();
        targets.sort_by_key(|t| (t.kpi_id, t.due_on, t.id));
        let mut values: Vec<ValueRow> = self
            .values
            .into_values()
            .filter(|v| v.created_at <= at && kpi_ids.contains(&v.kpi_id))
            .collect();
        values.sort_by_key(|v| (v.kpi_id, v.observed_on));
        let mut working_groups: Vec<WorkingGroupRow> = self
            .groups
            .into_values()
            .filter(|g| g.created_at <= at)
            .collect();
        working_groups.sort_by_key(|g| (g.number, g.id));
        let relations = self
            .relations
            .into_iter()
            .filter(|r| {
                measure_ids.contains(&r.measure_id) && measure_ids.contains(&r.related_measure_id)
            })
            .collect();
        PlanAt {
            at,
            plan: self.plan,
            working_groups,
            measures,
            relations,
            goals,
            kpis,
            targets,
            values,
        }
    }
}

/// The value a change replaced.
fn old(change: &Value) -> &Value {
    change.get("old").unwrap_or(&Value::Null)
}

/// Reads of the rebuilt plan, as an audience sees it: a measure when it was
/// public at the instant (for the public), a goal or KPI when it and its
/// measure were, a value when its KPI was.
impl PlanAt {
    pub fn measure(&self, id: MeasureId, audience: Audience) -> Option<&MeasureRow> {
        self.described(id, audience).map(|d| &d.measure)
    }

    /// A measure with its description.
    pub fn described(&self, id: MeasureId, audience: Audience) -> Option<&DescribedMeasure> {
        self.measures
            .iter()
            .find(|d| d.measure.id == id && audience.sees(d.measure.visibility))
    }

    pub fn measure_by_code(&self, code: &str, audience: Audience) -> Option<&MeasureRow> {
        self.measures(audience)
            .find(|m| m.code.as_deref() == Some(code))
    }

    /// Measures in the plan's order.
    pub fn measures(&self, audience: Audience) -> impl Iterator<Item = &MeasureRow> {
        self.described_measures(audience).map(|d| &d.measure)
    }

    /// Measures with their descriptions, in the plan's order.
    fn described_measures(&self, audience: Audience) -> impl Iterator<Item = &DescribedMeasure> {
        self.measures
            .iter()
            .filter(move |d| audience.sees(d.measure.visibility))
    }

    pub fn working_group(&self, id: WorkingGroupId) -> Option<&WorkingGroupRow> {
        self.working_groups.iter().find(|g| g.id == id)
    }

    /// Measures related to `measure` either way, in the plan's order.
    pub fn related(&self, measure: MeasureId, audience: Audience) -> Vec<&MeasureRow> {
        let others: HashSet<MeasureId> = self
            .relations
            .iter()
            .filter_map(|r| {
                if r.measure_id == measure {
                    Some(r.related_measure_id)
                } else if r.related_measure_id == measure {
                    Some(r.measure_id)
                } else {
                    None
                }
            })
            .collect();
        self.measures(audience)
            .filter(|m| others.contains(&m.id))
            .collect()
    }

    pub fn goal(&self, id: GoalId, audience: Audience) -> Option<&GoalRow> {
        let goal = self.goals.iter().find(|g| g.id == id)?;
        self.goal_seen(goal, audience).then_some(goal)
    }

    /// A measure's goals in its order.
    pub fn goals_of(
        &self,
        measure: MeasureId,
        audience: Audience,
    ) -> impl Iterator<Item = &GoalRow> {
        run(&self.goals, measure, |g| g.measure_id)
            .iter()
            .filter(move |g| self.goal_seen(g, audience))
    }

    fn goal_seen(&self, goal: &GoalRow, audience: Audience) -> bool {
        audience.sees(goal.visibility) && self.measure(goal.measure_id, audience).is_some()
    }

    pub fn kpi(&self, id: KpiId, audience: Audience) -> Option<&KpiRow> {
        let kpi = self.kpis.iter().find(|k| k.id == id)?;
        self.kpi_seen(kpi, audience).then_some(kpi)
    }

    /// A measure's KPIs in its order.
    pub fn kpis_of(&self, measure: MeasureId, audience: Audience) -> impl Iterator<Item = &KpiRow> {
        run(&self.kpis, measure, |k| k.measure_id)
            .iter()
            .filter(move |k| self.kpi_seen(k, audience))
    }

    fn kpi_seen(&self, kpi: &KpiRow, audience: Audience) -> bool {
        audience.sees(kpi.visibility) && self.measure(kpi.measure_id, audience).is_some()
    }

    /// A KPI's targets by due date (the caller has checked the KPI).
    pub fn targets_of(&self, kpi: KpiId) -> &[TargetRow] {
        run(&self.targets, kpi, |t| t.kpi_id)
    }

    /// A KPI's values by date (the caller has checked the KPI).
    pub fn values_of(&self, kpi: KpiId) -> &[ValueRow] {
        run(&self.values, kpi, |v| v.kpi_id)
    }

    pub fn value(&self, id: KpiValueId, audience: Audience) -> Option<&ValueRow> {
        let value = self.values.iter().find(|v| v.id == id)?;
        self.kpi(value.kpi_id, audience).map(|_| value)
    }
}

/// The rows of a list sorted by `key` whose key is `wanted`.
fn run<T, K: Ord>(rows: &[T], wanted: K, key: impl Fn(&T) -> K) -> &[T] {
    let start = rows.partition_point(|r| key(r) < wanted);
    let end = rows.partition_point(|r| key(r) <= wanted);
    &rows[start..end]
}

impl PlanAt {
    /// The measures `filter` selects, ordered by `order`: the rules of
    /// [`measure::list`](crate::models::measure::list), applied to the rows
    /// of the instant (a `plan_id` other than this plan's selects none).
    pub fn list_measures(&self, filter: &MeasureFilter, order: MeasureOrder) -> Vec<&MeasureRow> {
        if filter.plan_id.is_some_and(|p| p != self.plan.id) {
            return Vec::new();
        }
        let search = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase);
        let rows = self.described_measures(filter.audience).filter(|d| {
            let m = &d.measure;
            let group = self.working_group(m.working_group_id).map(|g| &g.code);
            (filter.working_group_codes.is_empty()
                || group.is_some_and(|g| filter.working_group_codes.contains(g)))
                && among(&filter.statuses, Some(m.status))
                && among(&filter.quick_wins, Some(m.quick_win))
                && among(&filter.cost_categories, m.cost_category)
                && among(&filter.personnel_categories, m.personnel_category)
                && among(&filter.period_categories, m.period_category)
                && search.as_ref().is_none_or(|s| {
                    search_text(m.code.as_deref(), &m.title, &d.description).contains(s.as_str())
                })
        });
        let mut rows: Vec<&MeasureRow> = rows.map(|d| &d.measure).collect();
        rows.sort_by(|a, b| measure_order(order, a, b));
        rows
    }
}

/// How [`MeasureOrder`] orders two measures, as the SQL of
/// [`measure::list`](crate::models::measure::list) does (`id` breaks ties;
/// uncoded measures come last by code either way).
pub fn measure_order(order: MeasureOrder, a: &MeasureRow, b: &MeasureRow) -> Ordering {
    let descending = order.direction == Direction::Desc;
    let by_field = match order.field {
        MeasureOrderField::Position => a.position.cmp(&b.position),
        MeasureOrderField::Code => {
            return match (&a.code, &b.code) {
                (Some(x), Some(y)) => directed(x.cmp(y).then(a.id.cmp(&b.id)), descending),
                (x, y) => x
                    .is_none()
                    .cmp(&y.is_none())
                    .then(directed(a.id.cmp(&b.id), descending)),
            };
        }
        MeasureOrderField::Title => a.title.cmp(&b.title),
        MeasureOrderField::UpdatedAt => a.updated_at.cmp(&b.updated_at),
    };
    directed(by_field.then(a.id.cmp(&b.id)), descending)
}

/// Whether `value` is one of `wanted` (no restriction when empty; a missing
/// value matches no restriction, like SQL's `IN`).
fn among<T: PartialEq>(wanted: &[T], value: Option<T>) -> bool {
    wanted.is_empty() || value.is_some_and(|v| wanted.contains(&v))
}

fn directed(ordering: Ordering, descending: bool) -> Ordering {
    if descending {
        ordering.reverse()
    } else {
        ordering
    }
}

/// KPI values of the instant, read the way the live reads in
/// [`crate::models::kpi_values`] read them.
impl PlanAt {
    /// The values a [`ValueSlice`] selects, oldest first (newest first when
    /// the slice says so), at most `limit`.
    pub fn value_slice(&self, kpi: KpiId, slice: &ValueSlice) -> Vec<ValueRow> {
        let selected = self.values_of(kpi).iter().filter(|v| {
            let d = v.observed_on;
            slice.from.is_none_or(|f| d >= f)
                && slice.to.is_none_or(|t| d <= t)
                && slice.after.is_none_or(|a| d > a)
                && slice.before.is_none_or(|b| d < b)
        });
        let limit = usize::try_from(slice.limit).unwrap_or(0);
        if slice.newest_first {
            selected.rev().take(limit).cloned().collect()
        } else {
            selected.take(limit).cloned().collect()
        }
    }

    /// How many values were observed from `from` to `to` (both optional).
    pub fn value_count(&self, kpi: KpiId, from: Option<NaiveDate>, to: Option<NaiveDate>) -> i64 {
        self.values_of(kpi)
            .iter()
            .filter(|v| {
                from.is_none_or(|f| v.observed_on >= f) && to.is_none_or(|t| v.observed_on <= t)
            })
            .count() as i64
    }

    /// The newest value observed on or before `date`.
    pub fn value_as_of(&self, kpi: KpiId, date: NaiveDate) -> Option<&ValueRow> {
        self.values_of(kpi)
            .iter()
            .rev()
            .find(|v| v.observed_on <= date)
    }
}
