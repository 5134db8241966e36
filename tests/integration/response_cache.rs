//! The version-stamped response cache: a query asked again while nothing
//! changed runs no SQL; a write changes the next answer and its ETag; a
//! current `If-None-Match` gets 304; public and staff callers never share
//! an answer; on PostgreSQL a write through one instance changes the next
//! answer of another.

use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::common::{Backend, Server, TestApp, http_to};

const MEASURES: &str = "{ measures { totalCount nodes { code title } } }";
const UPDATE: &str = "mutation($input: UpdateMeasureInput!) {
  updateMeasure(input: $input) { measure { version } userErrors { code } } }";

/// POSTs `query`; returns status, ETag and body.
async fn ask(
    app: &TestApp,
    query: &str,
    secret: Option<&str>,
    etag: Option<&str>,
) -> (StatusCode, Option<String>, String) {
    let mut request = Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
    if let Some(secret) = secret {
        request = request.header(header::AUTHORIZATION, format!("Bearer {secret}"));
    }
    if let Some(etag) = etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    let request = request
        .body(Body::from(json!({ "query": query }).to_string()))
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let tag = response
        .headers()
        .get(header::ETAG)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, tag, String::from_utf8(body.to_vec()).unwrap())
}

async fn retitle(app: &TestApp, admin: &str, code: &str, changes: Value) {
    let answer = app.update_measure(admin, code, changes).await;
    let errors = &answer["data"]["updateMeasure"]["userErrors"];
    assert_eq!(errors, &json!([]), "{answer}");
}

/// Waits until the cache serves (on PostgreSQL once its listener listens).
async fn until_cached(app: &TestApp, query: &str) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, tag, body) = ask(app, query, None, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if let Some(tag) = tag {
            return (tag, body);
        }
        assert!(Instant::now() < deadline, "no ETag: the cache never served");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

backend_tests! {
    async fn an_unchanged_question_runs_no_sql_and_a_write_changes_the_answer(app) {
        let admin = app.admin().await;
        let (first_tag, first) = until_cached(&app, MEASURES).await;

        let before = app.statements();
        let (_, tag, again) = ask(&app, MEASURES, None, None).await;
        assert_eq!((again.as_str(), tag.as_deref()), (first.as_str(), Some(first_tag.as_str())));
        assert_eq!(app.statements(), before, "served from the cache");

        // A current ETag: 304, nothing run, no body.
        let (status, tag, body) = ask(&app, MEASURES, None, Some(&first_tag)).await;
        assert_eq!((status, tag.as_deref(), body.as_str()), (StatusCode::NOT_MODIFIED, Some(first_tag.as_str()), ""));
        assert_eq!(app.statements(), before);

        // A write: a new answer and a new ETag; the old tag is no longer current.
        retitle(&app, &admin, "1.2", json!({ "title": "Neu betitelt" })).await;
        let (status, tag, changed) = ask(&app, MEASURES, None, Some(&first_tag)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(changed.contains("Neu betitelt"), "{changed}");
        assert_ne!(tag.as_deref(), Some(first_tag.as_str()));

        // Answers with errors are not kept.
        let bad = "{ measure(code: \"1.2\") { nosuchfield } }";
        ask(&app, bad, None, None).await;
        let (_, tag, _) = ask(&app, bad, None, None).await;
        assert!(tag.is_none());
    }

    async fn public_and_staff_callers_never_share_an_answer(app) {
        let admin = app.admin().await;
        let reader = app.reader().await;
        retitle(&app, &admin, "1.3", json!({ "visibility": "INTERNAL" })).await;
        until_cached(&app, "{ plans { slug } }").await;
        let count = |body: &str| serde_json::from_str::<Value>(body).unwrap()["data"]["measures"]["totalCount"].as_i64().unwrap();
        let (_, public_tag, public) = ask(&app, MEASURES, None, None).await;
        let (_, staff_tag, staff) = ask(&app, MEASURES, Some(&reader), None).await;
        let (_, _, public_again) = ask(&app, MEASURES, None, None).await;
        assert_eq!((count(&public), count(&staff), count(&public_again)), (24, 25, 24));
        assert_ne!(public_tag, staff_tag);
        // A public caller's ETag does not get staff a 304, nor the reverse.
        let (status, _, _) = ask(&app, MEASURES, Some(&reader), public_tag.as_deref()).await;
        assert_eq!(status, StatusCode::OK);
    }
}

/// Two instances on one PostgreSQL database: a write through A changes B's
/// next answer as soon as B hears of it (NOTIFY).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_write_through_one_instance_changes_the_answers_of_another() {
    let Some(app) = TestApp::new(Backend::Postgres).await else {
        return;
    };
    let admin = app.admin().await;
    let on_db = [("DATABASE_URL", app.url.as_str())];
    let a = Server::start_with_env(&[], &on_db);
    let b = Server::start_with_env(&[], &on_db);
    let body = json!({ "query": "{ measure(code: \"1.2\") { title version } }" }).to_string();
    let ask_b = || {
        http_to(
            b.port,
            "POST",
            "/graphql",
            &[("Content-Type", "application/json")],
            &body,
        )
    };
    // B listens once it has started; ask twice so the answer is cached.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = ask_b();
    assert_eq!(
        ask_b().split("\r\n\r\n").nth(1),
        before.split("\r\n\r\n").nth(1)
    );

    let version = serde_json::from_str::<Value>(before.split("\r\n\r\n").nth(1).unwrap()).unwrap()
        ["data"]["measure"]["version"]
        .clone();
    let update = json!({ "query": UPDATE, "variables": { "input": {
        "key": { "code": "1.2" }, "expectedVersion": version, "title": "Über A geändert" } } })
    .to_string();
    let auth = format!("Bearer {admin}");
    let written = http_to(
        a.port,
        "POST",
        "/graphql",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &auth),
        ],
        &update,
    );
    assert!(written.contains(r#""userErrors":[]"#), "{written}");
    let deadline = Instant::now() + Duration::from_secs(1);
    while !ask_b().contains("Über A geändert") {
        assert!(
            Instant::now() < deadline,
            "B still answers from before the write"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
