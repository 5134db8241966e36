//! Plan and working group mutations (admins only): create, update,
//! validation, unique codes and slugs, versions, and the reclassification of
//! measures when a plan's legend changes.

use crate::common::{TestApp, codes};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use masterplan_domain::status::Role;
use serde_json::{Value, json};

const CREATE_GROUP: &str = "mutation($input: CreateWorkingGroupInput!) {
  createWorkingGroup(input: $input) {
    workingGroup { id code number name lead version plan { slug } }
    userErrors { field message code currentVersion }
    clientMutationId
  }
}";

const UPDATE_GROUP: &str = "mutation($input: UpdateWorkingGroupInput!) {
  updateWorkingGroup(input: $input) {
    workingGroup { id code number name lead version }
    userErrors { field message code currentVersion }
    clientMutationId
  }
}";

const CREATE_PLAN: &str = "mutation($input: CreatePlanInput!) {
  createPlan(input: $input) {
    plan { id slug title organisation publishedOn description version
           legend { costLowBelowEur costHighAboveEur personnelLowBelowFte
                    personnelHighAboveFte periodShortBelowMonths periodLongAboveMonths notes } }
    userErrors { field message code currentVersion }
    clientMutationId
  }
}";

const UPDATE_PLAN: &str = "mutation($input: UpdatePlanInput!) {
  updatePlan(input: $input) {
    plan { id slug title publishedOn version legend { costLowBelowEur notes } }
    userErrors { field message code currentVersion }
    clientMutationId
  }
}";

const SLUG: &str = "dortmund-arbeiten-4-0";

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn audit(app: &TestApp, entity_type: &str) -> i64 {
    let mut conn = app.db.conn().await.expect("connection");
    // The seeded plan's IMPORT entry is the harness's, not a mutation's.
    let sql = format!(
        "SELECT COUNT(*) AS n FROM audit_log WHERE entity_type = '{entity_type}' AND action <> 'IMPORT'"
    );
    let rows: Vec<Count> = masterplan_persistence::with_conn!(&mut conn, c =>
        diesel::sql_query(sql.clone()).load(c).await)
    .expect("count");
    rows[0].n
}

fn legend() -> Value {
    json!({
        "costLowBelowEur": 50000.0, "costHighAboveEur": 1000000.0,
        "personnelLowBelowFte": 2.0, "personnelHighAboveFte": 5.0,
        "periodShortBelowMonths": 12, "periodLongAboveMonths": 36,
        "notes": "gering / mittel / hoch"
    })
}

fn fields(payload: &Value) -> Vec<Value> {
    payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect()
}

