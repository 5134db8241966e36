//! One rule set for input: control characters refused with a code on both
//! databases (PostgreSQL cannot take NUL), in arguments, variables and
//! inputs; line breaks only in long texts; search bounded in words.

use serde_json::json;

use crate::common::codes;

const CREATE: &str = "mutation($input: CreateMeasureInput!) {
  createMeasure(input: $input) { measure { code description } userErrors { field code message } } }";

backend_tests! {
    async fn a_nul_in_an_argument_is_bad_input(app) {
        let body = app.query(r#"{ workingGroup(code: "I", plan: "a\u0000") { name } }"#).await;
        assert_eq!(codes(&body), ["BAD_USER_INPUT"], "{body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("U+0000"), "{body}");
        // Where in the document: the argument's value.
        assert_eq!(body["errors"][0]["locations"], json!([{ "line": 1, "column": 33 }]), "{body}");
        let body = app.query(r#"{ search(query: "Portal\u0007") { totalCount } }"#).await;
        assert_eq!(codes(&body), ["BAD_USER_INPUT"], "{body}");
        let body = app.query_vars("query($code: String!) { measure(code: $code) { title } }",
            json!({ "code": "1.2\u{0}" })).await;
        assert_eq!(codes(&body), ["BAD_USER_INPUT"], "{body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("$code"), "{body}");
    }

    async fn a_nul_in_an_input_changes_nothing(app) {
        let admin = app.admin().await;
        let body = app.query_with(&admin, CREATE, json!({ "input": {
            "workingGroup": "III", "code": "3.98", "title": "Neu\u{0}" } })).await;
        assert_eq!(codes(&body), ["BAD_USER_INPUT"], "{body}");
        let count = app.staff_data("{ measures { totalCount } }").await;
        assert_eq!(count["measures"]["totalCount"], 25);
    }

    async fn line_breaks_belong_in_long_texts_only(app) {
        let admin = app.admin().await;
        let data = app.data_with(&admin, CREATE, json!({ "input": {
            "workingGroup": "III", "code": "3.98", "title": "zwei\nZeilen" } })).await;
        let errors = &data["createMeasure"]["userErrors"];
        assert_eq!(errors[0]["field"], json!(["input", "title"]), "{data}");
        assert_eq!(errors[0]["code"], "VALIDATION");
        let data = app.data_with(&admin, CREATE, json!({ "input": {
            "workingGroup": "III", "code": "3.98", "title": "Eine Zeile",
            "description": "Absatz eins.\n\n\tAbsatz zwei." } })).await;
        assert_eq!(data["createMeasure"]["userErrors"], json!([]), "{data}");
        assert_eq!(data["createMeasure"]["measure"]["description"], "Absatz eins.\n\n\tAbsatz zwei.");
    }

    async fn a_search_of_thousands_of_words_is_bad_input(app) {
        let words: Vec<String> = (0..5000).map(|i| format!("wort{i}")).collect();
        let body = app.query_vars("query($q: String!) { search(query: $q) { totalCount } }",
            json!({ "q": words.join(" ") })).await;
        assert_eq!(codes(&body), ["BAD_USER_INPUT"], "{body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("at most 20"), "{body}");
        let twenty = words[..20].join(" ");
        let body = app.query_vars("query($q: String!) { search(query: $q) { totalCount } }",
            json!({ "q": twenty })).await;
        assert_eq!(body["data"]["search"]["totalCount"], 0, "{body}");
    }
}

async fn seeding_runs_the_field_rules_of_the_mutations(backend: crate::common::Backend) {
    use masterplan_persistence::RepoError;
    use masterplan_persistence::seed::load_plan;
    let Some(app) = crate::common::TestApp::empty(backend).await else {
        return;
    };
    let mut file = crate::common::bundled_plan();
    file.measures[0].description = "x".repeat(60_000);
    file.measures[2].goals[0].text = "Ziel\u{7}".into();
    file.measures[3].kpis[0]
        .values
        .push(masterplan_domain::plan_file::ValueEntry {
            observed_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            value: 1.0,
            note: Some("n".repeat(100_000)),
            source: None,
        });
    let mut conn = app.db.conn().await.unwrap();
    let Err(RepoError::Rejected(problems)) = load_plan(&mut conn, &file, false, "test").await
    else {
        panic!("the plan was loaded");
    };
    let fields: Vec<String> = problems.iter().map(|p| p.field.join(".")).collect();
    assert_eq!(
        fields,
        [
            "measures.0.description",
            "measures.2.goals.0.text",
            "measures.3.kpis.0.values.0.note",
        ]
    );
    drop(conn);
    let plans = app.data("{ plans { slug } }").await;
    assert_eq!(plans["plans"], json!([]), "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeding_runs_the_field_rules_of_the_mutations_sqlite() {
    seeding_runs_the_field_rules_of_the_mutations(crate::common::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeding_runs_the_field_rules_of_the_mutations_postgres() {
    seeding_runs_the_field_rules_of_the_mutations(crate::common::Backend::Postgres).await;
}
