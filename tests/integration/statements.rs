//! No N+1: the number of SQL statements of a nested query does not grow with
//! the number of rows it returns.

use crate::common::{Backend, app_with_values};

const NESTED: &str = "query($n: Int) { measures(first: $n) { nodes { workingGroup { name } goals { text } kpis { name latestValue { value } values(first: 10) { nodes { value } } } relatedMeasures { code } } } }";

/// Statements of the nested query for `n` measures, read by the public
/// (anonymous) or by the holder of `secret`.
async fn statements_for(app: &crate::common::TestApp, n: i64, secret: Option<&str>) -> u64 {
    let before = app.statements();
    let variables = serde_json::json!({ "n": n });
    let body = match secret {
        Some(secret) => app.query_with(secret, NESTED, variables).await,
        None => app.query_vars(NESTED, variables).await,
    };
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
    // The public's reads (visibility in the WHERE) and staff's alike.
    let reader = app.reader().await;
    for secret in [None, Some(reader.as_str())] {
        let few = statements_for(&app, 5, secret).await;
        let all = statements_for(&app, 25, secret).await;
        assert_eq!(few, all, "statements for 5 measures vs 25 ({secret:?})");
        // measures with their working groups, goals, KPIs, related (2),
        // latest value, value pages (oldest first here, so not the latest's
        // statement; for a token also its lookup): nothing per row.
        let expected = if secret.is_some() { 8 } else { 7 };
        assert_eq!(all, expected, "{all} statements");
    }
}

/// The reporting question of `bench/side_by_side.py`: every measure with its
/// working group, goals, KPIs, latest value and last 10 values.
const REPORTING: &str = "query($n: Int) { measures(first: $n) { nodes { code title status workingGroup { code name } goals { text status timing { dueOn } } kpis { name unit latestValue { observedOn value } values(last: 10) { nodes { observedOn value } } } } } }";