async fn plan_version(app: &TestApp) -> i64 {
    app.staff_data(&format!(r#"{{ plan(slug: "{SLUG}") {{ version }} }}"#))
        .await["plan"]["version"]
        .as_i64()
        .unwrap()
}

backend_tests! {
    async fn working_groups_are_created_and_updated(app) {
        let admin = app.admin().await;
        let data = app.data_with(&admin, CREATE_GROUP, json!({ "input": {
            "code": " V ", "name": "Arbeitsgruppe V", "lead": "Amt 10", "clientMutationId": "g1"
        }})).await;
        let payload = &data["createWorkingGroup"];
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
        assert_eq!(payload["clientMutationId"], "g1");
        let group = &payload["workingGroup"];
        assert_eq!(group["code"], "V");
        assert_eq!(group["number"], 5);
        assert_eq!(group["version"], 1);
        assert_eq!(group["plan"]["slug"], SLUG);
        assert_eq!(audit(&app, "WORKING_GROUP").await, 1);
        let listed = app.staff_data("{ workingGroups { code } }").await;
        assert!(listed.to_string().contains("\"V\""), "{listed}");

        let data = app.data_with(&admin, UPDATE_GROUP, json!({ "input": {
            "key": { "code": "V" }, "expectedVersion": 1, "name": "AG V", "lead": null
        }})).await;
        let updated = &data["updateWorkingGroup"]["workingGroup"];
        assert_eq!(updated["name"], "AG V");
        assert_eq!(updated["lead"], Value::Null);
        assert_eq!(updated["version"], 2);
        assert_eq!(audit(&app, "WORKING_GROUP").await, 2);
        // Nothing changed: same version, no audit entry.
        let data = app.data_with(&admin, UPDATE_GROUP, json!({ "input": {
            "id": group["id"], "expectedVersion": 2, "name": "AG V"
        }})).await;
        assert_eq!(data["updateWorkingGroup"]["workingGroup"]["version"], 2);
        assert_eq!(audit(&app, "WORKING_GROUP").await, 2);
        // A stale version.
        let data = app.data_with(&admin, UPDATE_GROUP, json!({ "input": {
            "id": group["id"], "expectedVersion": 1, "name": "Alt"
        }})).await;
        let error = &data["updateWorkingGroup"]["userErrors"][0];
        assert_eq!(error["code"], "VERSION_CONFLICT");
        assert_eq!(error["currentVersion"], 2);
        assert_eq!(data["updateWorkingGroup"]["workingGroup"], Value::Null);
    }

    async fn working_group_codes_are_checked_and_unique(app) {
        let admin = app.admin().await;
        let data = app.data_with(&admin, CREATE_GROUP, json!({ "input": {
            "code": "III", "name": "Doppelt"
        }})).await;
        assert_eq!(data["createWorkingGroup"]["userErrors"][0]["code"], "DUPLICATE");
        assert_eq!(data["createWorkingGroup"]["userErrors"][0]["field"], json!(["input", "code"]));
        let data = app.data_with(&admin, CREATE_GROUP, json!({ "input": {
            "code": "I V", "name": " ", "number": 0, "plan": SLUG
        }})).await;
        assert_eq!(fields(&data["createWorkingGroup"]), [
            json!(["input", "code"]), json!(["input", "number"]), json!(["input", "name"]),
        ]);
        let data = app.data_with(&admin, CREATE_GROUP, json!({ "input": {
            "code": "V", "name": "AG V", "plan": "kein-plan"
        }})).await;
        assert_eq!(data["createWorkingGroup"]["userErrors"][0]["code"], "NOT_FOUND");
        assert_eq!(audit(&app, "WORKING_GROUP").await, 0);

        let three = app.staff_data(r#"{ workingGroup(code: "III") { id version } }"#).await["workingGroup"].clone();
        let data = app.data_with(&admin, UPDATE_GROUP, json!({ "input": {
            "id": three["id"], "expectedVersion": three["version"], "code": "IV"
        }})).await;
        assert_eq!(data["updateWorkingGroup"]["userErrors"][0]["code"], "DUPLICATE");
        let data = app.data_with(&admin, UPDATE_GROUP, json!({ "input": {
            "key": { "code": "IX" }, "expectedVersion": 1, "name": "x"
        }})).await;
        assert_eq!(data["updateWorkingGroup"]["userErrors"][0]["field"], json!(["input", "key", "code"]));
        // A new code: the group's measures follow it.
        let data = app.data_with(&admin, UPDATE_GROUP, json!({ "input": {
            "key": { "plan": SLUG, "code": "III" }, "expectedVersion": three["version"], "code": "C3"
        }})).await;
        assert_eq!(data["updateWorkingGroup"]["workingGroup"]["code"], "C3");
        let measure = app.staff_data(r#"{ measure(code: "3.1") { workingGroup { code } } }"#).await;
        assert_eq!(measure["measure"]["workingGroup"]["code"], "C3");
        assert_eq!(audit(&app, "WORKING_GROUP").await, 1);
    }

    async fn only_admins_change_plans_and_working_groups(app) {
        let editor = app.token("editor", Role::Editor, &[], None).await;
        let reader = app.token("reader", Role::Reader, &[], None).await;
        let attempts = [
            (CREATE_GROUP, json!({ "code": "V", "name": "AG V" })),
            (UPDATE_GROUP, json!({ "key": { "code": "III" }, "expectedVersion": 1, "name": "x" })),
            (CREATE_PLAN, json!({ "slug": "neu", "title": "Neu", "organisation": "Stadt", "legend": legend() })),
            (UPDATE_PLAN, json!({ "slug": SLUG, "expectedVersion": 1, "title": "x" })),
        ];
        for (query, input) in attempts {
            for secret in [&editor, &reader] {
                let body = app.query_with(secret, query, json!({ "input": input.clone() })).await;
                assert_eq!(codes(&body), ["FORBIDDEN"], "{query}");
            }
            assert_eq!(codes(&app.query_vars(query, json!({ "input": input })).await), ["UNAUTHENTICATED"]);
        }
        assert_eq!(plan_version(&app).await, 1);
        let plans = app.staff_data("{ plans { slug } workingGroups { code } }").await;
        assert_eq!(plans["plans"].as_array().unwrap().len(), 1);
        assert_eq!(plans["workingGroups"].as_array().unwrap().len(), 4);
    }

    async fn plans_are_created_with_checked_slugs_and_legends(app) {
        let admin = app.admin().await;
        let data = app.data_with(&admin, CREATE_PLAN, json!({ "input": {
            "slug": "masterplan-2030", "title": "Masterplan 2030", "organisation": "Stadt Dortmund",
            "publishedOn": "2026-01-15", "legend": legend(), "clientMutationId": "p1"
        }})).await;
        let payload = &data["createPlan"];
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
        assert_eq!(payload["clientMutationId"], "p1");
        let plan = &payload["plan"];
        assert_eq!(plan["slug"], "masterplan-2030");
        assert_eq!(plan["publishedOn"], "2026-01-15");
        assert_eq!(plan["description"], "");
        assert_eq!(plan["version"], 1);
        assert_eq!(plan["legend"]["periodLongAboveMonths"], 36);
        assert_eq!(plan["legend"]["notes"], "gering / mittel / hoch");
        assert_eq!(audit(&app, "PLAN").await, 1);
        let found = app.staff_data(r#"{ plan(slug: "masterplan-2030") { title } }"#).await;
        assert_eq!(found["plan"]["title"], "Masterplan 2030");

        let again = app.data_with(&admin, CREATE_PLAN, json!({ "input": {
            "slug": "masterplan-2030", "title": "Noch einmal", "organisation": "Stadt", "legend": legend()
        }})).await;
        assert_eq!(again["createPlan"]["userErrors"][0]["code"], "DUPLICATE");
        assert_eq!(again["createPlan"]["userErrors"][0]["field"], json!(["input", "slug"]));

        let mut bad_legend = legend();
        bad_legend["costLowBelowEur"] = json!(2000000.0);
        let bad = app.data_with(&admin, CREATE_PLAN, json!({ "input": {
            "slug": "Masterplan 2031", "title": "  ", "organisation": "Stadt", "legend": bad_legend
        }})).await;
        assert_eq!(fields(&bad["createPlan"]), [
            json!(["input", "slug"]), json!(["input", "title"]),
            json!(["input", "legend", "costLowBelowEur"]),
        ]);
        let mut negative = legend();
        negative["periodShortBelowMonths"] = json!(-1);
        let bad = app.data_with(&admin, CREATE_PLAN, json!({ "input": {
            "slug": "plan-b", "title": "B", "organisation": "Stadt", "legend": negative
        }})).await;
        assert_eq!(fields(&bad["createPlan"]), [json!(["input", "legend", "periodShortBelowMonths"])]);
        assert_eq!(audit(&app, "PLAN").await, 1);
        assert_eq!(app.staff_data("{ plans { slug } }").await["plans"].as_array().unwrap().len(), 2);
    }

    async fn plans_are_updated_by_id_or_slug(app) {
        let admin = app.admin().await;
        let data = app.data_with(&admin, UPDATE_PLAN, json!({ "input": {
            "slug": SLUG, "expectedVersion": 1, "title": "Masterplan (neu)", "publishedOn": null
        }})).await;
        let plan = &data["updatePlan"]["plan"];
        assert_eq!(data["updatePlan"]["userErrors"], json!([]), "{data}");
        assert_eq!(plan["title"], "Masterplan (neu)");
        assert_eq!(plan["publishedOn"], Value::Null);
        assert_eq!(plan["version"], 2);
        assert_eq!(audit(&app, "PLAN").await, 1);
        let id = plan["id"].clone();

        let stale = app.data_with(&admin, UPDATE_PLAN, json!({ "input": {
            "id": id, "expectedVersion": 1, "title": "Alt"
        }})).await;
        assert_eq!(stale["updatePlan"]["userErrors"][0]["code"], "VERSION_CONFLICT");
        assert_eq!(stale["updatePlan"]["userErrors"][0]["currentVersion"], 2);

        // Renaming the slug; another plan's slug is taken.
        let other = app.data_with(&admin, CREATE_PLAN, json!({ "input": {
            "slug": "zweiter-plan", "title": "Zweiter", "organisation": "Stadt", "legend": legend()
        }})).await;
        assert_eq!(other["createPlan"]["userErrors"], json!([]));
        let taken = app.data_with(&admin, UPDATE_PLAN, json!({ "input": {
            "id": id, "expectedVersion": 2, "newSlug": "zweiter-plan"
        }})).await;
        assert_eq!(taken["updatePlan"]["userErrors"][0]["code"], "DUPLICATE");
        assert_eq!(taken["updatePlan"]["userErrors"][0]["field"], json!(["input", "newSlug"]));
        let invalid = app.data_with(&admin, UPDATE_PLAN, json!({ "input": {
            "id": id, "expectedVersion": 2, "newSlug": "Großer Plan"
        }})).await;
        assert_eq!(invalid["updatePlan"]["userErrors"][0]["field"], json!(["input", "newSlug"]));
        let renamed = app.data_with(&admin, UPDATE_PLAN, json!({ "input": {
            "id": id, "expectedVersion": 2, "newSlug": "dortmund"
        }})).await;
        assert_eq!(renamed["updatePlan"]["plan"]["slug"], "dortmund");
        let found = app.staff_data(r#"{ plan(slug: "dortmund") { title } }"#).await;
        assert_eq!(found["plan"]["title"], "Masterplan (neu)");

        let missing = app.data_with(&admin, UPDATE_PLAN, json!({ "input": {
            "slug": SLUG, "expectedVersion": 3, "title": "x"
        }})).await;
        assert_eq!(missing["updatePlan"]["userErrors"][0]["code"], "NOT_FOUND");
        assert_eq!(missing["updatePlan"]["userErrors"][0]["field"], json!(["input", "slug"]));
        let both = app.data_with(&admin, UPDATE_PLAN, json!({ "input": {
            "id": id, "slug": "dortmund", "expectedVersion": 3, "title": "x"
        }})).await;
        assert_eq!(both["updatePlan"]["userErrors"][0]["code"], "VALIDATION");
        // Updating nothing keeps the version and writes no audit entry.
        let same = app.data_with(&admin, UPDATE_PLAN, json!({ "input": {
            "id": id, "expectedVersion": 3, "title": "Masterplan (neu)"
        }})).await;
        assert_eq!(same["updatePlan"]["plan"]["version"], 3);
        assert_eq!(audit(&app, "PLAN").await, 3);
    }

    async fn a_new_legend_reclassifies_the_measures(app) {
        let admin = app.admin().await;
        let created = app.data_with(&admin, "mutation($input: CreateMeasureInput!) {
            createMeasure(input: $input) { measure { id version quickWin costEstimate { category } } userErrors { message } } }",
            json!({ "input": {
                "workingGroup": "III", "code": "3.99", "title": "Kleine Maßnahme",
                "estimates": { "costEur": 40000.0, "personnelFte": 1.0, "realizationMonths": 6 }
            }})).await;
        let measure = &created["createMeasure"]["measure"];
        assert_eq!(measure["costEstimate"]["category"], "LOW");
        assert_eq!(measure["quickWin"], "YES");
        let mut cheaper = legend();
        cheaper["costLowBelowEur"] = json!(10000.0);
        cheaper.as_object_mut().unwrap().remove("notes");
        let data = app.data_with(&admin, UPDATE_PLAN, json!({ "input": {
            "slug": SLUG, "expectedVersion": 1, "legend": cheaper
        }})).await;
        let plan = &data["updatePlan"]["plan"];
        assert_eq!(data["updatePlan"]["userErrors"], json!([]), "{data}");
        assert_eq!(plan["legend"]["costLowBelowEur"], 10000.0);
        // Notes left out are kept.
        assert!(plan["legend"]["notes"].as_str().unwrap().contains("Quickwins"));
        let after = app.staff_data(r#"{ measure(code: "3.99") { version quickWin costEstimate { category } } }"#).await;
        assert_eq!(after["measure"]["costEstimate"]["category"], "MEDIUM");
        assert_eq!(after["measure"]["quickWin"], "PARTIAL");
        assert_eq!(after["measure"]["version"], measure["version"]);
        let filtered = app.staff_data("{ measures(filter: { quickWin: PARTIAL }, first: 100) { nodes { code } } }").await;
        assert!(filtered.to_string().contains("\"3.99\""), "{filtered}");
        // A legend that cannot classify is refused and changes nothing.
        let mut broken = legend();
        broken["personnelHighAboveFte"] = json!(1.0);
        let data = app.data_with(&admin, UPDATE_PLAN, json!({ "input": {
            "slug": SLUG, "expectedVersion": 2, "legend": broken
        }})).await;
        assert_eq!(fields(&data["updatePlan"]), [json!(["input", "legend", "personnelLowBelowFte"])]);
        assert_eq!(plan_version(&app).await, 2);
    }
}
