//! How writes name the objects they change: by database id (from a global
//! ID) or by natural key (plan slug + measure code, measure + KPI name), so
//! that a re-run script needs no id bookkeeping.

use masterplan_domain::validation::FieldError;
use masterplan_domain::visibility::Audience;

use crate::db::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::ids::{GoalId, KpiId, MeasureId, PlanId};
use crate::models::goal::{self, GoalRow};
use crate::models::kpi::{self, KpiRow};
use crate::models::measure::{self, MeasureRow};
use crate::models::plan::{self, PlanRow};
use crate::models::working_group::{self, WorkingGroupRow};

/// A plan by slug; `None` is allowed while the database holds one plan.
pub async fn plan(conn: &mut DbConn, slug: Option<&str>, field: &[&str]) -> RepoResult<PlanRow> {
    match slug {
        Some(slug) => plan::find_by_slug(conn, slug).await?.ok_or_else(|| {
            RepoError::rejected(FieldError::not_found(
                field,
                format!("no plan has the slug {slug:?}"),
            ))
        }),
        None => {
            let mut plans = plan::first_two(conn).await?;
            match plans.len() {
                1 => Ok(plans.remove(0)),
                0 => Err(RepoError::rejected(FieldError::not_found(
                    field,
                    "there is no plan yet; create one first",
                ))),
                _ => Err(RepoError::rejected(FieldError::invalid(
                    field,
                    "several plans exist: name the plan by its slug",
                ))),
            }
        }
    }
}

/// A working group of `plan_id` by code.
pub async fn working_group(
    conn: &mut DbConn,
    plan_id: PlanId,
    code: &str,
    field: &[&str],
) -> RepoResult<WorkingGroupRow> {
    working_group::find_by_code(conn, plan_id, code)
        .await?
        .ok_or_else(|| {
            RepoError::rejected(FieldError::not_found(
                field,
                format!("this plan has no working group with the code {code:?}"),
            ))
        })
}

/// How a natural key names a measure within its plan: by code (`1.2`), or
/// by title for a measure without a code (the plan's "DMS und E-Akte").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MeasureKey {
    Code(String),
    /// The exact title (trimmed); found only while one live measure of the
    /// plan has it.
    Title(String),
}

impl std::fmt::Display for MeasureKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MeasureKey::Code(code) => f.write_str(code),
            MeasureKey::Title(title) => write!(f, "{title:?}"),
        }
    }
}

/// A measure named by id or by plan slug and code or title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeasureRef {
    Id(MeasureId),
    Key {
        plan: Option<String>,
        measure: MeasureKey,
    },
}

fn missing(field: &[&str], message: impl Into<String>) -> RepoError {
    RepoError::rejected(FieldError::not_found(field, message))
}

/// The live measure of plan `plan_id` a key names, as `audience` sees it.
/// Errors name `code_field` or `title_field` (relative to the key).
pub async fn measure_in_plan(
    conn: &mut DbConn,
    plan_id: PlanId,
    key: &MeasureKey,
    audience: Audience,
    (code_field, title_field): (&str, &str),
) -> RepoResult<MeasureRow> {
    match key {
        MeasureKey::Code(code) => measure::find_by_code(conn, plan_id, code, audience)
            .await?
            .ok_or_else(|| {
                missing(
                    &[code_field],
                    format!("the plan has no measure with the code {code:?}"),
                )
            }),
        MeasureKey::Title(title) => {
            let mut found = measure::find_by_title(conn, plan_id, title.trim(), audience).await?;
            match found.len() {
                1 => Ok(found.remove(0)),
                0 => Err(missing(
                    &[title_field],
                    format!("the plan has no measure with the title {title:?}"),
                )),
                n => Err(RepoError::rejected(FieldError::invalid(
                    &[title_field],
                    format!(
                        "{n} measures of the plan have the title {title:?}; name the measure \
                         by its code or ID instead"
                    ),
                ))),
            }
        }
    }
}

/// The measure of a plan (by slug) with a code or title; errors name
/// `key.plan` / `key.<code_field>` / `key.<title_field>`.
async fn measure_by_key(
    conn: &mut DbConn,
    slug: Option<&str>,
    key: &MeasureKey,
    fields: (&str, &str),
) -> RepoResult<MeasureRow> {
    let plan = plan(conn, slug, &["key", "plan"]).await?;
    measure_in_plan(conn, plan.id, key, Audience::Internal, fields)
        .await
        .map_err(|err| match err {
            RepoError::Rejected(errors) => {
                RepoError::Rejected(errors.into_iter().map(|e| e.under(&["key"])).collect())
            }
            other => other,
        })
}

/// The measure a reference names (archived measures are not found). Errors
/// name the input field `id`, or `key.plan` / `key.code`.
pub async fn measure(conn: &mut DbConn, target: &MeasureRef) -> RepoResult<MeasureRow> {
    match target {
        MeasureRef::Id(id) => measure::by_ids(conn, &[*id], Audience::Internal)
            .await?
            .pop()
            .ok_or_else(|| missing(&["id"], "no measure has this ID (or it is archived)")),
        MeasureRef::Key { plan, measure } => {
            measure_by_key(conn, plan.as_deref(), measure, ("code", "title")).await
        }
    }
}

/// A KPI named by id or by plan slug, measure (code or title) and KPI name
/// (unique per measure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KpiRef {
    Id(KpiId),
    Key {
        plan: Option<String>,
        measure: MeasureKey,
        name: String,
    },
}

/// The KPI a reference names (archived KPIs, and KPIs of archived measures,
/// are not found). Errors name `id`, or `key.plan` / `key.measure` / `key.name`.
pub async fn kpi(conn: &mut DbConn, target: &KpiRef) -> RepoResult<KpiRow> {
    match target {
        KpiRef::Id(id) => kpi::by_ids(conn, &[*id], Audience::Internal)
            .await?
            .pop()
            .ok_or_else(|| missing(&["id"], "no KPI has this ID (or it is archived)")),
        KpiRef::Key {
            plan,
            measure: code,
            name,
        } => {
            let measure =
                measure_by_key(conn, plan.as_deref(), code, ("measure", "measureTitle")).await?;
            kpi::by_measure_ids(conn, &[measure.id], Audience::Internal)
                .await?
                .into_iter()
                .find(|k| &k.name == name)
                .ok_or_else(|| {
                    missing(
                        &["key", "name"],
                        format!("measure {code} has no KPI named {name:?}"),
                    )
                })
        }
    }
}

/// A goal named by id or by plan slug, measure (code or title) and position
/// (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoalRef {
    Id(GoalId),
    Key {
        plan: Option<String>,
        measure: MeasureKey,
        position: i32,
    },
}

/// The goal a reference names (archived goals are not found). Errors name
/// `id`, or `key.plan` / `key.measure` / `key.position`.
pub async fn goal(conn: &mut DbConn, target: &GoalRef) -> RepoResult<GoalRow> {
    match target {
        GoalRef::Id(id) => goal::by_ids(conn, &[*id], Audience::Internal)
            .await?
            .pop()
            .ok_or_else(|| missing(&["id"], "no goal has this ID (or it is archived)")),
        GoalRef::Key {
            plan,
            measure: code,
            position,
        } => {
            let measure =
                measure_by_key(conn, plan.as_deref(), code, ("measure", "measureTitle")).await?;
            goal::by_measure_ids(conn, &[measure.id], Audience::Internal)
                .await?
                .into_iter()
                .find(|g| g.position == *position)
                .ok_or_else(|| {
                    missing(
                        &["key", "position"],
                        format!("measure {code} has no goal at position {position}"),
                    )
                })
        }
    }
}
