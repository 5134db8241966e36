//! The root `Query`.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use masterplan_domain::validation::UserErrorCode;
use masterplan_persistence::RepoError;
use masterplan_persistence::models::goal::GoalFilter as GoalFilterRows;
use masterplan_persistence::models::kpi::KpiFilter as KpiFilterRows;
use masterplan_persistence::models::{goal, kpi, measure, plan, working_group};
use masterplan_persistence::writes::lookups;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::graphql::audit::{
    AuditCount, AuditEntry, AuditLogFilter, AuditVerification, audit_log, verify_audit_log,
};
use crate::graphql::context::{as_of, audience, conn, limits, loaders};
use crate::graphql::filters::{GoalFilter, KpiFilter, MeasureFilter, MeasureOrder};
use crate::graphql::instant;
use crate::graphql::mutations::measure::measure_key;
use crate::graphql::node::{Node, load_node};
use crate::graphql::objects::{Goal, Kpi, Measure, Plan, WorkingGroup};
use crate::graphql::paging::{
    OffsetConnection, OffsetPage, PageArgs, node_field_wanted, offset_connection, rows_wanted,
};
use crate::graphql::plans::resolve_plan;
use crate::graphql::portfolio::Portfolio;
use crate::graphql::scalars::Date;
use crate::graphql::search::{SearchConnection, search};
use crate::graphql::totals::TotalCount;
use crate::graphql::trajectory_filter::kpi_trajectory_connection;
use crate::graphql::viewer::Viewer;
use masterplan_persistence::models::portfolio::Scope;

#[derive(Default)]
pub struct Query;

/// Counts first when a `last` page has to be placed from the end.
async fn plan_page(
    ctx: &Context<'_>,
    args: &PageArgs,
    total: &TotalCount,
) -> ApiResult<OffsetPage> {
    let known = if OffsetPage::needs_total(args) {
        Some(total.get(ctx).await?)
    } else {
        None
    };
    OffsetPage::plan(args, limits(ctx)?, known)
}

/// A page of goals matching `filter`, judged as of `as_of`.
pub async fn goal_connection(
    ctx: &Context<'_>,
    filter: GoalFilterRows,
    as_of: NaiveDate,
    args: &PageArgs,
) -> ApiResult<OffsetConnection<Goal, TotalCount>> {
    let total = TotalCount::goals(filter.clone(), as_of);
    let page = plan_page(ctx, args, &total).await?;
    let rows = if rows_wanted(ctx) {
        let mut conn = conn(ctx).await?;
        goal::list(&mut conn, &filter, as_of, page.fetch).await?
    } else {
        Vec::new()
    };
    Ok(offset_connection(page, rows, total, Goal::live))
}

/// A page of KPIs matching `filter`.
pub async fn kpi_connection(
    ctx: &Context<'_>,
    filter: KpiFilterRows,
    args: &PageArgs,
) -> ApiResult<OffsetConnection<Kpi, TotalCount>> {
    let total = TotalCount::kpis(filter.clone());
    let page = plan_page(ctx, args, &total).await?;
    let rows = if rows_wanted(ctx) {
        let mut conn = conn(ctx).await?;
        kpi::list(&mut conn, &filter, page.fetch).await?
    } else {
        Vec::new()
    };
    Ok(offset_connection(page, rows, total, Kpi::live))
}

#[Object]
impl Query {
    /// Every plan, oldest first.
    async fn plans(&self, ctx: &Context<'_>) -> ApiResult<Vec<Plan>> {
        let mut conn = conn(ctx).await?;
        Ok(plan::list(&mut conn)
            .await?
            .into_iter()
            .map(Plan::live)
            .collect())
    }

