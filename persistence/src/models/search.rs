//! The search index: one document per measure, goal and KPI (migrations:
//! a trigram-indexed table on PostgreSQL, an FTS5 trigram table on SQLite),
//! kept in step by the code that writes those entities
//! ([`crate::writes::search_index`]); here, its entity types and the search.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use masterplan_domain::visibility::Audience;

use crate::db::DbConn;
use crate::error::RepoResult;
use crate::ids::{PlanId, Searched};
use crate::with_conn;

/// What a document describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityType {
    Measure,
    Goal,
    Kpi,
}

impl EntityType {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Measure => "MEASURE",
            EntityType::Goal => "GOAL",
            EntityType::Kpi => "KPI",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [EntityType::Measure, EntityType::Goal, EntityType::Kpi]
            .into_iter()
            .find(|t| t.as_str() == text)
    }
}

/// The text indexed for a measure: its title first (ranked higher), then code
/// and description.
pub fn measure_document(title: &str, code: Option<&str>, description: &str) -> String {
    format!("{title}\n{}\n{description}", code.unwrap_or(""))
}

/// The text indexed for a goal: its text, then its category.
pub fn goal_document(text: &str, category: Option<&str>) -> String {
    format!("{text}\n{}", category.unwrap_or(""))
}

/// The text indexed for a KPI: its name, then its description.
pub fn kpi_document(name: &str, description: Option<&str>) -> String {
    format!("{name}\n{}", description.unwrap_or(""))
}

/// Bind markers: `$n` on PostgreSQL, `?` on SQLite.
pub(crate) fn marker(conn: &DbConn, n: usize) -> String {
    match conn {
        DbConn::Postgres(..) => format!("${n}"),
        DbConn::Sqlite(..) => "?".to_owned(),
    }
}

#[derive(Debug, Clone, PartialEq, QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    entity_type: String,
    #[diesel(sql_type = BigInt)]
    entity_id: i64,
    #[diesel(sql_type = Text)]
    body: String,
}

/// A document containing every term.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub entity: EntityType,
    pub entity_id: i64,
    /// Case-folded text.
    pub body: String,
}

impl Candidate {
    /// The id of the document's object when it is an `I`.
    pub fn id<I: Searched>(&self) -> Option<I> {
        (self.entity == I::DOCUMENT).then(|| I::new(self.entity_id))
    }
}

/// The documents the public sees, as SQL over `search_documents` (see
/// `models::visible`: a goal or KPI needs a public measure too).
const PUBLIC_DOCUMENT: &str = "(\
    (entity_type = 'MEASURE' AND entity_id IN \
        (SELECT id FROM measures WHERE visibility = 'PUBLIC')) \
    OR (entity_type = 'GOAL' AND entity_id IN \
        (SELECT g.id FROM goals g JOIN measures m ON m.id = g.measure_id \
         WHERE g.visibility = 'PUBLIC' AND m.visibility = 'PUBLIC')) \
    OR (entity_type = 'KPI' AND entity_id IN \
        (SELECT k.id FROM kpis k JOIN measures m ON m.id = k.measure_id \
         WHERE k.visibility = 'PUBLIC' AND m.visibility = 'PUBLIC')))";

/// Documents whose text contains every term (substrings, already folded and
/// free of LIKE wildcards: terms are letters and digits), optionally of one
/// plan; for the public, only documents of public objects.
pub async fn candidates(
    conn: &mut DbConn,
    terms: &[String],
    plan_id: Option<PlanId>,
    audience: Audience,
) -> RepoResult<Vec<Candidate>> {
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let mut conditions: Vec<String> = (1..=terms.len())
        .map(|n| format!("body LIKE {}", marker(conn, n)))
        .collect();
    if plan_id.is_some() {
        conditions.push(format!("plan_id = {}", marker(conn, terms.len() + 1)));
    }
    if audience.is_public() {
        conditions.push(PUBLIC_DOCUMENT.to_owned());
    }
    let sql = format!(
        "SELECT entity_type, entity_id, body FROM search_documents WHERE {}",
        conditions.join(" AND ")
    );
    let rows: Vec<Row> = with_conn!(conn, c => {
        let mut query = diesel::sql_query(sql.clone()).into_boxed();
        for term in terms {
            query = query.bind::<Text, _>(format!("%{term}%"));
        }
        if let Some(plan_id) = plan_id {
            query = query.bind::<BigInt, _>(plan_id);
        }
        query.load(c).await
    })?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(Candidate {
                entity: EntityType::parse(&row.entity_type)?,
                entity_id: row.entity_id,
                body: row.body,
            })
        })
        .collect())
}
