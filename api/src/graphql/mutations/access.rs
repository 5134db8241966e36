//! Who may write: anonymous callers, public and reader tokens may not, nor
//! anyone on a `--public-only` server; editors may change measures, goals,
//! KPIs and values (optionally only of their working groups); admins may
//! change everything, plans and working groups included.

use async_graphql::Context;
use masterplan_domain::status::Role;
use masterplan_persistence::writes::Actor;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorCode};

fn caller(ctx: &Context<'_>) -> Caller {
    ctx.data::<Caller>().cloned().unwrap_or(Caller::Anonymous)
}

/// The caller as an actor when its role is at least `needed` for `what`
/// ("changing measures", "reading the audit log").
fn check(ctx: &Context<'_>, needed: Role, what: &str) -> ApiResult<Actor> {
    match caller(ctx) {
        Caller::Anonymous => Err(ApiError::new(
            ErrorCode::Unauthenticated,
            format!("{what} needs an API token (Authorization: Bearer …)"),
        )),
        Caller::PublicZone => Err(ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "this server serves public data only (--public-only); {what} is not possible here"
            ),
        )),
        Caller::Token {
            name,
            role,
            working_groups,
        } => {
            // Roles are ordered PUBLIC < READER < EDITOR < ADMIN.
            if role < needed {
                return Err(ApiError::new(
                    ErrorCode::Forbidden,
                    format!("{name} has the role {role}; {what} needs {needed}"),
                ));
            }
            let working_groups = if role == Role::Admin {
                Vec::new()
            } else {
                working_groups
            };
            Ok(Actor {
                name,
                working_groups,
            })
        }
    }
}

/// The actor of a change to measures, goals, KPIs or KPI values.
pub fn editor(ctx: &Context<'_>) -> ApiResult<Actor> {
    check(ctx, Role::Editor, "this change")
}

/// The actor of a change to plans or working groups.
pub fn admin(ctx: &Context<'_>) -> ApiResult<Actor> {
    check(ctx, Role::Admin, "changing plans and working groups")
}

/// Only admins manage webhooks (they receive every change, tokens' included).
pub fn webhook_admin(ctx: &Context<'_>) -> ApiResult<Actor> {
    check(ctx, Role::Admin, "managing webhooks")
}

/// Editors and admins may read the audit log.
pub fn auditor(ctx: &Context<'_>) -> ApiResult<Actor> {
    check(ctx, Role::Editor, "reading the audit trail")
}
