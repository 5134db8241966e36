//! KPI value mutations: idempotent batch recording, all-or-nothing batches,
//! dry runs, value checks per KPI type, editors' reach, deleting values, and
//! the audit entries they leave.

use crate::common::{TestApp, codes};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use masterplan_api::limits::Limits;
use masterplan_domain::status::Role;
use serde_json::{Value, json};

const RECORD: &str = "mutation($input: RecordKpiValuesInput!) {
  recordKpiValues(input: $input) {
    kpiValues { id observedOn value note source kpi { name } }
    inserted updated unchanged dryRun
    userErrors { field message code }
    clientMutationId
  }
}";

const DELETE: &str = "mutation($input: DeleteKpiValueInput!) {
  deleteKpiValue(input: $input) {
    deletedKpiValueId
    kpi { name }
    userErrors { field message code }
    clientMutationId
  }
}";

/// 1.2 (working group I): services in the portal, registered users.
const SERVICES: &str = "Anzahl der digitalen Verwaltungsleistungen im Portal";
const USERS: &str = "Anzahl der registrierten Bürger*innen und Unternehmen";
/// 2.1 (working group II), a MILESTONE KPI.
const CONCEPT: &str = "Phase 1: erstelltes Konzept";
/// 3.3 (working group III).
const OFFICES: &str = "Anzahl qm realisierter Büroflächen";

fn key(measure: &str, name: &str) -> Value {
    json!({ "measure": measure, "name": name })
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The result of a `SELECT COUNT(*) AS n …`.
async fn count(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.db.conn().await.expect("connection");
    let rows: Vec<Count> = masterplan_persistence::with_conn!(&mut conn, c =>
        diesel::sql_query(sql).load(c).await)
    .expect("count");
    rows[0].n
}

async fn execute(app: &TestApp, sql: &str) {
    let mut conn = app.db.conn().await.expect("connection");
    masterplan_persistence::with_conn!(&mut conn, c => diesel::sql_query(sql).execute(c).await)
        .expect("statement");
}

async fn values(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) AS n FROM kpi_values").await
}

async fn audit(app: &TestApp, action: &str) -> i64 {
    count(
        app,
        &format!(
            "SELECT COUNT(*) AS n FROM audit_log WHERE entity_type = 'KPI_VALUE' AND action = '{action}'"
        ),
    )
    .await
}

/// Values of 1.2's services KPI on the days `days` after 2020-01-01, each
/// the day's number.
fn daily_services(days: std::ops::Range<u64>) -> Vec<Value> {
    days.map(|i| {
        json!({
            "kpi": key("1.2", SERVICES),
            "observedOn": (chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
                + chrono::Days::new(i)).to_string(),
            "value": i as f64,
        })
    })
    .collect()
}

