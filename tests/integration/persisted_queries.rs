//! Persisted queries: Apollo's automatic persisted queries (not found →
//! registered with its hash → the hash alone runs it, by POST and GET; a
//! wrong hash is refused), documents named by `documentId`, trusted
//! documents with `--persisted-only`, and `--cache-max-age` on anonymous GETs.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use masterplan_api::limits::Limits;
use masterplan_api::persisted_queries::{PersistedQueries, hash};
use masterplan_api::server::{AppState, router};
use serde_json::{Value, json};

use crate::common::live::{Live, Sse};
use crate::common::{Backend, TestApp, codes};

const QUERY: &str = "{ measure(code: \"1.2\") { title } }";

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

async fn post(app: &TestApp, body: Value) -> (StatusCode, Value) {
    app.post_json(&body).await
}

/// Percent-encodes a query string value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn get(app: &TestApp, params: &str) -> (StatusCode, Option<String>, Value) {
    let request = Request::get(format!("/graphql?{params}"))
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .unwrap();
    let status = response.status();
    let cache_control = response
        .headers()
        .get(header::CACHE_CONTROL)
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        cache_control,
        serde_json::from_slice(&bytes).unwrap(),
    )
}

backend_tests! {
    async fn automatic_persisted_queries_register_then_run_by_hash(app) {
        let sha = hash(QUERY);
        let (status, unknown) = post(&app, json!({ "extensions": persisted(&sha) })).await;
        assert_eq!((status, codes(&unknown)), (StatusCode::OK, vec!["PERSISTED_QUERY_NOT_FOUND".to_owned()]));

        let (status, wrong) = post(&app, json!({ "query": QUERY, "extensions": persisted(&hash("other")) })).await;
        assert_eq!((status, codes(&wrong)), (StatusCode::BAD_REQUEST, vec!["BAD_REQUEST".to_owned()]));

        let (_, registered) = post(&app, json!({ "query": QUERY, "extensions": persisted(&sha) })).await;
        assert_eq!(registered["data"]["measure"]["title"], "Bürgerportal");
        let (_, by_hash) = post(&app, json!({ "extensions": persisted(&sha) })).await;
        assert_eq!(by_hash, registered);

        let params = format!("extensions={}", encode(&persisted(&sha).to_string()));
        let (status, _, by_get) = get(&app, &params).await;
        assert_eq!((status, &by_get), (StatusCode::OK, &registered));
    }

    async fn a_document_id_names_a_known_document(app) {
        let query = "query One($code: String) { measure(code: $code) { title } }";
        let sha = hash(query);
        let id = format!("sha256:{sha}");
        let variables = json!({ "code": "1.2" });
        let (status, unknown) = post(&app, json!({ "documentId": id, "variables": variables })).await;
        assert_eq!((status, codes(&unknown)), (StatusCode::OK, vec!["PERSISTED_QUERY_NOT_FOUND".to_owned()]));

        let (_, registered) = post(&app, json!({ "query": query, "variables": variables, "extensions": persisted(&sha) })).await;
        assert_eq!(registered["data"]["measure"]["title"], "Bürgerportal");
        // By POST, with the prefix or as bare hex, with other variables ...
        let (_, by_id) = post(&app, json!({ "documentId": id, "variables": variables, "operationName": "One" })).await;
        assert_eq!(by_id, registered);
        let (_, other) = post(&app, json!({ "documentId": sha.to_uppercase(), "variables": { "code": "1.1" } })).await;
        assert_eq!(other["data"]["measure"]["title"], "Bring Your Own Device (BYOD)", "{other}");
        // ... and by GET.
        let params = format!("documentId={}&variables={}", encode(&id), encode(&variables.to_string()));
        let (status, _, by_get) = get(&app, &params).await;
        assert_eq!((status, &by_get), (StatusCode::OK, &registered));

        for body in [
            json!({ "documentId": "sha256:abc" }),
            json!({ "documentId": format!("md5:{sha}") }),
            json!({ "documentId": id, "query": query }),
        ] {
            let (status, refused) = post(&app, body.clone()).await;
            assert_eq!((status, codes(&refused)), (StatusCode::BAD_REQUEST, vec!["BAD_REQUEST".to_owned()]), "{body}");
        }
        let (status, _, refused) = get(&app, &format!("documentId={}&query={}", encode(&id), encode(query))).await;
        assert_eq!((status, codes(&refused)), (StatusCode::BAD_REQUEST, vec!["BAD_REQUEST".to_owned()]));
    }
}

