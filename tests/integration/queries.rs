//! Filters, ordering, pagination, lookups by code and global ID, and the
//! rule that picks the plan when only one exists.

use crate::common::{Backend, app_with_values, bundled_plan, codes};
use serde_json::{Value, json};

fn codes_of(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap_or("-").to_owned())
        .collect()
}

backend_tests! {
    async fn filter_by_working_group_and_status(app) {
        let data = app.data(r#"{ measures(filter: { workingGroup: "III" }) { totalCount nodes { code } } }"#).await;
        assert_eq!(data["measures"]["totalCount"], 5);
        assert_eq!(codes_of(&data["measures"]["nodes"]), ["3.1", "3.2", "3.3", "3.4", "3.5"]);
        let data = app.data(r#"{ measures(filter: { workingGroup: ["II", "IV"], status: PLANNED }) { totalCount } }"#).await;
        assert_eq!(data["measures"]["totalCount"], 9);
        let data = app.data(r#"{ measures(filter: { status: [COMPLETED, ON_HOLD] }) { totalCount nodes { code } } }"#).await;
        assert_eq!(data["measures"]["totalCount"], 0);
        let data = app.data(r#"{ measures(filter: { quickWin: UNKNOWN, costCategory: LOW }) { totalCount } }"#).await;
        assert_eq!(data["measures"]["totalCount"], 0, "no measure has a cost estimate");
        let data = app.data(r#"{ measures(filter: { quickWin: UNKNOWN }) { totalCount } }"#).await;
        assert_eq!(data["measures"]["totalCount"], 25);
    }

    async fn search_is_case_insensitive_across_code_title_and_description(app) {
        let data = app.data(r#"{ measures(filter: { search: "PORTAL" }) { nodes { code } } }"#).await;
        assert_eq!(codes_of(&data["measures"]["nodes"]), ["1.2", "1.8", "3.4", "3.5"]);
        // Umlauts fold too (SQLite's lower() would not).
        let data = app.data(r#"{ measures(filter: { search: "BÜRGERPORTAL" }) { nodes { code } } }"#).await;
        assert_eq!(codes_of(&data["measures"]["nodes"]), ["1.2"]);
        let data = app.data(r#"{ measures(filter: { search: "1.10" }) { nodes { code } } }"#).await;
        assert_eq!(codes_of(&data["measures"]["nodes"]), ["1.10"]);
        // LIKE wildcards in the search text are taken literally.
        let data = app.data(r#"{ measures(filter: { search: "100%-lösung" }) { nodes { code } } }"#).await;
        assert_eq!(codes_of(&data["measures"]["nodes"]), ["3.1"]);
        let data = app.data(r#"{ measures(filter: { search: "_" }) { totalCount } }"#).await;
        assert_eq!(data["measures"]["totalCount"], 0);
    }

    async fn order_by_code_and_title(app) {
        let data = app.data(r#"{ measures(first: 4, orderBy: { field: TITLE }) { nodes { title } } }"#).await;
        assert_eq!(data["measures"]["nodes"][0]["title"], "Bring Your Own Device (BYOD)");
        let data = app.data(r#"{ measures(first: 100, orderBy: { field: CODE, direction: DESC }) { nodes { code } } }"#).await;
        let codes = codes_of(&data["measures"]["nodes"]);
        assert_eq!(codes[0], "4.6");
        assert_eq!(codes.last().unwrap(), "-", "the uncoded measure sorts last");
        let data = app.data(r#"{ measures(first: 2, orderBy: { field: POSITION, direction: DESC }) { nodes { code } } }"#).await;
        assert_eq!(codes_of(&data["measures"]["nodes"]), ["4.6", "4.5"]);
    }

    async fn pagination_with_cursors(app) {
        let page = "query($after: String) { measures(first: 10, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { code } } } }";
        let mut after = Value::Null;
        let mut seen = Vec::new();
        for expected_len in [10, 10, 5] {
            let body = app.query_vars(page, json!({ "after": after })).await;
            let conn = &body["data"]["measures"];
            assert_eq!(conn["totalCount"], 25);
            let edges = conn["edges"].as_array().unwrap();
            assert_eq!(edges.len(), expected_len);
            assert_eq!(conn["pageInfo"]["endCursor"], edges.last().unwrap()["cursor"]);
            assert_eq!(conn["pageInfo"]["hasPreviousPage"], !seen.is_empty());
            seen.extend(edges.iter().map(|e| e["node"]["code"].as_str().unwrap_or("-").to_owned()));
            after = conn["pageInfo"]["endCursor"].clone();
            assert_eq!(conn["pageInfo"]["hasNextPage"], seen.len() < 25);
        }
        assert_eq!(seen.len(), 25);
        assert_eq!(seen[24], "4.6");

        // Backwards from the end, and back again from a cursor.
        let data = app.data("{ measures(last: 3) { pageInfo { hasNextPage hasPreviousPage startCursor } nodes { code } } }").await;
        assert_eq!(codes_of(&data["measures"]["nodes"]), ["4.4", "4.5", "4.6"]);
        assert_eq!(data["measures"]["pageInfo"]["hasPreviousPage"], true);
        assert_eq!(data["measures"]["pageInfo"]["hasNextPage"], false);
        let before = data["measures"]["pageInfo"]["startCursor"].clone();
        let body = app.query_vars(
            "query($before: String) { measures(last: 2, before: $before) { nodes { code } } }",
            json!({ "before": before }),
        ).await;
        assert_eq!(codes_of(&body["data"]["measures"]["nodes"]), ["4.2", "4.3"]);
    }

    async fn bad_cursor_and_page_sizes_are_coded_errors(app) {
        assert_eq!(app.error_codes(r#"{ measures(after: "nonsense") { totalCount } }"#).await, ["BAD_USER_INPUT"]);
        assert_eq!(app.error_codes("{ measures(first: 101) { totalCount } }").await, ["BAD_USER_INPUT"]);
        assert_eq!(app.error_codes("{ measures(first: -1) { totalCount } }").await, ["BAD_USER_INPUT"]);
        assert_eq!(app.error_codes("{ goals(last: 1000) { totalCount } }").await, ["BAD_USER_INPUT"]);
        assert_eq!(app.error_codes("{ measures(first: 1, last: 1) { totalCount } }").await, ["BAD_USER_INPUT"]);
        let body = app.query("{ measures(first: 101) { totalCount } }").await;
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("between 0 and 100"), "{body}");
    }

    async fn lookups_by_code(app) {
        let data = app.data(r#"{ measure(code: "2.2") { title workingGroup { code } } workingGroup(code: "IV") { name measures { code } } }"#).await;
        assert_eq!(data["measure"]["title"], "Zentrum für Ausbildung und Kompetenzen - „ZAK“");
        assert_eq!(data["measure"]["workingGroup"]["code"], "II");
        assert_eq!(data["workingGroup"]["measures"].as_array().unwrap().len(), 6);
        let data = app.data(r#"{ measure(code: "9.9") { title } workingGroup(code: "V") { name } }"#).await;
        assert_eq!(data["measure"], Value::Null);
        assert_eq!(data["workingGroup"], Value::Null);
        assert_eq!(app.error_codes(r#"{ measure(code: "1.1", plan: "berlin") { title } }"#).await, ["NOT_FOUND"]);
    }

    async fn node_and_nodes_by_global_id(app) {
        let data = app.data(r#"{ measure(code: "1.2") { id goals { id } kpis { id } workingGroup { id } plan { id } } }"#).await;
        let m = &data["measure"];
        let ids = json!([m["id"], m["goals"][0]["id"], m["kpis"][0]["id"], m["workingGroup"]["id"], m["plan"]["id"], "bm9wZQ"]);
        let body = app.query_vars(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Measure { code } ... on Goal { text } ... on Kpi { name } ... on WorkingGroup { code } ... on Plan { slug } } }",
            json!({ "ids": ids }),
        ).await;
        let nodes = body["data"]["nodes"].as_array().unwrap();
        assert_eq!(nodes[0]["code"], "1.2");
        assert_eq!(nodes[0]["id"], m["id"]);
        assert_eq!(nodes[1]["__typename"], "Goal");
        assert_eq!(nodes[2]["name"], "Anzahl der digitalen Verwaltungsleistungen im Portal");
        assert_eq!(nodes[3]["code"], "I");
        assert_eq!(nodes[4]["slug"], "dortmund-arbeiten-4-0");
        assert_eq!(nodes[5], Value::Null, "an unknown ID is null, not an error");
        let body = app.query_vars("query($id: ID!) { node(id: $id) { ... on Measure { title } } }", json!({ "id": m["id"] })).await;
        assert_eq!(body["data"]["node"]["title"], "Bürgerportal");
        let many: Vec<String> = (0..101).map(|_| "x".to_owned()).collect();
        let body = app.query_vars("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": many })).await;
        assert_eq!(codes(&body), ["BAD_USER_INPUT"]);
    }

    async fn goals_filtered_by_measure_dates_and_overdue(app) {
        let data = app.data(r#"{ goals(filter: { measure: "1.1" }) { totalCount nodes { measure { code } } } }"#).await;
        assert_eq!(data["goals"]["totalCount"], 2);
        let data = app.data(r#"{ goals(filter: { dueAfter: "2020-01-01", dueBefore: "2020-06-30" }) { nodes { measure { code } timing { dueOn } } } }"#).await;
        let due: Vec<(&str, &str)> = data["goals"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| (g["measure"]["code"].as_str().unwrap(), g["timing"]["dueOn"].as_str().unwrap()))
            .collect();
        assert_eq!(
            due,
            [("1.2", "2020-06-30"), ("1.4", "2020-06-30"), ("2.1", "2020-03-31"), ("3.3", "2020-06-30"), ("4.1", "2020-03-31")]
        );
        // As of the start of 2020 three goals were overdue (due mid/end 2019).
        let data = app.data(r#"{ goals(filter: { overdue: true, asOf: "2020-01-01" }) { totalCount nodes { text overdue(asOf: "2020-01-01") measure { code } } } }"#).await;
        assert_eq!(data["goals"]["totalCount"], 3);
        let codes: Vec<&str> = data["goals"]["nodes"].as_array().unwrap().iter().map(|g| g["measure"]["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["1.3", "1.4", "1.8"]);
        assert!(data["goals"]["nodes"].as_array().unwrap().iter().all(|g| g["overdue"] == true));
        // Due on the day itself is not overdue yet.
        let data = app.data(r#"{ goals(filter: { overdue: true, asOf: "2019-12-31" }) { totalCount } }"#).await;
        assert_eq!(data["goals"]["totalCount"], 1);
        let data = app.data(r#"{ a: goals(filter: { overdue: false, asOf: "2020-01-01" }) { totalCount } }"#).await;
        assert_eq!(data["a"]["totalCount"], 58);
        assert_eq!(app.error_codes(r#"{ goals(filter: { dueAfter: "2021-01-01", dueBefore: "2020-01-01" }) { totalCount } }"#).await, ["BAD_USER_INPUT"]);
        assert_eq!(app.error_codes(r#"{ goals(filter: { dueAfter: "2021-13-01" }) { totalCount } }"#).await, ["BAD_USER_INPUT"]);
        assert_eq!(app.error_codes(r#"{ goals(filter: { measure: "7.7" }) { totalCount } }"#).await, ["NOT_FOUND"]);
    }

    async fn kpis_filtered_by_value_type(app) {
        let data = app.data(r#"{ kpis(filter: { valueType: MILESTONE }) { totalCount nodes { name measure { code } } } }"#).await;
        let codes: Vec<&str> = data["kpis"]["nodes"].as_array().unwrap().iter().map(|k| k["measure"]["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["2.1", "2.3", "2.3", "4.3", "4.5"]);
        let data = app.data(r#"{ kpis(filter: { measure: "1.2" }) { totalCount } }"#).await;
        assert_eq!(data["kpis"]["totalCount"], 3);
    }
}

/// Tests that need their own data set, written out per backend.
async fn kpi_values_latest_and_progress(backend: Backend) {
    let Some(app) = app_with_values(backend).await else {
        return;
    };
    let data = app.staff_data(r#"{ measure(code: "1.2") { kpis { name latestValue { value observedOn source }
        values(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { value observedOn } }
        newest: values(last: 2) { nodes { observedOn } pageInfo { hasPreviousPage } }
        in2020: values(from: "2020-01-01", to: "2020-12-31") { totalCount }
        progress(asOf: "2021-02-01") trend targets { value dueOn met } } } }"#).await;
    let kpi = &data["measure"]["kpis"][0];
    assert_eq!(kpi["latestValue"]["value"], 83.5);
    assert_eq!(kpi["latestValue"]["observedOn"], "2021-01-31");
    assert_eq!(kpi["latestValue"]["source"], "Testreihe");
    assert_eq!(kpi["values"]["totalCount"], 5);
    assert_eq!(kpi["values"]["nodes"][0]["observedOn"], "2020-01-31");
    assert_eq!(kpi["values"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(kpi["newest"]["nodes"][1]["observedOn"], "2021-01-31");
    assert_eq!(kpi["newest"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(kpi["in2020"]["totalCount"], 4);
    // Baseline 67 → target 100 with 83.5 reached: half way.
    assert_eq!(kpi["progress"], 0.5);
    assert_eq!(kpi["trend"], "UP");
    // 80 by the end of 2020 was reached (80 on 2020-10-31); 100 by the end of
    // 2021 was not (83.5 is the newest value by then).
    assert_eq!(kpi["targets"][0]["value"], 80.0);
    assert_eq!(kpi["targets"][0]["met"], true);
    assert_eq!(kpi["targets"][1]["met"], false);
    assert_eq!(data["measure"]["kpis"][1]["trend"], Value::Null);
    // The other KPIs have no values.
    assert_eq!(data["measure"]["kpis"][1]["latestValue"], Value::Null);

    let cursor = kpi["values"]["pageInfo"]["endCursor"].clone();
    let body = app
        .query_vars(
            r#"query($after: String) { measure(code: "1.2") { kpis { values(first: 10, after: $after) { pageInfo { hasNextPage hasPreviousPage } nodes { value } } } } }"#,
            json!({ "after": cursor }),
        )
        .await;
    let values = &body["data"]["measure"]["kpis"][0]["values"];
    let got: Vec<f64> = values["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_f64().unwrap())
        .collect();
    assert_eq!(got, [74.0, 80.0, 83.5]);
    assert_eq!(values["pageInfo"]["hasNextPage"], false);
    assert_eq!(values["pageInfo"]["hasPreviousPage"], true);

    // A decreasing KPI: lead time 90 → 30 days, now 60: half way.
    let data = app
        .data(r#"{ measure(code: "3.4") { kpis { direction progress(asOf: "2021-01-01") trend latestValue { value } targets { met } } }
                   m22: measure(code: "2.2") { kpis { targets { met } } } }"#)
        .await;
    assert_eq!(data["measure"]["kpis"][1]["direction"], "DECREASE");
    assert_eq!(data["measure"]["kpis"][1]["progress"], 0.5);
    assert_eq!(data["measure"]["kpis"][1]["trend"], "DOWN");
    // 60 days by the end of 2020 does not meet a target of 30 (lower is better).
    assert_eq!(data["measure"]["kpis"][1]["targets"][0]["met"], false);
    // No values recorded: unknown.
    assert_eq!(data["m22"]["kpis"][0]["targets"][0]["met"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kpi_values_latest_and_progress_sqlite() {
    kpi_values_latest_and_progress(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kpi_values_latest_and_progress_postgres() {
    kpi_values_latest_and_progress(Backend::Postgres).await;
}

/// With a second plan, arguments that pick a plan are needed and say so.
async fn several_plans_need_a_plan_argument(backend: Backend) {
    let Some(app) = crate::common::TestApp::new(backend).await else {
        return;
    };
    let mut second = bundled_plan();
    second.plan.slug = "dortmund-2030".into();
    second.plan.title = "Masterplan 2030".into();
    app.load(&second).await;
    let body = app.query(r#"{ measure(code: "1.2") { title } }"#).await;
    assert_eq!(codes(&body), ["PLAN_REQUIRED"]);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("several plans")
    );
    let data = app
        .data(r#"{ measure(code: "1.2", plan: "dortmund-2030") { plan { title } } plans { slug } measures { totalCount } one: measures(filter: { plan: "dortmund-2030" }) { totalCount } }"#)
        .await;
    assert_eq!(data["measure"]["plan"]["title"], "Masterplan 2030");
    assert_eq!(data["plans"].as_array().unwrap().len(), 2);
    assert_eq!(data["measures"]["totalCount"], 50);
    assert_eq!(data["one"]["totalCount"], 25);
    let data = app.data(r#"{ plan(slug: "nowhere") { title } }"#).await;
    assert_eq!(data["plan"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_plans_need_a_plan_argument_sqlite() {
    several_plans_need_a_plan_argument(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_plans_need_a_plan_argument_postgres() {
    several_plans_need_a_plan_argument(Backend::Postgres).await;
}
