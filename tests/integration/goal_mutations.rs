//! Goal mutations: create, update, status, archive; timing phrases;
//! validation as `userErrors`; versions; natural keys; working-group reach;
//! the audit entry of every change.

use crate::common::{TestApp, codes};
use masterplan_api::ids::decode_as;
use masterplan_domain::audit::AuditEntityType;
use masterplan_domain::status::Role;
use masterplan_persistence::ids::GoalId;
use masterplan_persistence::models::audit;
use serde_json::{Value, json};

const GOAL_FIELDS: &str = "id text category position status version
    timing { phrase kind startsOn dueOn } measure { code }";

fn create() -> String {
    format!(
        "mutation($input: CreateGoalInput!) {{ createGoal(input: $input) {{
            goal {{ {GOAL_FIELDS} }} userErrors {{ field message code currentVersion }} clientMutationId }} }}"
    )
}

fn update() -> String {
    format!(
        "mutation($input: UpdateGoalInput!) {{ updateGoal(input: $input) {{
            goal {{ {GOAL_FIELDS} }} userErrors {{ field message code currentVersion }} clientMutationId }} }}"
    )
}

const SET_STATUS: &str = "mutation($input: SetGoalStatusInput!) { setGoalStatus(input: $input) {
    goal { id status version } userErrors { field code } clientMutationId } }";

const ARCHIVE: &str = "mutation($input: ArchiveGoalInput!) { archiveGoal(input: $input) {
    goal { id version } userErrors { field code } clientMutationId } }";

/// The goals of a measure as the read side shows them.
async fn goals_of(app: &TestApp, code: &str) -> Vec<Value> {
    let data = app
        .staff_data(&format!(
            r#"{{ measure(code: "{code}") {{ goals {{ {GOAL_FIELDS} }} }} }}"#
        ))
        .await;
    data["measure"]["goals"].as_array().unwrap().clone()
}

/// The audit entries about a goal, oldest first: (action, changes).
async fn audit_of(app: &TestApp, id: &Value) -> Vec<(String, Value)> {
    let id = decode_as::<GoalId>(id.as_str().unwrap())
        .expect("a goal ID")
        .get();
    let mut conn = app.db.conn().await.unwrap();
    audit::of_entities(
        &mut conn,
        AuditEntityType::Goal,
        &[id],
        &audit::AuditScope::Everything,
    )
    .await
    .unwrap()
    .into_iter()
    .map(|row| {
        (
            row.action.to_string(),
            serde_json::from_str(&row.changes).unwrap(),
        )
    })
    .collect()
}

fn errors(payload: &Value) -> Vec<(Value, String)> {
    payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].clone(), e["code"].as_str().unwrap().to_owned()))
        .collect()
}

