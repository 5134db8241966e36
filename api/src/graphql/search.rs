//! `search`: measures, goals and KPIs whose text contains every word of the
//! query (German word forms reduced to stems), ranked, with snippets.

use std::collections::HashMap;

use async_graphql::connection::{Connection, Edge, OpaqueCursor};
use async_graphql::{Context, SimpleObject, Union};
use masterplan_domain::search::{MAX_TERMS, score, snippet, terms};
use masterplan_persistence::ids::{GoalId, KpiId, MeasureId, Searched};
use masterplan_persistence::models::measure;
use masterplan_persistence::models::search::{
    self, Candidate, EntityType, goal_document, kpi_document, measure_document,
};

use crate::error::{ApiError, ApiResult};
use crate::graphql::context::{audience, conn, limits, loaders};
use crate::graphql::objects::{Goal, Kpi, Measure};
use crate::graphql::paging::{PageArgs, page_in_memory};
use crate::graphql::plans::plan_id_by_slug;
use crate::graphql::totals::TotalCount;

/// Characters of context in a snippet.
const SNIPPET_WIDTH: usize = 120;

/// What a search hit is.
// Built once per hit; boxing rows would only add allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Union)]
pub enum SearchResult {
    Measure(Measure),
    Goal(Goal),
    Kpi(Kpi),
}

/// One hit: the object, its relevance and a snippet with the match in `**…**`.
#[derive(SimpleObject)]
pub struct SearchHit {
    /// Higher is more relevant: 2 per word found in the title (name, goal
    /// text), 1 per word found elsewhere.
    pub score: f64,
    pub snippet: String,
    pub node: SearchResult,
}

pub type SearchConnection = Connection<OpaqueCursor<i64>, SearchHit, TotalCount>;

/// Runs a search: candidates from the index, ranked here, one page of them
/// resolved through the loaders.
pub async fn search(
    ctx: &Context<'_>,
    query: &str,
    plan: Option<&str>,
    args: &PageArgs,
) -> ApiResult<SearchConnection> {
    let terms = terms(query);
    if terms.is_empty() {
        return Err(ApiError::bad_input("`query` has no words to search for"));
    }
    if terms.len() > MAX_TERMS {
        return Err(ApiError::bad_input(format!(
            "`query` may have at most {MAX_TERMS} different words, got {}",
            terms.len()
        )));
    }
    let plan_id = match plan {
        Some(slug) => Some(plan_id_by_slug(ctx, slug).await?),
        None => None,
    };
    let mut conn = conn(ctx).await?;
    let mut hits: Vec<(f64, Candidate)> =
        search::candidates(&mut conn, &terms, plan_id, audience(ctx))
            .await?
            .into_iter()
            .map(|c| (score(&c.body, &terms), c))
            .collect();
    drop(conn);
    hits.sort_by(|(a, x), (b, y)| {
        b.total_cmp(a)
            .then(x.entity.cmp(&y.entity))
            .then(x.entity_id.cmp(&y.entity_id))
    });
    let total = hits.len() as i64;
    let (page, mut window) = page_in_memory(hits, args, limits(ctx)?)?;
    let has_next = page
        .has_next_page
        .unwrap_or(window.len() as i64 > page.page_len);
    window.truncate(usize::try_from(page.page_len).unwrap_or(0));
    let mut connection = Connection::with_additional_fields(
        page.has_previous_page,
        has_next,
        TotalCount::known(total),
    );
    // One batched lookup per type for the whole page, not one per hit.
    let loaders = loaders(ctx)?;
    fn ids<I: Searched>(window: &[(f64, Candidate)]) -> Vec<I> {
        window.iter().filter_map(|(_, c)| c.id()).collect()
    }
    // Measures with their descriptions, which the snippets are cut from.
    let described = async {
        let ids = ids::<MeasureId>(&window);
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut db = crate::graphql::context::conn(ctx).await?;
        let rows = measure::described_by_ids(&mut db, &ids, audience(ctx)).await?;
        Ok::<_, ApiError>(rows.into_iter().map(|d| (d.measure.id, d)).collect())
    };
    let (mut measures, mut goals, mut kpis) = futures_util::try_join!(
        described,
        loaders.goal.load_many(ids::<GoalId>(&window)),
        loaders.kpi.load_many(ids::<KpiId>(&window)),
    )?;
    for (i, (score, candidate)) in window.into_iter().enumerate() {
        let found = match candidate.entity {
            EntityType::Measure => candidate.id().and_then(|id| measures.remove(&id)).map(|d| {
                let m = d.measure;
                let text = measure_document(&m.title, m.code.as_deref(), &d.description);
                (SearchResult::Measure(Measure::live(m)), text)
            }),
            EntityType::Goal => candidate.id().and_then(|id| goals.remove(&id)).map(|g| {
                let text = goal_document(&g.text, g.category.as_deref());
                (SearchResult::Goal(Goal::live(g)), text)
            }),
            EntityType::Kpi => candidate.id().and_then(|id| kpis.remove(&id)).map(|k| {
                let text = kpi_document(&k.name, k.description.as_deref());
                (SearchResult::Kpi(Kpi::live(k)), text)
            }),
        };
        // An archived object stays indexed until the index learns of it.
        let Some((node, text)) = found else { continue };
        connection.edges.push(Edge::new(
            OpaqueCursor(page.fetch.offset + i as i64),
            SearchHit {
                score,
                snippet: snippet(&text, &terms, SNIPPET_WIDTH),
                node,
            },
        ));
    }
    Ok(connection)
}
