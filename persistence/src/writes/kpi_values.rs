//! Recording KPI values in batches (an idempotent upsert keyed by KPI and
//! date) and deleting single values.
//!
//! A batch is all or nothing: every row is checked first, and one bad row
//! refuses the whole batch, naming each bad row as `values.<index>.<field>`.
//! The KPIs of a batch and their stored values are loaded in a handful of
//! statements whatever the number of rows.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::audit::AuditAction;
use masterplan_domain::kpi_value_rules::{ObservedOnRange, observed_on_problem, value_problem};
use masterplan_domain::validation::{
    self as rules, FieldError, MAX_NOTE_CHARS, MAX_SHORT_TEXT_CHARS,
};
use masterplan_domain::visibility::Audience;

use crate::clock;
use crate::db::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::ids::{AuditSubject, KpiId, KpiValueId, MeasureId, PlanId, WorkingGroupId};
use crate::load_rows::LoadRows;
use crate::models::kpi::{self, KpiRow};
use crate::models::kpi_values::{self, ValueRow};
use crate::models::measure::{self, MeasureRow};
use crate::models::plan::PlanRow;
use crate::models::working_group;
use crate::schema::{kpi_values as values_table, measures};
use crate::with_conn;
use crate::writes::audit_log::{self, Changes};
use crate::writes::lookups::{self, KpiRef, MeasureKey};
use crate::writes::{Actor, Problems};

/// The most rows one batch may hold.
pub const MAX_BATCH_ROWS: usize = 1_000;

/// One value to record. The row is the whole value: a `note` or `source`
/// left out is stored as none. A KPI or date the caller could not read is
/// the problem with it (its field relative to the row, e.g. `observedOn`),
/// reported with every other problem of the batch.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueInput {
    pub kpi: Result<KpiRef, FieldError>,
    pub observed_on: Result<NaiveDate, FieldError>,
    pub value: f64,
    pub note: Option<String>,
    pub source: Option<String>,
}

/// What a batch did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The values as stored after the batch, in input order. In a dry run,
    /// a value that would be inserted has the id 0.
    pub values: Vec<ValueRow>,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// A stored value named by id, or by its KPI and date.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueRef {
    Id(KpiValueId),
    Key { kpi: KpiRef, observed_on: NaiveDate },
}

