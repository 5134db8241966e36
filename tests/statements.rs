//! No N+1: the number of SQL statements of a nested query does not grow with
//! the number of rows it returns.

mod common;

use common::{Backend, app_with_values};

const NESTED: &str = "query($n: Int) { measures(first: $n) { nodes { workingGroup { name } goals { text } kpis { name latestValue { value } values(first: 10) { nodes { value } } } relatedMeasures { code } } } }";

async fn statements_for(app: &common::TestApp, n: i64) -> u64 {
    let before = app.statements();
    let body = app.query_vars(NESTED, serde_json::json!({ "n": n })).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        body["data"]["measures"]["nodes"].as_array().unwrap().len() as i64,
        n
    );
    app.statements() - before
}

async fn nested_query_runs_a_constant_number_of_statements(backend: Backend) {
    let Some(app) = app_with_values(backend).await else {
        return;
    };
    let few = statements_for(&app, 5).await;
    let all = statements_for(&app, 25).await;
    assert_eq!(few, all, "statements for 5 measures vs 25");
    // measures, working groups, goals, KPIs, related (2), latest value (2),
    // value pages: nothing per row.
    assert!(all <= 10, "{all} statements");
    assert!(all >= 6, "{all} statements: is the counter counting?");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_query_runs_a_constant_number_of_statements_sqlite() {
    nested_query_runs_a_constant_number_of_statements(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_query_runs_a_constant_number_of_statements_postgres() {
    nested_query_runs_a_constant_number_of_statements(Backend::Postgres).await;
}
