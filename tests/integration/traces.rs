//! Traces reach an OTLP/HTTP receiver: a real one, run here, that decodes
//! the protobuf the server sends. The spans of one request (HTTP, GraphQL
//! operation, DataLoader batches, SQL statements) continue the caller's
//! W3C trace.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;

use crate::common::{Server, hex};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

#[derive(Default)]
struct Received {
    spans: Vec<Span>,
    services: Vec<String>,
}

/// An OTLP/HTTP receiver on a free port; returns its endpoint.
async fn receiver(received: Arc<Mutex<Received>>) -> String {
    let app = axum::Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| {
            let received = received.clone();
            async move {
                let request = ExportTraceServiceRequest::decode(body).expect("OTLP protobuf");
                let mut received = received.lock().unwrap();
                for resource in request.resource_spans {
                    if let Some(resource) = &resource.resource
                        && let Some(name) = text(&resource.attributes, "service.name")
                    {
                        received.services.push(name);
                    }
                    for scope in resource.scope_spans {
                        received.spans.extend(scope.spans);
                    }
                }
                // An empty ExportTraceServiceResponse.
                (
                    [("content-type", "application/x-protobuf")],
                    Vec::<u8>::new(),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    endpoint
}

fn text(attributes: &[KeyValue], key: &str) -> Option<String> {
    let value = attributes.iter().find(|a| a.key == key)?.value.as_ref()?;
    match value {
        AnyValue {
            value: Some(any_value::Value::StringValue(s)),
        } => Some(s.clone()),
        AnyValue {
            value: Some(any_value::Value::IntValue(i)),
        } => Some(i.to_string()),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_reach_an_otlp_receiver_under_the_callers_trace() {
    let received = Arc::new(Mutex::new(Received::default()));
    let endpoint = receiver(received.clone()).await;
    let server = tokio::task::spawn_blocking(move || {
        Server::start_with_env(
            &[],
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
                ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ],
        )
    })
    .await
    .unwrap();
    let traceparent = format!("00-{TRACE_ID}-{CALLER_SPAN}-01");
    let body = r#"{"query":"query Widget { measure(code: \"1.2\") { title goals { text } kpis { name } } }"}"#;
    let response = server.http(
        "POST",
        "/graphql",
        &[
            ("Content-Type", "application/json"),
            ("traceparent", &traceparent),
        ],
        body,
    );
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let failing = r#"{"query":"query Broken { measure(code: \"1.2\") { nosuchfield } }"}"#;
    server.post_graphql(failing);

    // Wait for the batch: the HTTP span ends last.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let done = received
            .lock()
            .unwrap()
            .spans
            .iter()
            .filter(|s| s.name == "POST /graphql")
            .count()
            == 2;
        if done {
            break;
        }
        assert!(Instant::now() < deadline, "no HTTP span arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let logs = server.stop();
    let received = received.lock().unwrap();
    let spans = &received.spans;
    assert!(
        received.services.iter().all(|s| s == "masterplan-api"),
        "{:?}",
        received.services
    );
    let ours: Vec<&Span> = spans
        .iter()
        .filter(|s| hex(&s.trace_id) == TRACE_ID)
        .collect();
    let find = |pred: &dyn Fn(&Span) -> bool, what: &str| -> &Span {
        ours.iter().copied().find(|s| pred(s)).unwrap_or_else(|| {
            let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
            panic!("no {what} span in the caller's trace; got {names:?}; logs: {logs}")
        })
    };

    let http = find(&|s| s.name == "POST /graphql", "HTTP");
    assert_eq!(
        hex(&http.parent_span_id),
        CALLER_SPAN,
        "continues the caller's span"
    );
    assert_eq!(
        text(&http.attributes, "http.response.status_code").as_deref(),
        Some("200")
    );

    let graphql = find(&|s| s.name == "query Widget", "GraphQL operation");
    assert_eq!(graphql.parent_span_id, http.span_id);
    assert_eq!(text(&graphql.attributes, "type").as_deref(), Some("query"));
    assert!(
        text(&graphql.attributes, "complexity").is_some(),
        "{graphql:?}"
    );

    let broken = spans
        .iter()
        .find(|s| s.name == "query Broken")
        .expect("the failing operation's span");
    assert_eq!(
        broken.status.as_ref().map(|s| s.code),
        Some(2),
        "status ERROR"
    );
    assert_eq!(
        text(&broken.attributes, "codes").as_deref(),
        Some("GRAPHQL_VALIDATION_FAILED")
    );

    let batch = find(
        &|s| text(&s.attributes, "loader").as_deref() == Some("GoalsByMeasure"),
        "DataLoader",
    );
    assert_eq!(batch.parent_span_id, graphql.span_id);

    let statements: Vec<&&Span> = ours.iter().filter(|s| s.name == "sql").collect();
    assert!(!statements.is_empty(), "no SQL spans");
    assert!(
        statements.iter().any(|s| s.parent_span_id == batch.span_id),
        "a SQL span under the batch"
    );
    for statement in &statements {
        let sql = text(&statement.attributes, "db.query.text").expect("statement text");
        assert!(
            !sql.contains("binds") && !sql.contains("1.2"),
            "values leaked: {sql}"
        );
        assert!(statement.end_time_unix_nano >= statement.start_time_unix_nano);
        assert_eq!(
            text(&statement.attributes, "db.system.name").as_deref(),
            Some("sqlite")
        );
        // The widget does not ask for the measure's description: no
        // statement reads that long text.
        assert!(
            !sql.contains("`measures`.`description`"),
            "read the description: {sql}"
        );
    }
    assert!(
        statements.iter().any(|s| {
            text(&s.attributes, "db.query.text")
                .is_some_and(|sql| sql.contains("`measures`.`title`"))
        }),
        "the widget's measure statement"
    );
}
