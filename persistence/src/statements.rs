//! What every SQL statement leaves behind: a count per pool (for tests,
//! benchmarks and metrics) and a `sql` span (for traces) under the span that
//! checked the connection out, with the statement's text but never its
//! parameter values.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use diesel::connection::{Instrumentation, InstrumentationEvent};
use tracing::Span;

/// Counts the SQL statements a pool's connections run.
#[derive(Debug, Default)]
pub struct QueryStats {
    statements: AtomicU64,
}

impl QueryStats {
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}

/// A connection's instrumentation while one caller holds it.
pub(crate) struct StatementSpans {
    stats: Arc<QueryStats>,
    system: &'static str,
    /// The span that checked the connection out. SQLite runs statements on
    /// a blocking thread, where no span is current, so the parent is taken
    /// at checkout, for both backends alike.
    parent: Span,
    running: Option<Span>,
}

impl StatementSpans {
    pub(crate) fn new(stats: Arc<QueryStats>, system: &'static str, parent: Span) -> Self {
        Self {
            stats,
            system,
            parent,
            running: None,
        }
    }
}

/// The statement as diesel shows it, without the `-- binds: […]` it
/// appends: parameter values (token hashes, notes) stay out of traces.
pub fn statement_text(shown: &str) -> &str {
    shown
        .split_once(" -- binds: ")
        .map_or(shown, |(sql, _)| sql)
}

impl Instrumentation for StatementSpans {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                self.stats.statements.fetch_add(1, Ordering::Relaxed);
                let span = tracing::debug_span!(
                    parent: &self.parent,
                    "sql",
                    otel.kind = "client",
                    db.system.name = self.system,
                    db.query.text = tracing::field::Empty,
                    error = tracing::field::Empty,
                );
                // Formatting the statement costs; only a span that goes
                // somewhere gets its text.
                if !span.is_disabled() {
                    span.record("db.query.text", statement_text(&query.to_string()));
                }
                self.running = Some(span);
            }
            InstrumentationEvent::FinishQuery { error, .. } => {
                if let (Some(span), Some(error)) = (self.running.take(), error) {
                    span.record("error", error.to_string());
                }
            }
            _ => {}
        }
    }
}
