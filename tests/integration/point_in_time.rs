//! The plan at an instant (`at:` on `measure`, `measures`, `node`): each
//! state of a measure's history answers exactly, below the root too (goals,
//! KPIs, values), for staff and, where it was public then, for the public.

use crate::common::{TestApp, app_with_values};
use serde_json::{Value, json};

const MEASURE_AT: &str = "query($at: DateTime) {
  measure(code: \"1.2\", at: $at) {
    id title status version updatedAt
    goals { id text }
    kpis { name latestValue { value observedOn } trajectory { status projected basis }
           values(last: 20) { totalCount nodes { observedOn value } } }
  }
}";

async fn measure_at(app: &TestApp, secret: &str, at: &Value) -> Value {
    app.data_with(secret, MEASURE_AT, json!({ "at": at })).await["measure"].clone()
}

/// Runs a mutation that must not report userErrors; returns its payload.
async fn write(app: &TestApp, secret: &str, mutation: &str, field: &str, input: Value) -> Value {
    let data = app
        .data_with(secret, mutation, json!({ "input": input }))
        .await;
    assert_eq!(data[field]["userErrors"], json!([]), "{data}");
    data[field].clone()
}

const UPDATE: &str = "mutation($input: UpdateMeasureInput!) {
  updateMeasure(input: $input) { measure { version updatedAt } userErrors { field message } } }";
const ARCHIVE_GOAL: &str = "mutation($input: ArchiveGoalInput!) {
  archiveGoal(input: $input) { goal { updatedAt } userErrors { field message } } }";
const RECORD: &str = "mutation($input: RecordKpiValuesInput!) {
  recordKpiValues(input: $input) { kpiValues { id updatedAt } userErrors { field message } } }";
const DELETE: &str = "mutation($input: DeleteKpiValueInput!) {
  deleteKpiValue(input: $input) { deletedKpiValueId userErrors { field message } } }";

/// The instant a write committed: the `updatedAt` it reports, which is the
/// `at` of its audit entry.
fn instant(payload: &Value, path: &[&str]) -> Value {
    let mut value = payload;
    for key in path {
        value = &value[*key];
    }
    assert!(value.is_string(), "no instant at {path:?}: {payload}");
    value.clone()
}

fn titles(goals: &Value) -> Vec<String> {
    goals
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["text"].as_str().unwrap().to_owned())
        .collect()
}

