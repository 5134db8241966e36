//! Creating, changing and archiving KPIs, with their baseline and targets.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::kpi::{repeated_dates, validate_value};
use masterplan_domain::status::{KpiDirection, KpiValueType};
use masterplan_domain::validation::{
    self as rules, FieldError, MAX_LONG_TEXT_CHARS, MAX_NAME_CHARS, MAX_NOTE_CHARS, MAX_TITLE_CHARS,
};
use masterplan_domain::visibility::Visibility;
use serde::Serialize;

use crate::clock;
use crate::db::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::ids::{KpiId, MeasureId};
use crate::load_rows::{LoadRows, first_row};
use crate::models::kpi::{self, KpiRow, NewTarget};
use crate::models::measure::MeasureRow;
use crate::models::search::kpi_document;
use crate::schema::{kpi_targets, kpi_values, kpis};
use crate::sql_types::TextEnum;
use crate::with_conn;
use crate::writes::audit_log::Changes;
use crate::writes::audited::{self, Archivable, Audited};
use crate::writes::lookups::{self, KpiRef, MeasureRef};
use crate::writes::measure_reach::{new_child_of, parent_of};
use crate::writes::search_index;
use crate::writes::{Actor, Problems, guarded_update, set_archived, set_given};

/// The value a KPI starts from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Baseline {
    pub value: f64,
    pub observed_on: Option<NaiveDate>,
    pub note: Option<String>,
}

/// A value a KPI should reach by a date.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetInput {
    pub value: f64,
    pub due_on: NaiveDate,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewKpiInput {
    pub measure: MeasureRef,
    pub name: String,
    pub description: Option<String>,
    pub unit: Option<String>,
    pub value_type: KpiValueType,
    pub direction: KpiDirection,
    pub baseline: Option<Baseline>,
    pub targets: Vec<TargetInput>,
    pub visibility: Visibility,
}

/// An update: `None` keeps a field; for nullable fields `Some(None)` clears
/// it; `targets` replaces the whole list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KpiPatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub unit: Option<Option<String>>,
    pub value_type: Option<KpiValueType>,
    pub direction: Option<KpiDirection>,
    pub baseline: Option<Option<Baseline>>,
    pub targets: Option<Vec<TargetInput>>,
    pub visibility: Option<Visibility>,
}

/// What writes set on a KPI, compared field by field for the audit trail.
/// Targets are stored in due-date order.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiFields {
    pub name: String,
    pub description: Option<String>,
    pub unit: Option<String>,
    pub value_type: KpiValueType,
    pub direction: KpiDirection,
    pub baseline: Option<Baseline>,
    pub targets: Vec<TargetInput>,
    /// Place among the measure's KPIs, set when the KPI is added.
    pub position: i32,
    pub visibility: Visibility,
}

#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = kpis, treat_none_as_null = true)]
struct KpiColumns {
    name: String,
    description: Option<String>,
    unit: Option<String>,
    #[diesel(serialize_as = TextEnum<KpiValueType>)]
    value_type: KpiValueType,
    #[diesel(serialize_as = TextEnum<KpiDirection>)]
    direction: KpiDirection,
    baseline_value: Option<f64>,
    baseline_observed_on: Option<NaiveDate>,
    baseline_note: Option<String>,
    #[diesel(serialize_as = TextEnum<Visibility>)]
    visibility: Visibility,
}

/// Where a value that does not fit the KPI's type is reported: at the value
/// the input gave, or, for a baseline or targets the update kept while
/// changing the type, at `valueType`.
#[derive(Debug, Clone, Copy, Default)]
struct Kept {
    baseline: bool,
    targets: bool,
}