backend_tests! {
    async fn create_adds_a_goal_with_parsed_timing_after_the_last(app) {
        let admin = app.admin().await;
        let before = goals_of(&app, "1.2").await;
        let data = app.data_with(&admin, &create(), json!({ "input": {
            "measure": { "code": "1.2" }, "text": "  Anbindung weiterer Fachverfahren ",
            "category": "Technik", "timing": "bis Ende 2021", "clientMutationId": "g1"
        }})).await;
        let payload = &data["createGoal"];
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
        assert_eq!(payload["clientMutationId"], "g1");
        let goal = &payload["goal"];
        assert_eq!(goal["text"], "Anbindung weiterer Fachverfahren");
        assert_eq!(goal["status"], "OPEN");
        assert_eq!(goal["version"], 1);
        assert_eq!(goal["position"], before.len() as i64 + 1);
        assert_eq!(goal["measure"]["code"], "1.2");
        assert_eq!(goal["timing"], json!({
            "phrase": "bis Ende 2021", "kind": "BY", "startsOn": null, "dueOn": "2021-12-31"
        }));
        let after = goals_of(&app, "1.2").await;
        assert_eq!(after.len(), before.len() + 1);
        assert_eq!(after.last().unwrap(), goal);
        // Lists, filters and search see it.
        let due = app.staff_data(r#"{ goals(filter: { dueBefore: "2021-12-31", dueAfter: "2021-12-31" }) { nodes { id } } }"#).await;
        assert!(due.to_string().contains(goal["id"].as_str().unwrap()), "{due}");
        let hits = app.staff_data(r#"{ search(query: "Fachverfahren Technik") { nodes { node { ... on Goal { id } } } } }"#).await;
        assert!(hits.to_string().contains(goal["id"].as_str().unwrap()), "{hits}");
        // One CREATE entry with the fields set.
        let entries = audit_of(&app, &goal["id"]).await;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].0, "CREATE");
        assert_eq!(entries[0].1["timing"], json!({ "old": null, "new": "bis Ende 2021" }));
        assert_eq!(entries[0].1["text"]["new"], "Anbindung weiterer Fachverfahren");
    }

    async fn create_by_measure_id_at_a_free_position(app) {
        let admin = app.admin().await;
        let measure = app.staff_data(r#"{ measure(code: "3.4") { id } }"#).await["measure"]["id"].clone();
        let data = app.data_with(&admin, &create(), json!({ "input": {
            "measureId": measure, "text": "Schulung", "position": 7, "status": "IN_PROGRESS"
        }})).await;
        let goal = &data["createGoal"]["goal"];
        assert_eq!(goal["position"], 7, "{data}");
        assert_eq!(goal["status"], "IN_PROGRESS");
        assert_eq!(goal["timing"]["kind"], "NONE");
        // A taken position is refused.
        let data = app.data_with(&admin, &create(), json!({ "input": {
            "measureId": measure, "text": "Noch eine", "position": 1
        }})).await;
        assert_eq!(errors(&data["createGoal"]), [(json!(["input", "position"]), "DUPLICATE".into())]);
    }

    async fn invalid_input_is_reported_per_field_and_changes_nothing(app) {
        let admin = app.admin().await;
        let before = goals_of(&app, "1.2").await;
        let data = app.data_with(&admin, &create(), json!({ "input": {
            "measure": { "code": "1.2" }, "text": "   ", "timing": "demnächst", "position": 0
        }})).await;
        let payload = &data["createGoal"];
        assert_eq!(payload["goal"], Value::Null);
        assert_eq!(errors(payload), [
            (json!(["input", "text"]), "VALIDATION".to_owned()),
            (json!(["input", "timing"]), "VALIDATION".to_owned()),
            (json!(["input", "position"]), "VALIDATION".to_owned()),
        ]);
        let timing = &payload["userErrors"][1]["message"];
        assert!(timing.as_str().unwrap().contains("accepted forms"), "{timing}");
        assert_eq!(goals_of(&app, "1.2").await, before);
        // The same for an update.
        let goal = &before[0];
        let data = app.data_with(&admin, &update(), json!({ "input": {
            "id": goal["id"], "expectedVersion": goal["version"], "timing": "bis Ende zwanzig"
        }})).await;
        assert_eq!(errors(&data["updateGoal"]), [(json!(["input", "timing"]), "VALIDATION".into())]);
        assert_eq!(goals_of(&app, "1.2").await, before);
    }

    async fn unknown_measures_and_goals_are_not_found(app) {
        let admin = app.admin().await;
        for (target, field) in [
            (json!({ "measure": { "code": "9.9" } }), json!(["input", "measure", "code"])),
            (json!({ "measure": { "plan": "nope", "code": "1.2" } }), json!(["input", "measure", "plan"])),
            (json!({ "measureId": "TWVhc3VyZTo5OTk5" }), json!(["input", "measureId"])),
        ] {
            let mut input = target.clone();
            input["text"] = json!("x");
            let data = app.data_with(&admin, &create(), json!({ "input": input })).await;
            assert_eq!(errors(&data["createGoal"]), [(field, "NOT_FOUND".to_owned())], "{target}");
        }
        let data = app.data_with(&admin, &create(), json!({ "input": { "text": "x" } })).await;
        assert_eq!(errors(&data["createGoal"]), [(json!(["input", "measureId"]), "VALIDATION".into())]);
        let data = app.data_with(&admin, &update(), json!({ "input": {
            "key": { "measure": "1.2", "position": 99 }, "expectedVersion": 1, "text": "x"
        }})).await;
        assert_eq!(errors(&data["updateGoal"]), [(json!(["input", "key", "position"]), "NOT_FOUND".into())]);
    }

    async fn update_by_key_changes_fields_and_records_them(app) {
        let admin = app.admin().await;
        let goal = goals_of(&app, "1.2").await[0].clone();
        assert_eq!(goal["timing"]["phrase"], "bis Mitte 2020");
        let data = app.data_with(&admin, &update(), json!({ "input": {
            "key": { "measure": "1.2", "position": 1 }, "expectedVersion": goal["version"],
            "text": "Konzept überarbeitet", "timing": "ab 2021", "category": "Konzept",
            "clientMutationId": "u1"
        }})).await;
        let payload = &data["updateGoal"];
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
        assert_eq!(payload["clientMutationId"], "u1");
        let updated = &payload["goal"];
        assert_eq!(updated["version"], goal["version"].as_i64().unwrap() + 1);
        assert_eq!(updated["timing"], json!({
            "phrase": "ab 2021", "kind": "FROM", "startsOn": "2021-01-01", "dueOn": null
        }));
        assert_eq!(&goals_of(&app, "1.2").await[0], updated);
        let entries = audit_of(&app, &goal["id"]).await;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].0, "UPDATE");
        assert_eq!(entries[0].1, json!({
            "category": { "old": null, "new": "Konzept" },
            "text": { "old": goal["text"], "new": "Konzept überarbeitet" },
            "timing": { "old": "bis Mitte 2020", "new": "ab 2021" },
        }));
        // null clears the timing and the category.
        let data = app.data_with(&admin, &update(), json!({ "input": {
            "id": goal["id"], "expectedVersion": updated["version"], "timing": null, "category": null
        }})).await;
        let cleared = &data["updateGoal"]["goal"];
        assert_eq!(cleared["timing"], json!({ "phrase": null, "kind": "NONE", "startsOn": null, "dueOn": null }));
        assert_eq!(cleared["category"], Value::Null);
        // A change to nothing keeps the version and writes no entry.
        let data = app.data_with(&admin, &update(), json!({ "input": {
            "id": goal["id"], "expectedVersion": cleared["version"], "text": "Konzept überarbeitet"
        }})).await;
        assert_eq!(data["updateGoal"]["goal"]["version"], cleared["version"]);
        assert_eq!(audit_of(&app, &goal["id"]).await.len(), 2);
    }

    async fn a_stale_version_is_refused_and_changes_nothing(app) {
        let admin = app.admin().await;
        let goal = goals_of(&app, "1.2").await[1].clone();
        let version = goal["version"].as_i64().unwrap();
        let first = app.data_with(&admin, SET_STATUS, json!({ "input": {
            "id": goal["id"], "expectedVersion": version, "status": "ACHIEVED"
        }})).await;
        assert_eq!(first["setGoalStatus"]["goal"]["status"], "ACHIEVED", "{first}");
        let second = app.data_with(&admin, &update(), json!({ "input": {
            "id": goal["id"], "expectedVersion": version, "text": "Zu spät"
        }})).await;
        let error = &second["updateGoal"]["userErrors"][0];
        assert_eq!(error["code"], "VERSION_CONFLICT");
        assert_eq!(error["field"], json!(["input", "expectedVersion"]));
        assert_eq!(error["currentVersion"], version + 1);
        let now = &goals_of(&app, "1.2").await[1];
        assert_eq!(now["text"], goal["text"]);
        assert_eq!(now["status"], "ACHIEVED");
        let entries = audit_of(&app, &goal["id"]).await;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].1, json!({ "status": { "old": "OPEN", "new": "ACHIEVED" } }));
    }

    async fn archive_removes_the_goal_from_lists_and_search(app) {
        let admin = app.admin().await;
        let before = goals_of(&app, "3.4").await;
        let goal = before[0].clone();
        let total = app.staff_data("{ goals(first: 1) { totalCount } }").await["goals"]["totalCount"].as_i64().unwrap();
        let data = app.data_with(&admin, ARCHIVE, json!({ "input": {
            "key": { "measure": "3.4", "position": 1 }, "expectedVersion": goal["version"],
            "clientMutationId": "a1"
        }})).await;
        let payload = &data["archiveGoal"];
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
        assert_eq!(payload["goal"]["version"], goal["version"].as_i64().unwrap() + 1);
        assert_eq!(payload["clientMutationId"], "a1");
        assert_eq!(goals_of(&app, "3.4").await.len(), before.len() - 1);
        assert_eq!(app.staff_data("{ goals(first: 1) { totalCount } }").await["goals"]["totalCount"], total - 1);
        let hits = app.staff_data(r#"{ search(query: "digitalen Bauanträgen") { nodes { node { ... on Goal { id } } } } }"#).await;
        assert!(!hits.to_string().contains(goal["id"].as_str().unwrap()), "{hits}");
        let entries = audit_of(&app, &goal["id"]).await;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].0, "ARCHIVE");
        assert_eq!(entries[0].1["archivedAt"]["old"], Value::Null);
        // Archived goals are not found again, and their position is free.
        let again = app.data_with(&admin, ARCHIVE, json!({ "input": {
            "id": goal["id"], "expectedVersion": goal["version"].as_i64().unwrap() + 1
        }})).await;
        assert_eq!(errors(&again["archiveGoal"]), [(json!(["input", "id"]), "NOT_FOUND".into())]);
        let data = app.data_with(&admin, &create(), json!({ "input": {
            "measure": { "code": "3.4" }, "text": "Ersatz", "position": 1
        }})).await;
        assert_eq!(data["createGoal"]["goal"]["position"], 1, "{data}");
    }

    async fn anonymous_and_reader_callers_cannot_write(app) {
        let input = json!({ "input": { "measure": { "code": "3.4" }, "text": "x" } });
        let body = app.query_vars(&create(), input.clone()).await;
        assert_eq!(codes(&body), ["UNAUTHENTICATED"]);
        let reader = app.token("reader", Role::Reader, &[], None).await;
        let body = app.query_with(&reader, &create(), input).await;
        assert_eq!(codes(&body), ["FORBIDDEN"]);
    }

    async fn editors_reach_only_goals_of_their_working_groups(app) {
        let editor = app.token("group-three", Role::Editor, &["III"], None).await;
        // 1.2 belongs to working group I, 3.4 to III.
        let foreign = goals_of(&app, "1.2").await;
        let body = app.query_with(&editor, &update(), json!({ "input": {
            "id": foreign[0]["id"], "expectedVersion": foreign[0]["version"], "text": "x"
        }})).await;
        assert_eq!(codes(&body), ["FORBIDDEN"]);
        let body = app.query_with(&editor, &create(), json!({ "input": {
            "measure": { "code": "1.2" }, "text": "x"
        }})).await;
        assert_eq!(codes(&body), ["FORBIDDEN"]);
        let body = app.query_with(&editor, ARCHIVE, json!({ "input": {
            "id": foreign[0]["id"], "expectedVersion": foreign[0]["version"]
        }})).await;
        assert_eq!(codes(&body), ["FORBIDDEN"]);
        assert_eq!(goals_of(&app, "1.2").await, foreign);
        let own = goals_of(&app, "3.4").await;
        let data = app.data_with(&editor, &update(), json!({ "input": {
            "id": own[0]["id"], "expectedVersion": own[0]["version"], "text": "Eigenes Ziel"
        }})).await;
        assert_eq!(data["updateGoal"]["goal"]["text"], "Eigenes Ziel");
        let data = app.data_with(&editor, &create(), json!({ "input": {
            "measure": { "code": "3.4" }, "text": "Neues eigenes Ziel"
        }})).await;
        assert_eq!(data["createGoal"]["userErrors"], json!([]));
        let mut conn = app.db.conn().await.unwrap();
        let mine = audit::list(&mut conn, &audit::AuditFilter {
            scope: audit::AuditScope::Everything,
            actor: Some("group-three".into()), ..Default::default()
        }, masterplan_persistence::page::Window { offset: 0, limit: 10 }).await.unwrap();
        assert_eq!(mine.len(), 2);
        assert!(mine.iter().all(|e| e.entity_type == AuditEntityType::Goal));
    }
}
