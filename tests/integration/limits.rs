//! Every request limit rejects an abusive request quickly, with a code, and
//! without touching the data.

use crate::common::{Backend, TestApp, codes};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use masterplan_api::limits::Limits;
use serde_json::{Value, json};

/// 12 levels deep, through lists that stay small (1.2 has 2 goals, 3 KPIs).
const DEPTH_12: &str = r#"{ measure(code: "1.2") { kpis { measure { goals { measure { goals {
    measure { kpis { measure { workingGroup { plan { slug } } } } } } } } } } } }"#;

/// One level deeper.
const DEPTH_13: &str = r#"{ measure(code: "1.2") { kpis { measure { goals { measure { goals {
    measure { kpis { measure { workingGroup { plan { workingGroups { code } } } } } } } } } } } } }"#;

/// Lists inside lists multiply: 11 measures per group, nested five times,
/// would be 11^5 rows; the complexity limit stops it before it runs.
const FAN_OUT: &str = r#"{ measure(code: "1.1") { workingGroup { measures { workingGroup { measures {
    workingGroup { measures { workingGroup { measures { workingGroup { measures { code } } } } } } } } } } } }"#;

/// Fragments that spread the next one twice: 2^30 fields once expanded, in
/// under 2 KB; async-graphql's own validation would run for minutes.
fn fragment_bomb() -> String {
    let mut doc = String::from("query { ...F0 }\n");
    for i in 0..30 {
        doc.push_str(&format!(
            "fragment F{i} on Query {{ ...F{n} ...F{n} }}\n",
            n = i + 1
        ));
    }
    doc.push_str("fragment F30 on Query { plans { slug } }\n");
    doc
}

backend_tests! {
    async fn depth_is_limited(app) {
        let ok = app.query(DEPTH_12).await;
        assert!(ok.get("errors").is_none(), "{ok}");
        let body = app.query(DEPTH_13).await;
        assert_eq!(codes(&body), ["QUERY_TOO_COMPLEX"]);
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("depth"), "{body}");
    }

    async fn nested_lists_count_towards_complexity(app) {
        let body = app.query(FAN_OUT).await;
        assert_eq!(codes(&body), ["QUERY_TOO_COMPLEX"]);
        assert_eq!(body["data"], Value::Null);
    }

    async fn fragment_explosion_is_rejected_before_validation(app) {
        let body = app.query(&fragment_bomb()).await;
        assert_eq!(codes(&body), ["QUERY_TOO_COMPLEX"]);
        assert_eq!(body["data"], Value::Null);
    }

    async fn aliases_and_root_fields_are_limited(app) {
        let aliases: String = (0..51).map(|i| format!("a{i}: plans {{ slug }} ")).collect();
        let inner: String = (0..51).map(|i| format!("t{i}: title ")).collect();
        let body = app.query(&format!("{{ measure(code: \"1.2\") {{ {inner} }} }}")).await;
        assert_eq!(codes(&body), ["QUERY_TOO_COMPLEX"]);
        let body = app.query(&format!("{{ {aliases} }}")).await;
        assert_eq!(codes(&body), ["QUERY_TOO_COMPLEX"]);
        let roots: String = (0..21).map(|_| "plans { slug } ").collect();
        let body = app.query(&format!("{{ {roots} }}")).await;
        assert_eq!(codes(&body), ["QUERY_TOO_COMPLEX"]);
        let roots: String = (0..20).map(|i| format!("p{i}: plans {{ slug }} ")).collect();
        let body = app.query(&format!("{{ {roots} }}")).await;
        assert!(body.get("errors").is_none(), "{body}");
    }

    async fn syntax_and_validation_errors_are_coded(app) {
        assert_eq!(app.error_codes("{ measures { ").await, ["GRAPHQL_PARSE_FAILED"]);
        let body = app.query("{ measures { nodes { nonsense } } }").await;
        assert!(codes(&body).iter().all(|c| c == "GRAPHQL_VALIDATION_FAILED"), "{body}");
        let body = app.query("query A { plans { slug } } query B { plans { slug } }").await;
        assert_eq!(codes(&body), ["OPERATION_NOT_FOUND"]);
    }

    async fn only_json_posts_are_accepted(app) {
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(json!({ "query": "{ plans { slug } }" }).to_string()))
            .unwrap();
        let (status, _, body) = app.send(request).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(body.contains("UNSUPPORTED_MEDIA_TYPE"), "{body}");
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{ not json"))
            .unwrap();
        let (status, _, body) = app.send(request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("BAD_REQUEST"), "{body}");
    }

    async fn oversized_bodies_are_refused(app) {
        let padding = "x".repeat(70 * 1024);
        let (status, body) = app
            .post_json(&json!({ "query": "{ plans { slug } }", "variables": { "padding": padding } }))
            .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(codes(&body), ["REQUEST_TOO_LARGE"]);
    }

    async fn array_batching_is_off_by_default(app) {
        let (status, body) = app.post_json(&json!([{ "query": "{ plans { slug } }" }])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(codes(&body), ["BATCHING_DISABLED"]);
    }
}