async fn reporting_query_runs_at_most_four_statements(backend: Backend) {
    let Some(app) = app_with_values(backend).await else {
        return;
    };
    let mut counts = Vec::new();
    for n in [5, 25] {
        let before = app.statements();
        let body = app
            .query_vars(REPORTING, serde_json::json!({ "n": n }))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        let nodes = body["data"]["measures"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), n);
        // The answer is whole: groups came with the measures, and the latest
        // value is the newest of the page read with it.
        for measure in nodes {
            assert!(measure["workingGroup"]["code"].is_string(), "{measure}");
            for kpi in measure["kpis"].as_array().unwrap() {
                let values = kpi["values"]["nodes"].as_array().unwrap();
                assert_eq!(kpi["latestValue"].is_null(), values.is_empty(), "{kpi}");
                if let Some(newest) = values.last() {
                    assert_eq!(&kpi["latestValue"], newest, "{kpi}");
                }
            }
        }
        counts.push(app.statements() - before);
    }
    assert_eq!(counts[0], counts[1], "statements for 5 measures vs 25");
    // Measures with their groups, goals, KPIs, values.
    assert!(counts[1] <= 4, "{} statements", counts[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reporting_query_runs_at_most_four_statements_sqlite() {
    reporting_query_runs_at_most_four_statements(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reporting_query_runs_at_most_four_statements_postgres() {
    reporting_query_runs_at_most_four_statements(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_query_runs_a_constant_number_of_statements_sqlite() {
    nested_query_runs_a_constant_number_of_statements(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_query_runs_a_constant_number_of_statements_postgres() {
    nested_query_runs_a_constant_number_of_statements(Backend::Postgres).await;
}

/// Trajectories of KPIs, in the list and in the working groups' summaries:
/// targets and values are read for all KPIs at once.
async fn trajectories_run_a_constant_number_of_statements(backend: Backend) {
    let Some(app) = app_with_values(backend).await else {
        return;
    };
    let query = "query($n: Int) { kpis(first: $n) { nodes { trajectory { status } } } }";
    let mut counts = Vec::new();
    for n in [5, 37] {
        let before = app.statements();
        let body = app.query_vars(query, serde_json::json!({ "n": n })).await;
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(
            body["data"]["kpis"]["nodes"].as_array().unwrap().len() as i64,
            n
        );
        counts.push(app.statements() - before);
    }
    assert_eq!(counts[0], counts[1], "statements for 5 KPIs vs 37");
    // KPIs, targets, values of the window, latest older values.
    assert_eq!(counts[1], 4, "{} statements", counts[1]);
    let summaries = "{ workingGroups { summary { kpisByTrajectory { count } } } }";
    let before = app.statements();
    app.data(summaries).await;
    // Plan, working groups, KPIs of the plan, targets, window, older values.
    assert_eq!(app.statements() - before, 6);
    // Judged once for the filter and once more for the nodes (loaders keep
    // nothing between batches), whether 2 KPIs match or 32.
    let mut filtered = Vec::new();
    for status in ["OFF_TRACK", "NO_TARGET"] {
        let query = format!(
            "{{ kpis(filter: {{ trajectory: {status} }}) {{ totalCount nodes {{ trajectory {{ status }} }} }} }}"
        );
        let before = app.statements();
        let data = app.data(&query).await;
        assert!(data["kpis"]["totalCount"].as_i64().unwrap() >= 2, "{data}");
        filtered.push(app.statements() - before);
    }
    assert_eq!(filtered, [7, 7]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trajectories_run_a_constant_number_of_statements_sqlite() {
    trajectories_run_a_constant_number_of_statements(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trajectories_run_a_constant_number_of_statements_postgres() {
    trajectories_run_a_constant_number_of_statements(Backend::Postgres).await;
}

const HISTORY: &str = "query($n: Int) { measures(first: $n) { nodes { code history { id action fieldChanges { field } } kpis { history { id } } } } }";

/// `history` of measures and their KPIs: one statement per entity type, not
/// one per object.
async fn history_runs_a_constant_number_of_statements(backend: Backend) {
    let Some(app) = app_with_values(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let renamed = app
        .data_with(
            &admin,
            "{ measures(first: 25) { nodes { id version title } } }",
            serde_json::json!({}),
        )
        .await;
    for m in renamed["measures"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .step_by(4)
    {
        let data = app
            .data_with(
                &admin,
                "mutation($input: UpdateMeasureInput!) { updateMeasure(input: $input) { userErrors { code } } }",
                serde_json::json!({ "input": {
                    "id": m["id"], "expectedVersion": m["version"],
                    "title": format!("{} (neu)", m["title"].as_str().unwrap())
                }}),
            )
            .await;
        assert_eq!(data["updateMeasure"]["userErrors"], serde_json::json!([]));
    }
    let mut counts = Vec::new();
    for n in [5, 25] {
        let before = app.statements();
        let data = app
            .data_with(&admin, HISTORY, serde_json::json!({ "n": n }))
            .await;
        let nodes = data["measures"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), n);
        assert!(
            nodes.iter().any(|m| m["history"][0]["action"] == "UPDATE"),
            "{data}"
        );
        counts.push(app.statements() - before);
    }
    assert_eq!(counts[0], counts[1], "statements for 5 measures vs 25");
    // token lookup, measures, KPIs, measure history, KPI history.
    assert!((4..=6).contains(&counts[1]), "{} statements", counts[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_runs_a_constant_number_of_statements_sqlite() {
    history_runs_a_constant_number_of_statements(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_runs_a_constant_number_of_statements_postgres() {
    history_runs_a_constant_number_of_statements(Backend::Postgres).await;
}

backend_tests! {
    async fn a_count_alone_reads_no_rows(app) {
        let count = |query: &'static str| {
            let app = &app;
            async move {
                let before = app.statements();
                let body = app.query(query).await;
                assert!(body.get("errors").is_none(), "{body}");
                (app.statements() - before, body)
            }
        };
        let (statements, body) = count("{ measures { totalCount } }").await;
        assert_eq!((statements, body["data"]["measures"]["totalCount"].as_i64()), (1, Some(25)));
        let (statements, _) = count("{ measures(first: 5) { totalCount nodes { code } } }").await;
        assert_eq!(statements, 2);
        // Rows asked for through a fragment are read.
        let (_, body) = count("{ measures(first: 2) { ...Rows } } fragment Rows on MeasureConnection { nodes { code } }").await;
        assert_eq!(body["data"]["measures"]["nodes"].as_array().map(Vec::len), Some(2), "{body}");
        // The portfolio's lists likewise.
        let (alone, _) = count("{ portfolio(asOf: \"2026-01-01\") { overdueGoals { totalCount } } }").await;
        let (with_rows, body) = count("{ portfolio(asOf: \"2026-01-01\") { overdueGoals { totalCount nodes { text } } } }").await;
        assert_eq!(with_rows, alone + 1, "{body}");
    }
}