backend_tests! {
    async fn each_instant_of_a_history_answers_exactly(app) {
        let admin = app.admin().await;
        let reader = app.reader().await;
        let now = json!(chrono::Utc::now().to_rfc3339());
        let t0 = measure_at(&app, &reader, &now).await;
        assert_eq!(t0, app.data_with(&reader, MEASURE_AT, json!({ "at": null })).await["measure"],
            "now through the audit trail is today's answer");
        let first_goal = t0["goals"][0].clone();
        let kpi = t0["kpis"][0]["name"].as_str().unwrap().to_owned();

        let t1 = write(&app, &admin, UPDATE, "updateMeasure", json!({
            "key": { "code": "1.2" }, "expectedVersion": t0["version"], "title": "Portal, neu" })).await;
        let t1 = instant(&t1, &["measure", "updatedAt"]);
        let t2 = write(&app, &admin, UPDATE, "updateMeasure", json!({
            "key": { "code": "1.2" }, "expectedVersion": t0["version"].as_i64().unwrap() + 1,
            "status": "COMPLETED" })).await;
        let t2 = instant(&t2, &["measure", "updatedAt"]);
        let t3 = write(&app, &admin, ARCHIVE_GOAL, "archiveGoal", json!({
            "key": { "measure": "1.2", "position": 1 }, "expectedVersion": 1 })).await;
        let t3 = instant(&t3, &["goal", "updatedAt"]);
        let t4 = write(&app, &admin, RECORD, "recordKpiValues", json!({ "values": [
            { "kpi": { "measure": "1.2", "name": kpi }, "observedOn": "2026-06-30", "value": 91.0 }
        ]})).await;
        let t4 = instant(&t4["kpiValues"][0], &["updatedAt"]);

        let at0 = measure_at(&app, &reader, &now).await;
        assert_eq!(at0, t0, "before the first change");
        let at1 = measure_at(&app, &reader, &t1).await;
        assert_eq!(at1["title"], "Portal, neu");
        assert_eq!(at1["status"], t0["status"]);
        assert_eq!(at1["version"], t0["version"].as_i64().unwrap() + 1);
        assert_eq!(at1["updatedAt"], t1);
        let at2 = measure_at(&app, &reader, &t2).await;
        assert_eq!((&at2["title"], &at2["status"]), (&json!("Portal, neu"), &json!("COMPLETED")));
        assert_eq!(at2["goals"][0], first_goal, "archived later: still there");
        let at3 = measure_at(&app, &reader, &t3).await;
        assert!(!titles(&at3["goals"]).contains(&first_goal["text"].as_str().unwrap().to_owned()),
            "archived by then: gone: {at3}");
        assert_eq!(at3["goals"].as_array().unwrap().len() + 1, t0["goals"].as_array().unwrap().len());
        assert_eq!(at3["kpis"][0], t0["kpis"][0], "the value recorded later is absent");
        let at4 = measure_at(&app, &reader, &t4).await;
        assert_eq!(at4["kpis"][0]["latestValue"]["value"], 91.0);
        assert_eq!(at4["kpis"][0]["values"]["totalCount"],
            t0["kpis"][0]["values"]["totalCount"].as_i64().unwrap() + 1);

        // Long before the plan was loaded there was no plan.
        let before_load = measure_at(&app, &reader, &json!("2000-01-01T00:00:00Z")).await;
        assert_eq!(before_load, Value::Null);
    }

    async fn the_public_sees_what_was_public_at_the_instant(app) {
        let admin = app.admin().await;
        let reader = app.reader().await;
        let before = json!(chrono::Utc::now().to_rfc3339());
        let hidden = app.update_measure(&admin, "1.2", json!({ "visibility": "INTERNAL" })).await;
        assert_eq!(hidden["data"]["updateMeasure"]["userErrors"], json!([]), "{hidden}");
        let after = json!(chrono::Utc::now().to_rfc3339());
        let query = "query($at: DateTime) { measure(code: \"1.2\", at: $at) { title } }";
        let public = |at: &Value| app.query_vars(query, json!({ "at": at }));
        assert!(public(&before).await["data"]["measure"]["title"].is_string(), "public then");
        assert_eq!(public(&after).await["data"]["measure"], Value::Null, "internal now");
        let staff = app.data_with(&reader, query, json!({ "at": after })).await;
        assert!(staff["measure"]["title"].is_string(), "staff see internal measures");
    }

    async fn lists_and_nodes_answer_as_of_the_instant(app) {
        let admin = app.admin().await;
        let reader = app.reader().await;
        let list = "query($at: DateTime) {
          measures(at: $at, filter: { status: [COMPLETED] }, first: 100) {
            totalCount nodes { code status } } }";
        let completed_before = app.data_with(&reader, list, json!({ "at": null })).await;
        let goal = app.data_with(&reader, "{ measure(code: \"1.2\") { goals { id } } }", json!({}))
            .await["measure"]["goals"][0]["id"].clone();
        let before = json!(chrono::Utc::now().to_rfc3339());
        let done = app.update_measure(&admin, "1.2", json!({ "status": "COMPLETED" })).await;
        assert_eq!(done["data"]["updateMeasure"]["userErrors"], json!([]), "{done}");
        write(&app, &admin, ARCHIVE_GOAL, "archiveGoal", json!({
            "key": { "measure": "1.2", "position": 1 }, "expectedVersion": 1 })).await;
        let after = json!(chrono::Utc::now().to_rfc3339());

        let then = app.data_with(&reader, list, json!({ "at": before })).await;
        assert_eq!(then, completed_before, "the filter sees the statuses of the instant");
        let now = app.data_with(&reader, list, json!({ "at": after })).await;
        assert_eq!(now["measures"]["totalCount"],
            then["measures"]["totalCount"].as_i64().unwrap() + 1);
        assert!(now["measures"]["nodes"].as_array().unwrap().iter().any(|m| m["code"] == "1.2"));

        let node = "query($id: ID!, $at: DateTime) { node(id: $id, at: $at) {
          ... on Goal { id measure { code status } } } }";
        let then = app.data_with(&reader, node, json!({ "id": goal, "at": before })).await;
        assert_eq!(then["node"]["id"], goal);
        assert_ne!(then["node"]["measure"]["status"], "COMPLETED", "its measure as of then too");
        let now = app.data_with(&reader, node, json!({ "id": goal, "at": after })).await;
        assert_eq!(now["node"], Value::Null, "archived by then");
    }

    async fn the_unnumbered_measure_is_found_by_title_at_an_instant(app) {
        let reader = app.reader().await;
        let query = "query($at: DateTime) { measure(title: \"DMS und E-Akte\", at: $at) { code title } }";
        let now = json!(chrono::Utc::now().to_rfc3339());
        let data = app.data_with(&reader, query, json!({ "at": now })).await;
        assert_eq!(data["measure"], json!({ "code": null, "title": "DMS und E-Akte" }));
        let before_load = app
            .data_with(&reader, query, json!({ "at": "2000-01-01T00:00:00Z" }))
            .await;
        assert_eq!(before_load["measure"], Value::Null);
    }
}