/// A value row to insert (by [`insert_all`], the one insert path of KPI values).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = values_table)]
pub(crate) struct NewKpiValue {
    kpi_id: KpiId,
    observed_on: NaiveDate,
    value: f64,
    note: Option<String>,
    source: Option<String>,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

impl NewKpiValue {
    pub(crate) fn new(
        kpi_id: KpiId,
        observed_on: NaiveDate,
        value: f64,
        note: Option<String>,
        source: Option<String>,
    ) -> Self {
        let now = clock::now();
        Self {
            kpi_id,
            observed_on,
            value,
            note: trimmed(note),
            source: trimmed(source),
            created_at: now,
            updated_at: now,
        }
    }
}

/// Trims a text; blank is none.
fn trimmed(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

fn not_found(field: &[&str], message: impl Into<String>) -> FieldError {
    FieldError::not_found(field, message)
}

/// A KPI together with the working group code that decides who may change it.
#[derive(Debug, Clone)]
struct Owned {
    kpi: KpiRow,
    group: String,
}

/// The KPIs the rows name, each resolved or with the error that names the
/// row's field (`kpiId`, or `kpi.plan` / `kpi.measure` / `kpi.measureTitle`
/// / `kpi.name`).
async fn resolve(
    conn: &mut DbConn,
    targets: &[&KpiRef],
) -> RepoResult<Vec<Result<Owned, FieldError>>> {
    // KPIs named by key: each distinct plan once, its measures in one query.
    let mut plans: HashMap<Option<String>, Result<PlanRow, FieldError>> = HashMap::new();
    let mut codes: HashMap<PlanId, HashSet<String>> = HashMap::new();
    let mut measures_by_key: HashMap<(PlanId, MeasureKey), Result<MeasureRow, FieldError>> =
        HashMap::new();
    for target in targets {
        if let KpiRef::Key { plan, measure, .. } = target {
            if !plans.contains_key(plan) {
                let found = match lookups::plan(conn, plan.as_deref(), &["kpi", "plan"]).await {
                    Ok(row) => Ok(row),
                    Err(RepoError::Rejected(mut errors)) => Err(errors.remove(0)),
                    Err(other) => return Err(other),
                };
                plans.insert(plan.clone(), found);
            }
            let Some(Ok(row)) = plans.get(plan) else {
                continue;
            };
            match measure {
                MeasureKey::Code(code) => {
                    codes.entry(row.id).or_default().insert(code.clone());
                }
                // Rare (one measure of the plan has no code): one query each.
                MeasureKey::Title(_) => {
                    let key = (row.id, measure.clone());
                    if let Entry::Vacant(slot) = measures_by_key.entry(key) {
                        let fields = ("measure", "measureTitle");
                        let found = match lookups::measure_in_plan(
                            conn,
                            row.id,
                            measure,
                            Audience::Internal,
                            fields,
                        )
                        .await
                        {
                            Ok(row) => Ok(row),
                            Err(RepoError::Rejected(mut errors)) => {
                                Err(errors.remove(0).under(&["kpi"]))
                            }
                            Err(other) => return Err(other),
                        };
                        slot.insert(found);
                    }
                }
            }
        }
    }
    for (plan_id, codes) in codes {
        let codes: Vec<String> = codes.into_iter().collect();
        let rows: Vec<MeasureRow> = with_conn!(conn, c => c.load_rows(measures::table
            .filter(measures::plan_id.eq(plan_id))
            .filter(measures::code.eq_any(codes.clone()))
            .filter(measures::archived_at.is_null())
            .select(MeasureRow::as_select())
            .into_boxed())
            .await)?;
        let mut found: HashMap<String, MeasureRow> = rows
            .into_iter()
            .filter_map(|row| Some((row.code.clone()?, row)))
            .collect();
        for code in codes {
            let measure = found.remove(&code).ok_or_else(|| {
                not_found(
                    &["kpi", "measure"],
                    format!("the plan has no measure with the code {code:?}"),
                )
            });
            measures_by_key.insert((plan_id, MeasureKey::Code(code)), measure);
        }
    }
    let keyed_measures: Vec<MeasureId> = measures_by_key
        .values()
        .filter_map(|m| m.as_ref().ok().map(|m| m.id))
        .collect();
    let mut by_name: HashMap<(MeasureId, String), KpiRow> = HashMap::new();
    for row in kpi::by_measure_ids(conn, &keyed_measures, Audience::Internal).await? {
        by_name.insert((row.measure_id, row.name.clone()), row);
    }
    // KPIs named by id, in one query.
    let ids: Vec<KpiId> = targets
        .iter()
        .filter_map(|t| match t {
            KpiRef::Id(id) => Some(*id),
            KpiRef::Key { .. } => None,
        })
        .collect();
    let by_id: HashMap<KpiId, KpiRow> = kpi::by_ids(conn, &ids, Audience::Internal)
        .await?
        .into_iter()
        .map(|k| (k.id, k))
        .collect();
    // The live measures of every KPI found, and their working groups.
    let mut measure_ids: Vec<MeasureId> = by_id.values().map(|k| k.measure_id).collect();
    measure_ids.extend(&keyed_measures);
    let live: HashMap<MeasureId, MeasureRow> =
        measure::by_ids(conn, &measure_ids, Audience::Internal)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
    let group_ids: Vec<WorkingGroupId> = live.values().map(|m| m.working_group_id).collect();
    let groups: HashMap<WorkingGroupId, String> = working_group::by_ids(conn, &group_ids)
        .await?
        .into_iter()
        .map(|g| (g.id, g.code))
        .collect();
    let owned = |kpi: &KpiRow| -> Option<Owned> {
        let measure = live.get(&kpi.measure_id)?;
        Some(Owned {
            kpi: kpi.clone(),
            group: groups.get(&measure.working_group_id)?.clone(),
        })
    };
    Ok(targets
        .iter()
        .map(|target| match target {
            KpiRef::Id(id) => by_id
                .get(id)
                .and_then(owned)
                .ok_or_else(|| not_found(&["kpiId"], "no KPI has this ID (or it is archived)")),
            KpiRef::Key {
                plan,
                measure: code,
                name,
            } => {
                let plan = plans[plan].as_ref().map_err(Clone::clone)?;
                let measure = measures_by_key[&(plan.id, code.clone())]
                    .as_ref()
                    .map_err(Clone::clone)?;
                by_name
                    .get(&(measure.id, name.clone()))
                    .and_then(owned)
                    .ok_or_else(|| {
                        not_found(
                            &["kpi", "name"],
                            format!("measure {code} has no KPI named {name:?}"),
                        )
                    })
            }
        })
        .collect())
}

/// The problems of one row's own fields (after trimming), relative to the
/// row: the value rules of `masterplan_domain::kpi_value_rules`.
fn row_problems(
    kpi: Option<&KpiRow>,
    row: &ValueInput,
    horizon: &ObservedOnRange,
) -> Vec<FieldError> {
    let mut problems = Vec::new();
    if let Some(kpi) = kpi
        && let Some(message) = value_problem(kpi.value_type, kpi.unit.as_deref(), row.value)
    {
        problems.push(FieldError::invalid(&["value"], message));
    }
    if let Ok(date) = row.observed_on
        && let Some(message) = observed_on_problem(horizon, date)
    {
        problems.push(FieldError::invalid(&["observedOn"], message));
    }
    if !row.value.is_finite() && kpi.is_none() {
        problems.push(FieldError::invalid(
            &["value"],
            format!("the value must be a finite number, got {}", row.value),
        ));
    }
    problems.extend(text_problems(&row.note, &row.source));
    problems
}

/// The problems of a value's note and source (also of values in plan files).
pub(crate) fn text_problems(note: &Option<String>, source: &Option<String>) -> Vec<FieldError> {
    let mut problems = Vec::new();
    for (field, text, max) in [
        ("note", note, MAX_NOTE_CHARS),
        ("source", source, MAX_SHORT_TEXT_CHARS),
    ] {
        if let Some(message) = text.as_deref().and_then(|t| rules::too_long(t, max)) {
            problems.push(FieldError::invalid(&[field], message));
        }
    }
    problems
}

/// The stored values for the given (KPI, date) pairs, in one statement.
async fn stored(
    conn: &mut DbConn,
    pairs: &HashSet<(KpiId, NaiveDate)>,
) -> RepoResult<HashMap<(KpiId, NaiveDate), ValueRow>> {
    if pairs.is_empty() {
        return Ok(HashMap::new());
    }
    let kpi_ids: Vec<KpiId> = pairs
        .iter()
        .map(|(k, _)| *k)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let dates: Vec<NaiveDate> = pairs
        .iter()
        .map(|(_, d)| *d)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let rows: Vec<ValueRow> = with_conn!(conn, c => c.load_rows(values_table::table
        .filter(values_table::kpi_id.eq_any(kpi_ids))
        .filter(values_table::observed_on.eq_any(dates))
        .select(ValueRow::as_select())
        .into_boxed())
        .await)?;
    Ok(rows
        .into_iter()
        .filter(|r| pairs.contains(&(r.kpi_id, r.observed_on)))
        .map(|r| ((r.kpi_id, r.observed_on), r))
        .collect())
}

/// Inserts new values: one statement on PostgreSQL; on SQLite (whose async
/// driver has no multi-row insert here) one cheap in-process statement each.
pub(crate) async fn insert_all(conn: &mut DbConn, rows: &[NewKpiValue]) -> RepoResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    match conn {
        DbConn::Postgres(pooled, _) => {
            let c: &mut diesel_async::AsyncPgConnection = &mut *pooled;
            diesel::insert_into(values_table::table)
                .values(rows)
                .execute(c)
                .await?;
        }
        DbConn::Sqlite(pooled, _) => {
            let c: &mut crate::db::SqliteConn = &mut *pooled;
            for row in rows {
                diesel::insert_into(values_table::table)
                    .values(row)
                    .execute(c)
                    .await?;
            }
        }
    }
    Ok(())
}

/// What recording one row does to the stored value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Insert,
    Update,
    Unchanged,
}

