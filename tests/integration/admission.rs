//! Rate limits per token and per client address (429 `RATE_LIMITED` with
//! `Retry-After`), and shedding of requests over `--max-concurrent-requests`
//! (503 `SERVICE_UNAVAILABLE`).

use std::io::{Read, Write};
use std::time::Duration;

use masterplan_api::limits::Limits;
use masterplan_domain::status::Role;
use serde_json::json;

use crate::common::{Backend, Server, TestApp, codes};

const QUERY: &str = "{ plans { slug } }";

fn limited(per_minute: u32, burst: u32) -> Limits {
    Limits {
        rate_limit_per_minute: per_minute,
        rate_limit_burst: burst,
        ..Limits::default()
    }
}

async fn each_token_and_each_address_has_its_own_budget(backend: Backend) {
    let Some(app) = TestApp::with_limits(backend, limited(1, 2)).await else {
        return;
    };
    // Anonymous: the burst of two, then refused.
    for _ in 0..2 {
        let (status, _) = app.post_json(&json!({ "query": QUERY })).await;
        assert_eq!(status, 200);
    }
    let request = axum::http::Request::post("/graphql")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({ "query": QUERY }).to_string(),
        ))
        .unwrap();
    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "one request a minute: {retry}");
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(codes(&body), ["RATE_LIMITED"], "{body}");

    // A token spends its own budget, not the address's.
    let secret = app.token("portal", Role::Reader, &[], None).await;
    let authorization = format!("Bearer {secret}");
    for _ in 0..2 {
        let (status, body) = app.query_as(&authorization, QUERY).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = app.query_as(&authorization, QUERY).await;
    assert_eq!(status, 429, "{body}");

    // Guessed tokens spend the address's budget, which is used up.
    let (status, body) = app.query_as("Bearer mp_guessed", QUERY).await;
    assert_eq!(
        (status.as_u16(), codes(&body)),
        (429, vec!["RATE_LIMITED".to_owned()])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_token_and_each_address_has_its_own_budget_sqlite() {
    each_token_and_each_address_has_its_own_budget(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_token_and_each_address_has_its_own_budget_postgres() {
    each_token_and_each_address_has_its_own_budget(Backend::Postgres).await;
}

backend_tests! {
    async fn without_a_limit_nothing_is_refused(app) {
        for _ in 0..50 {
            let (status, _) = app.post_json(&json!({ "query": QUERY })).await;
            assert_eq!(status, 200);
        }
    }
}

#[test]
fn requests_over_the_concurrency_limit_are_shed() {
    let server = Server::start(&["--max-concurrent-requests", "1"]);
    // One request that holds its place: headers sent, body still coming.
    let mut holding = server.connect();
    write!(
        holding,
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{{"
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let body = r#"{"query":"{ plans { slug } }"}"#;
    let shed = server.post_graphql(body);
    assert!(shed.starts_with("HTTP/1.1 503"), "{shed}");
    assert!(
        shed.to_ascii_lowercase().contains("retry-after: 1"),
        "{shed}"
    );
    assert!(shed.contains("SERVICE_UNAVAILABLE"), "{shed}");
    // Health checks pass even now.
    assert!(
        server
            .http("GET", "/healthz", &[], "")
            .starts_with("HTTP/1.1 200")
    );

    // Once the first request ends, requests run again.
    holding
        .write_all(format!("{:<39}", r#""query":"{ plans { slug } }"}"#).as_bytes())
        .unwrap();
    let mut first = [0u8; 12];
    holding.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    drop(holding);
    std::thread::sleep(Duration::from_millis(100));
    let again = server.post_graphql(body);
    assert!(again.starts_with("HTTP/1.1 200"), "{again}");
}

#[test]
fn anonymous_callers_are_limited_per_address_across_connections() {
    let server = Server::start(&["--rate-limit-per-minute", "2", "--rate-limit-burst", "1"]);
    let body = r#"{"query":"{ plans { slug } }"}"#;
    assert!(server.post_graphql(body).starts_with("HTTP/1.1 200"));
    let refused = server.post_graphql(body);
    assert!(refused.starts_with("HTTP/1.1 429"), "{refused}");
    let metrics = server.http("GET", "/metrics", &[], "");
    assert!(
        metrics.contains(r#"masterplan_rate_limited_total{key="address"} 1"#),
        "{metrics}"
    );
}
