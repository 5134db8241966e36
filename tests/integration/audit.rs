//! The audit trail as users see it: measure mutations leave entries in
//! `auditLog` and `history`; filters and paging; only editors and admins may
//! read it; `verifyAuditLog` finds edited and removed entries.

use crate::common::{TestApp, codes};
use diesel_async::SimpleAsyncConnection;
use masterplan_domain::audit::{AuditAction, AuditEntityType};
use masterplan_domain::status::Role;
use masterplan_persistence::ids::Subject;
use masterplan_persistence::with_conn;
use masterplan_persistence::writes::audit_log::{self, Changes};
use serde_json::{Value, json};

const LOG: &str =
    "query($filter: AuditLogFilter, $first: Int, $after: String, $last: Int, $before: String) {
  auditLog(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id } }
    nodes { id at actor action entityType entityId changes fieldChanges { field old new }
            changesJson hash previousHash }
  }
}";

const VERIFY: &str = "{ verifyAuditLog { ok checked firstBrokenId } }";

const UPDATE: &str = "mutation($input: UpdateMeasureInput!) {
  updateMeasure(input: $input) { measure { version } userErrors { code } } }";

async fn measure(app: &TestApp, code: &str) -> Value {
    app.data(&format!(
        r#"{{ measure(code: "{code}") {{ id title version }} }}"#
    ))
    .await["measure"]
        .clone()
}

/// Renames measure `code` as the holder of `secret` (one audit entry).
async fn rename(app: &TestApp, secret: &str, code: &str, title: &str) {
    let before = measure(app, code).await;
    let data = app
        .data_with(
            secret,
            UPDATE,
            json!({ "input": {
                "id": before["id"], "expectedVersion": before["version"], "title": title
            }}),
        )
        .await;
    assert_eq!(data["updateMeasure"]["userErrors"], json!([]), "{data}");
}

async fn log(app: &TestApp, secret: &str, variables: Value) -> Value {
    app.data_with(secret, LOG, variables).await["auditLog"].clone()
}

