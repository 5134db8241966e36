//! Prometheus metrics at `GET /metrics`: HTTP requests by route and status,
//! GraphQL operations by name, type and outcome with a latency histogram,
//! SQL statements, and the connection pool. One recorder per process (the
//! `metrics` facade is global); gauges of the pool are read at each scrape.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::server::AppState;

/// Latency buckets of GraphQL operations, in seconds.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Distinct operation names kept as labels; later names count as `other`,
/// so clients cannot grow the metrics without bound.
const MAX_OPERATION_NAMES: usize = 200;

fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(BUCKETS)
            .expect("buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // A second recorder (another server in the same process) is refused;
        // the first one keeps counting for all.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Installs the recorder; call once before serving.
pub fn install() {
    handle();
}

/// Counts every HTTP request by route (the matched pattern, never the raw
/// path) and status.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("masterplan_http_requests_total", "route" => route, "status" => status)
        .increment(1);
    response
}

/// The label of an operation name: the name while few names are known.
fn operation_label(name: Option<&str>) -> String {
    static NAMES: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return "anonymous".to_owned();
    };
    let mut names = NAMES
        .get_or_init(Mutex::default)
        .lock()
        .expect("not poisoned");
    if names.contains(name) || names.len() < MAX_OPERATION_NAMES && names.insert(name.to_owned()) {
        name.to_owned()
    } else {
        "other".to_owned()
    }
}

/// Records one GraphQL operation: `outcome` is `ok` or the first error code.
pub fn operation(name: Option<&str>, kind: &'static str, outcome: String, started: Instant) {
    let elapsed: Duration = started.elapsed();
    let name = operation_label(name);
    metrics::counter!("masterplan_graphql_operations_total",
        "operation" => name, "type" => kind, "outcome" => outcome)
    .increment(1);
    metrics::histogram!("masterplan_graphql_duration_seconds", "type" => kind)
        .record(elapsed.as_secs_f64());
}

/// `GET /metrics` (with `--require-auth`, for token holders).
pub async fn scrape(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    if let Err(response) = state.identify(&headers).await {
        return response;
    }
    let pool = state.db.pool_status();
    let backend = state.db.backend_name();
    metrics::gauge!("masterplan_db_connections", "state" => "open", "backend" => backend)
        .set(pool.open as f64);
    metrics::gauge!("masterplan_db_connections", "state" => "idle", "backend" => backend)
        .set(pool.idle as f64);
    metrics::gauge!("masterplan_db_connections_waiting", "backend" => backend)
        .set(pool.waiting as f64);
    metrics::gauge!("masterplan_db_connections_in_use", "backend" => backend)
        .set(pool.open.saturating_sub(pool.idle) as f64);
    metrics::counter!("masterplan_sql_statements_total", "backend" => backend)
        .absolute(state.db.stats().statements());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle().render(),
    )
        .into_response()
}

/// Counts something open in a gauge for as long as it lives: subscriptions
/// in `masterplan_active_subscriptions`, WebSocket and SSE connections in
/// `masterplan_stream_connections`, each by `transport` (`websocket`, `sse`).
pub struct Open {
    gauge: &'static str,
    transport: &'static str,
}

impl Open {
    pub fn subscription(transport: &'static str) -> Self {
        Self::new("masterplan_active_subscriptions", transport)
    }

    pub fn connection(transport: &'static str) -> Self {
        Self::new("masterplan_stream_connections", transport)
    }

    fn new(gauge: &'static str, transport: &'static str) -> Self {
        metrics::gauge!(gauge, "transport" => transport).increment(1);
        Self { gauge, transport }
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        metrics::gauge!(self.gauge, "transport" => self.transport).decrement(1);
    }
}

/// Counts one look into the response cache: `hit`, `miss`, `not_modified`
/// (a current `If-None-Match`), or `bypass` (the cache cannot tell now).
pub fn cache(result: &'static str) {
    metrics::counter!("masterplan_cache_requests_total", "result" => result).increment(1);
}
