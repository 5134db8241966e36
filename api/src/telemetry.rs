//! Logging and tracing setup. Logs: `RUST_LOG` filters (default `info`),
//! `MASTERPLAN_LOG_FORMAT=json` gives one JSON object per line for log
//! collectors; they go to standard error, in colour only when that is a
//! terminal (not in files or journald). Traces: see [`crate::otlp`].

use std::io::IsTerminal;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Keeps the trace exporter running; dropping it sends what is buffered.
#[must_use = "traces stop when this is dropped"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(err) = provider.shutdown()
        {
            eprintln!("sending the last traces failed: {err}");
        }
    }
}

/// Installs the subscriber; call once, on the Tokio runtime.
pub fn init() -> Telemetry {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("MASTERPLAN_LOG_FORMAT").is_ok_and(|v| v == "json");
    let logs = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let logs = if json {
        logs.json().with_filter(filter).boxed()
    } else {
        logs.with_filter(filter).boxed()
    };
    let (provider, problem) = match crate::otlp::provider() {
        Ok(provider) => (provider, None),
        Err(problem) => (None, Some(problem)),
    };
    // Traces take this service's spans down to DataLoader batches and SQL
    // statements (debug level), whatever RUST_LOG says about logs.
    let traces = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("masterplan"))
            .with_filter(
                Targets::new()
                    .with_target("masterplan_api", LevelFilter::DEBUG)
                    .with_target("masterplan_persistence", LevelFilter::DEBUG)
                    .with_default(LevelFilter::WARN),
            )
    });
    // A second init (tests may call it more than once) is ignored.
    let _ = tracing_subscriber::registry()
        .with(logs)
        .with(traces)
        .try_init();
    if let Some(problem) = problem {
        tracing::warn!("traces are off: {problem}");
    }
    Telemetry { provider }
}
