//! Search across measures, goals and KPIs with German word forms, the same
//! on both databases.

use crate::common::{bundled_plan, codes};
use serde_json::Value;

const SEARCH: &str = r#"query($q: String!, $first: Int) { search(query: $q, first: $first) {
    totalCount pageInfo { hasNextPage }
    nodes { score snippet node { __typename ... on Measure { code } ... on Goal { text measure { code } } ... on Kpi { name measure { code } } } }
} }"#;

/// (type, measure code) of each hit, in rank order.
fn hits(body: &Value) -> Vec<(String, String)> {
    body["data"]["search"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|hit| {
            let node = &hit["node"];
            let code = node["code"]
                .as_str()
                .or(node["measure"]["code"].as_str())
                .unwrap_or("-");
            (
                node["__typename"].as_str().unwrap().to_owned(),
                code.to_owned(),
            )
        })
        .collect()
}

fn pair(kind: &str, code: &str) -> (String, String) {
    (kind.to_owned(), code.to_owned())
}

backend_tests! {
    async fn portal_finds_compounds_and_inflections(app) {
        let body = app.query_vars(SEARCH, serde_json::json!({ "q": "Portal" })).await;
        let found = hits(&body);
        // Titles rank first; among them, more occurrences rank higher (1.8's
        // description names the Mitarbeiterportal more often).
        assert_eq!(found[..2], [pair("Measure", "1.8"), pair("Measure", "1.2")]);
        assert!(found.contains(&pair("Goal", "1.2")), "{found:?}");
        assert!(found.contains(&pair("Goal", "1.8")), "Mitarbeiterportals: {found:?}");
        assert!(found.contains(&pair("Measure", "3.4")), "Bauportal: {found:?}");
        let second = &body["data"]["search"]["nodes"][1];
        assert!(second["snippet"].as_str().unwrap().starts_with("Bürger**portal**"), "{second}");
        assert!(second["score"].as_f64().unwrap() >= 2.0);
        assert_eq!(body["data"]["search"]["totalCount"], found.len());
    }

    async fn akten_finds_e_akte(app) {
        let body = app.query_vars(SEARCH, serde_json::json!({ "q": "Akten" })).await;
        let found = hits(&body);
        assert_eq!(found[0], pair("Measure", "-"), "DMS und E-Akte ranks first: {found:?}");
        assert!(found.contains(&pair("Kpi", "-")), "{found:?}");
        assert!(found.contains(&pair("Goal", "-")), "{found:?}");
    }

    async fn a_page_of_hits_loads_its_objects_in_batches(app) {
        let before = app.statements();
        let body = app.query_vars(SEARCH, serde_json::json!({ "q": "Konzept", "first": 20 })).await;
        assert!(hits(&body).len() >= 10, "{body}");
        // Candidates, then one lookup per type and one for the hits' measures,
        // whatever the number of hits.
        let statements = app.statements() - before;
        assert!(statements <= 5, "{statements} statements for {} hits", hits(&body).len());
    }

    async fn every_word_must_match_and_pages_work(app) {
        let body = app.query_vars(SEARCH, serde_json::json!({ "q": "Konzept Bürgerportal" })).await;
        assert_eq!(hits(&body), [pair("Goal", "1.2")]);
        let body = app.query_vars(SEARCH, serde_json::json!({ "q": "Konzept", "first": 2 })).await;
        assert_eq!(hits(&body).len(), 2);
        assert_eq!(body["data"]["search"]["pageInfo"]["hasNextPage"], true);
        let body = app.query_vars(SEARCH, serde_json::json!({ "q": "Zeppelin" })).await;
        assert_eq!(body["data"]["search"]["totalCount"], 0);
        let body = app.query_vars(SEARCH, serde_json::json!({ "q": " ,;" })).await;
        assert_eq!(codes(&body), ["BAD_USER_INPUT"]);
    }

    async fn replacing_a_plan_does_not_duplicate_its_documents(app) {
        let before = app.query_vars(SEARCH, serde_json::json!({ "q": "Portal" })).await;
        let mut conn = app.db.conn().await.unwrap();
        masterplan_persistence::seed::load_plan(&mut conn, &bundled_plan(), true, "test").await.unwrap();
        let after = app.query_vars(SEARCH, serde_json::json!({ "q": "Portal" })).await;
        assert_eq!(before["data"]["search"]["totalCount"], after["data"]["search"]["totalCount"]);
    }
}
