//! `x-request-id` is accepted or made, echoed, put into error extensions and
//! onto the request's log lines; logs written to a file carry no colours.

use std::io::{Read, Write};

use axum::body::Body;
use axum::http::{Request, header};
use tower::ServiceExt;

use crate::common::Server;

fn graphql(body: &str, id: Option<&str>) -> Request<Body> {
    let mut request = Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
    if let Some(id) = id {
        request = request.header("x-request-id", id);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

backend_tests! {
    async fn a_request_id_is_echoed_and_named_in_errors(app) {
        let bad = r#"{"query":"{ measure(code: \"1.2\") { nosuchfield } }"}"#;
        let response = app.router.clone().oneshot(graphql(bad, Some("portal-42"))).await.unwrap();
        assert_eq!(response.headers()["x-request-id"], "portal-42");
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["errors"][0]["extensions"]["requestId"], "portal-42", "{body}");

        // Refusals made before GraphQL runs name it as well.
        let mut request = graphql(r#"{"query":"{ plans { slug } }"}"#, Some("portal-43"));
        request.headers_mut().insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        let response = app.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 415);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["errors"][0]["extensions"]["requestId"], "portal-43", "{body}");

        // Without one, or with one that could forge a log line, one is made.
        for given in [None, Some("x\" status=500")] {
            let response = app.router.clone().oneshot(graphql(r#"{"query":"{ plans { slug } }"}"#, given)).await.unwrap();
            let made = response.headers()["x-request-id"].to_str().unwrap().to_owned();
            assert_eq!(made.len(), 36, "a UUID: {made}");
        }
    }
}

#[test]
fn log_lines_carry_the_request_id_and_status_without_colours() {
    let server = Server::start(&[]);
    let mut stream = server.connect();
    let body = r#"{"query":"query Widget { plans { slug } }"}"#;
    write!(
        stream,
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nx-request-id: trace-me-7\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.contains("x-request-id: trace-me-7"), "{answer}");
    let logs = server.stop();
    assert!(
        !logs.contains('\u{1b}'),
        "colour codes in a log file: {logs}"
    );
    let line = logs
        .lines()
        .find(|l| l.contains("http response"))
        .unwrap_or_else(|| panic!("no response line: {logs}"));
    for part in [
        "request_id=\"trace-me-7\"",
        "status=200",
        "method=POST",
        "route=\"/graphql\"",
        "duration_ms=",
    ] {
        assert!(line.contains(part), "{part} missing in {line}");
    }
    let graphql = logs
        .lines()
        .find(|l| l.contains("graphql request"))
        .unwrap();
    assert!(
        graphql.contains("trace-me-7") && graphql.contains("operation=\"Widget\""),
        "{graphql}"
    );
}
