//! KPI mutations: create with baseline and targets, update (targets
//! replaced, value type checked against what is stored), archive;
//! validation as `userErrors`; versions; natural keys; working-group reach;
//! the audit entry of every change.

use crate::common::{Backend, TestApp, app_with_values, codes};
use masterplan_api::ids::decode_as;
use masterplan_domain::audit::AuditEntityType;
use masterplan_domain::status::Role;
use masterplan_persistence::ids::KpiId;
use masterplan_persistence::models::audit;
use serde_json::{Value, json};

const KPI_FIELDS: &str = "id name description unit valueType direction position version
    baseline { value observedOn note } targets { value dueOn note } measure { code }";

fn mutation(name: &str, input: &str) -> String {
    format!(
        "mutation($input: {input}!) {{ {name}(input: $input) {{
            kpi {{ {KPI_FIELDS} }} userErrors {{ field message code currentVersion }} clientMutationId }} }}"
    )
}

fn create() -> String {
    mutation("createKpi", "CreateKpiInput")
}

fn update() -> String {
    mutation("updateKpi", "UpdateKpiInput")
}

fn archive() -> String {
    mutation("archiveKpi", "ArchiveKpiInput")
}

/// The KPIs of a measure as the read side shows them.
async fn kpis_of(app: &TestApp, code: &str) -> Vec<Value> {
    let data = app
        .staff_data(&format!(
            r#"{{ measure(code: "{code}") {{ kpis {{ {KPI_FIELDS} }} }} }}"#
        ))
        .await;
    data["measure"]["kpis"].as_array().unwrap().clone()
}