fn optional(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

impl KpiFields {
    /// Trims texts and turns blank optional texts into "none".
    pub fn normalised(mut self) -> Self {
        self.name = self.name.trim().to_owned();
        self.description = optional(self.description);
        self.unit = optional(self.unit);
        if let Some(baseline) = &mut self.baseline {
            baseline.note = optional(baseline.note.take());
        }
        for target in &mut self.targets {
            target.note = optional(target.note.take());
        }
        self
    }

    /// The same fields with targets in due-date order (the stored order).
    fn sorted(mut self) -> Self {
        self.targets.sort_by_key(|t| t.due_on);
        self
    }

    fn problems(&self, kept: Kept) -> Problems {
        let mut problems = Problems::default();
        let value_type = self.value_type;
        let misfit = |value: f64| validate_value(value_type, value).err();
        problems.check(&["name"], rules::required_text(&self.name, MAX_TITLE_CHARS));
        if let Some(description) = &self.description {
            problems.check(
                &["description"],
                rules::too_long(description, MAX_LONG_TEXT_CHARS),
            );
        }
        if let Some(unit) = &self.unit {
            problems.check(&["unit"], rules::too_long(unit, MAX_NAME_CHARS));
        }
        if let Some(baseline) = &self.baseline {
            if let Some(err) = misfit(baseline.value) {
                problems.push(if kept.baseline {
                    FieldError::invalid(
                        &["valueType"],
                        format!(
                            "the baseline does not fit {value_type}: {err}; change the baseline too"
                        ),
                    )
                } else {
                    FieldError::invalid(&["baseline", "value"], err.to_string())
                });
            }
            if let Some(note) = &baseline.note {
                problems.check(&["baseline", "note"], rules::too_long(note, MAX_NOTE_CHARS));
            }
        }
        for (i, target) in self.targets.iter().enumerate() {
            let at = i.to_string();
            if let Some(err) = misfit(target.value) {
                problems.push(if kept.targets {
                    FieldError::invalid(
                        &["valueType"],
                        format!(
                            "the target due on {} does not fit {value_type}: {err}; change the targets too",
                            target.due_on
                        ),
                    )
                } else {
                    FieldError::invalid(&["targets", &at, "value"], err.to_string())
                });
            }
            if let Some(note) = &target.note {
                problems.check(
                    &["targets", &at, "note"],
                    rules::too_long(note, MAX_NOTE_CHARS),
                );
            }
        }
        let due: Vec<NaiveDate> = self.targets.iter().map(|t| t.due_on).collect();
        for (i, first) in repeated_dates(&due) {
            let at = i.to_string();
            problems.check(
                &["targets", &at, "dueOn"],
                Some(format!(
                    "{} already has a target, in targets[{first}]; a KPI has one target per date",
                    due[i]
                )),
            );
        }
        problems
    }

    fn columns(&self) -> KpiColumns {
        KpiColumns {
            name: self.name.clone(),
            description: self.description.clone(),
            unit: self.unit.clone(),
            value_type: self.value_type,
            direction: self.direction,
            baseline_value: self.baseline.as_ref().map(|b| b.value),
            baseline_observed_on: self.baseline.as_ref().and_then(|b| b.observed_on),
            baseline_note: self.baseline.as_ref().and_then(|b| b.note.clone()),
            visibility: self.visibility,
        }
    }
}
/// Refuses a name that another KPI of the measure (archived ones included:
/// the database keeps names unique per measure) already has.
async fn check_name_free(
    conn: &mut DbConn,
    measure_id: MeasureId,
    name: &str,
    except: Option<KpiId>,
) -> RepoResult<()> {
    let holders: Vec<(KpiId, bool)> = with_conn!(conn, c => kpis::table
        .filter(kpis::measure_id.eq(measure_id))
        .filter(kpis::name.eq(name))
        .select((kpis::id, kpis::archived_at.is_not_null()))
        .load(c)
        .await)?;
    match holders.into_iter().find(|(id, _)| Some(*id) != except) {
        None => Ok(()),
        Some((_, archived)) => Err(RepoError::rejected(FieldError::duplicate(
            &["name"],
            if archived {
                format!(
                    "{name:?} is the name of an archived KPI of this measure; \
                     names stay taken after archiving, so choose another"
                )
            } else {
                format!("this measure already has a KPI named {name:?}")
            },
        ))),
    }
}

/// Refuses a new value type that recorded values of the KPI do not fit.
async fn check_values_fit(
    conn: &mut DbConn,
    kpi_id: KpiId,
    value_type: KpiValueType,
) -> RepoResult<()> {
    let values: Vec<(NaiveDate, f64)> = with_conn!(conn, c => kpi_values::table
        .filter(kpi_values::kpi_id.eq(kpi_id))
        .order(kpi_values::observed_on)
        .select((kpi_values::observed_on, kpi_values::value))
        .load(c)
        .await)?;
    let misfits: Vec<(NaiveDate, f64)> = values
        .into_iter()
        .filter(|(_, v)| validate_value(value_type, *v).is_err())
        .collect();
    match <[_]>::first(&misfits) {
        None => Ok(()),
        Some((on, value)) => Err(RepoError::rejected(FieldError::invalid(
            &["valueType"],
            format!(
                "{} recorded value(s) do not fit {value_type}, e.g. {value} on {on}; \
                 correct or delete them first",
                misfits.len()
            ),
        ))),
    }
}

async fn targets_of(conn: &mut DbConn, kpi_id: KpiId) -> RepoResult<Vec<TargetInput>> {
    Ok(kpi::targets_of(conn, &[kpi_id])
        .await?
        .into_iter()
        .map(|t| TargetInput {
            value: t.value,
            due_on: t.due_on,
            note: t.note,
        })
        .collect())
}

/// Replaces the KPI's targets with `targets`.
async fn store_targets(
    conn: &mut DbConn,
    kpi_id: KpiId,
    targets: &[TargetInput],
) -> RepoResult<()> {
    let rows: Vec<NewTarget> = targets
        .iter()
        .map(|t| NewTarget {
            kpi_id,
            value: t.value,
            due_on: t.due_on,
            note: t.note.clone(),
        })
        .collect();
    with_conn!(conn, c => {
        diesel::delete(kpi_targets::table.filter(kpi_targets::kpi_id.eq(kpi_id)))
            .execute(c)
            .await?;
        for row in &rows {
            diesel::insert_into(kpi_targets::table).values(row).execute(c).await?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    Ok(())
}

async fn next_position(conn: &mut DbConn, measure_id: MeasureId) -> RepoResult<i32> {
    let max: Option<i32> = with_conn!(conn, c => kpis::table
        .filter(kpis::measure_id.eq(measure_id))
        .select(diesel::dsl::max(kpis::position))
        .first(c)
        .await)?;
    Ok(max.unwrap_or(0) + 1)
}

impl Audited for KpiFields {
    type Row = KpiRow;
    type Target = KpiRef;
    /// The measure the KPI belongs to.
    type Scope = MeasureRow;
    type Patch = KpiPatch;

    type Id = KpiId;
    const NAME: &'static str = "KPI";

    fn field_problems(&self) -> Problems {
        self.problems(Kept::default())
    }

    fn id(row: &KpiRow) -> KpiId {
        row.id
    }

    fn version(row: &KpiRow) -> i32 {
        row.version
    }

    async fn find(conn: &mut DbConn, target: &KpiRef) -> RepoResult<KpiRow> {
        lookups::kpi(conn, target).await
    }

    async fn reach(conn: &mut DbConn, actor: &Actor, row: &KpiRow) -> RepoResult<MeasureRow> {
        Ok(parent_of(conn, actor, row.measure_id, "KPI").await?.0)
    }

    async fn of(conn: &mut DbConn, row: &KpiRow, _measure: &MeasureRow) -> RepoResult<Self> {
        Ok(KpiFields {
            name: row.name.clone(),
            description: row.description.clone(),
            unit: row.unit.clone(),
            value_type: row.value_type,
            direction: row.direction,
            baseline: row.baseline_value.map(|value| Baseline {
                value,
                observed_on: row.baseline_observed_on,
                note: row.baseline_note.clone(),
            }),
            targets: targets_of(conn, row.id).await?,
            position: row.position,
            visibility: row.visibility,
        })
    }

    fn apply(mut self, patch: KpiPatch) -> Self {
        set_given(&mut self.name, patch.name);
        set_given(&mut self.description, patch.description);
        set_given(&mut self.unit, patch.unit);
        set_given(&mut self.value_type, patch.value_type);
        set_given(&mut self.direction, patch.direction);
        set_given(&mut self.baseline, patch.baseline);
        set_given(&mut self.targets, patch.targets);
        set_given(&mut self.visibility, patch.visibility);
        self.normalised()
    }

    /// Targets in another order are the same targets.
    fn same_as(&self, old: &Self) -> bool {
        self.clone().sorted() == *old
    }

    /// A new value type must fit the recorded values, and the baseline and
    /// targets it keeps (reported at `valueType` then).
    async fn check(
        &self,
        conn: &mut DbConn,
        measure: &MeasureRow,
        current: Option<&KpiRow>,
        old: Option<&Self>,
    ) -> RepoResult<()> {
        let kept = Kept {
            baseline: old.is_some_and(|o| o.baseline == self.baseline),
            targets: old.is_some_and(|o| o.targets == self.clone().sorted().targets),
        };
        self.problems(kept).finish()?;
        if let (Some(current), Some(old)) = (current, old)
            && self.value_type != old.value_type
        {
            check_values_fit(conn, current.id, self.value_type).await?;
        }
        if old.is_none_or(|old| old.name != self.name) {
            check_name_free(conn, measure.id, &self.name, current.map(|c| c.id)).await?;
        }
        Ok(())
    }

    async fn insert_row(&self, conn: &mut DbConn, measure: &MeasureRow) -> RepoResult<KpiId> {
        let now = clock::now();
        let columns = self.columns();
        let id: KpiId = with_conn!(conn, c => diesel::insert_into(kpis::table)
            .values((
                kpis::measure_id.eq(measure.id),
                kpis::position.eq(self.position),
                columns,
                kpis::created_at.eq(now),
                kpis::updated_at.eq(now),
            ))
            .returning(kpis::id)
            .get_result(c)
            .await)?;
        store_targets(conn, id, &self.clone().sorted().targets).await?;
        Ok(id)
    }

    async fn update_row(
        &self,
        conn: &mut DbConn,
        _measure: &MeasureRow,
        current: &KpiRow,
        old: &Self,
    ) -> RepoResult<()> {
        let new = self.clone().sorted();
        guarded_update!(conn, kpis, current, new.columns(), "KPI")?;
        if new.targets != old.targets {
            store_targets(conn, current.id, &new.targets).await?;
        }
        Ok(())
    }

    async fn load(conn: &mut DbConn, id: KpiId) -> RepoResult<KpiRow> {
        Ok(with_conn!(conn, c => c.load_rows(
            kpis::table.find(id).select(KpiRow::as_select()).into_boxed()
        )
        .await)
        .and_then(first_row)?)
    }

    async fn reindex(conn: &mut DbConn, row: &KpiRow, measure: &MeasureRow) -> RepoResult<()> {
        let text = kpi_document(&row.name, row.description.as_deref());
        search_index::reindex(conn, measure.plan_id, row.id, &text).await
    }

    /// Baseline and targets are recorded as whole values; the position is
    /// not a field anyone sets.
    fn changes(&self, old: Option<&Self>) -> Changes {
        let new = self.clone().sorted();
        let mut c = Changes::default();
        c.record("name", old.map(|o| &o.name), &new.name);
        c.record("description", old.map(|o| &o.description), &new.description);
        c.record("unit", old.map(|o| &o.unit), &new.unit);
        c.record(
            "valueType",
            old.map(|o| o.value_type.as_str()).as_ref(),
            &new.value_type.as_str(),
        );
        c.record(
            "direction",
            old.map(|o| o.direction.as_str()).as_ref(),
            &new.direction.as_str(),
        );
        c.record("baseline", old.map(|o| &o.baseline), &new.baseline);
        c.record(
            "visibility",
            old.map(|o| o.visibility.as_str()).as_ref(),
            &new.visibility.as_str(),
        );
        if old.is_some() || !new.targets.is_empty() {
            c.record("targets", old.map(|o| &o.targets), &new.targets);
        }
        c
    }
}

impl Archivable for KpiFields {
    async fn archive_row(conn: &mut DbConn, row: &KpiRow, at: NaiveDateTime) -> RepoResult<()> {
        set_archived!(conn, kpis, row, at)
    }
}

/// Adds a KPI, with its baseline and targets, to a measure (after its last KPI).
pub async fn create(conn: &mut DbConn, actor: &Actor, input: NewKpiInput) -> RepoResult<KpiRow> {
    audited::create::<KpiFields>(conn, actor, async |conn| {
        let (measure, _) = new_child_of(conn, actor, &input.measure).await?;
        let position = next_position(conn, measure.id).await?;
        let fields = KpiFields {
            name: input.name,
            description: input.description,
            unit: input.unit,
            value_type: input.value_type,
            direction: input.direction,
            baseline: input.baseline,
            targets: input.targets,
            position,
            visibility: input.visibility,
        }
        .normalised();
        Ok((measure, fields))
    })
    .await
}

/// Applies `patch` when `expected_version` is current. A patch that changes
/// nothing leaves the KPI (and its version) as it is. A new value type must
/// fit the recorded values and the kept baseline and targets.
pub async fn update(
    conn: &mut DbConn,
    actor: &Actor,
    target: &KpiRef,
    expected_version: i32,
    patch: KpiPatch,
) -> RepoResult<KpiRow> {
    audited::update::<KpiFields>(conn, actor, target, expected_version, patch).await
}

/// Archives a KPI: it leaves lists, search and counts but stays in the
/// database and its history, with its targets and values; its name stays taken.
pub async fn archive(
    conn: &mut DbConn,
    actor: &Actor,
    target: &KpiRef,
    expected_version: i32,
) -> RepoResult<KpiRow> {
    audited::archive::<KpiFields>(conn, actor, target, expected_version).await
}