async fn kpi_id(app: &TestApp, measure: &str, name: &str) -> Value {
    let data = app
        .data(&format!(
            r#"{{ measure(code: "{measure}") {{ kpis {{ id name }} }} }}"#
        ))
        .await;
    data["measure"]["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == name)
        .unwrap_or_else(|| panic!("{measure} has no KPI {name}"))["id"]
        .clone()
}

async fn record(app: &TestApp, secret: &str, input: Value) -> Value {
    app.data_with(secret, RECORD, json!({ "input": input }))
        .await["recordKpiValues"]
        .clone()
}

fn fields(payload: &Value) -> Vec<Value> {
    payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect()
}

backend_tests! {
    async fn recording_the_same_batch_twice_changes_nothing_the_second_time(app) {
        let admin = app.admin().await;
        let users = kpi_id(&app, "1.2", USERS).await;
        let batch = json!({
            "clientMutationId": "import-1",
            "values": [
                { "kpi": key("1.2", SERVICES), "observedOn": "2021-01-31", "value": 67.0,
                  "source": "  Jahresbericht  " },
                { "kpi": key("1.2", SERVICES), "observedOn": "2021-06-30", "value": 80.0, "note": "" },
                { "kpiId": users, "observedOn": "2021-06-30", "value": 1200.0, "note": "geschätzt" },
            ]
        });
        let first = record(&app, &admin, batch.clone()).await;
        assert_eq!(first["userErrors"], json!([]), "{first}");
        assert_eq!(first["clientMutationId"], "import-1");
        assert_eq!((first["inserted"].clone(), first["updated"].clone(), first["unchanged"].clone()),
                   (json!(3), json!(0), json!(0)));
        assert_eq!(first["dryRun"], false);
        let stored = first["kpiValues"].as_array().unwrap();
        assert_eq!(stored.len(), 3);
        assert_eq!(stored[0]["observedOn"], "2021-01-31");
        assert_eq!(stored[0]["source"], "Jahresbericht");
        assert_eq!(stored[1]["note"], Value::Null);
        assert_eq!(stored[2]["kpi"]["name"], USERS);
        assert_eq!(values(&app).await, 3);
        assert_eq!(audit(&app, "CREATE").await, 3);

        let second = record(&app, &admin, batch.clone()).await;
        assert_eq!(second["userErrors"], json!([]));
        assert_eq!((second["inserted"].clone(), second["updated"].clone(), second["unchanged"].clone()),
                   (json!(0), json!(0), json!(3)));
        assert_eq!(second["kpiValues"], first["kpiValues"]);
        assert_eq!(values(&app).await, 3);
        assert_eq!(audit(&app, "CREATE").await + audit(&app, "UPDATE").await, 3);

        // A changed value is an update of the same row, with one audit entry.
        let mut changed = batch.clone();
        changed["values"][1]["value"] = json!(81.0);
        let third = record(&app, &admin, changed).await;
        assert_eq!((third["inserted"].clone(), third["updated"].clone(), third["unchanged"].clone()),
                   (json!(0), json!(1), json!(2)));
        assert_eq!(third["kpiValues"][1]["id"], first["kpiValues"][1]["id"]);
        assert_eq!(third["kpiValues"][1]["value"], 81.0);
        assert_eq!(values(&app).await, 3);
        assert_eq!(audit(&app, "UPDATE").await, 1);
        assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'UPDATE' \
            AND changes LIKE '%\"value\":{\"new\":81.0,\"old\":80.0}%'").await, 1);
        let mut conn = app.db.conn().await.unwrap();
        let chain = masterplan_persistence::models::audit::verify(&mut conn).await.unwrap();
        // The harness's own entries (the plan's load, the token) come first.
        let earlier = count(&app, "SELECT COUNT(*) AS n FROM audit_log WHERE entity_type <> 'KPI_VALUE'").await;
        assert!(chain.ok() && chain.checked == earlier + 4, "{chain:?}");
        // The series the API reads shows the recorded values.
        let series = app.data(r#"{ measure(code: "1.2") { kpis { name values(first: 10) { nodes { observedOn value } } } } }"#).await;
        assert!(series.to_string().contains("81.0"), "{series}");
    }

    async fn one_bad_row_refuses_the_whole_batch(app) {
        let admin = app.admin().await;
        let concept = kpi_id(&app, "2.1", CONCEPT).await;
        let payload = record(&app, &admin, json!({ "values": [
            { "kpi": key("1.2", SERVICES), "observedOn": "2021-01-31", "value": 67.0 },
            { "kpi": key("1.2", "Keine solche Kennzahl"), "observedOn": "2021-01-31", "value": 1.0 },
            { "kpiId": concept, "observedOn": "2021-01-31", "value": 0.5 },
            { "kpi": key("1.2", SERVICES), "observedOn": "2021-01-31", "value": 68.0 },
            { "kpi": key("1.2", USERS), "observedOn": "2021-01-31", "value": 5.0,
              "note": "x".repeat(2001) },
            { "kpi": key("9.9", USERS), "observedOn": "2021-01-31", "value": 5.0 },
            { "kpi": { "plan": "kein-plan", "measure": "1.2", "name": USERS },
              "observedOn": "2021-01-31", "value": 5.0 },
        ]})).await;
        assert_eq!(fields(&payload), [
            json!(["input", "values", "1", "kpi", "name"]),
            json!(["input", "values", "2", "value"]),
            json!(["input", "values", "3", "observedOn"]),
            json!(["input", "values", "4", "note"]),
            json!(["input", "values", "5", "kpi", "measure"]),
            json!(["input", "values", "6", "kpi", "plan"]),
        ], "{payload}");
        let codes: Vec<&str> = payload["userErrors"].as_array().unwrap().iter()
            .map(|e| e["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["NOT_FOUND", "VALIDATION", "VALIDATION", "VALIDATION", "NOT_FOUND", "NOT_FOUND"]);
        assert_eq!(payload["kpiValues"], json!([]));
        assert_eq!(payload["inserted"], 0);
        assert_eq!(values(&app).await, 0);
        assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM audit_log WHERE entity_type = 'KPI_VALUE'").await, 0);

        // How a row names its KPI: exactly one of kpiId and kpi, an ID of a KPI.
        let payload = record(&app, &admin, json!({ "values": [
            { "observedOn": "2021-01-31", "value": 1.0 },
            { "kpiId": concept, "kpi": key("2.1", CONCEPT), "observedOn": "2021-01-31", "value": 1.0 },
            { "kpiId": "TWVhc3VyZTox", "observedOn": "2021-01-31", "value": 1.0 },
        ]})).await;
        assert_eq!(fields(&payload), [
            json!(["input", "values", "0", "kpiId"]),
            json!(["input", "values", "1", "kpiId"]),
            json!(["input", "values", "2", "kpiId"]),
        ], "{payload}");
        assert_eq!(payload["userErrors"][2]["code"], "NOT_FOUND");
        assert_eq!(values(&app).await, 0);
    }

    async fn a_dry_run_reports_without_writing(app) {
        let admin = app.admin().await;
        let first = record(&app, &admin, json!({ "values": [
            { "kpi": key("1.2", SERVICES), "observedOn": "2021-01-31", "value": 67.0 },
            { "kpi": key("1.2", SERVICES), "observedOn": "2021-06-30", "value": 70.0 },
        ]})).await;
        assert_eq!(first["inserted"], 2);
        let entries = count(&app, "SELECT COUNT(*) AS n FROM audit_log").await;
        let dry = record(&app, &admin, json!({ "dryRun": true, "values": [
            { "kpi": key("1.2", SERVICES), "observedOn": "2021-01-31", "value": 67.0 },
            { "kpi": key("1.2", SERVICES), "observedOn": "2021-06-30", "value": 75.0 },
            { "kpi": key("1.2", SERVICES), "observedOn": "2021-12-31", "value": 90.0 },
        ]})).await;
        assert_eq!(dry["userErrors"], json!([]), "{dry}");
        assert_eq!(dry["dryRun"], true);
        assert_eq!((dry["inserted"].clone(), dry["updated"].clone(), dry["unchanged"].clone()),
                   (json!(1), json!(1), json!(1)));
        assert_eq!(dry["kpiValues"][1]["value"], 75.0);
        assert_eq!(dry["kpiValues"][1]["id"], first["kpiValues"][1]["id"]);
        assert_eq!(dry["kpiValues"][2]["observedOn"], "2021-12-31");
        assert_eq!(values(&app).await, 2);
        assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM kpi_values WHERE value = 70.0").await, 1);
        assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM audit_log").await, entries);
        // A dry run checks like a real one.
        let bad = record(&app, &admin, json!({ "dryRun": true, "values": [
            { "kpi": key("2.1", CONCEPT), "observedOn": "2021-01-31", "value": 2.0 },
        ]})).await;
        assert_eq!(fields(&bad), [json!(["input", "values", "0", "value"])]);
    }

    async fn values_must_fit_the_kpi_type(app) {
        let admin = app.admin().await;
        execute(&app, &format!(
            "UPDATE kpis SET value_type = 'PERCENT' WHERE name = '{OFFICES}'"
        )).await;
        let refused = record(&app, &admin, json!({ "values": [
            { "kpi": key("3.3", OFFICES), "observedOn": "2021-01-31", "value": 100.5 },
            { "kpi": key("3.3", OFFICES), "observedOn": "2021-02-28", "value": -1.0 },
            { "kpi": key("2.1", CONCEPT), "observedOn": "2021-01-31", "value": 0.5 },
        ]})).await;
        assert_eq!(fields(&refused), [
            json!(["input", "values", "0", "value"]),
            json!(["input", "values", "1", "value"]),
            json!(["input", "values", "2", "value"]),
        ]);
        assert!(refused["userErrors"][0]["message"].as_str().unwrap().contains("PERCENT"));
        assert!(refused["userErrors"][2]["message"].as_str().unwrap().contains("MILESTONE"));
        // A NUMBER that counts nothing (a balance) may be negative.
        execute(&app, &format!("UPDATE kpis SET unit = 'Saldo' WHERE name = '{SERVICES}'")).await;
        let accepted = record(&app, &admin, json!({ "values": [
            { "kpi": key("3.3", OFFICES), "observedOn": "2021-01-31", "value": 100.0 },
            { "kpi": key("3.3", OFFICES), "observedOn": "2021-02-28", "value": 0.0 },
            { "kpi": key("2.1", CONCEPT), "observedOn": "2021-01-31", "value": 1.0 },
            { "kpi": key("1.2", SERVICES), "observedOn": "2021-01-31", "value": -3.5 },
        ]})).await;
        assert_eq!(accepted["userErrors"], json!([]), "{accepted}");
        assert_eq!(accepted["inserted"], 4);
    }

    async fn one_response_reports_every_bad_row_and_writes_nothing(app) {
        let admin = app.admin().await;
        let users = kpi_id(&app, "1.2", USERS).await;
        let entries = count(&app, "SELECT COUNT(*) AS n FROM audit_log").await;
        let rows = json!([
            { "kpi": key("1.2", SERVICES), "observedOn": "2021-01-31", "value": 3.0 },
            { "kpi": key("1.2", "Anzahl der Faxgeräte"), "observedOn": "2021-01-31", "value": 1.0 },
            { "kpi": key("1.2", SERVICES), "observedOn": "2021-02-30", "value": 4.0 },
            { "kpi": key("1.2", SERVICES), "observedOn": "2021-03-31", "value": -2.0 },
            { "kpi": key("1.2", SERVICES), "observedOn": "2101-01-01", "value": 5.0 },
            { "kpiId": users, "kpi": key("1.2", USERS), "observedOn": "2021-01-31", "value": 6.0 },
            { "observedOn": "2021-01-31", "value": 7.0 },
        ]);
        let expected = [
            json!(["input", "values", "1", "kpi", "name"]),
            json!(["input", "values", "2", "observedOn"]),
            json!(["input", "values", "3", "value"]),
            json!(["input", "values", "4", "observedOn"]),
            json!(["input", "values", "5", "kpiId"]),
            json!(["input", "values", "6", "kpiId"]),
        ];
        for dry_run in [true, false] {
            let refused = record(&app, &admin, json!({ "dryRun": dry_run, "values": rows })).await;
            assert_eq!(fields(&refused), expected, "{refused}");
            let message = |i: usize| refused["userErrors"][i]["message"].as_str().unwrap().to_owned();
            assert!(message(0).contains("Faxgeräte"), "{}", message(0));
            assert!(message(1).contains("\"2021-02-30\" is not a date"), "{}", message(1));
            assert!(message(2).contains("cannot be negative"), "{}", message(2));
            assert!(message(3).contains("outside the plan's horizon 1990-01-01..2100-12-31"), "{}", message(3));
            assert_eq!(message(4), "name the KPI either by `kpiId` (its ID) or by `kpi` (its key), not both");
            assert_eq!(message(5), "name the KPI: give `kpiId` (its ID) or `kpi` (its key)");
            assert!(!message(5).contains("not both"));
            assert_eq!(refused["userErrors"][0]["code"], "NOT_FOUND");
            assert_eq!(refused["userErrors"][1]["code"], "VALIDATION");
            assert_eq!(refused["kpiValues"], json!([]));
        }
        assert_eq!(values(&app).await, 0);
        assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM audit_log").await, entries);
    }

    async fn the_horizon_is_configurable(app) {
        let first = chrono::NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
        let last = chrono::NaiveDate::from_ymd_opt(2030, 12, 31).unwrap();
        let limits = Limits {
            observed_on_range: masterplan_domain::kpi_value_rules::ObservedOnRange { first, last },
            ..Limits::default()
        };
        let Some(app) = TestApp::with_limits(app.backend, limits).await else { return };
        let admin = app.admin().await;
        let refused = record(&app, &admin, json!({ "values": [
            { "kpi": key("1.2", SERVICES), "observedOn": "2018-12-31", "value": 1.0 },
            { "kpi": key("1.2", SERVICES), "observedOn": "2019-01-01", "value": 1.0 },
        ]})).await;
        assert_eq!(fields(&refused), [json!(["input", "values", "0", "observedOn"])]);
        assert!(refused["userErrors"][0]["message"].as_str().unwrap().contains("2019-01-01..2030-12-31"));
    }

    async fn the_unnumbered_measure_is_reachable_by_its_title(app) {
        let admin = app.admin().await;
        const DMS: &str = "DMS und E-Akte";
        const FACHVERFAHREN: &str = "Anzahl der integrierten Fachverfahren";
        let found = app.staff_data(&format!(r#"{{ measure(title: "{DMS}") {{ code title kpis {{ name }} }} }}"#)).await;
        assert_eq!(found["measure"]["code"], Value::Null);
        assert_eq!(found["measure"]["title"], DMS);
        let none = app.staff_data(r#"{ measure(title: "Faxgeräte") { code } }"#).await;
        assert_eq!(none["measure"], Value::Null);
        let recorded = record(&app, &admin, json!({ "values": [
            { "kpi": { "measureTitle": DMS, "name": FACHVERFAHREN }, "observedOn": "2021-06-30", "value": 4.0 },
        ]})).await;
        assert_eq!(recorded["userErrors"], json!([]), "{recorded}");
        assert_eq!(recorded["kpiValues"][0]["kpi"]["name"], FACHVERFAHREN);
        let refused = record(&app, &admin, json!({ "values": [
            { "kpi": { "measure": "1.2", "measureTitle": DMS, "name": FACHVERFAHREN }, "observedOn": "2021-06-30", "value": 4.0 },
            { "kpi": { "measureTitle": "Faxgeräte", "name": FACHVERFAHREN }, "observedOn": "2021-06-30", "value": 4.0 },
        ]})).await;
        assert_eq!(fields(&refused), [
            json!(["input", "values", "0", "kpi", "measure"]),
            json!(["input", "values", "1", "kpi", "measureTitle"]),
        ]);
        // A measure mutation names it by `key: { title }` just as well.
        let version = app.staff_data(&format!(r#"{{ measure(title: "{DMS}") {{ version }} }}"#)).await["measure"]["version"].clone();
        let updated = app.data_with(&admin, "mutation($input: UpdateMeasureInput!) {
            updateMeasure(input: $input) { measure { code status } userErrors { field message } } }",
            json!({ "input": { "key": { "title": DMS }, "expectedVersion": version, "status": "IN_PROGRESS" } })).await;
        assert_eq!(updated["updateMeasure"]["userErrors"], json!([]), "{updated}");
        assert_eq!(updated["updateMeasure"]["measure"], json!({ "code": null, "status": "IN_PROGRESS" }));
    }

    async fn audit_entries_carry_typed_values(app) {
        let admin = app.admin().await;
        record(&app, &admin, json!({ "values": [
            { "kpi": key("1.2", SERVICES), "observedOn": "2021-01-31", "value": 12.5 },
        ]})).await;
        let log = app.data_with(&admin, "{ auditLog(first: 1) { nodes { entityType fieldChanges { field old new } } } }", json!({})).await;
        let entry = &log["auditLog"]["nodes"][0];
        assert_eq!(entry["entityType"], "KPI_VALUE");
        let changes = entry["fieldChanges"].as_array().unwrap();
        let change = |name: &str| changes.iter().find(|c| c["field"] == name).cloned().unwrap();
        assert_eq!(change("value"), json!({ "field": "value", "old": null, "new": 12.5 }));
        assert_eq!(change("observedOn")["new"], "2021-01-31");
    }

    async fn a_batch_has_a_size_limit(app) {
        // 1000 rows need more than the default 64 KiB request body.
        let limits = Limits { max_body_bytes: 1 << 20, ..Limits::default() };
        let Some(app) = TestApp::with_limits(app.backend, limits).await else { return };
        let admin = app.admin().await;
        let rows = daily_services(0..1001);
        let payload = record(&app, &admin, json!({ "values": rows[..1001] })).await;
        assert_eq!(fields(&payload), [json!(["input", "values"])]);
        assert_eq!(payload["userErrors"][0]["code"], "VALIDATION");
        assert_eq!(values(&app).await, 0);
        // The largest batch goes in whole.
        let payload = record(&app, &admin, json!({ "values": rows[..1000] })).await;
        assert_eq!(payload["inserted"], 1000, "{}", payload["userErrors"]);
        assert_eq!(values(&app).await, 1000);
        assert_eq!(audit(&app, "CREATE").await, 1000);
    }

    async fn a_batch_reads_its_kpis_and_values_in_a_few_statements(app) {
        let admin = app.admin().await;
        let users = kpi_id(&app, "1.2", USERS).await;
        let rows: Vec<Value> = (0..200u64)
            .map(|i| {
                let date = (chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
                    + chrono::Days::new(i / 4)).to_string();
                match i % 4 {
                    0 => json!({ "kpi": key("1.2", SERVICES), "observedOn": date, "value": 1.0 }),
                    1 => json!({ "kpiId": users, "observedOn": date, "value": 2.0 }),
                    2 => json!({ "kpi": key("3.3", OFFICES), "observedOn": date, "value": 3.0 }),
                    _ => json!({ "kpi": key("2.1", CONCEPT), "observedOn": date, "value": 1.0 }),
                }
            })
            .collect();
        let mutation = "mutation($input: RecordKpiValuesInput!) {
            recordKpiValues(input: $input) { inserted unchanged userErrors { message } } }";
        let first = app.data_with(&admin, mutation, json!({ "input": { "values": rows } })).await;
        assert_eq!(first["recordKpiValues"]["inserted"], 200, "{first}");
        let before = app.statements();
        let again = app.data_with(&admin, mutation, json!({ "input": { "values": rows } })).await;
        assert_eq!(again["recordKpiValues"]["unchanged"], 200);
        let used = app.statements() - before;
        assert!(used <= 20, "re-running 200 rows took {used} statements");
    }

    // Recording new values writes an audit entry each, but the chain's head
    // is read and moved once per batch: on PostgreSQL a batch of 200 takes
    // as many statements as one of 20; on SQLite each row is one insert of
    // its value and one of its entry.
    async fn a_batch_writes_its_audit_entries_in_a_few_statements(app) {
        let admin = app.admin().await;
        let batch = |first: u64, n: u64| json!({ "input": { "values": daily_services(first..first + n) } });
        let mut used = Vec::new();
        for (first, n) in [(0, 20), (20, 200)] {
            let before = app.statements();
            let answer = app.data_with(&admin, RECORD, batch(first, n)).await;
            assert_eq!(answer["recordKpiValues"]["inserted"], n, "{answer}");
            used.push(app.statements() - before);
        }
        let per_extra_row = if app.backend == crate::common::Backend::Sqlite { 2 } else { 0 };
        assert!(
            used[1] <= used[0] + per_extra_row * 180,
            "20 rows took {} statements, 200 rows {}",
            used[0],
            used[1]
        );
        assert_eq!(audit(&app, "CREATE").await, 220);
    }

    async fn editors_record_only_for_their_working_groups(app) {
        let editor = app.token("group-three", Role::Editor, &["III"], None).await;
        let input = json!({ "input": { "values": [
            { "kpi": key("3.3", OFFICES), "observedOn": "2021-01-31", "value": 120.0 },
            { "kpi": key("1.2", SERVICES), "observedOn": "2021-01-31", "value": 67.0 },
        ]}});
        let body = app.query_with(&editor, RECORD, input.clone()).await;
        assert_eq!(codes(&body), ["FORBIDDEN"]);
        assert_eq!(values(&app).await, 0);
        let body = app.query_with(&editor, RECORD, json!({ "input": { "dryRun": true, "values": [
            { "kpi": key("1.2", SERVICES), "observedOn": "2021-01-31", "value": 67.0 },
        ]}})).await;
        assert_eq!(codes(&body), ["FORBIDDEN"]);
        let own = record(&app, &editor, json!({ "values": [
            { "kpi": key("3.3", OFFICES), "observedOn": "2021-01-31", "value": 120.0 },
        ]})).await;
        assert_eq!(own["inserted"], 1);
        let reader = app.token("reader", Role::Reader, &[], None).await;
        assert_eq!(codes(&app.query_with(&reader, RECORD, input.clone()).await), ["FORBIDDEN"]);
        assert_eq!(codes(&app.query_vars(RECORD, input).await), ["UNAUTHENTICATED"]);
        assert_eq!(values(&app).await, 1);
        assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM audit_log WHERE actor = 'group-three'").await, 1);
    }

    async fn deleting_a_value(app) {
        let admin = app.admin().await;
        let recorded = record(&app, &admin, json!({ "values": [
            { "kpi": key("1.2", SERVICES), "observedOn": "2021-01-31", "value": 67.0, "note": "Start" },
            { "kpi": key("1.2", SERVICES), "observedOn": "2021-06-30", "value": 70.0 },
        ]})).await;
        let id = recorded["kpiValues"][0]["id"].clone();
        let data = app.data_with(&admin, DELETE, json!({ "input": { "id": id, "clientMutationId": "d1" } })).await;
        let payload = &data["deleteKpiValue"];
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
        assert_eq!(payload["deletedKpiValueId"], id);
        assert_eq!(payload["kpi"]["name"], SERVICES);
        assert_eq!(payload["clientMutationId"], "d1");
        assert_eq!(values(&app).await, 1);
        assert_eq!(audit(&app, "DELETE").await, 1);
        assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'DELETE' \
            AND changes LIKE '%\"note\":{\"new\":null,\"old\":\"Start\"}%' \
            AND changes LIKE '%\"value\":{\"new\":null,\"old\":67.0}%'").await, 1);
        // Gone is gone.
        let again = app.data_with(&admin, DELETE, json!({ "input": { "id": id } })).await;
        assert_eq!(again["deleteKpiValue"]["userErrors"][0]["code"], "NOT_FOUND");
        assert_eq!(again["deleteKpiValue"]["userErrors"][0]["field"], json!(["input", "id"]));
        // By KPI and date.
        let missing = app.data_with(&admin, DELETE, json!({ "input": {
            "kpi": key("1.2", SERVICES), "observedOn": "2021-01-31"
        }})).await;
        assert_eq!(missing["deleteKpiValue"]["userErrors"][0]["field"], json!(["input", "observedOn"]));
        assert_eq!(missing["deleteKpiValue"]["userErrors"][0]["code"], "NOT_FOUND");
        let unknown = app.data_with(&admin, DELETE, json!({ "input": {
            "kpi": key("1.2", "Keine"), "observedOn": "2021-06-30"
        }})).await;
        assert_eq!(unknown["deleteKpiValue"]["userErrors"][0]["field"], json!(["input", "kpi", "name"]));
        let neither = app.data_with(&admin, DELETE, json!({ "input": { "observedOn": "2021-06-30" } })).await;
        assert_eq!(neither["deleteKpiValue"]["userErrors"][0]["code"], "VALIDATION");
        let editor = app.token("group-three", Role::Editor, &["III"], None).await;
        let body = app.query_with(&editor, DELETE, json!({ "input": {
            "kpi": key("1.2", SERVICES), "observedOn": "2021-06-30"
        }})).await;
        assert_eq!(codes(&body), ["FORBIDDEN"]);
        assert_eq!(values(&app).await, 1);
        let data = app.data_with(&admin, DELETE, json!({ "input": {
            "kpi": key("1.2", SERVICES), "observedOn": "2021-06-30"
        }})).await;
        assert_eq!(data["deleteKpiValue"]["deletedKpiValueId"], recorded["kpiValues"][1]["id"]);
        assert_eq!(values(&app).await, 0);
        assert_eq!(audit(&app, "DELETE").await, 2);
    }
}

/// `import` (and `seed`) check a plan file's values by the same rules as
/// `recordKpiValues`, within the same configurable horizon.
#[test]
fn plan_files_obey_the_same_value_rules() {
    let dir = std::env::temp_dir();
    let file = dir.join(format!("mp_values_rules_{}.json", std::process::id()));
    let db = dir.join(format!("mp_values_rules_{}.db", std::process::id()));
    let mut plan: Value = serde_json::from_str(masterplan_persistence::seed::BUNDLED_PLAN).unwrap();
    let kpi = &mut plan["measures"][0]["kpis"][0];
    assert_eq!(kpi["unit"], "Anzahl");
    kpi["values"] = json!([
        { "observedOn": "2021-06-30", "value": -4.0 },
        { "observedOn": "2035-06-30", "value": 4.0 },
    ]);
    std::fs::write(&file, plan.to_string()).unwrap();
    let import = |range: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_masterplan"))
            .args(["import", "--dry-run", "--observed-on-range", range])
            .arg(&file)
            .env("DATABASE_URL", format!("sqlite://{}", db.display()))
            .output()
            .expect("run masterplan")
    };
    let out = import("2000-01-01..2030-12-31");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("measures[0].kpis[0].values[0].value: the KPI counts things"),
        "{err}"
    );
    assert!(
        err.contains("measures[0].kpis[0].values[1].observedOn: 2035-06-30 is outside the plan's horizon 2000-01-01..2030-12-31"),
        "{err}"
    );
    // The default horizon (1990–2100) holds 2035; the negative count stays refused.
    let out = import("1990-01-01..2100-12-31");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("values[0].value") && !err.contains("values[1]"),
        "{err}"
    );
    let _ = std::fs::remove_file(&file);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