/// A checked row: its date is known.
struct Row {
    observed_on: NaiveDate,
    value: f64,
    note: Option<String>,
    source: Option<String>,
}

fn effect(old: Option<&ValueRow>, row: &Row) -> Effect {
    match old {
        None => Effect::Insert,
        Some(old) if old.value == row.value && old.note == row.note && old.source == row.source => {
            Effect::Unchanged
        }
        Some(_) => Effect::Update,
    }
}

fn value_changes(old: Option<&ValueRow>, new: &ValueRow) -> Changes {
    let mut c = Changes::default();
    match old {
        None => {
            c.created("kpi", &new.kpi_id);
            c.created("observedOn", &new.observed_on);
            c.created("value", &new.value);
            c.created("note", &new.note);
            c.created("source", &new.source);
        }
        Some(old) => {
            c.field("value", &old.value, &new.value);
            c.field("note", &old.note, &new.note);
            c.field("source", &old.source, &new.source);
        }
    }
    c
}

/// Records a batch of values: each (KPI, date) gets the row's value, note
/// and source, inserted or updated; rows equal to what is stored change
/// nothing and leave no audit entry. With `dry_run`, everything is checked
/// and counted but nothing is written. Every problem of every row is
/// reported at once (as `values.<index>.<field>`); with any, nothing is
/// written. Values must be observed within `horizon`.
pub async fn record(
    conn: &mut DbConn,
    actor: &Actor,
    rows: Vec<ValueInput>,
    dry_run: bool,
    horizon: &ObservedOnRange,
) -> RepoResult<Recorded> {
    if rows.len() > MAX_BATCH_ROWS {
        return Err(RepoError::rejected(FieldError::invalid(
            &["values"],
            format!(
                "a batch may hold at most {MAX_BATCH_ROWS} values, has {}; split it",
                rows.len()
            ),
        )));
    }
    let rows: Vec<ValueInput> = rows
        .into_iter()
        .map(|r| ValueInput {
            note: trimmed(r.note),
            source: trimmed(r.source),
            ..r
        })
        .collect();
    conn.write_transaction(async |conn| {
        let targets: Vec<&KpiRef> = rows.iter().filter_map(|r| r.kpi.as_ref().ok()).collect();
        let mut resolved = resolve(conn, &targets).await?.into_iter();
        let kpis: Vec<Result<Owned, FieldError>> = rows
            .iter()
            .map(|r| match &r.kpi {
                Ok(_) => resolved.next().expect("one per target"),
                Err(err) => Err(err.clone()),
            })
            .collect();
        let mut reach: Vec<&str> = kpis
            .iter()
            .filter_map(|k| k.as_ref().ok().map(|o| o.group.as_str()))
            .collect();
        reach.sort_unstable();
        reach.dedup();
        for group in reach {
            actor.may_change_group(group)?;
        }
        let mut problems = Problems::default();
        let mut seen: HashMap<(KpiId, NaiveDate), usize> = HashMap::new();
        for (i, (row, kpi)) in rows.iter().zip(&kpis).enumerate() {
            let at = i.to_string();
            let under = ["values", at.as_str()];
            if let Err(err) = kpi {
                problems.push(err.clone().under(&under));
            }
            match (kpi, &row.observed_on) {
                (_, Err(err)) => problems.push(err.clone().under(&under)),
                (Ok(owned), Ok(date)) => {
                    if let Some(first) = seen.insert((owned.kpi.id, *date), i) {
                        problems.push(
                            FieldError::invalid(
                                &["observedOn"],
                                format!(
                                    "row {first} already records this KPI on {date}; \
                                     a batch may hold one value per KPI and date",
                                ),
                            )
                            .under(&under),
                        );
                    }
                }
                (Err(_), Ok(_)) => {}
            }
            let kpi_row = kpi.as_ref().ok().map(|o| &o.kpi);
            for err in row_problems(kpi_row, row, horizon) {
                problems.push(err.under(&under));
            }
        }
        problems.finish()?;
        let owned: Vec<Owned> = kpis.into_iter().map(|k| k.expect("checked")).collect();
        let rows: Vec<Row> = rows
            .into_iter()
            .map(|r| Row {
                observed_on: r.observed_on.expect("checked"),
                value: r.value,
                note: r.note,
                source: r.source,
            })
            .collect();
        let pairs: HashSet<(KpiId, NaiveDate)> = rows
            .iter()
            .zip(&owned)
            .map(|(r, o)| (o.kpi.id, r.observed_on))
            .collect();
        let old = stored(conn, &pairs).await?;
        let effects: Vec<Effect> = rows
            .iter()
            .zip(&owned)
            .map(|(r, o)| effect(old.get(&(o.kpi.id, r.observed_on)), r))
            .collect();
        let count = |e: Effect| effects.iter().filter(|x| **x == e).count();
        let (inserted, updated, unchanged) = (
            count(Effect::Insert),
            count(Effect::Update),
            count(Effect::Unchanged),
        );
        let now = clock::now();
        let would_be = |r: &Row, o: &Owned| -> ValueRow {
            let stored = old.get(&(o.kpi.id, r.observed_on));
            ValueRow {
                id: stored.map_or(KpiValueId::new(0), |s| s.id),
                kpi_id: o.kpi.id,
                observed_on: r.observed_on,
                value: r.value,
                note: r.note.clone(),
                source: r.source.clone(),
                created_at: stored.map_or(now, |s| s.created_at),
                updated_at: match stored {
                    Some(s) if effect(Some(s), r) == Effect::Unchanged => s.updated_at,
                    _ => now,
                },
            }
        };
        if dry_run {
            return Ok(Recorded {
                values: rows
                    .iter()
                    .zip(&owned)
                    .map(|(r, o)| would_be(r, o))
                    .collect(),
                inserted,
                updated,
                unchanged,
            });
        }
        let new_rows: Vec<NewKpiValue> = rows
            .iter()
            .zip(&owned)
            .zip(&effects)
            .filter(|(_, e)| **e == Effect::Insert)
            .map(|((r, o), _)| NewKpiValue {
                kpi_id: o.kpi.id,
                observed_on: r.observed_on,
                value: r.value,
                note: r.note.clone(),
                source: r.source.clone(),
                created_at: now,
                updated_at: now,
            })
            .collect();
        insert_all(conn, &new_rows).await?;
        for ((r, o), e) in rows.iter().zip(&owned).zip(&effects) {
            if *e == Effect::Update {
                let id = old[&(o.kpi.id, r.observed_on)].id;
                with_conn!(conn, c => diesel::update(values_table::table.find(id))
                    .set((
                        values_table::value.eq(r.value),
                        values_table::note.eq(&r.note),
                        values_table::source.eq(&r.source),
                        values_table::updated_at.eq(now),
                    ))
                    .execute(c)
                    .await)?;
            }
        }
        let now_stored = if inserted + updated > 0 {
            stored(conn, &pairs).await?
        } else {
            old.clone()
        };
        let mut values = Vec::with_capacity(rows.len());
        let mut entries = Vec::with_capacity(inserted + updated);
        for ((r, o), e) in rows.iter().zip(&owned).zip(&effects) {
            let key = (o.kpi.id, r.observed_on);
            let row = now_stored
                .get(&key)
                .cloned()
                .ok_or_else(|| RepoError::Corrupt(format!("value {key:?} vanished")))?;
            let action = match e {
                Effect::Insert => Some(AuditAction::Create),
                Effect::Update => Some(AuditAction::Update),
                Effect::Unchanged => None,
            };
            if let Some(action) = action {
                entries.push((action, row.id.subject(), value_changes(old.get(&key), &row)));
            }
            values.push(row);
        }
        let entries = entries.iter().map(|(a, s, c)| (*a, *s, c));
        audit_log::append_all(conn, &actor.name, entries).await?;
        Ok(Recorded {
            values,
            inserted,
            updated,
            unchanged,
        })
    })
    .await
}

