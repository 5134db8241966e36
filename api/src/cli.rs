//! The `masterplan` command line: serve, migrate, seed, schema, export, import,
//! tokens, audit.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use masterplan_domain::kpi_value_rules::ObservedOnRange;
use masterplan_domain::plan_check;
use masterplan_domain::status::Role;
use masterplan_domain::visibility::Audience;
use masterplan_persistence::export::{export_plan, read_plan, to_json};
use masterplan_persistence::models::{audit, plan, token};
use masterplan_persistence::seed::{BUNDLED_PLAN, load_plan_within, parse_plan_file_within};
use masterplan_persistence::writes::tokens;
use masterplan_persistence::{Database, DbConn, RepoError};

use crate::auth::mint;
use crate::csv_export::{CsvDialect, render};
use crate::export_table::Entity;
use crate::limits::LimitArgs;
use crate::persisted_queries::PersistedQueries;
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
    /// The days KPI values may be observed on, `FIRST..LAST` (both
    /// included): values dated outside are refused by `recordKpiValues`,
    /// `seed` and `import` alike.
    #[arg(
        long,
        env = "MASTERPLAN_OBSERVED_ON_RANGE",
        default_value_t = ObservedOnRange::DEFAULT,
        global = true
    )]
    pub observed_on_range: ObservedOnRange,
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process: boxing `serve`'s flags would save nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate, load the bundled plan into an empty database, and serve GraphQL.
    Serve {
        #[arg(long, env = "MASTERPLAN_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Do not load the bundled plan into an empty database.
        #[arg(long)]
        no_seed: bool,
        /// Refuse requests without a valid API token (reads included).
        #[arg(long, env = "MASTERPLAN_REQUIRE_AUTH")]
        require_auth: bool,
        /// Answer every caller as a public caller (public objects only, no
        /// internal fields), whatever token it sends, and refuse all
        /// mutations: for the citizen portal's network zone.
        #[arg(long, env = "MASTERPLAN_PUBLIC_ONLY", conflicts_with = "require_auth")]
        public_only: bool,
        /// Origins browsers may call from, comma-separated
        /// (`https://portal.dortmund.de,https://intranet.dortmund.de`); default: any.
        #[arg(long, env = "MASTERPLAN_CORS_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
        cors_origins: Vec<axum::http::HeaderValue>,
        /// Trusted documents: a JSON object from SHA-256 hash to document
        /// (as Relay and GraphQL Codegen write them), runnable by hash.
        #[arg(long, env = "MASTERPLAN_TRUSTED_DOCUMENTS")]
        trusted_documents: Option<PathBuf>,
        /// Run trusted documents only (by hash or as text); refuse the rest.
        #[arg(
            long,
            env = "MASTERPLAN_PERSISTED_ONLY",
            requires = "trusted_documents"
        )]
        persisted_only: bool,
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
    /// Create, list and revoke API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a plan as a plan file (the format of `data/`), CSV files or an
    /// Excel workbook.
    Export {
        /// `json`: one plan file; `csv`: one file per entity (needs --out DIR);
        /// `xlsx`: one workbook with a sheet per entity (needs --out FILE).
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        /// With `--format csv`: `standard` (`,` and decimal points) or
        /// `excel-de` (`;` and decimal commas, for Excel with German settings).
        #[arg(long, value_enum)]
        csv_dialect: Option<CsvDialect>,
        /// Plan slug (default: the only plan).
        #[arg(long)]
        plan: Option<String>,
        /// File (json, default: standard output; xlsx) or directory (csv) to write.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write only the public part: public objects, without amounts in EUR
        /// and FTE or value notes and sources (what anonymous callers read).
        #[arg(long)]
        public_only: bool,
    },
    /// Check a plan file and load it; every problem is reported, nothing is
    /// written unless the whole file is valid.
    Import {
        file: PathBuf,
        /// Check only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Replace a plan with the same slug instead of refusing.
        #[arg(long)]
        replace: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; its secret is printed once, alone on the last line.
    Create {
        #[arg(long)]
        name: String,
        /// PUBLIC (reads what anonymous callers read), READER, EDITOR or ADMIN.
        #[arg(long)]
        role: Role,
        /// Restrict an editor to working groups (repeat: --working-group I --working-group II).
        #[arg(long = "working-group")]
        working_groups: Vec<String>,
        /// Last day the token works (YYYY-MM-DD); it stops at the end of that day (UTC).
        #[arg(long)]
        expires: Option<NaiveDate>,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by name; it stops working at once.
    Revoke { name: String },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain; exits 1 when an entry was edited or removed.
    Verify,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Json,
    Csv,
    Xlsx,
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
    let horizon = cli.observed_on_range;
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
            let text = match &file {
                Some(path) => read(path)?,
                None => BUNDLED_PLAN.to_owned(),
            };
            load_file(&cli.database_url, &text, replace, &horizon).await
        }
        Command::Import {
            file,
            dry_run,
            replace,
        } => {
            let text = read(&file)?;
            if dry_run {
                let plan_file =
                    parse_plan_file_within(&text, &horizon).map_err(describe_plan_file)?;
                println!(
                    "{} is a valid plan file: plan {:?}, {} measures",
                    file.display(),
                    plan_file.plan.slug,
                    plan_file.measures.len()
                );
                return Ok(());
            }
            load_file(&cli.database_url, &text, replace, &horizon).await
        }
        Command::Export {
            format,
            csv_dialect,
            plan,
            out,
            public_only,
        } => {
            if csv_dialect.is_some() && format != ExportFormat::Csv {
                return Err("--csv-dialect applies to --format csv only".into());
            }
            let audience = if public_only {
                Audience::Public
            } else {
                Audience::Internal
            };
            let db = connect(&cli.database_url).await?;
            let mut conn = db.conn().await.map_err(describe)?;
            let slug = match plan {
                Some(slug) => slug,
                None => only_plan_slug(&mut conn).await?,
            };
            match format {
                ExportFormat::Json => {
                    let file = export_plan(&mut conn, &slug, audience)
                        .await
                        .map_err(describe_plan_file)?
                        .ok_or_else(|| format!("no plan with slug {slug:?}"))?;
                    write_or_print(out.as_deref(), &to_json(&file))
                }
                ExportFormat::Csv => {
                    let dir =
                        out.ok_or("--format csv writes one file per entity: pass --out DIR")?;
                    let plan = read_plan(&mut conn, &slug, audience)
                        .await
                        .map_err(describe)?
                        .ok_or_else(|| format!("no plan with slug {slug:?}"))?;
                    std::fs::create_dir_all(&dir)
                        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                    let dialect = csv_dialect.unwrap_or_default();
                    for entity in Entity::ALL {
                        let csv = render(&plan, entity, dialect).map_err(describe)?;
                        write_or_print(Some(&dir.join(entity.file_name())), &csv)?;
                    }
                    Ok(())
                }
                ExportFormat::Xlsx => {
                    let file = out.ok_or("--format xlsx writes a workbook: pass --out FILE")?;
                    let plan = read_plan(&mut conn, &slug, audience)
                        .await
                        .map_err(describe)?
                        .ok_or_else(|| format!("no plan with slug {slug:?}"))?;
                    let workbook = crate::xlsx_export::render(&plan).map_err(describe)?;
                    std::fs::write(&file, workbook)
                        .map_err(|e| format!("cannot write {}: {e}", file.display()))
                }
            }
        }
        Command::Token(command) => {
            let db = connect(&cli.database_url).await?;
            let mut conn = db.conn().await.map_err(describe)?;
            run_token(&mut conn, command).await
        }
        Command::Audit(AuditCommand::Verify) => {
            let db = connect(&cli.database_url).await?;
            let mut conn = db.conn().await.map_err(describe)?;
            verify_audit(&mut conn).await
        }
        Command::Serve {
            listen,
            no_seed,
            require_auth,
            public_only,
            cors_origins,
            trusted_documents,
            persisted_only,
            limits,
        } => {
            let trusted = match trusted_documents {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                    PersistedQueries::read_trusted(&text)
                        .map_err(|e| format!("{}: {e}", path.display()))?
                }
                None => Default::default(),
            };
            let db = connect(&cli.database_url).await?;
            if !no_seed {
                seed_if_empty(&db, &horizon).await?;
            }
            let limits = crate::limits::Limits {
                observed_on_range: horizon,
                ..limits.into()
            };
            let state = AppState::new(db, limits)
                .requiring_auth(require_auth)
                .public_only(public_only)
                .cors_origins(cors_origins)
                .persisted_queries(PersistedQueries::new(trusted, persisted_only));
            serve(state, listen)
                .await
                .map_err(|e| format!("cannot serve on {listen}: {e}"))
        }
    }
}

