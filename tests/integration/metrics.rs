//! `GET /metrics` answers Prometheus text that a scraper can parse: HTTP
//! requests by route and status, GraphQL operations by name, type and
//! outcome with a latency histogram, SQL statements and the pool.

use std::collections::HashMap;

use crate::common::Server;

/// Parses the Prometheus text format into `series → value`, where a series
/// is the metric name with its labels as written; every line must be a
/// comment, blank or `name{labels} value`.
fn parse(text: &str) -> HashMap<String, f64> {
    let mut series = HashMap::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("not a sample: {line}"));
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("not a number in {line}"));
        let metric = name.split('{').next().unwrap();
        assert!(
            metric
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name in {line}"
        );
        series.insert(name.to_owned(), value);
    }
    series
}

fn body(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

fn graphql(server: &Server, body: &str) {
    let answer = server.post_graphql(body);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn metrics_count_requests_operations_and_statements() {
    let server = Server::start(&[]);
    graphql(&server, r#"{"query":"query Widget { plans { slug } }"}"#);
    graphql(&server, r#"{"query":"query Widget { plans { slug } }"}"#);
    graphql(
        &server,
        r#"{"query":"{ measure(code: \"1.2\") { nosuchfield } }"}"#,
    );
    assert!(
        server
            .http("GET", "/no/such/page", &[], "")
            .starts_with("HTTP/1.1 404")
    );

    let answer = server.http("GET", "/metrics", &[], "");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("content-type: text/plain; version=0.0.4"),
        "{answer}"
    );
    let metrics = parse(body(&answer));
    let get = |series: &str| {
        *metrics
            .get(series)
            .unwrap_or_else(|| panic!("{series} missing in {metrics:#?}"))
    };

    assert_eq!(
        get(r#"masterplan_graphql_operations_total{operation="Widget",type="query",outcome="ok"}"#),
        2.0
    );
    assert_eq!(
        get(r#"masterplan_http_requests_total{route="/graphql",status="200"}"#),
        3.0
    );
    assert_eq!(
        get(r#"masterplan_http_requests_total{route="unmatched",status="404"}"#),
        1.0
    );
    let invalid = metrics
        .iter()
        .find(|(series, _)| {
            series.starts_with("masterplan_graphql_operations_total{operation=\"anonymous\"")
        })
        .unwrap_or_else(|| panic!("no anonymous operation in {metrics:#?}"));
    assert!(
        invalid.0.contains("outcome=\"GRAPHQL_VALIDATION_FAILED\""),
        "{invalid:?}"
    );
    assert_eq!(
        get(r#"masterplan_graphql_duration_seconds_count{type="query"}"#),
        3.0
    );
    assert_eq!(
        get(r#"masterplan_graphql_duration_seconds_bucket{type="query",le="+Inf"}"#),
        3.0
    );
    // The second Widget query was answered from the response cache; the
    // first and the invalid one (never kept: it has errors) missed.
    assert_eq!(
        get(r#"masterplan_cache_requests_total{result="miss"}"#),
        2.0
    );
    assert_eq!(get(r#"masterplan_cache_requests_total{result="hit"}"#), 1.0);
    assert!(get("masterplan_cache_bytes") > 0.0);
    assert!(get(r#"masterplan_sql_statements_total{backend="sqlite"}"#) >= 2.0);
    assert!(get(r#"masterplan_db_connections{state="open",backend="sqlite"}"#) >= 1.0);
    assert_eq!(
        get(r#"masterplan_db_connections_waiting{backend="sqlite"}"#),
        0.0
    );
}

#[test]
fn metrics_need_a_token_when_auth_is_required() {
    let server = Server::start(&["--require-auth"]);
    let answer = server.http("GET", "/metrics", &[], "");
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
}
