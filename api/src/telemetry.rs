//! Logging setup: `RUST_LOG` filters (default `info`), `MASTERPLAN_LOG_FORMAT=json`
//! gives one JSON object per line for log collectors. Logs go to standard
//! error, in colour only when that is a terminal (not in files or journald).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("MASTERPLAN_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    // Ignore the error of a second init (tests may call it more than once).
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