fn ids(connection: &Value) -> Vec<i64> {
    connection["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_i64().unwrap())
        .collect()
}

/// Runs raw SQL on the app's database, as someone tampering with it would.
async fn tamper(app: &TestApp, sql: &str) {
    let mut conn = app.db.conn().await.expect("connection");
    with_conn!(&mut conn, c => c.batch_execute(sql).await).expect(sql);
}

async fn verify(app: &TestApp, secret: &str) -> Value {
    app.data_with(secret, VERIFY, json!({})).await["verifyAuditLog"].clone()
}

/// The id of the last entry so far (the seeded plan's load and the tokens'
/// creation are entries too).
async fn last_id(app: &TestApp, secret: &str) -> i64 {
    verify(app, secret).await["checked"].as_i64().unwrap()
}

/// `base` plus each offset: the ids of entries made after `base`.
fn after(base: i64, offsets: &[i64]) -> Vec<i64> {
    offsets.iter().map(|o| base + o).collect()
}

/// Three entries: 1.2 renamed, 2.1 renamed, 1.2 renamed again.
async fn three_entries(app: &TestApp, secret: &str) {
    rename(app, secret, "1.2", "Portal eins").await;
    rename(app, secret, "2.1", "Zwei eins").await;
    rename(app, secret, "1.2", "Portal zwei").await;
}

backend_tests! {
    async fn measure_mutations_leave_entries_newest_first(app) {
        let admin = app.admin().await;
        let before = log(&app, &admin, json!({})).await;
        let base = before["totalCount"].as_i64().unwrap();
        // The seeded plan's load and the admin token's creation, by the harness.
        let earlier: Vec<(&str, &str)> = before["nodes"].as_array().unwrap().iter()
            .map(|n| (n["action"].as_str().unwrap(), n["entityType"].as_str().unwrap())).collect();
        assert_eq!(earlier, [("CREATE", "API_TOKEN"), ("IMPORT", "PLAN")]);
        assert_eq!(before["nodes"][1]["previousHash"], "0".repeat(64));

        let created = app.data_with(&admin, "mutation($input: CreateMeasureInput!) {
            createMeasure(input: $input) { measure { id version } userErrors { code } } }",
            json!({ "input": { "workingGroup": "III", "code": "3.99", "title": "Neue Maßnahme" } })).await;
        let new_measure = created["createMeasure"]["measure"].clone();
        let portal = measure(&app, "1.2").await;
        rename(&app, &admin, "1.2", "Bürgerportal 2.0").await;
        let archived = app.data_with(&admin, "mutation($input: ArchiveMeasureInput!) {
            archiveMeasure(input: $input) { measure { version } userErrors { code } } }",
            json!({ "input": { "id": new_measure["id"], "expectedVersion": new_measure["version"] } })).await;
        assert_eq!(archived["archiveMeasure"]["userErrors"], json!([]));

        let page = log(&app, &admin, json!({ "first": 4 })).await;
        assert_eq!(page["totalCount"], base + 3);
        let nodes = &page["nodes"].as_array().unwrap()[..3];
        assert_eq!(ids(&page)[..3], after(base, &[3, 2, 1]));
        let actions: Vec<&str> = nodes.iter().map(|n| n["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["ARCHIVE", "UPDATE", "CREATE"]);
        for node in nodes {
            assert_eq!(node["actor"], "test-admin");
            assert_eq!(node["entityType"], "MEASURE");
            assert_eq!(node["hash"].as_str().unwrap().len(), 64);
        }
        assert_eq!(nodes[0]["entityId"], new_measure["id"]);
        assert_eq!(nodes[1]["entityId"], portal["id"]);
        assert_eq!(nodes[2]["entityId"], new_measure["id"]);
        // The entries are chained.
        assert_eq!(nodes[0]["previousHash"], nodes[1]["hash"]);
        assert_eq!(nodes[1]["previousHash"], nodes[2]["hash"]);
        assert_eq!(nodes[2]["previousHash"], page["nodes"][3]["hash"]);

        let update = &nodes[1];
        assert_eq!(update["changes"], json!({ "title": { "old": portal["title"], "new": "Bürgerportal 2.0" } }));
        assert_eq!(update["fieldChanges"], json!([{
            "field": "title",
            "old": portal["title"],
            "new": "Bürgerportal 2.0",
        }]));
        let stored: Value = serde_json::from_str(update["changesJson"].as_str().unwrap()).unwrap();
        assert_eq!(stored, json!({ "title": { "old": portal["title"], "new": "Bürgerportal 2.0" } }));

        let creation = nodes[2]["fieldChanges"].as_array().unwrap();
        let field = |name: &str| creation.iter().find(|c| c["field"] == name).cloned()
            .unwrap_or_else(|| panic!("no {name} in {creation:?}"));
        assert_eq!(field("title"), json!({ "field": "title", "old": null, "new": "Neue Maßnahme" }));
        assert_eq!(field("code")["new"], "3.99");
        assert_eq!(field("status")["new"], "PLANNED");
        assert_eq!(field("workingGroup")["new"], "III");

        let archive = nodes[0]["fieldChanges"].as_array().unwrap();
        assert_eq!(archive.len(), 1);
        assert_eq!(archive[0]["field"], "archivedAt");
        assert_eq!(archive[0]["old"], Value::Null);
        assert!(archive[0]["new"].as_str().is_some_and(|t| t.starts_with("20")), "{archive:?}");
    }

    async fn the_selection_scripts_integrate_against_works_as_written(app) {
        let admin = app.admin().await;
        rename(&app, &admin, "1.2", "Portal eins").await;
        let data = app.data_with(&admin, "{ auditLog(first: 1, filter: { actor: \"test-admin\" }) {
            totalCount nodes { at actor action entityType entityId changes hash } } }", json!({})).await;
        let entry = &data["auditLog"]["nodes"][0];
        assert_eq!(data["auditLog"]["totalCount"], 1);
        assert_eq!(entry["action"], "UPDATE");
        assert_eq!(entry["changes"]["title"]["new"], "Portal eins");
        let verify = app.data_with(&admin, "{ verifyAuditLog { ok checked firstBrokenId } }", json!({})).await;
        assert_eq!(verify["verifyAuditLog"]["ok"], true);
    }

    async fn a_refused_or_empty_change_leaves_no_entry(app) {
        let admin = app.admin().await;
        let base = last_id(&app, &admin).await;
        let portal = measure(&app, "1.2").await;
        // Same title: nothing changes.
        rename(&app, &admin, "1.2", portal["title"].as_str().unwrap()).await;
        // A stale version is refused.
        let data = app.data_with(&admin, UPDATE, json!({ "input": {
            "id": portal["id"], "expectedVersion": 99, "title": "x"
        }})).await;
        assert_eq!(data["updateMeasure"]["userErrors"][0]["code"], "VERSION_CONFLICT");
        assert_eq!(log(&app, &admin, json!({})).await["totalCount"], base);
    }

    async fn the_log_filters_by_entity_actor_and_time(app) {
        let admin = app.admin().await;
        let editor = app.token("group-three", Role::Editor, &["III"], None).await;
        let b = last_id(&app, &admin).await;
        rename(&app, &admin, "1.2", "Portal eins").await;
        rename(&app, &editor, "3.1", "Drei eins").await;
        rename(&app, &admin, "1.2", "Portal zwei").await;
        rename(&app, &editor, "3.1", "Drei zwei").await;
        let all = log(&app, &admin, json!({ "first": 4 })).await;
        assert_eq!(ids(&all), after(b, &[4, 3, 2, 1]));

        let portal = measure(&app, "1.2").await;
        let of_portal = log(&app, &admin, json!({ "filter": { "entityId": portal["id"] } })).await;
        assert_eq!(ids(&of_portal), after(b, &[3, 1]));
        assert_eq!(of_portal["totalCount"], 2);

        // An editor restricted to group III reads its group's entries.
        let by_editor = log(&app, &editor, json!({ "filter": { "actor": "group-three" } })).await;
        assert_eq!(ids(&by_editor), after(b, &[4, 2]));
        let both = log(&app, &admin, json!({ "filter": {
            "actor": "group-three", "entityId": portal["id"]
        } })).await;
        assert_eq!(both["totalCount"], 0);
        assert_eq!(log(&app, &admin, json!({ "filter": { "actor": "nobody" } })).await["totalCount"], 0);

        // `from` includes its instant, `to` excludes it.
        let at_2 = all["nodes"][2]["at"].clone();
        let at_4 = all["nodes"][0]["at"].clone();
        assert_eq!(ids(&log(&app, &admin, json!({ "filter": { "from": at_2 } })).await), after(b, &[4, 3, 2]));
        assert_eq!(ids(&log(&app, &admin, json!({ "filter": { "to": at_2, "actor": "test-admin" } })).await), after(b, &[1]));
        assert_eq!(ids(&log(&app, &admin, json!({ "filter": { "from": at_2, "to": at_4 } })).await), after(b, &[3, 2]));

        // A well-formed ID of another type or of nothing matches no entries.
        let group = app.data(r#"{ workingGroup(code: "I") { id } }"#).await["workingGroup"]["id"].clone();
        assert_eq!(log(&app, &admin, json!({ "filter": { "entityId": group } })).await["totalCount"], 0);
        // An ID that is not one of ours is refused.
        let body = app.query_with(&admin, LOG, json!({ "filter": { "entityId": "not-an-id" } })).await;
        assert_eq!(codes(&body), ["BAD_USER_INPUT"]);
    }

    async fn the_log_pages_forwards_and_backwards(app) {
        let admin = app.admin().await;
        let b = last_id(&app, &admin).await;
        for i in 1..=5 {
            rename(&app, &admin, "1.2", &format!("Portal {i}")).await;
        }
        let mine = json!({ "actor": "test-admin" });
        let first = log(&app, &admin, json!({ "first": 2, "filter": mine })).await;
        assert_eq!(ids(&first), after(b, &[5, 4]));
        assert_eq!(first["totalCount"], 5);
        assert_eq!(first["pageInfo"]["hasNextPage"], true);
        assert_eq!(first["pageInfo"]["hasPreviousPage"], false);
        assert_eq!(first["edges"][0]["node"]["id"], b + 5);
        let second = log(&app, &admin, json!({ "first": 2, "after": first["pageInfo"]["endCursor"], "filter": mine })).await;
        assert_eq!(ids(&second), after(b, &[3, 2]));
        assert_eq!(second["pageInfo"]["hasPreviousPage"], true);
        let third = log(&app, &admin, json!({ "first": 2, "after": second["pageInfo"]["endCursor"], "filter": mine })).await;
        assert_eq!(ids(&third), after(b, &[1]));
        assert_eq!(third["pageInfo"]["hasNextPage"], false);
        let last = log(&app, &admin, json!({ "last": 2, "filter": mine })).await;
        assert_eq!(ids(&last), after(b, &[2, 1]));
        assert_eq!(last["pageInfo"]["hasPreviousPage"], true);
        let before = log(&app, &admin, json!({ "last": 2, "before": last["pageInfo"]["startCursor"], "filter": mine })).await;
        assert_eq!(ids(&before), after(b, &[4, 3]));
        let body = app.query_with(&admin, LOG, json!({ "first": -1 })).await;
        assert_eq!(codes(&body), ["BAD_USER_INPUT"]);
    }

    async fn history_lists_an_objects_entries_oldest_first(app) {
        let admin = app.admin().await;
        let b = last_id(&app, &admin).await;
        three_entries(&app, &admin).await;
        let portal = measure(&app, "1.2").await;
        let data = app.data_with(&admin, r#"{ measure(code: "1.2") {
            history { id action entityId fieldChanges { field new } }
            kpis { id history { id } } } }"#, json!({})).await;
        let history = &data["measure"]["history"];
        assert_eq!(history.as_array().unwrap().len(), 2);
        assert_eq!(history[0]["id"], b + 1);
        assert_eq!(history[1]["id"], b + 3);
        assert_eq!(history[1]["fieldChanges"], json!([{ "field": "title", "new": "Portal zwei" }]));
        assert!(history.as_array().unwrap().iter().all(|e| e["entityId"] == portal["id"]));
        assert!(data["measure"]["kpis"].as_array().unwrap().iter().all(|k| k["history"] == json!([])));

        // A KPI's entries (KPI mutations append them the same way).
        let kpi_id = app.data(r#"{ measure(code: "1.2") { kpis { id } } }"#).await["measure"]["kpis"][0]["id"].clone();
        let (_, db_id) = masterplan_api::ids::decode(kpi_id.as_str().unwrap()).unwrap();
        let mut conn = app.db.conn().await.unwrap();
        let mut changes = Changes::default();
        changes.field("unit", &Some("Anzahl"), &Some("%"));
        conn.write_transaction(async |conn| {
            let kpi = Subject { entity_type: AuditEntityType::Kpi, entity_id: db_id };
            audit_log::append(conn, "etl", AuditAction::Update, kpi, &changes).await
        }).await.unwrap();
        let data = app.data_with(&admin, r#"{ measure(code: "1.2") { kpis { id history { id actor entityType entityId fieldChanges { field old new } } } } }"#, json!({})).await;
        let history = &data["measure"]["kpis"][0]["history"];
        assert_eq!(history, &json!([{
            "id": b + 4, "actor": "etl", "entityType": "KPI", "entityId": kpi_id,
            "fieldChanges": [{ "field": "unit", "old": "Anzahl", "new": "%" }],
        }]));
    }

    async fn only_editors_and_admins_read_the_trail(app) {
        let admin = app.admin().await;
        rename(&app, &admin, "1.2", "Portal eins").await;
        let reader = app.token("reader", Role::Reader, &[], None).await;
        let editor = app.token("editor", Role::Editor, &["III"], None).await;
        let history = r#"{ measure(code: "1.2") { code history { id } } }"#;
        let kpi_history = r#"{ kpis(first: 1) { nodes { history { id } } } }"#;
        for query in [LOG, VERIFY, history, kpi_history] {
            let body = app.query_vars(query, json!({})).await;
            assert_eq!(codes(&body), ["UNAUTHENTICATED"], "{query}");
            let body = app.query_with(&reader, query, json!({})).await;
            assert_eq!(codes(&body), ["FORBIDDEN"], "{query}");
            app.data_with(&editor, query, json!({})).await;
        }
        // An editor restricted to groups reads their entries only; entries
        // about tokens are for admins.
        let by_admin = json!({ "filter": { "actor": "test-admin" } });
        assert_eq!(log(&app, &admin, by_admin.clone()).await["totalCount"], 1);
        assert_eq!(log(&app, &editor, by_admin.clone()).await["totalCount"], 0);
        let everywhere = app.token("editor-everywhere", Role::Editor, &[], None).await;
        assert_eq!(log(&app, &everywhere, by_admin).await["totalCount"], 1);
        let of_1_2 = app.data_with(&editor, history, json!({})).await;
        assert_eq!(of_1_2["measure"]["history"], json!([]), "{of_1_2}");
        assert_eq!(app.data_with(&everywhere, history, json!({})).await["measure"]["history"].as_array().unwrap().len(), 1);
        let tokens = "{ auditLog(first: 100) { nodes { entityType } } }";
        let types = |data: Value| data.to_string();
        assert!(types(app.data_with(&admin, tokens, json!({})).await).contains("API_TOKEN"));
        assert!(!types(app.data_with(&everywhere, tokens, json!({})).await).contains("API_TOKEN"));
        let mine = types(app.data_with(&editor, tokens, json!({})).await);
        assert!(!mine.contains("API_TOKEN") && !mine.contains("PLAN"), "{mine}");
        // Its own group's changes it does read, with their history.
        rename(&app, &editor, "3.1", "Drei eins").await;
        let of_3_1 = r#"{ measure(code: "3.1") { history { actor } } }"#;
        let entries = app.data_with(&editor, of_3_1, json!({})).await;
        assert_eq!(entries["measure"]["history"].as_array().unwrap().len(), 1, "{entries}");
        let seen = log(&app, &editor, json!({})).await;
        assert_eq!(seen["totalCount"], 1, "{seen}");
    }

    async fn an_intact_log_verifies(app) {
        let admin = app.admin().await;
        let b = last_id(&app, &admin).await;
        assert!(b >= 2, "the seeded plan's load and the token's creation");
        assert_eq!(verify(&app, &admin).await, json!({ "ok": true, "checked": b, "firstBrokenId": null }));
        three_entries(&app, &admin).await;
        assert_eq!(verify(&app, &admin).await, json!({ "ok": true, "checked": b + 3, "firstBrokenId": null }));
    }

    async fn an_edited_entry_breaks_the_chain(app) {
        let admin = app.admin().await;
        let b = last_id(&app, &admin).await;
        three_entries(&app, &admin).await;
        tamper(&app, &format!(r#"UPDATE audit_log SET changes = '{{"title":{{"new":"Gefälscht","old":"Portal eins"}}}}' WHERE id = {}"#, b + 2)).await;
        assert_eq!(verify(&app, &admin).await, json!({ "ok": false, "checked": b + 1, "firstBrokenId": b + 2 }));
    }

    async fn an_edited_actor_breaks_the_chain(app) {
        let admin = app.admin().await;
        let b = last_id(&app, &admin).await;
        three_entries(&app, &admin).await;
        tamper(&app, &format!("UPDATE audit_log SET actor = 'someone-else' WHERE id = {}", b + 3)).await;
        assert_eq!(verify(&app, &admin).await, json!({ "ok": false, "checked": b + 2, "firstBrokenId": b + 3 }));
    }

    async fn a_deleted_entry_in_the_middle_breaks_the_chain(app) {
        let admin = app.admin().await;
        let b = last_id(&app, &admin).await;
        three_entries(&app, &admin).await;
        tamper(&app, &format!("DELETE FROM audit_log WHERE id = {}", b + 2)).await;
        assert_eq!(verify(&app, &admin).await, json!({ "ok": false, "checked": b + 1, "firstBrokenId": b + 2 }));
    }

    async fn a_deleted_last_entry_breaks_the_chain(app) {
        let admin = app.admin().await;
        let b = last_id(&app, &admin).await;
        three_entries(&app, &admin).await;
        tamper(&app, &format!("DELETE FROM audit_log WHERE id = {}", b + 3)).await;
        assert_eq!(verify(&app, &admin).await, json!({ "ok": false, "checked": b + 2, "firstBrokenId": b + 3 }));
    }
}
