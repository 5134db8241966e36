//! Mutations of KPI values: record a batch (idempotent upsert by KPI and
//! date, all or nothing, optionally as a dry run) and delete one value.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use masterplan_domain::validation::FieldError;
use masterplan_persistence::writes::kpi_values::{self, ValueInput, ValueRef};
use masterplan_persistence::writes::lookups::KpiRef;

use crate::error::ApiResult;
use crate::graphql::context::{conn, limits};
use crate::graphql::mutations::access::editor;
use crate::graphql::mutations::kpi::{KpiKeyInput, kpi_ref};
use crate::graphql::mutations::user_errors::{UserError, refused, settle};
use crate::graphql::objects::{Kpi, KpiValue};
use crate::graphql::scalars::{Date, LenientDate};
use crate::ids::{decode_as, encode};

/// One value to record. Name the KPI by `kpiId` or by `kpi` (exactly one).
/// The row is the whole value: a `note` or `source` left out is stored as none.
#[derive(InputObject)]
pub struct KpiValueInput {
    /// The KPI's ID.
    pub kpi_id: Option<ID>,
    /// The KPI by natural key.
    pub kpi: Option<KpiKeyInput>,
    /// Within the plan's horizon (the server's `--observed-on-range`,
    /// 1990-01-01..2100-12-31 unless set). A text that is not a date is
    /// reported as this row's user error, with the batch's other problems.
    pub observed_on: LenientDate,
    /// Must fit the KPI's value type: PERCENT 0–100, MILESTONE 0 or 1; a
    /// count (unit `Anzahl`) is never negative.
    pub value: f64,
    pub note: Option<String>,
    /// Where the value comes from (a report, a system).
    pub source: Option<String>,
}

#[derive(InputObject)]
pub struct RecordKpiValuesInput {
    pub client_mutation_id: Option<String>,
    /// Check and count only; write nothing.
    #[graphql(default)]
    pub dry_run: bool,
    /// Up to 1000 values, at most one per KPI and date.
    pub values: Vec<KpiValueInput>,
}

/// Names the value by `id`, or by `kpi` and `observedOn`.
#[derive(InputObject)]
pub struct DeleteKpiValueInput {
    pub client_mutation_id: Option<String>,
    pub id: Option<ID>,
    pub kpi: Option<KpiKeyInput>,
    pub observed_on: Option<Date>,
}

/// The outcome of recording a batch: the values as stored (in input order)
/// with what the batch did to them, or the reasons nothing was written.
#[derive(SimpleObject)]
pub struct RecordKpiValuesPayload {
    /// In input order. In a dry run, the values as they would be stored; a
    /// value that would be inserted has no stored ID yet, so its `id` names
    /// nothing.
    pub kpi_values: Vec<KpiValue>,
    /// Values that did not exist before.
    pub inserted: i32,
    /// Values whose value, note or source changed.
    pub updated: i32,
    /// Values already stored exactly so (no audit entry).
    pub unchanged: i32,
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    pub user_errors: Vec<UserError>,
    pub client_mutation_id: Option<String>,
}

impl RecordKpiValuesPayload {
    fn refused(user_errors: Vec<UserError>, dry_run: bool, id: Option<String>) -> Self {
        RecordKpiValuesPayload {
            kpi_values: Vec::new(),
            inserted: 0,
            updated: 0,
            unchanged: 0,
            dry_run,
            user_errors,
            client_mutation_id: id,
        }
    }
}

/// The outcome of deleting a value.
#[derive(SimpleObject)]
pub struct DeleteKpiValuePayload {
    /// The ID the deleted value had.
    pub deleted_kpi_value_id: Option<ID>,
    /// The KPI the value belonged to.
    pub kpi: Option<Kpi>,
    pub user_errors: Vec<UserError>,
    pub client_mutation_id: Option<String>,
}