/// The audit entries about a KPI, oldest first: (action, changes).
async fn audit_of(app: &TestApp, id: &Value) -> Vec<(String, Value)> {
    let id = decode_as::<KpiId>(id.as_str().unwrap())
        .expect("a KPI ID")
        .get();
    let mut conn = app.db.conn().await.unwrap();
    audit::of_entities(
        &mut conn,
        AuditEntityType::Kpi,
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

fn share_online() -> Value {
    json!({
        "measure": { "code": "1.2" }, "name": "Anteil online beantragter Leistungen",
        "description": "Anteil an allen Anträgen", "unit": "%", "valueType": "PERCENT",
        "baseline": { "value": 12.5, "observedOn": "2019-12-31", "note": "Schätzung" },
        "targets": [
            { "value": 60, "dueOn": "2021-12-31" },
            { "value": 40, "dueOn": "2020-12-31", "note": "Zwischenziel" }
        ],
        "clientMutationId": "k1"
    })
}

backend_tests! {
    async fn create_adds_a_kpi_with_baseline_and_targets(app) {
        let admin = app.admin().await;
        let before = kpis_of(&app, "1.2").await;
        let data = app.data_with(&admin, &create(), json!({ "input": share_online() })).await;
        let payload = &data["createKpi"];
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
        assert_eq!(payload["clientMutationId"], "k1");
        let kpi = &payload["kpi"];
        assert_eq!(kpi["valueType"], "PERCENT");
        assert_eq!(kpi["direction"], "INCREASE");
        assert_eq!(kpi["version"], 1);
        assert_eq!(kpi["position"], before.len() as i64 + 1);
        assert_eq!(kpi["baseline"], json!({ "value": 12.5, "observedOn": "2019-12-31", "note": "Schätzung" }));
        assert_eq!(kpi["targets"], json!([
            { "value": 40.0, "dueOn": "2020-12-31", "note": "Zwischenziel" },
            { "value": 60.0, "dueOn": "2021-12-31", "note": null }
        ]));
        let after = kpis_of(&app, "1.2").await;
        assert_eq!(after.last().unwrap(), kpi);
        let hits = app.staff_data(r#"{ search(query: "online beantragter") { nodes { node { ... on Kpi { id } } } } }"#).await;
        assert!(hits.to_string().contains(kpi["id"].as_str().unwrap()), "{hits}");
        let entries = audit_of(&app, &kpi["id"]).await;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].0, "CREATE");
        assert_eq!(entries[0].1["baseline"]["new"], json!({ "value": 12.5, "observedOn": "2019-12-31", "note": "Schätzung" }));
        assert_eq!(entries[0].1["targets"]["new"].as_array().unwrap().len(), 2);
        assert_eq!(entries[0].1["valueType"]["new"], "PERCENT");
        // Defaults: NUMBER, INCREASE, no baseline, no targets.
        let data = app.data_with(&admin, &create(), json!({ "input": {
            "measure": { "code": "1.2" }, "name": "Anzahl Schnittstellen"
        }})).await;
        let plain = &data["createKpi"]["kpi"];
        assert_eq!(plain["valueType"], "NUMBER", "{data}");
        assert_eq!(plain["baseline"], Value::Null);
        assert_eq!(plain["targets"], json!([]));
    }

    async fn invalid_values_are_reported_per_field_and_change_nothing(app) {
        let admin = app.admin().await;
        let before = kpis_of(&app, "1.2").await;
        let mut input = share_online();
        input["name"] = json!("  ");
        input["baseline"]["value"] = json!(150);
        input["targets"] = json!([
            { "value": 50, "dueOn": "2020-12-31" },
            { "value": 70, "dueOn": "2020-12-31" }
        ]);
        let data = app.data_with(&admin, &create(), json!({ "input": input })).await;
        let payload = &data["createKpi"];
        assert_eq!(payload["kpi"], Value::Null);
        assert_eq!(errors(payload), [
            (json!(["input", "name"]), "VALIDATION".to_owned()),
            (json!(["input", "baseline", "value"]), "VALIDATION".to_owned()),
            (json!(["input", "targets", "1", "dueOn"]), "VALIDATION".to_owned()),
        ]);
        assert!(payload["userErrors"][1]["message"].as_str().unwrap().contains("between 0 and 100"));
        let data = app.data_with(&admin, &create(), json!({ "input": {
            "measure": { "code": "1.2" }, "name": "Portal live", "valueType": "MILESTONE",
            "targets": [{ "value": 0.5, "dueOn": "2020-06-30" }]
        }})).await;
        assert_eq!(errors(&data["createKpi"]), [(json!(["input", "targets", "0", "value"]), "VALIDATION".to_owned())]);
        assert_eq!(kpis_of(&app, "1.2").await, before);
    }

    async fn names_are_unique_per_measure_archived_ones_included(app) {
        let admin = app.admin().await;
        let existing = kpis_of(&app, "1.2").await[0].clone();
        let data = app.data_with(&admin, &create(), json!({ "input": {
            "measure": { "code": "1.2" }, "name": existing["name"]
        }})).await;
        assert_eq!(errors(&data["createKpi"]), [(json!(["input", "name"]), "DUPLICATE".to_owned())]);
        // Archived: still taken, and the message says why.
        let data = app.data_with(&admin, &archive(), json!({ "input": {
            "key": { "measure": "1.2", "name": existing["name"] }, "expectedVersion": existing["version"]
        }})).await;
        assert_eq!(data["archiveKpi"]["userErrors"], json!([]), "{data}");
        let data = app.data_with(&admin, &create(), json!({ "input": {
            "measure": { "code": "1.2" }, "name": existing["name"]
        }})).await;
        let error = &data["createKpi"]["userErrors"][0];
        assert_eq!(error["code"], "DUPLICATE");
        assert!(error["message"].as_str().unwrap().contains("archived"), "{error}");
        // Another measure may use the name.
        let data = app.data_with(&admin, &create(), json!({ "input": {
            "measure": { "code": "1.3" }, "name": existing["name"]
        }})).await;
        assert_eq!(data["createKpi"]["userErrors"], json!([]));
        // Renaming onto a sibling's name is refused too.
        let siblings = kpis_of(&app, "1.2").await;
        let data = app.data_with(&admin, &update(), json!({ "input": {
            "id": siblings[0]["id"], "expectedVersion": siblings[0]["version"], "name": siblings[1]["name"]
        }})).await;
        assert_eq!(errors(&data["updateKpi"]), [(json!(["input", "name"]), "DUPLICATE".to_owned())]);
    }

    async fn unknown_measures_and_kpis_are_not_found(app) {
        let admin = app.admin().await;
        let data = app.data_with(&admin, &create(), json!({ "input": {
            "measure": { "code": "9.9" }, "name": "x"
        }})).await;
        assert_eq!(errors(&data["createKpi"]), [(json!(["input", "measure", "code"]), "NOT_FOUND".to_owned())]);
        let data = app.data_with(&admin, &update(), json!({ "input": {
            "key": { "measure": "1.2", "name": "Gibt es nicht" }, "expectedVersion": 1, "unit": "x"
        }})).await;
        assert_eq!(errors(&data["updateKpi"]), [(json!(["input", "key", "name"]), "NOT_FOUND".to_owned())]);
        let data = app.data_with(&admin, &update(), json!({ "input": {
            "key": { "measure": "7.7", "name": "x" }, "expectedVersion": 1, "unit": "x"
        }})).await;
        assert_eq!(errors(&data["updateKpi"]), [(json!(["input", "key", "measure"]), "NOT_FOUND".to_owned())]);
    }

    async fn update_replaces_targets_and_clears_the_baseline(app) {
        let admin = app.admin().await;
        let created = app.data_with(&admin, &create(), json!({ "input": share_online() })).await["createKpi"]["kpi"].clone();
        let data = app.data_with(&admin, &update(), json!({ "input": {
            "key": { "measure": "1.2", "name": "Anteil online beantragter Leistungen" },
            "expectedVersion": 1, "baseline": null, "unit": null, "direction": "NONE",
            "targets": [{ "value": 80, "dueOn": "2022-12-31" }], "clientMutationId": "u1"
        }})).await;
        let payload = &data["updateKpi"];
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
        assert_eq!(payload["clientMutationId"], "u1");
        let kpi = &payload["kpi"];
        assert_eq!(kpi["version"], 2);
        assert_eq!(kpi["baseline"], Value::Null);
        assert_eq!(kpi["unit"], Value::Null);
        assert_eq!(kpi["direction"], "NONE");
        assert_eq!(kpi["targets"], json!([{ "value": 80.0, "dueOn": "2022-12-31", "note": null }]));
        assert_eq!(kpis_of(&app, "1.2").await.last().unwrap(), kpi);
        let entries = audit_of(&app, &created["id"]).await;
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].0, "UPDATE");
        let changed: Vec<&String> = entries[1].1.as_object().unwrap().keys().collect();
        assert_eq!(changed, ["baseline", "direction", "targets", "unit"]);
        assert_eq!(entries[1].1["baseline"]["new"], Value::Null);
        assert_eq!(entries[1].1["targets"]["old"].as_array().unwrap().len(), 2);
        // The same targets in another order change nothing.
        let data = app.data_with(&admin, &update(), json!({ "input": {
            "id": created["id"], "expectedVersion": 2,
            "targets": [{ "value": 80, "dueOn": "2022-12-31" }]
        }})).await;
        assert_eq!(data["updateKpi"]["kpi"]["version"], 2);
        assert_eq!(audit_of(&app, &created["id"]).await.len(), 2);
    }

    async fn a_value_type_the_baseline_or_targets_do_not_fit_is_refused(app) {
        let admin = app.admin().await;
        let created = app.data_with(&admin, &create(), json!({ "input": {
            "measure": { "code": "1.2" }, "name": "Angebundene Ämter",
            "baseline": { "value": 3 }, "targets": [{ "value": 120, "dueOn": "2021-12-31" }]
        }})).await["createKpi"]["kpi"].clone();
        let data = app.data_with(&admin, &update(), json!({ "input": {
            "id": created["id"], "expectedVersion": 1, "valueType": "PERCENT"
        }})).await;
        assert_eq!(errors(&data["updateKpi"]), [(json!(["input", "valueType"]), "VALIDATION".to_owned())]);
        let data = app.data_with(&admin, &update(), json!({ "input": {
            "id": created["id"], "expectedVersion": 1, "valueType": "MILESTONE"
        }})).await;
        assert_eq!(errors(&data["updateKpi"]), [
            (json!(["input", "valueType"]), "VALIDATION".to_owned()),
            (json!(["input", "valueType"]), "VALIDATION".to_owned()),
        ]);
        // With fitting targets given along, the change goes through.
        let data = app.data_with(&admin, &update(), json!({ "input": {
            "id": created["id"], "expectedVersion": 1, "valueType": "PERCENT",
            "targets": [{ "value": 100, "dueOn": "2021-12-31" }]
        }})).await;
        assert_eq!(data["updateKpi"]["kpi"]["valueType"], "PERCENT", "{data}");
    }

    async fn a_stale_version_is_refused_and_changes_nothing(app) {
        let admin = app.admin().await;
        let kpi = kpis_of(&app, "1.2").await[0].clone();
        let version = kpi["version"].as_i64().unwrap();
        let first = app.data_with(&admin, &update(), json!({ "input": {
            "id": kpi["id"], "expectedVersion": version, "unit": "Leistungen"
        }})).await;
        assert_eq!(first["updateKpi"]["userErrors"], json!([]));
        let second = app.data_with(&admin, &update(), json!({ "input": {
            "id": kpi["id"], "expectedVersion": version, "unit": "Stück"
        }})).await;
        let error = &second["updateKpi"]["userErrors"][0];
        assert_eq!(error["code"], "VERSION_CONFLICT");
        assert_eq!(error["currentVersion"], version + 1);
        assert_eq!(kpis_of(&app, "1.2").await[0]["unit"], "Leistungen");
        let stale_archive = app.data_with(&admin, &archive(), json!({ "input": {
            "id": kpi["id"], "expectedVersion": version
        }})).await;
        assert_eq!(stale_archive["archiveKpi"]["userErrors"][0]["code"], "VERSION_CONFLICT");
        assert_eq!(audit_of(&app, &kpi["id"]).await.len(), 1);
    }

    async fn archive_removes_the_kpi_from_lists_and_search(app) {
        let admin = app.admin().await;
        let before = kpis_of(&app, "1.2").await;
        let kpi = before[1].clone();
        let data = app.data_with(&admin, &archive(), json!({ "input": {
            "id": kpi["id"], "expectedVersion": kpi["version"], "clientMutationId": "a1"
        }})).await;
        let payload = &data["archiveKpi"];
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
        assert_eq!(payload["clientMutationId"], "a1");
        assert_eq!(payload["kpi"]["version"], kpi["version"].as_i64().unwrap() + 1);
        let after = kpis_of(&app, "1.2").await;
        assert_eq!(after.len(), before.len() - 1);
        assert!(!after.contains(&kpi));
        let hits = app.staff_data(r#"{ search(query: "registrierten") { nodes { node { ... on Kpi { id } } } } }"#).await;
        assert!(!hits.to_string().contains(kpi["id"].as_str().unwrap()), "{hits}");
        let entries = audit_of(&app, &kpi["id"]).await;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].0, "ARCHIVE");
    }

    async fn anonymous_and_reader_callers_cannot_write(app) {
        let input = json!({ "input": { "measure": { "code": "3.4" }, "name": "x" } });
        let body = app.query_vars(&create(), input.clone()).await;
        assert_eq!(codes(&body), ["UNAUTHENTICATED"]);
        let reader = app.token("reader", Role::Reader, &[], None).await;
        let body = app.query_with(&reader, &create(), input).await;
        assert_eq!(codes(&body), ["FORBIDDEN"]);
    }

    async fn editors_reach_only_kpis_of_their_working_groups(app) {
        let editor = app.token("group-three", Role::Editor, &["III"], None).await;
        let foreign = kpis_of(&app, "1.2").await;
        let body = app.query_with(&editor, &update(), json!({ "input": {
            "id": foreign[0]["id"], "expectedVersion": foreign[0]["version"], "unit": "x"
        }})).await;
        assert_eq!(codes(&body), ["FORBIDDEN"]);
        let body = app.query_with(&editor, &create(), json!({ "input": {
            "measure": { "code": "1.2" }, "name": "Fremd"
        }})).await;
        assert_eq!(codes(&body), ["FORBIDDEN"]);
        let body = app.query_with(&editor, &archive(), json!({ "input": {
            "id": foreign[0]["id"], "expectedVersion": foreign[0]["version"]
        }})).await;
        assert_eq!(codes(&body), ["FORBIDDEN"]);
        assert_eq!(kpis_of(&app, "1.2").await, foreign);
        let own = kpis_of(&app, "3.4").await;
        let data = app.data_with(&editor, &update(), json!({ "input": {
            "id": own[0]["id"], "expectedVersion": own[0]["version"], "unit": "Anträge"
        }})).await;
        assert_eq!(data["updateKpi"]["kpi"]["unit"], "Anträge", "{data}");
        let data = app.data_with(&editor, &create(), json!({ "input": {
            "measure": { "code": "3.4" }, "name": "Eigene Kennzahl"
        }})).await;
        assert_eq!(data["createKpi"]["userErrors"], json!([]));
        assert_eq!(audit_of(&app, &own[0]["id"]).await.len(), 1);
    }
}

