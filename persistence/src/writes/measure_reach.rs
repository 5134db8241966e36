//! The measure a goal or KPI belongs to, and whether the actor may change
//! things of it: the working group of a goal or KPI is its measure's group.

use crate::db::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::ids::MeasureId;
use crate::models::measure::{self, MeasureRow};
use crate::models::working_group::{self, WorkingGroupRow};
use crate::writes::Actor;
use crate::writes::lookups::{self, MeasureRef};
use masterplan_domain::validation::FieldError;
use masterplan_domain::visibility::Audience;

/// The measure named in a create input (`measureId` or `measure`), checked
/// against the actor's reach. Errors name `measureId` or `measure.plan` /
/// `measure.code`.
pub async fn new_child_of(
    conn: &mut DbConn,
    actor: &Actor,
    target: &MeasureRef,
) -> RepoResult<(MeasureRow, WorkingGroupRow)> {
    let measure = lookups::measure(conn, target)
        .await
        .map_err(|err| match err {
            RepoError::Rejected(errors) => RepoError::Rejected(
                errors
                    .into_iter()
                    .map(|e| e.renamed("id", &["measureId"]).renamed("key", &["measure"]))
                    .collect(),
            ),
            other => other,
        })?;
    let group = group_of(conn, &measure).await?;
    actor.may_change_group(&group.code)?;
    Ok((measure, group))
}

/// The (not archived) measure of an existing goal or KPI, checked against
/// the actor's reach; a goal or KPI of an archived measure is not found
/// (error on `id`).
pub async fn parent_of(
    conn: &mut DbConn,
    actor: &Actor,
    measure_id: MeasureId,
    what: &str,
) -> RepoResult<(MeasureRow, WorkingGroupRow)> {
    let measure = measure::by_ids(conn, &[measure_id], Audience::Internal)
        .await?
        .pop()
        .ok_or_else(|| {
            RepoError::rejected(FieldError::not_found(
                &["id"],
                format!("the {what} belongs to an archived measure"),
            ))
        })?;
    let group = group_of(conn, &measure).await?;
    actor.may_change_group(&group.code)?;
    Ok((measure, group))
}

async fn group_of(conn: &mut DbConn, measure: &MeasureRow) -> RepoResult<WorkingGroupRow> {
    working_group::by_ids(conn, &[measure.working_group_id])
        .await?
        .pop()
        .ok_or_else(|| {
            RepoError::Corrupt(format!(
                "working group {} of measure {} is missing",
                measure.working_group_id, measure.id
            ))
        })
}
