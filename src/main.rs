//! The `masterplan` binary; everything lives in the api crate.

use std::process::ExitCode;

use clap::Parser;
use masterplan_api::cli::{Cli, run};

#[tokio::main]
async fn main() -> ExitCode {
    let _telemetry = masterplan_api::telemetry::init();
    run(Cli::parse()).await
}
