//! Measures the typical widget and reporting queries against the real router
//! (in process, no network): requests per second, latency percentiles and SQL
//! statements per request. Speed goals live here, not in tests.
//!
//! `cargo run --release -p masterplan-bench -- --database-url postgres://… --requests 500`

use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::http::{Request, header};
use clap::Parser;
use masterplan_api::limits::Limits;
use masterplan_api::server::{AppState, router};
use masterplan_persistence::Database;
use masterplan_persistence::models::plan;
use masterplan_persistence::seed::{BUNDLED_PLAN, load_plan, parse_plan_file};
use tower::ServiceExt;

#[derive(Parser)]
struct Args {
    /// Database to measure; an empty one receives the bundled plan.
    #[arg(long, default_value = "sqlite:///tmp/masterplan-bench.db")]
    database_url: String,
    /// Requests per scenario.
    #[arg(long, default_value_t = 300)]
    requests: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
}

const SCENARIOS: &[(&str, &str)] = &[
    (
        "widget: one measure",
        r#"{ measure(code: "1.2") { title status goals { text timing { dueOn } } } }"#,
    ),
    (
        "widget: overdue goals",
        r#"{ goals(filter: { overdue: true }, first: 10) { totalCount nodes { text measure { code } } } }"#,
    ),
    (
        "widget: search",
        r#"{ search(query: "Portal", first: 5) { totalCount nodes { snippet } } }"#,
    ),
    (
        "report: portfolio",
        "{ portfolio { measureCount measuresByStatus { key count } measuresByWorkingGroup { key count } goalsByStatus { key count } overdueGoals(first: 10) { totalCount nodes { text } } } }",
    ),
    (
        "report: whole plan, nested",
        "{ measures(first: 100) { nodes { workingGroup { name } goals { text } kpis { name latestValue { value } values(first: 10) { nodes { value } } } relatedMeasures { code } } } }",
    ),
];

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let db = Database::connect(&args.database_url)
        .await
        .expect("database");
    {
        let mut conn = db.conn().await.expect("connection");
        if plan::first_two(&mut conn).await.expect("plans").is_empty() {
            let file = parse_plan_file(BUNDLED_PLAN).expect("bundled plan");
            load_plan(&mut conn, &file, false, "bench")
                .await
                .expect("seed");
        }
    }
    // Scripts write as a token holder; reads send it too (it costs one lookup).
    let (token, secret) = masterplan_api::auth::mint(
        &format!("bench-{}", std::process::id()),
        masterplan_domain::status::Role::Admin,
        &[],
        None,
    );
    {
        let mut conn = db.conn().await.expect("connection");
        masterplan_persistence::writes::tokens::create(&mut conn, &token, "bench")
            .await
            .expect("bench token");
    }
    let authorization = format!("Bearer {secret}");
    let mut scenarios: Vec<(String, String)> = SCENARIOS
        .iter()
        .map(|(name, query)| ((*name).to_owned(), (*query).to_owned()))
        .collect();
    scenarios.push(("script: re-run 50 KPI values".to_owned(), value_batch(50)));
    let app = router(AppState::new(db.clone(), Limits::default()));
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>9} {:>11}",
        "scenario", "req/s", "p50 ms", "p95 ms", "p99 ms", "stmts/req"
    );
    for (name, query) in &scenarios {
        let body = serde_json::json!({ "query": query }).to_string();
        let statements_before = db.stats().statements();
        let started = Instant::now();
        let mut latencies = Vec::with_capacity(args.requests);
        let mut sent = 0;
        while sent < args.requests {
            let batch = args.concurrency.min(args.requests - sent);
            let handles: Vec<_> = (0..batch)
                .map(|_| {
                    let app = app.clone();
                    let body = body.clone();
                    let authorization = authorization.clone();
                    tokio::spawn(async move {
                        let request = Request::post("/graphql")
                            .header(header::CONTENT_TYPE, "application/json")
                            .header(header::AUTHORIZATION, authorization)
                            .body(Body::from(body))
                            .expect("request");
                        let t = Instant::now();
                        let response = app.oneshot(request).await.expect("response");
                        let bytes = to_bytes(response.into_body(), usize::MAX)
                            .await
                            .expect("body");
                        assert!(
                            !bytes.windows(9).any(|w| w == b"\"errors\":"),
                            "query failed"
                        );
                        t.elapsed()
                    })
                })
                .collect();
            for handle in handles {
                latencies.push(handle.await.expect("task"));
            }
            sent += batch;
        }
        let elapsed = started.elapsed();
        let statements = db.stats().statements() - statements_before;
        latencies.sort();
        let pct = |p: f64| -> f64 {
            let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
            latencies[i].as_secs_f64() * 1000.0
        };
        println!(
            "{:<28} {:>9.0} {:>9.2} {:>9.2} {:>9.2} {:>11.1}",
            name,
            args.requests as f64 / elapsed.max(Duration::from_micros(1)).as_secs_f64(),
            pct(0.50),
            pct(0.95),
            pct(0.99),
            statements as f64 / args.requests as f64
        );
    }
}

/// A `recordKpiValues` batch of `rows` daily values of 1.2's first KPI. After
/// its first run every request is the idempotent re-run of an import script:
/// all rows unchanged, nothing written.
fn value_batch(rows: usize) -> String {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let values: Vec<String> = (0..rows)
        .map(|i| {
            let day = start + chrono::Duration::days(i as i64);
            format!(
                r#"{{ kpi: {{ measure: "1.2", name: "Anzahl der digitalen Verwaltungsleistungen im Portal" }}, observedOn: "{day}", value: {} }}"#,
                70 + i
            )
        })
        .collect();
    format!(
        "mutation {{ recordKpiValues(input: {{ values: [{}] }}) {{ inserted updated unchanged userErrors {{ message }} }} }}",
        values.join(", ")
    )
}
