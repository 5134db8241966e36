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
