//! Outages are not bugs: while PostgreSQL cannot be reached, requests get
//! HTTP 503 with `SERVICE_UNAVAILABLE` and `Retry-After`, `/readyz` says so
//! within its time limit, and the server recovers on its own afterwards.
//! The database is cut off by a TCP relay between the server and
//! PostgreSQL that the test stops and starts again.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use masterplan_api::limits::Limits;
use masterplan_api::server::{AppState, router};
use masterplan_persistence::Database;

use crate::common::relay::Relay;
use crate::common::{Backend, TestApp, codes};

async fn outage_is_503_and_recovers(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let url = app.url.clone();
    let (before_host, rest) = url.split_once("@").expect("a URL with user@host");
    let (host, path) = rest.split_once('/').expect("a URL with a database");
    let relay = Relay::start(host).await;
    let relayed = format!("{before_host}@{}/{path}", relay.addr);
    let db = Database::connect(&relayed)
        .await
        .expect("connect through the relay");
    let mut app = app;
    // Without the response cache: it may answer a question asked before the
    // outage (until the listener notices the loss); this is about questions
    // that need the database.
    let limits = Limits {
        cache_bytes: 0,
        ..Limits::default()
    };
    app.router = router(AppState::new(db, limits));
    let query = "{ measures { totalCount } }";
    assert_eq!(app.data(query).await["measures"]["totalCount"], 25);

    relay.stop();
    let (status, body) = app.post_json(&serde_json::json!({ "query": query })).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(codes(&body), ["SERVICE_UNAVAILABLE"], "{body}");
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            serde_json::json!({ "query": query }).to_string(),
        ))
        .unwrap();
    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .unwrap();
    assert_eq!(response.headers()[header::RETRY_AFTER], "5");
    // A token cannot be checked either: 503, not 401 or 500.
    let (status, body) = app.query_as("Bearer mp_key_secret", query).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let started = Instant::now();
    let (status, _, body) = app
        .send(Request::get("/readyz").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let (status, _, _) = app
        .send(
            Request::get("/export/dortmund-arbeiten-4-0.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);

    // Back again: the same server answers without a restart.
    let _relay = relay.listen().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = app.post_json(&serde_json::json!({ "query": query })).await;
        if status == StatusCode::OK {
            assert_eq!(body["data"]["measures"]["totalCount"], 25, "{body}");
            break;
        }
        assert!(Instant::now() < deadline, "no recovery: {status} {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_postgres_is_503_and_the_server_recovers() {
    outage_is_503_and_recovers(Backend::Postgres).await;
}
