//! GraphQL over HTTP: the response media type follows `Accept`, a request
//! that cannot run is a 400 without `data` for clients that accept
//! `application/graphql-response+json`, and the graphql-http audit (npm,
//! the spec's own test suite) passes with no error and no warning.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use masterplan_api::limits::Limits;
use serde_json::Value;

use crate::common::{Backend, Server, TestApp, codes};

const NEW: &str = "application/graphql-response+json";

fn post(accept: Option<&str>, body: &str) -> Request<Body> {
    let mut request = Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

async fn send(app: &TestApp, request: Request<Body>) -> (StatusCode, String, Value) {
    let (status, content_type, text) = app.send(request).await;
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, content_type.unwrap_or_default(), body)
}

backend_tests! {
    async fn accept_decides_media_type_and_status(app) {
        let good = r#"{"query":"{ plans { slug } }"}"#;
        let (status, media, body) = send(&app, post(Some(NEW), good)).await;
        assert_eq!((status, media.starts_with(NEW)), (StatusCode::OK, true), "{media}");
        assert!(body["data"]["plans"].is_array());

        // Without Accept, or asking for application/json: as before.
        for accept in [None, Some("application/json")] {
            let (status, media, _) = send(&app, post(accept, good)).await;
            assert_eq!((status, media.as_str()), (StatusCode::OK, "application/json"));
        }

        // A document that does not parse, or does not validate, or whose
        // variables do not fit: 400 and no data for the new media type ...
        let failing = [
            r#"{"query":"{ plans { slug "}"#,
            r#"{"query":"{ plans { nosuchfield } }"}"#,
            r#"{"query":"query($c: String!) { measure(code: $c) { title } }","variables":{"c":5}}"#,
        ];
        for body in failing {
            let (status, media, answer) = send(&app, post(Some(NEW), body)).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
            assert!(media.starts_with(NEW));
            assert!(answer.get("data").is_none(), "{answer}");
            assert!(!codes(&answer).is_empty());
            // ... and 200 with application/json, which has no other way.
            let (status, _, _) = send(&app, post(Some("application/json"), body)).await;
            assert_eq!(status, StatusCode::OK);
        }

        // A field error is not a request error: 200 with data.
        let (status, _, answer) = send(&app, post(Some(NEW), r#"{"query":"{ measure(code: \"9.99\") { title } }"}"#)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert!(answer.get("data").is_some());

        // Neither JSON media type: 406.
        let (status, _, answer) = send(&app, post(Some("text/html"), good)).await;
        assert_eq!((status, codes(&answer)), (StatusCode::NOT_ACCEPTABLE, vec!["NOT_ACCEPTABLE".to_owned()]));

        // No query at all: 400 BAD_REQUEST for either media type.
        for accept in [Some(NEW), None] {
            let (status, _, answer) = send(&app, post(accept, r#"{"qeury":"{ plans { slug } }"}"#)).await;
            assert_eq!((status, codes(&answer)), (StatusCode::BAD_REQUEST, vec!["BAD_REQUEST".to_owned()]));
        }
    }
}

/// A batch is read request by request: an empty one is refused, and a
/// document registered by one request can be named by `documentId` in a later one.
async fn batches_are_read_request_by_request(backend: Backend) {
    let limits = Limits {
        max_batch: 5,
        ..Limits::default()
    };
    let Some(app) = TestApp::with_limits(backend, limits).await else {
        return;
    };
    let (status, _, answer) = send(&app, post(None, "[]")).await;
    assert_eq!(
        (status, codes(&answer)),
        (StatusCode::BAD_REQUEST, vec!["BAD_REQUEST".to_owned()])
    );

    let query = "query($c: String) { measure(code: $c) { code } }";
    let sha = masterplan_api::persisted_queries::hash(query);
    let batch = serde_json::json!([
        { "query": query, "variables": { "c": "1.1" },
          "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha } } },
        { "documentId": format!("sha256:{sha}"), "variables": { "c": "1.2" } },
    ]);
    let (status, _, answer) = send(&app, post(None, &batch.to_string())).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer[0]["data"]["measure"]["code"], "1.1", "{answer}");
    assert_eq!(answer[1]["data"]["measure"]["code"], "1.2", "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_read_request_by_request_sqlite() {
    batches_are_read_request_by_request(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_read_request_by_request_postgres() {
    batches_are_read_request_by_request(Backend::Postgres).await;
}

/// The audit's package, installed once per target directory with `npm ci`
/// from the committed lock file.
fn audit_dir() -> std::path::PathBuf {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/graphql-http");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("graphql-http");
    std::fs::create_dir_all(&dir).unwrap();
    let mut changed = false;
    for file in ["package.json", "package-lock.json", "audit.mjs"] {
        let wanted = std::fs::read(source.join(file)).unwrap();
        if std::fs::read(dir.join(file)).ok().as_ref() != Some(&wanted) {
            std::fs::write(dir.join(file), wanted).unwrap();
            changed = true;
        }
    }
    if changed || !dir.join("node_modules/graphql-http").exists() {
        let installed = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .output()
            .expect("npm is needed for the graphql-http audit (Debian: apt-get install npm)");
        assert!(
            installed.status.success(),
            "npm ci failed (the registry must be reachable): {}",
            String::from_utf8_lossy(&installed.stderr)
        );
    }
    dir
}

#[test]
fn the_graphql_http_audit_passes_without_warnings() {
    let dir = audit_dir();
    let server = Server::start(&[]);
    let url = format!("http://127.0.0.1:{}/graphql", server.port);
    let audit = std::process::Command::new("node")
        .args(["audit.mjs", &url])
        .current_dir(&dir)
        .output()
        .expect("node is needed for the graphql-http audit");
    let report = String::from_utf8_lossy(&audit.stdout);
    assert!(
        audit.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&audit.stderr)
    );
    assert!(report.contains("0 warnings, 0 errors"), "{report}");
}