/// The audit trail's actor for changes made with this command line.
const CLI_ACTOR: &str = "cli";
/// The actor of the bundled plan's load into an empty database.
const SEED_ACTOR: &str = "seed";

async fn connect(url: &str) -> Result<Database, String> {
    Database::connect(url).await.map_err(describe)
}

/// A new user gets a working API in one command: an empty database receives
/// the bundled plan.
async fn seed_if_empty(db: &Database, horizon: &ObservedOnRange) -> Result<(), String> {
    let mut conn = db.conn().await.map_err(describe)?;
    if plan::first_two(&mut conn)
        .await
        .map_err(describe)?
        .is_empty()
    {
        let plan_file =
            parse_plan_file_within(BUNDLED_PLAN, horizon).map_err(describe_plan_file)?;
        let report = load_plan_within(&mut conn, &plan_file, false, SEED_ACTOR, horizon)
            .await
            .map_err(describe_plan_file)?;
        println!(
            "loaded the bundled plan {:?} ({} measures)",
            report.slug, report.measures
        );
    }
    Ok(())
}

async fn run_token(conn: &mut DbConn, command: TokenCommand) -> Result<(), String> {
    match command {
        TokenCommand::Create {
            name,
            role,
            working_groups,
            expires,
        } => {
            if name.trim().is_empty() {
                return Err("--name must not be empty".into());
            }
            let today = masterplan_persistence::clock::now().date();
            if let Some(day) = expires.filter(|day| *day < today) {
                return Err(format!(
                    "--expires {day} is in the past (today is {today}); a token would never work"
                ));
            }
            let expires_at = expires
                .and_then(|day| day.succ_opt())
                .and_then(|next| next.and_hms_opt(0, 0, 0));
            let (row, secret) = mint(name.trim(), role, &working_groups, expires_at);
            tokens::create(conn, &row, CLI_ACTOR)
                .await
                .map_err(describe)?;
            println!(
                "created token {:?} ({}); its secret, shown only now:",
                row.name, row.role
            );
            println!("{secret}");
            Ok(())
        }
        TokenCommand::List => {
            let now = masterplan_persistence::clock::now();
            for row in token::list(conn).await.map_err(describe)? {
                let state = if row.revoked_at.is_some() {
                    "revoked".to_owned()
                } else if !row.is_active(now) {
                    "expired".to_owned()
                } else {
                    "active".to_owned()
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    row.name,
                    row.role,
                    row.working_groups.join(","),
                    row.expires_at.map(last_day).unwrap_or_default(),
                    state
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { name } => {
            let now = masterplan_persistence::clock::now();
            if tokens::revoke(conn, &name, now, CLI_ACTOR)
                .await
                .map_err(describe)?
            {
                println!("revoked token {name:?}");
                Ok(())
            } else {
                Err(format!("no active token named {name:?}"))
            }
        }
    }
}

/// How `token list` shows an expiry: the last day the token works, as
/// `--expires` took it (a token stops at the midnight after it); an expiry
/// at another time of day (tokens minted by code) as that instant.
fn last_day(expires_at: chrono::NaiveDateTime) -> String {
    match expires_at.date().pred_opt() {
        Some(day) if expires_at.time() == chrono::NaiveTime::MIN => day.to_string(),
        _ => format!("{expires_at} UTC"),
    }
}

/// Prints whether the audit chain is intact; an error (exit 1) when it is not.
async fn verify_audit(conn: &mut DbConn) -> Result<(), String> {
    let verification = audit::verify(conn).await.map_err(describe)?;
    match verification.first_broken_id {
        None => {
            println!(
                "audit log intact: {} checked",
                entries(verification.checked)
            );
            Ok(())
        }
        Some(id) => {
            println!(
                "audit log broken at entry {id} ({} intact before it)",
                entries(verification.checked)
            );
            Err(format!(
                "the audit log was edited or shortened: entry {id} does not match the chain"
            ))
        }
    }
}

fn entries(n: i64) -> String {
    if n == 1 {
        "1 entry".to_owned()
    } else {
        format!("{n} entries")
    }
}

fn write_or_print(path: Option<&Path>, text: &str) -> Result<(), String> {
    match path {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Checks and loads a plan file's text, as `seed` and `import` do.
async fn load_file(
    database_url: &str,
    text: &str,
    replace: bool,
    horizon: &ObservedOnRange,
) -> Result<(), String> {
    let plan_file = parse_plan_file_within(text, horizon).map_err(describe_plan_file)?;
    let db = connect(database_url).await?;
    let mut conn = db.conn().await.map_err(describe)?;
    let report = load_plan_within(&mut conn, &plan_file, replace, CLI_ACTOR, horizon)
        .await
        .map_err(describe_plan_file)?;
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

async fn only_plan_slug(conn: &mut DbConn) -> Result<String, String> {
    let mut plans = plan::first_two(conn).await.map_err(describe)?;
    match plans.len() {
        1 => Ok(plans.remove(0).slug),
        0 => Err("no plan has been loaded".into()),
        _ => Err("several plans exist: pass --plan SLUG".into()),
    }
}

fn describe(err: RepoError) -> String {
    err.to_string()
}

/// A failure to check, load or export a plan file: a refusal lists every
/// problem, one a line, with its location in the file.
fn describe_plan_file(err: RepoError) -> String {
    match err {
        RepoError::Rejected(problems) => {
            let problems: Vec<String> = problems.iter().map(plan_check::describe).collect();
            format!("invalid plan file:\n  {}", problems.join("\n  "))
        }
        other => describe(other),
    }
}

/// An origin for `--cors-origins`: `scheme://host[:port]`, nothing after.
pub fn parse_origin(text: &str) -> Result<axum::http::HeaderValue, String> {
    let origin = text.trim().trim_end_matches('/');
    let host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    match host {
        Some(host) if !host.is_empty() && !host.contains('/') => {
            axum::http::HeaderValue::from_str(origin).map_err(|e| e.to_string())
        }
        _ => Err(format!(
            "{text:?} is not an origin like https://portal.dortmund.de"
        )),
    }
}
