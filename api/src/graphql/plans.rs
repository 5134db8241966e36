//! Picking a plan: by slug, or implicitly while exactly one plan exists.

use async_graphql::Context;
use masterplan_persistence::ids::PlanId;
use masterplan_persistence::models::plan::{self, PlanRow};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::graphql::context::conn;

/// The plan named by `slug`, or the only plan when `slug` is omitted.
pub async fn resolve_plan(ctx: &Context<'_>, slug: Option<&str>) -> ApiResult<PlanRow> {
    let mut conn = conn(ctx).await?;
    if let Some(slug) = slug {
        return plan::find_by_slug(&mut conn, slug)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no plan with slug {slug:?}")));
    }
    let mut plans = plan::first_two(&mut conn).await?;
    match plans.len() {
        0 => Err(ApiError::not_found("no plan has been loaded")),
        1 => Ok(plans.remove(0)),
        _ => Err(ApiError::new(
            ErrorCode::PlanRequired,
            "several plans exist: pass `plan` with the slug of one (see `plans { slug }`)",
        )),
    }
}

pub async fn plan_id_by_slug(ctx: &Context<'_>, slug: &str) -> ApiResult<PlanId> {
    Ok(resolve_plan(ctx, Some(slug)).await?.id)
}
