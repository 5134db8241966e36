//! Live updates across server processes on one PostgreSQL database: a
//! change made through one instance reaches a subscriber of another within
//! a second (NOTIFY/LISTEN), and a subscriber whose instance lost the
//! database (cut off by a relay, as a database restart looks to it) still
//! gets every event, in order, once the database is back.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::live::Live;
use crate::common::relay::Relay;
use crate::common::{Backend, Server, TestApp, http_to};

const VALUES: &str =
    "subscription { changes(entityTypes: [KPI_VALUE]) { node { ... on KpiValue { value } } } }";
const SERVICES: &str = "Anzahl der digitalen Verwaltungsleistungen im Portal";

fn addr(server: &Server) -> SocketAddr {
    ([127, 0, 0, 1], server.port).into()
}

/// Records one value of 1.2's services KPI through `server`'s HTTP API.
async fn record(server: &Server, admin: &str, day: u32, value: f64) {
    let body = json!({
        "query": "mutation($input: RecordKpiValuesInput!) { recordKpiValues(input: $input) { inserted } }",
        "variables": { "input": { "values": [{
            "kpi": { "measure": "1.2", "name": SERVICES },
            "observedOn": format!("2026-03-{day:02}"), "value": value,
        }] } },
    })
    .to_string();
    let auth = format!("Bearer {admin}");
    let port = server.port;
    let answer = tokio::task::spawn_blocking(move || {
        http_to(
            port,
            "POST",
            "/graphql",
            &[
                ("Content-Type", "application/json"),
                ("Authorization", &auth),
            ],
            &body,
        )
    })
    .await
    .unwrap();
    assert!(answer.contains(r#""inserted":1"#), "{answer}");
}

async fn value(live: &mut Live) -> f64 {
    live.event("1").await["node"]["value"].as_f64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_change_through_one_instance_reaches_subscribers_of_another() {
    let Some(app) = TestApp::new(Backend::Postgres).await else {
        return;
    };
    let admin = app.admin().await;
    let on_db = [("DATABASE_URL", app.url.as_str())];
    let a = Server::start_with_env(&[], &on_db);
    let b = Server::start_with_env(&[], &on_db);
    let mut live = Live::connect(addr(&b), None).await;
    live.subscribe("1", VALUES, json!({})).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    for (day, number) in [(1, 10.0), (2, 20.0)] {
        let started = Instant::now();
        record(&a, &admin, day, number).await;
        assert_eq!(value(&mut live).await, number);
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(1),
            "{took:?} from A's write to B's subscriber"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_subscriber_misses_nothing_while_its_instance_loses_the_database() {
    let Some(app) = TestApp::new(Backend::Postgres).await else {
        return;
    };
    let admin = app.admin().await;
    let (before_host, rest) = app.url.split_once('@').expect("user@host");
    let (host, path) = rest.split_once('/').expect("a database");
    let relay = Relay::start(host).await;
    let relayed = format!("{before_host}@{}/{path}", relay.addr);
    let writer = Server::start_with_env(&[], &[("DATABASE_URL", app.url.as_str())]);
    let cut_off = Server::start_with_env(&[], &[("DATABASE_URL", relayed.as_str())]);
    let mut live = Live::connect(addr(&cut_off), None).await;
    live.subscribe("1", VALUES, json!({})).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    record(&writer, &admin, 1, 1.0).await;
    assert_eq!(value(&mut live).await, 1.0);

    // Every connection of the subscriber's instance drops, the listening one
    // too; changes go on through the other instance meanwhile.
    relay.stop();
    record(&writer, &admin, 2, 2.0).await;
    record(&writer, &admin, 3, 3.0).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _relay = relay.listen().await;

    // What was committed while it could not listen arrives once it listens
    // again, with no new change to wake it; then it goes on live.
    let mut got = Vec::new();
    for _ in 0..2 {
        got.push(value(&mut live).await);
    }
    record(&writer, &admin, 4, 4.0).await;
    got.push(value(&mut live).await);
    assert_eq!(got, [2.0, 3.0, 4.0]);
    assert!(live.quiet(Duration::from_millis(300)).await.is_empty());
}