/// The working group code of a KPI's (live) measure.
async fn group_of(conn: &mut DbConn, kpi: &KpiRow) -> RepoResult<Option<String>> {
    let Some(measure) = measure::by_ids(conn, &[kpi.measure_id], Audience::Internal)
        .await?
        .pop()
    else {
        return Ok(None);
    };
    Ok(working_group::by_ids(conn, &[measure.working_group_id])
        .await?
        .pop()
        .map(|g| g.code))
}

/// The value a reference names with its KPI and that KPI's working group.
/// Errors name `id`, or `kpi.*` / `observedOn`.
async fn find(conn: &mut DbConn, target: &ValueRef) -> RepoResult<(ValueRow, KpiRow, String)> {
    let gone = || RepoError::rejected(not_found(&["id"], "no KPI value has this ID"));
    let (value, kpi) = match target {
        ValueRef::Id(id) => {
            let value = kpi_values::by_ids(conn, &[*id], Audience::Internal)
                .await?
                .pop()
                .ok_or_else(gone)?;
            let kpi = kpi::by_ids(conn, &[value.kpi_id], Audience::Internal)
                .await?
                .pop()
                .ok_or_else(gone)?;
            (value, kpi)
        }
        ValueRef::Key { kpi, observed_on } => {
            let kpi = lookups::kpi(conn, kpi).await.map_err(|err| match err {
                RepoError::Rejected(errors) => RepoError::Rejected(
                    errors
                        .into_iter()
                        .map(|e| e.renamed("key", &["kpi"]))
                        .collect(),
                ),
                other => other,
            })?;
            let pair = HashSet::from([(kpi.id, *observed_on)]);
            let value = stored(conn, &pair)
                .await?
                .into_values()
                .next()
                .ok_or_else(|| {
                    RepoError::rejected(not_found(
                        &["observedOn"],
                        format!("the KPI has no value on {observed_on}"),
                    ))
                })?;
            (value, kpi)
        }
    };
    let group = group_of(conn, &kpi).await?.ok_or_else(gone)?;
    Ok((value, kpi, group))
}

/// Deletes one value; returns it as it was, with its KPI.
pub async fn delete(
    conn: &mut DbConn,
    actor: &Actor,
    target: &ValueRef,
) -> RepoResult<(ValueRow, KpiRow)> {
    conn.write_transaction(async |conn| {
        let (value, kpi, group) = find(conn, target).await?;
        actor.may_change_group(&group)?;
        with_conn!(conn, c => diesel::delete(values_table::table.find(value.id))
            .execute(c)
            .await)?;
        let mut changes = Changes::default();
        changes.field("kpi", &Some(value.kpi_id), &None);
        changes.field("observedOn", &Some(value.observed_on), &None);
        changes.field("value", &Some(value.value), &None);
        changes.field("note", &value.note, &None);
        changes.field("source", &value.source, &None);
        audit_log::append(
            conn,
            &actor.name,
            AuditAction::Delete,
            value.id.subject(),
            &changes,
        )
        .await?;
        Ok((value, kpi))
    })
    .await
}
