//! The `masterplan` command line: serve, migrate, seed, schema.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use masterplan_persistence::models::plan;
use masterplan_persistence::seed::{BUNDLED_PLAN, load_plan, parse_plan_file};
use masterplan_persistence::{Database, RepoError};

use crate::limits::LimitArgs;
use crate::schema::sdl;
use crate::server::{AppState, serve};

#[derive(Debug, Parser)]
#[command(
    name = "masterplan",
    version,
    about = "GraphQL API for the Dortmund digitalisation masterplan"
)]
pub struct Cli {
    /// `sqlite://PATH` (created if missing) or `postgres://…`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://masterplan.db",
        global = true
    )]
    pub database_url: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate, load the bundled plan into an empty database, and serve GraphQL.
    Serve {
        #[arg(long, env = "MASTERPLAN_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Do not load the bundled plan into an empty database.
        #[arg(long)]
        no_seed: bool,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Load a plan file (default: the bundled Dortmund plan).
    Seed {
        /// A plan file in the format of `data/` (default: the bundled plan).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Replace a plan with the same slug (deleting its data) instead of refusing.
        #[arg(long)]
        replace: bool,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
}

pub async fn run(cli: Cli) -> ExitCode {
    match execute(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Schema => {
            print!("{}", sdl());
            Ok(())
        }
        Command::Migrate => {
            connect(&cli.database_url).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Seed { file, replace } => {
            let db = connect(&cli.database_url).await?;
            let text = match &file {
                Some(path) => std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
                None => BUNDLED_PLAN.to_owned(),
            };
            let plan_file = parse_plan_file(&text).map_err(describe)?;
            let mut conn = db.conn().await.map_err(describe)?;
            let report = load_plan(&mut conn, &plan_file, replace)
                .await
                .map_err(describe)?;
            println!(
                "{} plan {:?}: {} measures, {} goals, {} KPIs",
                if report.replaced {
                    "replaced"
                } else {
                    "loaded"
                },
                report.slug,
                report.measures,
                report.goals,
                report.kpis
            );
            Ok(())
        }
        Command::Serve {
            listen,
            no_seed,
            limits,
        } => {
            let db = connect(&cli.database_url).await?;
            if !no_seed {
                seed_if_empty(&db).await?;
            }
            serve(AppState::new(db, limits.into()), listen)
                .await
                .map_err(|e| format!("cannot serve on {listen}: {e}"))
        }
    }
}

async fn connect(url: &str) -> Result<Database, String> {
    Database::connect(url).await.map_err(describe)
}

/// A new user gets a working API in one command: an empty database receives
/// the bundled plan.
async fn seed_if_empty(db: &Database) -> Result<(), String> {
    let mut conn = db.conn().await.map_err(describe)?;
    if plan::first_two(&mut conn)
        .await
        .map_err(describe)?
        .is_empty()
    {
        let plan_file = parse_plan_file(BUNDLED_PLAN).map_err(describe)?;
        let report = load_plan(&mut conn, &plan_file, false)
            .await
            .map_err(describe)?;
        println!(
            "loaded the bundled plan {:?} ({} measures)",
            report.slug, report.measures
        );
    }
    Ok(())
}

fn describe(err: RepoError) -> String {
    match err {
        RepoError::Invalid(problems) => format!("invalid plan file:\n  {}", problems.join("\n  ")),
        other => other.to_string(),
    }
}