/// 3.4's lead time has recorded values 75 and 60 (days): they fit PERCENT,
/// not MILESTONE.
async fn a_value_type_recorded_values_do_not_fit_is_refused(backend: Backend) {
    let Some(app) = app_with_values(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let lead_time = kpis_of(&app, "3.4").await[1].clone();
    let data = app
        .data_with(
            &admin,
            &update(),
            json!({ "input": {
                "id": lead_time["id"], "expectedVersion": lead_time["version"],
                "valueType": "MILESTONE", "baseline": null, "targets": []
            }}),
        )
        .await;
    let payload = &data["updateKpi"];
    assert_eq!(
        errors(payload),
        [(json!(["input", "valueType"]), "VALIDATION".to_owned())]
    );
    let message = payload["userErrors"][0]["message"].as_str().unwrap();
    assert!(message.contains("2 recorded value"), "{message}");
    assert_eq!(kpis_of(&app, "3.4").await[1], lead_time);
    let data = app
        .data_with(
            &admin,
            &update(),
            json!({ "input": {
                "id": lead_time["id"], "expectedVersion": lead_time["version"], "valueType": "PERCENT"
            }}),
        )
        .await;
    assert_eq!(data["updateKpi"]["kpi"]["valueType"], "PERCENT", "{data}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_value_type_recorded_values_do_not_fit_is_refused() {
    a_value_type_recorded_values_do_not_fit_is_refused(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_value_type_recorded_values_do_not_fit_is_refused() {
    a_value_type_recorded_values_do_not_fit_is_refused(Backend::Postgres).await;
}
