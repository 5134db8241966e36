//! Measure mutations: create, update, status, archive; validation as
//! `userErrors`; versions; natural keys; roles and working-group reach.

use crate::common::{TestApp, codes};
use masterplan_domain::status::Role;
use serde_json::{Value, json};

const UPDATE: &str = "mutation($input: UpdateMeasureInput!) {
  updateMeasure(input: $input) {
    measure { id code title status version quickWin }
    userErrors { field message code currentVersion }
    clientMutationId
  }
}";

const CREATE: &str = "mutation($input: CreateMeasureInput!) {
  createMeasure(input: $input) {
    measure { id code title status version position workingGroup { code }
              quickWin costEstimate { category } }
    userErrors { field message code }
    clientMutationId
  }
}";

async fn measure(app: &TestApp, code: &str) -> Value {
    app.staff_data(&format!(
        r#"{{ measure(code: "{code}") {{ id title version status quickWin }} }}"#
    ))
    .await["measure"]
        .clone()
}

backend_tests! {
    async fn update_changes_fields_and_bumps_the_version(app) {
        let admin = app.admin().await;
        let before = measure(&app, "1.2").await;
        let data = app.data_with(&admin, UPDATE, json!({ "input": {
            "id": before["id"], "expectedVersion": before["version"],
            "title": "Bürgerportal 2.0", "status": "IN_PROGRESS",
            "clientMutationId": "run-1"
        }})).await;
        let payload = &data["updateMeasure"];
        assert_eq!(payload["userErrors"], json!([]));
        assert_eq!(payload["clientMutationId"], "run-1");
        assert_eq!(payload["measure"]["title"], "Bürgerportal 2.0");
        assert_eq!(payload["measure"]["status"], "IN_PROGRESS");
        assert_eq!(payload["measure"]["version"], before["version"].as_i64().unwrap() + 1);
        let after = measure(&app, "1.2").await;
        assert_eq!(after["title"], "Bürgerportal 2.0");
        // The search index follows the new title.
        let hits = app.staff_data(r#"{ search(query: "Bürgerportal 2.0") { nodes { node { ... on Measure { code } } } } }"#).await;
        assert!(hits.to_string().contains("\"1.2\""), "{hits}");
    }

    async fn a_stale_version_is_refused_and_changes_nothing(app) {
        let admin = app.admin().await;
        let before = measure(&app, "1.2").await;
        let version = before["version"].as_i64().unwrap();
        let first = app.data_with(&admin, UPDATE, json!({ "input": {
            "key": { "code": "1.2" }, "expectedVersion": version, "title": "Erste Änderung"
        }})).await;
        assert_eq!(first["updateMeasure"]["userErrors"], json!([]));
        let second = app.data_with(&admin, UPDATE, json!({ "input": {
            "key": { "code": "1.2" }, "expectedVersion": version, "title": "Zweite Änderung"
        }})).await;
        let payload = &second["updateMeasure"];
        assert_eq!(payload["measure"], Value::Null);
        assert_eq!(payload["userErrors"][0]["code"], "VERSION_CONFLICT");
        assert_eq!(payload["userErrors"][0]["field"], json!(["input", "expectedVersion"]));
        assert_eq!(payload["userErrors"][0]["currentVersion"], version + 1);
        assert_eq!(measure(&app, "1.2").await["title"], "Erste Änderung");
    }

    async fn an_update_that_changes_nothing_keeps_the_version(app) {
        let admin = app.admin().await;
        let before = measure(&app, "1.2").await;
        let data = app.data_with(&admin, UPDATE, json!({ "input": {
            "id": before["id"], "expectedVersion": before["version"], "title": before["title"]
        }})).await;
        assert_eq!(data["updateMeasure"]["measure"]["version"], before["version"]);
    }

    async fn invalid_input_is_reported_per_field_and_changes_nothing(app) {
        let admin = app.admin().await;
        let before = measure(&app, "1.2").await;
        let data = app.data_with(&admin, UPDATE, json!({ "input": {
            "id": before["id"], "expectedVersion": before["version"],
            "title": "  ", "code": "1.x", "position": 0,
            "estimates": { "costEur": -5.0 }
        }})).await;
        let errors = data["updateMeasure"]["userErrors"].as_array().unwrap().clone();
        let fields: Vec<Value> = errors.iter().map(|e| e["field"].clone()).collect();
        assert_eq!(fields, [
            json!(["input", "title"]), json!(["input", "code"]),
            json!(["input", "position"]), json!(["input", "estimates", "costEur"]),
        ]);
        assert!(errors.iter().all(|e| e["code"] == "VALIDATION"));
        assert_eq!(measure(&app, "1.2").await, before);
    }

    async fn codes_are_unique_per_plan(app) {
        let admin = app.admin().await;
        let before = measure(&app, "1.2").await;
        let data = app.data_with(&admin, UPDATE, json!({ "input": {
            "id": before["id"], "expectedVersion": before["version"], "code": "1.3"
        }})).await;
        assert_eq!(data["updateMeasure"]["userErrors"][0]["code"], "DUPLICATE");
        assert_eq!(data["updateMeasure"]["userErrors"][0]["field"], json!(["input", "code"]));
    }

    async fn unknown_ids_and_keys_are_not_found(app) {
        let admin = app.admin().await;
        for target in [
            json!({ "id": "TWVhc3VyZTo5OTk5" }),
            json!({ "id": "bm9wZQ" }),
            json!({ "key": { "code": "9.9" } }),
            json!({ "key": { "plan": "no-such-plan", "code": "1.2" } }),
        ] {
            let mut input = target.clone();
            input["expectedVersion"] = json!(1);
            input["title"] = json!("x");
            let data = app.data_with(&admin, UPDATE, json!({ "input": input })).await;
            assert_eq!(data["updateMeasure"]["userErrors"][0]["code"], "NOT_FOUND", "{target}");
        }
        let data = app.data_with(&admin, UPDATE, json!({ "input": {
            "expectedVersion": 1, "title": "x"
        }})).await;
        assert_eq!(data["updateMeasure"]["userErrors"][0]["code"], "VALIDATION");
    }

    async fn create_adds_a_classified_measure_at_the_end(app) {
        let admin = app.admin().await;
        let data = app.data_with(&admin, CREATE, json!({ "input": {
            "workingGroup": "III", "code": "3.99", "title": "Neue Maßnahme",
            "estimates": { "costEur": 1000.0, "personnelFte": 0.1, "realizationMonths": 3 },
            "clientMutationId": "c1"
        }})).await;
        let payload = &data["createMeasure"];
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
        let m = &payload["measure"];
        assert_eq!(m["code"], "3.99");
        assert_eq!(m["status"], "PLANNED");
        assert_eq!(m["version"], 1);
        assert_eq!(m["workingGroup"]["code"], "III");
        assert_eq!(m["costEstimate"]["category"], "LOW");
        assert_eq!(m["quickWin"], "YES");
        let count = app.staff_data("{ measures(first: 100) { totalCount nodes { code } } }").await;
        let nodes = count["measures"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.last().unwrap()["code"], "3.99");
        assert_eq!(m["position"].as_i64().unwrap(), nodes.len() as i64);
        // Running the same create again is refused, not duplicated.
        let again = app.data_with(&admin, CREATE, json!({ "input": {
            "workingGroup": "III", "code": "3.99", "title": "Neue Maßnahme"
        }})).await;
        assert_eq!(again["createMeasure"]["userErrors"][0]["code"], "DUPLICATE");
    }

    async fn create_checks_its_references(app) {
        let admin = app.admin().await;
        let data = app.data_with(&admin, CREATE, json!({ "input": {
            "workingGroup": "IX", "title": "Neue Maßnahme"
        }})).await;
        let error = &data["createMeasure"]["userErrors"][0];
        assert_eq!(error["code"], "NOT_FOUND");
        assert_eq!(error["field"], json!(["input", "workingGroup"]));
    }

    async fn set_status_and_archive(app) {
        let admin = app.admin().await;
        let before = measure(&app, "2.1").await;
        let goals_of_2_1 = app.staff_data(r#"{ measure(code: "2.1") { goals { id } } }"#).await["measure"]["goals"]
            .as_array().unwrap().len() as i64;
        assert!(goals_of_2_1 > 0);
        let all_goals = app.staff_data("{ goals(first: 1) { totalCount } }").await["goals"]["totalCount"].as_i64().unwrap();
        let data = app.data_with(&admin, "mutation($input: SetMeasureStatusInput!) {
            setMeasureStatus(input: $input) { measure { status version } userErrors { code } } }",
            json!({ "input": { "key": { "code": "2.1" }, "expectedVersion": before["version"], "status": "COMPLETED" } })).await;
        assert_eq!(data["setMeasureStatus"]["measure"]["status"], "COMPLETED");
        let version = data["setMeasureStatus"]["measure"]["version"].clone();
        let data = app.data_with(&admin, "mutation($input: ArchiveMeasureInput!) {
            archiveMeasure(input: $input) { measure { code version } userErrors { code } } }",
            json!({ "input": { "id": before["id"], "expectedVersion": version } })).await;
        assert_eq!(data["archiveMeasure"]["measure"]["code"], "2.1");
        assert_eq!(measure(&app, "2.1").await, Value::Null);
        let list = app.staff_data("{ measures(first: 100) { nodes { code } } }").await;
        assert!(!list.to_string().contains("\"2.1\""));
        let goals = app.staff_data("{ goals(first: 1) { totalCount } }").await;
        assert_eq!(goals["goals"]["totalCount"], all_goals - goals_of_2_1);
    }

    async fn anonymous_and_reader_callers_cannot_write(app) {
        let before = measure(&app, "1.2").await;
        let variables = json!({ "input": {
            "id": before["id"], "expectedVersion": before["version"], "title": "x"
        }});
        let body = app.query_vars(UPDATE, variables.clone()).await;
        assert_eq!(codes(&body), ["UNAUTHENTICATED"]);
        let reader = app.token("reader", Role::Reader, &[], None).await;
        let body = app.query_with(&reader, UPDATE, variables).await;
        assert_eq!(codes(&body), ["FORBIDDEN"]);
        assert_eq!(measure(&app, "1.2").await, before);
    }

    async fn editors_reach_only_their_working_groups(app) {
        let editor = app.token("group-three", Role::Editor, &["III"], None).await;
        // 1.2 belongs to working group I.
        let portal = measure(&app, "1.2").await;
        let body = app.query_with(&editor, UPDATE, json!({ "input": {
            "id": portal["id"], "expectedVersion": portal["version"], "title": "x"
        }})).await;
        assert_eq!(codes(&body), ["FORBIDDEN"]);
        assert_eq!(measure(&app, "1.2").await, portal);
        let own = measure(&app, "3.1").await;
        let data = app.data_with(&editor, UPDATE, json!({ "input": {
            "id": own["id"], "expectedVersion": own["version"], "title": "Eigene Maßnahme"
        }})).await;
        assert_eq!(data["updateMeasure"]["measure"]["title"], "Eigene Maßnahme");
        // Moving an own measure into another group is out of reach too.
        let body = app.query_with(&editor, UPDATE, json!({ "input": {
            "id": own["id"], "expectedVersion": own["version"].as_i64().unwrap() + 1, "workingGroup": "I"
        }})).await;
        assert_eq!(codes(&body), ["FORBIDDEN"]);
        let body = app.query_with(&editor, CREATE, json!({ "input": {
            "workingGroup": "I", "title": "Fremd"
        }})).await;
        assert_eq!(codes(&body), ["FORBIDDEN"]);
    }
}