    /// A plan by slug; without `slug`, the only plan (an error names the
    /// choices when there are several).
    async fn plan(&self, ctx: &Context<'_>, slug: Option<String>) -> ApiResult<Option<Plan>> {
        match resolve_plan(ctx, slug.as_deref()).await {
            Ok(plan) => Ok(Some(Plan::live(plan))),
            Err(err) if err.code == ErrorCode::NotFound && slug.is_some() => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Working groups of a plan (by slug) or of the only plan.
    async fn working_groups(
        &self,
        ctx: &Context<'_>,
        plan: Option<String>,
    ) -> ApiResult<Vec<WorkingGroup>> {
        let plan = resolve_plan(ctx, plan.as_deref()).await?;
        let mut conn = conn(ctx).await?;
        let groups = working_group::list(&mut conn, Some(plan.id)).await?;
        Ok(groups.into_iter().map(WorkingGroup::live).collect())
    }

    /// A working group by code (`I` … `IV`) in a plan (by slug) or the only plan.
    async fn working_group(
        &self,
        ctx: &Context<'_>,
        code: String,
        plan: Option<String>,
    ) -> ApiResult<Option<WorkingGroup>> {
        let plan = resolve_plan(ctx, plan.as_deref()).await?;
        let mut conn = conn(ctx).await?;
        let group = working_group::find_by_code(&mut conn, plan.id, &code).await?;
        Ok(group.map(WorkingGroup::live))
    }

    /// Measures, in the plan's order unless `orderBy` says otherwise.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "first.or(last).map_or(100, |n| n.max(0) as usize) * child_complexity")]
    async fn measures(
        &self,
        ctx: &Context<'_>,
        filter: Option<MeasureFilter>,
        order_by: Option<MeasureOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        #[graphql(
            desc = "Answer as of this instant (UTC), rebuilt from the audit trail: fields as they were then, and below this field only what existed then. Measures of a plan not yet loaded then are absent."
        )]
        at: Option<DateTime<Utc>>,
    ) -> ApiResult<OffsetConnection<Measure, TotalCount>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let filter = filter.unwrap_or_default().resolve(ctx).await?;
        let order = order_by.as_ref().map(Into::into).unwrap_or_default();
        if let Some(at) = at {
            return instant::measures_at(ctx, &filter, order, &args, at).await;
        }
        let total = TotalCount::measures(filter.clone());
        let page = plan_page(ctx, &args, &total).await?;
        let rows = if !rows_wanted(ctx) {
            Vec::new()
        } else if node_field_wanted(ctx, "workingGroup") {
            // The groups come with the rows, for their `workingGroup`.
            let mut conn = conn(ctx).await?;
            let rows = measure::list_with_groups(&mut conn, &filter, order, page.fetch).await?;
            let (rows, groups): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
            loaders(ctx)?.working_group.loader().prime(groups);
            rows
        } else {
            let mut conn = conn(ctx).await?;
            measure::list(&mut conn, &filter, order, page.fetch).await?
        };
        Ok(offset_connection(page, rows, total, Measure::live))
    }

    /// A measure by code (`1.2`), or by title for a measure without a code
    /// ("DMS und E-Akte"), in a plan (by slug) or the only plan. Null when
    /// none matches; a title that several measures share is an error.
    async fn measure(
        &self,
        ctx: &Context<'_>,
        code: Option<String>,
        title: Option<String>,
        plan: Option<String>,
        #[graphql(
            desc = "Answer as of this instant (UTC), rebuilt from the audit trail: fields as they were then, and below this field only what existed then. Null before the plan was loaded."
        )]
        at: Option<DateTime<Utc>>,
    ) -> ApiResult<Option<Measure>> {
        let key = measure_key(code, title, "code", "title")
            .map_err(|e| ApiError::bad_input(e.message))?;
        let plan = resolve_plan(ctx, plan.as_deref()).await?;
        if let Some(at) = at {
            return instant::measure_at(ctx, plan.id, &key, at).await;
        }
        let mut conn = conn(ctx).await?;
        let fields = ("code", "title");
        match lookups::measure_in_plan(&mut conn, plan.id, &key, audience(ctx), fields).await {
            Ok(row) => Ok(Some(Measure::live(row))),
            Err(RepoError::Rejected(errors))
                if errors.iter().all(|e| e.code == UserErrorCode::NotFound) =>
            {
                Ok(None)
            }
            Err(RepoError::Rejected(mut errors)) => {
                Err(ApiError::bad_input(errors.remove(0).message))
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Goals across measures, in the plan's order.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "first.or(last).map_or(100, |n| n.max(0) as usize) * child_complexity")]
    async fn goals(
        &self,
        ctx: &Context<'_>,
        filter: Option<GoalFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<OffsetConnection<Goal, TotalCount>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let filter = filter.unwrap_or_default().resolve(ctx).await?;
        let as_of = as_of(filter.as_of.map(Into::into));
        goal_connection(ctx, filter, as_of, &args).await
    }

    /// KPIs across measures, in the plan's order.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "first.or(last).map_or(100, |n| n.max(0) as usize) * child_complexity")]
    async fn kpis(
        &self,
        ctx: &Context<'_>,
        filter: Option<KpiFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<OffsetConnection<Kpi, TotalCount>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let filter = filter.unwrap_or_default();
        let rows = filter.resolve(ctx).await?;
        match filter.trajectory_condition() {
            Some(condition) => kpi_trajectory_connection(ctx, rows, &condition, &args).await,
            None => kpi_connection(ctx, rows, &args).await,
        }
    }

    /// Where a plan (by slug, or the only plan) stands as of `asOf` (default
    /// today): measures and goals counted by status, group, class; overdue,
    /// due and stale items.
    async fn portfolio(
        &self,
        ctx: &Context<'_>,
        plan: Option<String>,
        #[graphql(name = "asOf")] as_of_date: Option<Date>,
    ) -> ApiResult<Portfolio> {
        let plan = resolve_plan(ctx, plan.as_deref()).await?;
        Ok(Portfolio {
            scope: Scope {
                plan_id: plan.id,
                working_group_id: None,
            },
            as_of: as_of(as_of_date),
        })
    }

    /// Measures, goals and KPIs containing every word of `query` (case and
    /// German word forms ignored: "Portal" finds "Bürgerportal", "Akten"
    /// finds "E-Akte"), most relevant first; in one plan (by slug) or all.
    /// At most 20 different words.
    #[graphql(complexity = "first.or(last).map_or(100, |n| n.max(0) as usize) * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        plan: Option<String>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<SearchConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        search(ctx, &query, plan.as_deref(), &args).await
    }

    /// The audit trail, newest first (editors and admins only).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "first.or(last).map_or(100, |n| n.max(0) as usize) * child_complexity")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditLogFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<OffsetConnection<AuditEntry, AuditCount>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        audit_log(ctx, filter, &args).await
    }

    /// The webhooks that receive change events (admins only).
    async fn webhooks(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<crate::graphql::webhooks::Webhook>> {
        crate::graphql::webhooks::webhooks(ctx).await
    }

    /// Recomputes the audit trail's hash chain and reports the first entry
    /// that was edited or removed (editors and admins only).
    async fn verify_audit_log(&self, ctx: &Context<'_>) -> ApiResult<AuditVerification> {
        verify_audit_log(ctx).await
    }

    /// Who the caller is and what it may do.
    async fn viewer(&self, ctx: &Context<'_>) -> Viewer {
        let caller = ctx.data::<Caller>().cloned().unwrap_or(Caller::Anonymous);
        Viewer::from(caller)
    }

    /// Any object by its global ID; null when there is none.
    async fn node(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(
            desc = "Answer as of this instant (UTC), rebuilt from the audit trail: fields as they were then, and below this field only what existed then. Null where the object did not exist (or was archived) then."
        )]
        at: Option<DateTime<Utc>>,
    ) -> ApiResult<Option<Node>> {
        match at {
            Some(at) => Ok(instant::nodes_at(ctx, &[id.as_str()], at)
                .await?
                .pop()
                .flatten()),
            None => load_node(ctx, &id).await,
        }
    }

    /// Objects by global ID, in the order asked; null where there is none.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
        #[graphql(
            desc = "Answer as of this instant (UTC), rebuilt from the audit trail: fields as they were then, and below this field only what existed then. Null where the object did not exist (or was archived) then."
        )]
        at: Option<DateTime<Utc>>,
    ) -> ApiResult<Vec<Option<Node>>> {
        let max = limits(ctx)?.max_node_ids;
        if ids.len() > max {
            return Err(ApiError::bad_input(format!(
                "`ids` may hold at most {max} IDs, got {}",
                ids.len()
            )));
        }
        if let Some(at) = at {
            let ids: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
            return instant::nodes_at(ctx, &ids, at).await;
        }
        futures_util::future::try_join_all(ids.iter().map(|id| load_node(ctx, id))).await
    }
}
