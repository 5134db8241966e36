//! The `masterplan` binary; everything lives in the api crate.

use std::process::ExitCode;

use clap::Parser;
use masterplan_api::cli::{Cli, run};
use masterplan_persistence::db::{DatabaseUrl, POOL_SIZE};

/// The allocator: a profile of the reporting query spent about a quarter of
/// the server's time in glibc's malloc/free (consolidating fast bins, taking
/// arena locks); mimalloc's thread-local free lists avoid most of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Threads for blocking work: the pool's connections and two more. SQLite
/// runs every statement on one of them, at most one per pooled connection
/// at a time; with Tokio's default cap (512) the blocking pool still grew to
/// 19–40 threads under the reporting load (a finished statement's thread is
/// not always idle again in time for the next one), each with its own
/// allocator heap: 87–105 MB peak RSS, 85 MB capped at 16 threads. Not
/// fewer than the pool's connections: a transaction that holds SQLite's
/// write lock needs a thread for its next statement while other writers may
/// sit on threads waiting for that lock (busy_timeout); the two more are for
/// exports and file reads, which use the same threads.
fn blocking_threads(database_url: &str) -> usize {
    DatabaseUrl::parse(database_url).map_or(POOL_SIZE, |url| url.pool_size()) + 2
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(blocking_threads(&cli.database_url))
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(async {
            let _telemetry = masterplan_api::telemetry::init();
            run(cli).await
        }),
        Err(err) => {
            eprintln!("cannot start the Tokio runtime: {err}");
            ExitCode::FAILURE
        }
    }
}