/// A value deleted after the instant is back at the instant; the statement
/// count of a nested read at an instant does not grow with its rows.
async fn deleted_values_return_and_reads_stay_flat(backend: crate::common::Backend) {
    let Some(app) = app_with_values(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let reader = app.reader().await;
    let kpi = app
        .data_with(
            &reader,
            "{ measure(code: \"1.2\") { kpis { name } } }",
            json!({}),
        )
        .await["measure"]["kpis"][0]["name"]
        .clone();
    let before = json!(chrono::Utc::now().to_rfc3339());
    write(
        &app,
        &admin,
        DELETE,
        "deleteKpiValue",
        json!({ "kpi": { "measure": "1.2", "name": kpi }, "observedOn": "2021-01-31" }),
    )
    .await;
    let values = "query($at: DateTime) { measure(code: \"1.2\", at: $at) {
      kpis { values(first: 10) { nodes { observedOn value } } } } }";
    let dates = |data: Value| -> Vec<Value> {
        data["measure"]["kpis"][0]["values"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["observedOn"].clone())
            .collect()
    };
    let then = dates(
        app.data_with(&reader, values, json!({ "at": before }))
            .await,
    );
    let now = dates(app.data_with(&reader, values, json!({ "at": null })).await);
    assert_eq!(then.len(), now.len() + 1);
    assert_eq!(then.last(), Some(&json!("2021-01-31")));

    let nested = "query($n: Int, $at: DateTime) { measures(first: $n, at: $at) { nodes {
      workingGroup { name } plan { slug } goals { text measure { code } }
      kpis { name latestValue { value } values(first: 10) { totalCount nodes { value } }
             targets { met } }
      relatedMeasures { code } } } }";
    let mut counts = Vec::new();
    for n in [5, 25] {
        let start = app.statements();
        let data = app
            .data_with(&reader, nested, json!({ "n": n, "at": before }))
            .await;
        assert_eq!(data["measures"]["nodes"].as_array().unwrap().len(), n);
        counts.push(app.statements() - start);
    }
    assert_eq!(counts[0], counts[1], "statements for 5 measures vs 25");

    // nodes(ids:, at:) reads the plans once, however many IDs it is asked.
    let ids: Vec<Value> = app
        .data_with(
            &reader,
            "{ measures(first: 25) { nodes { id } } }",
            json!({}),
        )
        .await["measures"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].clone())
        .collect();
    let nodes = "query($ids: [ID!]!, $at: DateTime) { nodes(ids: $ids, at: $at) { id } }";
    let mut counts = Vec::new();
    for n in [2, 25] {
        let start = app.statements();
        let data = app
            .data_with(&reader, nodes, json!({ "ids": ids[..n], "at": before }))
            .await;
        assert_eq!(data["nodes"].as_array().unwrap().len(), n);
        assert!(
            data["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|n| n["id"].is_string())
        );
        counts.push(app.statements() - start);
    }
    assert_eq!(counts[0], counts[1], "statements for 2 node IDs vs 25");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_values_return_and_reads_stay_flat_sqlite() {
    deleted_values_return_and_reads_stay_flat(crate::common::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_values_return_and_reads_stay_flat_postgres() {
    deleted_values_return_and_reads_stay_flat(crate::common::Backend::Postgres).await;
}