async fn with_limits(backend: Backend, limits: Limits) -> Option<TestApp> {
    TestApp::with_limits(backend, limits).await
}

async fn complexity_and_batches_follow_configuration(backend: Backend) {
    let limits = Limits {
        max_complexity: 500,
        max_batch: 2,
        ..Limits::default()
    };
    let Some(app) = with_limits(backend, limits).await else {
        return;
    };
    let small = app.query("{ measures(first: 5) { nodes { code } } }").await;
    assert!(small.get("errors").is_none(), "{small}");
    let body = app
        .query("{ measures(first: 100) { nodes { kpis { values(first: 100) { nodes { value } } } } } }")
        .await;
    assert_eq!(codes(&body), ["QUERY_TOO_COMPLEX"]);

    let (status, body) = app
        .post_json(&json!([{ "query": "{ plans { slug } }" }, { "query": "{ measure(code: \"1.1\") { code } }" }]))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body[1]["data"]["measure"]["code"], "1.1");
    let (status, body) = app
        .post_json(&Value::Array(vec![
            json!({ "query": "{ plans { slug } }" });
            3
        ]))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(codes(&body), ["BATCH_TOO_LARGE"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complexity_and_batches_follow_configuration_sqlite() {
    complexity_and_batches_follow_configuration(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complexity_and_batches_follow_configuration_postgres() {
    complexity_and_batches_follow_configuration(Backend::Postgres).await;
}

async fn slow_requests_are_stopped(backend: Backend) {
    let limits = Limits {
        timeout: std::time::Duration::ZERO,
        ..Limits::default()
    };
    let Some(app) = with_limits(backend, limits).await else {
        return;
    };
    let body = app.query("{ measures { nodes { goals { text } } } }").await;
    assert_eq!(codes(&body), ["TIMEOUT"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_requests_are_stopped_sqlite() {
    slow_requests_are_stopped(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_requests_are_stopped_postgres() {
    slow_requests_are_stopped(Backend::Postgres).await;
}

/// The introspection query GraphiQL and other tools send (graphiql 4).
const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name description type { ...TypeRef } defaultValue isDeprecated deprecationReason
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}
"#;

mod introspection {
    use super::*;

    backend_tests! {
        async fn tools_can_introspect_the_schema(app) {
            let data = app.data(INTROSPECTION).await;
            let types = data["__schema"]["types"].as_array().unwrap();
            assert!(types.iter().any(|t| t["name"] == "Measure"), "{types:?}");
        }

        async fn nested_introspection_lists_are_limited(app) {
            let body = app
                .query("{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }")
                .await;
            assert_eq!(codes(&body), ["QUERY_TOO_COMPLEX"]);
            assert!(body["errors"][0]["message"].as_str().unwrap().contains("introspection"), "{body}");
        }
    }
}

async fn a_result_over_the_size_bound_is_refused(backend: Backend) {
    let limits = Limits {
        max_response_bytes: 4_000,
        max_batch: 2,
        ..Limits::default()
    };
    let Some(app) = with_limits(backend, limits).await else {
        return;
    };
    let small = app.query("{ measure(code: \"1.2\") { title } }").await;
    assert!(small.get("errors").is_none(), "{small}");

    let big = "{ measures(first: 50) { nodes { title description } } }";
    let (status, body) = app.post_json(&json!({ "query": big })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(codes(&body), ["RESPONSE_TOO_LARGE"], "{body}");
    assert!(body["data"].is_null());
    assert!(body["errors"][0]["extensions"]["requestId"].is_string());
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("4000 bytes")
    );

    // The bound holds for a batch as a whole.
    let (_, body) = app
        .post_json(&json!([{ "query": "{ plans { slug } }" }, { "query": big }]))
        .await;
    assert_eq!(codes(&body), ["RESPONSE_TOO_LARGE"], "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_over_the_size_bound_is_refused_sqlite() {
    a_result_over_the_size_bound_is_refused(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_over_the_size_bound_is_refused_postgres() {
    a_result_over_the_size_bound_is_refused(Backend::Postgres).await;
}
