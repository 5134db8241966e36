//! The `masterplan` binary; everything lives in the api crate.

use std::process::ExitCode;

use clap::Parser;
use masterplan_api::cli::{Cli, run};

/// The allocator: a profile of the reporting query spent about a quarter of
/// the server's time in glibc's malloc/free (consolidating fast bins, taking
/// arena locks); mimalloc's thread-local free lists avoid most of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let _telemetry = masterplan_api::telemetry::init();
    run(Cli::parse()).await
}
