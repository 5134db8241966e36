//! Traces out over OTLP/HTTP with protobuf, configured by the standard
//! `OTEL_*` variables and off unless an endpoint is set: spans of HTTP
//! requests (continuing a caller's W3C `traceparent`), GraphQL operations,
//! DataLoader batches and SQL statements.

use std::time::Duration;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry_http::hyper::HyperClient;
use opentelemetry_http::{Bytes, HeaderExtractor, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{SpanExporter, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The service name when `OTEL_SERVICE_NAME` does not give one.
const SERVICE_NAME: &str = "masterplan-api";

/// An exporter setting: `OTEL_EXPORTER_OTLP_TRACES_<NAME>`, else the
/// general `OTEL_EXPORTER_OTLP_<NAME>`; blank counts as unset.
fn setting(name: &str) -> Option<String> {
    [
        format!("OTEL_EXPORTER_OTLP_TRACES_{name}"),
        format!("OTEL_EXPORTER_OTLP_{name}"),
    ]
    .iter()
    .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
}

/// Whether the environment asks for traces: an OTLP endpoint is set and the
/// SDK is not disabled.
pub(crate) fn wanted() -> bool {
    let disabled = std::env::var("OTEL_SDK_DISABLED").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
        || std::env::var("OTEL_TRACES_EXPORTER").is_ok_and(|v| v == "none");
    !disabled && setting("ENDPOINT").is_some()
}

/// The exporter's HTTP client: hyper (already in the build), its requests
/// run on the server's runtime, because the SDK's batch processor exports
/// from a thread of its own that has no runtime.
#[derive(Debug)]
struct OnRuntime {
    client: HyperClient,
    runtime: tokio::runtime::Handle,
}

#[async_graphql::async_trait::async_trait]
impl HttpClient for OnRuntime {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self.client.clone();
        self.runtime
            .spawn(async move { client.send_bytes(request).await })
            .await?
    }
}

/// `OTEL_EXPORTER_OTLP_TIMEOUT` (milliseconds), 10 s by default.
fn timeout() -> Duration {
    let millis = setting("TIMEOUT")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    Duration::from_millis(millis)
}

/// The tracer provider the environment asks for, if any; must be called on
/// a Tokio runtime. Sampling follows `OTEL_TRACES_SAMPLER`, batching the
/// `OTEL_BSP_*` variables, the resource `OTEL_SERVICE_NAME` and
/// `OTEL_RESOURCE_ATTRIBUTES`.
pub fn provider() -> Result<Option<SdkTracerProvider>, String> {
    if !wanted() {
        return Ok(None);
    }
    let runtime = tokio::runtime::Handle::try_current()
        .map_err(|_| "traces need the Tokio runtime".to_owned())?;
    if let Some(protocol) = setting("PROTOCOL")
        && protocol != "http/protobuf"
    {
        return Err(format!(
            "OTEL_EXPORTER_OTLP_PROTOCOL={protocol} is not built in; use http/protobuf (a collector's port 4318)"
        ));
    }
    let timeout = timeout();
    let client = OnRuntime {
        client: HyperClient::with_default_connector(timeout, None),
        runtime,
    };
    let exporter = SpanExporter::builder()
        .with_http()
        .with_timeout(timeout)
        .with_http_client(client)
        .build()
        .map_err(|e| format!("cannot set up the OTLP exporter: {e}"))?;
    let mut resource = Resource::builder();
    if std::env::var("OTEL_SERVICE_NAME").is_err() {
        resource = resource.with_service_name(SERVICE_NAME);
    }
    Ok(Some(
        SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource.build())
            .build(),
    ))
}

/// Makes `span` a child of the caller's span when the request carries a
/// W3C `traceparent` (and `tracestate`).
pub fn continue_trace(span: &tracing::Span, headers: &axum::http::HeaderMap) {
    if !headers.contains_key("traceparent") {
        return;
    }
    let context = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
    let _ = span.set_parent(context);
}
