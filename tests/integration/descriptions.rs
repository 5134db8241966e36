//! Measure descriptions, the long Markdown texts, are read only by requests
//! that ask for them, and every way of reaching a measure gives its
//! description as it is (or was, at an instant).

use std::collections::HashMap;

use crate::common::{TestApp, bundled_plan};
use serde_json::{Value, json};

const LIST: &str = "query($n: Int) { measures(first: $n) { nodes { code title } } }";
const DESCRIBED_LIST: &str =
    "query($n: Int) { measures(first: $n) { nodes { code title description } } }";

/// The answer to `query` for the first `n` measures, read by the public, and
/// the number of SQL statements it took.
async fn list(app: &TestApp, query: &str, n: i64) -> (Value, u64) {
    let before = app.statements();
    let body = app.query_vars(query, json!({ "n": n })).await;
    assert!(body.get("errors").is_none(), "{body}");
    (
        body["data"]["measures"]["nodes"].clone(),
        app.statements() - before,
    )
}

backend_tests! {
    async fn descriptions_cost_one_statement_and_only_when_asked(app) {
        let plan: HashMap<String, String> = bundled_plan()
            .measures
            .into_iter()
            .filter_map(|m| Some((m.code?, m.description)))
            .collect();
        for n in [5, 25] {
            let (plain, without) = list(&app, LIST, n).await;
            let (described, with) = list(&app, DESCRIBED_LIST, n).await;
            assert_eq!(with, without + 1, "statements for {n} measures");
            assert_eq!(described.as_array().unwrap().len() as i64, n);
            for (measure, listed) in described.as_array().unwrap().iter().zip(plain.as_array().unwrap()) {
                assert_eq!(measure["code"], listed["code"]);
                if let Some(code) = measure["code"].as_str() {
                    assert_eq!(measure["description"], plan[code].as_str(), "{code}");
                }
            }
        }
    }

    async fn every_read_gives_the_description_of_its_instant(app) {
        let admin = app.admin().await;
        let original = bundled_plan()
            .measures
            .into_iter()
            .find(|m| m.code.as_deref() == Some("1.2"))
            .unwrap()
            .description;
        let before = app
            .data_with(&admin, r#"{ measure(code: "1.2") { id version updatedAt } }"#, json!({}))
            .await["measure"]
            .clone();
        let changed = "Ein Portal für alle Anliegen, mit Zebrastreifen-Termin.";
        let data = app
            .data_with(
                &admin,
                "mutation($input: UpdateMeasureInput!) { updateMeasure(input: $input) {
                   measure { version description } userErrors { field message } } }",
                json!({ "input": { "id": before["id"], "expectedVersion": before["version"],
                                   "description": changed } }),
            )
            .await;
        let payload = &data["updateMeasure"];
        assert_eq!(payload["userErrors"], json!([]), "{data}");
        assert_eq!(payload["measure"]["description"], changed);

        let query = "query($id: ID!, $at: DateTime) {
          measure(code: \"1.2\") { description }
          node(id: $id) { ... on Measure { description } }
          list: measures(first: 5) { nodes { code description } }
          then: measure(code: \"1.2\", at: $at) { description }
          thenList: measures(first: 5, at: $at) { nodes { code description } }
          goal: goals(first: 1, filter: { measure: \"1.2\" }) { nodes { measure { description } } }
          search(query: \"Zebrastreifen\") { nodes { snippet node { ... on Measure { code description } } } }
        }";
        let data = app
            .data_with(&admin, query, json!({ "id": before["id"], "at": before["updatedAt"] }))
            .await;
        assert_eq!(data["measure"]["description"], changed);
        assert_eq!(data["node"]["description"], changed);
        let in_list = |list: &Value| {
            list["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["code"] == "1.2")
                .map(|m| m["description"].clone())
                .expect("1.2 in the list")
        };
        assert_eq!(in_list(&data["list"]), changed);
        assert_eq!(data["then"]["description"], original.as_str());
        assert_eq!(in_list(&data["thenList"]), original.as_str());
        assert_eq!(data["goal"]["nodes"][0]["measure"]["description"], changed);
        let hit = &data["search"]["nodes"][0];
        assert_eq!(hit["node"]["code"], "1.2", "{data}");
        assert_eq!(hit["node"]["description"], changed);
        assert!(
            hit["snippet"].as_str().unwrap().contains("mit **Zebrastreif"),
            "{hit}"
        );

        // An archived measure answers with its description.
        let version = app
            .data_with(&admin, r#"{ measure(code: "1.2") { version } }"#, json!({}))
            .await["measure"]["version"]
            .clone();
        let data = app
            .data_with(
                &admin,
                "mutation($input: ArchiveMeasureInput!) { archiveMeasure(input: $input) {
                   measure { description } userErrors { code } } }",
                json!({ "input": { "id": before["id"], "expectedVersion": version } }),
            )
            .await;
        assert_eq!(data["archiveMeasure"]["measure"]["description"], changed, "{data}");
    }
}