/// The KPI a row names, or the problem with how it names it (relative to
/// the row: `kpiId`, or `kpi.<field>`).
fn row_kpi(kpi_id: Option<&ID>, key: Option<KpiKeyInput>) -> Result<KpiRef, FieldError> {
    match (kpi_id, key) {
        (Some(id), None) => decode_as(id).map(KpiRef::Id).ok_or_else(|| {
            FieldError::not_found(
                &["kpiId"],
                format!("{:?} is not the ID of a KPI", id.as_str()),
            )
        }),
        (None, Some(key)) => key.into_ref().map_err(|e| e.under(&["kpi"])),
        (Some(_), Some(_)) => Err(FieldError::invalid(
            &["kpiId"],
            "name the KPI either by `kpiId` (its ID) or by `kpi` (its key), not both",
        )),
        (None, None) => Err(FieldError::invalid(
            &["kpiId"],
            "name the KPI: give `kpiId` (its ID) or `kpi` (its key)",
        )),
    }
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[derive(Default)]
pub struct KpiValueMutations;

#[Object]
impl KpiValueMutations {
    /// Records KPI values (editors of the KPIs' working groups, admins): each
    /// (KPI, date) gets the row's value, inserted or updated, so running the
    /// same batch again changes nothing. One bad row refuses the whole batch.
    async fn record_kpi_values(
        &self,
        ctx: &Context<'_>,
        input: RecordKpiValuesInput,
    ) -> ApiResult<RecordKpiValuesPayload> {
        let actor = editor(ctx)?;
        let dry_run = input.dry_run;
        let horizon = limits(ctx)?.observed_on_range;
        let rows: Vec<ValueInput> = input
            .values
            .into_iter()
            .map(|row| ValueInput {
                kpi: row_kpi(row.kpi_id.as_ref(), row.kpi),
                observed_on: row
                    .observed_on
                    .0
                    .map_err(|message| FieldError::invalid(&["observedOn"], message)),
                value: row.value,
                note: row.note,
                source: row.source,
            })
            .collect();
        let mut conn = conn(ctx).await?;
        let outcome = settle(kpi_values::record(&mut conn, &actor, rows, dry_run, &horizon).await)?;
        Ok(match outcome {
            Ok(recorded) => RecordKpiValuesPayload {
                kpi_values: recorded.values.into_iter().map(KpiValue::live).collect(),
                inserted: count(recorded.inserted),
                updated: count(recorded.updated),
                unchanged: count(recorded.unchanged),
                dry_run,
                user_errors: Vec::new(),
                client_mutation_id: input.client_mutation_id,
            },
            Err(errors) => {
                RecordKpiValuesPayload::refused(errors, dry_run, input.client_mutation_id)
            }
        })
    }

    /// Deletes one KPI value (editors of the KPI's working group, admins).
    async fn delete_kpi_value(
        &self,
        ctx: &Context<'_>,
        input: DeleteKpiValueInput,
    ) -> ApiResult<DeleteKpiValuePayload> {
        let actor = editor(ctx)?;
        let refuse = |errors: Vec<UserError>, id: Option<String>| DeleteKpiValuePayload {
            deleted_kpi_value_id: None,
            kpi: None,
            user_errors: errors,
            client_mutation_id: id,
        };
        let target = match (input.id, input.kpi, input.observed_on) {
            (Some(id), None, None) => match decode_as(&id) {
                Some(id) => ValueRef::Id(id),
                None => {
                    let error = FieldError::not_found(
                        &["id"],
                        format!("{:?} is not the ID of a KpiValue", id.as_str()),
                    );
                    return Ok(refuse(refused(error), input.client_mutation_id));
                }
            },
            (None, Some(key), Some(date)) => {
                let kpi = match kpi_ref(None, Some(key)) {
                    Ok(kpi) => kpi,
                    Err(errors) => return Ok(refuse(errors, input.client_mutation_id)),
                };
                ValueRef::Key {
                    kpi,
                    observed_on: date.0,
                }
            }
            _ => {
                let error = FieldError::invalid(
                    &["id"],
                    "give either `id`, or `kpi` and `observedOn`, to name the value",
                );
                return Ok(refuse(refused(error), input.client_mutation_id));
            }
        };
        let mut conn = conn(ctx).await?;
        Ok(
            match settle(kpi_values::delete(&mut conn, &actor, &target).await)? {
                Ok((value, kpi)) => DeleteKpiValuePayload {
                    deleted_kpi_value_id: Some(encode(value.id)),
                    kpi: Some(Kpi::live(kpi)),
                    user_errors: Vec::new(),
                    client_mutation_id: input.client_mutation_id,
                },
                Err(errors) => refuse(errors, input.client_mutation_id),
            },
        )
    }
}