async fn persisted_only_runs_trusted_documents_only(backend: Backend) {
    let Some(mut app) = TestApp::new(backend).await else {
        return;
    };
    let file = json!({ format!("sha256:{}", hash(QUERY)): QUERY }).to_string();
    let trusted = PersistedQueries::read_trusted(&file).expect("a valid file");
    let state = AppState::new(app.db.clone(), Limits::default())
        .persisted_queries(PersistedQueries::new(trusted, true));
    app.router = router(state);

    let (_, by_hash) = post(&app, json!({ "extensions": persisted(&hash(QUERY)) })).await;
    assert_eq!(by_hash["data"]["measure"]["title"], "Bürgerportal");
    let (_, as_text) = post(&app, json!({ "query": QUERY })).await;
    assert_eq!(as_text, by_hash);
    let (_, by_id) = post(
        &app,
        json!({ "documentId": format!("sha256:{}", hash(QUERY)) }),
    )
    .await;
    assert_eq!(by_id, by_hash);

    let other = "{ plans { slug } }";
    for body in [
        json!({ "query": other }),
        json!({ "query": other, "extensions": persisted(&hash(other)) }),
        json!({ "extensions": persisted(&hash(other)) }),
        json!({ "documentId": format!("sha256:{}", hash(other)) }),
    ] {
        let (status, refused) = post(&app, body.clone()).await;
        assert_eq!(
            (status, codes(&refused)),
            (
                StatusCode::FORBIDDEN,
                vec!["PERSISTED_QUERY_NOT_IN_LIST".to_owned()]
            ),
            "{body}"
        );
    }

    // Nor does a stream run what is not trusted: SSE ...
    let addr = app.listen().await;
    let subscription = "subscription { changes { cursor } }";
    let (_, head) = Sse::post(addr, &json!({ "query": subscription }), None).await;
    assert!(head.contains(" 403 "), "{head}");
    // ... nor a WebSocket.
    let mut live = Live::connect(addr, None).await;
    live.subscribe("1", subscription, json!({})).await;
    let message = live.message().await.unwrap();
    assert_eq!(
        codes(&message["payload"]),
        ["PERSISTED_QUERY_NOT_IN_LIST"],
        "{message}"
    );

    // A file whose hash is not its document's is refused as a whole.
    let zeros = "0".repeat(64);
    let bad: HashMap<&str, &str> = HashMap::from([(zeros.as_str(), QUERY)]);
    let error = PersistedQueries::read_trusted(&serde_json::to_string(&bad).unwrap()).unwrap_err();
    assert!(error.contains("is not the SHA-256"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_persisted_only_runs_trusted_documents_only() {
    persisted_only_runs_trusted_documents_only(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_persisted_only_runs_trusted_documents_only() {
    persisted_only_runs_trusted_documents_only(Backend::Postgres).await;
}

/// Anonymous GETs may be kept by shared caches for `--cache-max-age`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_gets_are_cacheable_for_max_age() {
    let limits = Limits {
        cache_max_age: 60,
        ..Limits::default()
    };
    let Some(app) = TestApp::with_limits(Backend::Sqlite, limits).await else {
        return;
    };
    let (status, cache_control, body) = get(&app, &format!("query={}", encode(QUERY))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(cache_control.as_deref(), Some("public, max-age=60"));
}
