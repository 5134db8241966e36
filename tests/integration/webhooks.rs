//! Webhooks: the admin API, the outbox written with each change, and
//! deliveries to a real local HTTP receiver made by real server processes:
//! signed as Standard Webhooks says, retried after a 500 with the same
//! `webhook-id`, every event in order, after a kill and restart mid-delivery
//! too, and on PostgreSQL from two instances at once without doubles.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::common::{Backend, Server, TestApp, codes, http_to};

const CREATE: &str = "mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) {
    webhook { id url entityTypes active measure { code } }
    secret userErrors { field message code } } }";
const DELETE: &str = "mutation($id: ID!) {
  deleteWebhook(input: { id: $id }) { deletedWebhookId userErrors { code } } }";
const LIST: &str = "{ webhooks { id url active
  deliveries(first: 50) { nodes { cursor status attempts lastError deliveredAt } } } }";
const RECORD: &str = "mutation($input: RecordKpiValuesInput!) {
  recordKpiValues(input: $input) { inserted userErrors { code } } }";
const SERVICES: &str = "Anzahl der digitalen Verwaltungsleistungen im Portal";

fn value_input(day: u32, value: f64) -> Value {
    json!({ "input": { "values": [{
        "kpi": { "measure": "1.2", "name": SERVICES },
        "observedOn": format!("2026-04-{day:02}"), "value": value,
    }] } })
}

async fn create(app: &TestApp, admin: &str, input: Value) -> Value {
    app.data_with(admin, CREATE, json!({ "input": input }))
        .await["createWebhook"]
        .clone()
}

backend_tests! {
    // One batch with values of two measures: each webhook gets a delivery
    // for each entry it wants, by entity type and by measure (the batch's
    // entries are placed and matched at once).
    async fn a_batchs_entries_reach_the_webhooks_that_want_them(app) {
        let admin = app.admin().await;
        let url = "http://127.0.0.1:9/hook";
        create(&app, &admin, json!({ "url": url, "entityTypes": ["KPI_VALUE"] })).await;
        create(&app, &admin, json!({ "url": url, "measure": "3.3" })).await;
        create(&app, &admin, json!({ "url": url, "entityTypes": ["GOAL"] })).await;
        let offices = "Anzahl qm realisierter Büroflächen";
        let batch = json!({ "input": { "values": [
            { "kpi": { "measure": "1.2", "name": SERVICES }, "observedOn": "2026-04-01", "value": 1.0 },
            { "kpi": { "measure": "3.3", "name": offices }, "observedOn": "2026-04-01", "value": 2.0 },
            { "kpi": { "measure": "1.2", "name": SERVICES }, "observedOn": "2026-04-02", "value": 3.0 },
        ] } });
        let recorded = app.data_with(&admin, RECORD, batch).await;
        assert_eq!(recorded["recordKpiValues"]["inserted"], 3, "{recorded}");
        let hooks = app.data_with(&admin, LIST, json!({})).await["webhooks"].clone();
        let counts: Vec<usize> = hooks
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["deliveries"]["nodes"].as_array().unwrap().len())
            .collect();
        assert_eq!(counts, [3, 1, 0], "{hooks}");
    }

    async fn admins_create_list_and_delete_webhooks_and_changes_fill_the_outbox(app) {
        let admin = app.admin().await;
        let reader = app.reader().await;
        let url = "http://127.0.0.1:9/hook";

        // Only admins.
        let refused = app.query_with(&reader, CREATE, json!({ "input": { "url": url } })).await;
        assert_eq!(codes(&refused), ["FORBIDDEN"]);
        assert_eq!(codes(&app.query_with(&reader, LIST, json!({})).await), ["FORBIDDEN"]);
        assert_eq!(app.error_codes(LIST).await, ["UNAUTHENTICATED"]);

        // Input problems are user errors, all at once, and create nothing.
        let bad = create(&app, &admin, json!({ "url": "https://x.example/h", "entityTypes": [], "measure": "9.9" })).await;
        let fields: Vec<&str> = bad["userErrors"].as_array().unwrap().iter().map(|e| e["field"][1].as_str().unwrap()).collect();
        assert_eq!(fields, ["url", "entityTypes", "measure"], "{bad}");
        assert!(bad["webhook"].is_null() && bad["secret"].is_null());
        for url in ["ftp://x/h", "not a url", "http://"] {
            let bad = create(&app, &admin, json!({ "url": url })).await;
            assert_eq!(bad["userErrors"][0]["code"], "VALIDATION", "{url}: {bad}");
        }

        let values = create(&app, &admin, json!({ "url": url, "entityTypes": ["KPI_VALUE"] })).await;
        assert!(values["secret"].as_str().unwrap().starts_with("whsec_"), "{values}");
        assert_eq!(values["webhook"]["entityTypes"], json!(["KPI_VALUE"]));
        assert_eq!(values["webhook"]["active"], true);
        let other = create(&app, &admin, json!({ "url": url, "measure": "3.4" })).await;
        assert_eq!(other["webhook"]["measure"]["code"], "3.4");

        // A value of 1.2 goes to the first only; a refused batch to none.
        let recorded = app.data_with(&admin, RECORD, value_input(1, 1.0)).await;
        assert_eq!(recorded["recordKpiValues"]["inserted"], 1);
        let refused = json!({ "input": { "values": [
            { "kpi": { "measure": "1.2", "name": SERVICES }, "observedOn": "2026-04-02", "value": 2.0 },
            { "kpi": { "measure": "1.2", "name": "nope" }, "observedOn": "2026-04-03", "value": 3.0 }] } });
        app.query_with(&admin, RECORD, refused).await;
        let hooks = app.data_with(&admin, LIST, json!({})).await["webhooks"].clone();
        let deliveries = |i: usize| hooks[i]["deliveries"]["nodes"].as_array().unwrap().clone();
        assert_eq!(deliveries(0).len(), 1, "{hooks}");
        assert_eq!((deliveries(0)[0]["status"].as_str(), deliveries(0)[0]["attempts"].as_i64()), (Some("PENDING"), Some(0)));
        assert!(deliveries(1).is_empty(), "{hooks}");

        // Deleting stops it and gives up what is pending.
        let id = values["webhook"]["id"].clone();
        let deleted = app.data_with(&admin, DELETE, json!({ "id": id })).await;
        assert_eq!(deleted["deleteWebhook"]["deletedWebhookId"], id);
        let again = app.data_with(&admin, DELETE, json!({ "id": id })).await;
        assert_eq!(again["deleteWebhook"]["userErrors"][0]["code"], "NOT_FOUND");
        let hooks = app.data_with(&admin, LIST, json!({})).await["webhooks"].clone();
        assert_eq!(hooks.as_array().unwrap().len(), 1);
    }
}

/// What the receiver saw of one request.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

/// A local HTTP receiver that answers each request with the next scripted
/// status (then 200), after a scripted delay.
#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<Vec<(StatusCode, Duration)>>>,
}

impl Receiver {
    async fn start(script: Vec<(StatusCode, Duration)>) -> (Self, SocketAddr) {
        let receiver = Receiver {
            seen: Arc::default(),
            script: Arc::new(Mutex::new(script)),
        };
        let state = receiver.clone();
        let app = Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: String| {
                let state = state.clone();
                async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_owned()
                    };
                    state.seen.lock().unwrap().push(Received {
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp"),
                        signature: header("webhook-signature"),
                        body,
                    });
                    let next = {
                        let mut script = state.script.lock().unwrap();
                        (!script.is_empty()).then(|| script.remove(0))
                    };
                    let (status, delay) = next.unwrap_or((StatusCode::OK, Duration::ZERO));
                    tokio::time::sleep(delay).await;
                    status
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (receiver, addr)
    }

    fn seen(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits until requests of `count` distinct deliveries came and the
    /// script is used up.
    async fn until_distinct(&self, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let seen = self.seen();
            if distinct(&seen).len() >= count && self.script.lock().unwrap().is_empty() {
                return seen;
            }
            assert!(Instant::now() < deadline, "only {seen:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The ids in order of first arrival.
fn distinct(seen: &[Received]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for r in seen {
        if !ids.contains(&r.id) {
            ids.push(r.id.clone());
        }
    }
    ids
}

/// Checks the Standard Webhooks signature, independently of the server's code.
fn verify(secret: &str, received: &Received) {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", received.id, received.timestamp, received.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    assert_eq!(received.signature, expected, "{received:?}");
    let sent: i64 = received.timestamp.parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - sent).abs() < 60);
}

fn value_of(received: &Received) -> Value {
    serde_json::from_str(&received.body).unwrap()
}

fn record_through(server: &Server, admin: &str, day: u32, value: f64) {
    let body = json!({ "query": RECORD, "variables": value_input(day, value) }).to_string();
    let auth = format!("Bearer {admin}");
    let answer = http_to(
        server.port,
        "POST",
        "/graphql",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &auth),
        ],
        &body,
    );
    assert!(answer.contains(r#""inserted":1"#), "{answer}");
}

fn serve(app: &TestApp) -> Server {
    Server::start_with_env(
        &[],
        &[
            ("DATABASE_URL", app.url.as_str()),
            ("MASTERPLAN_WEBHOOK_RETRY_MS", "100"),
        ],
    )
}

async fn deliveries_are_signed_retried_and_in_order(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let fail = (StatusCode::INTERNAL_SERVER_ERROR, Duration::ZERO);
    let (receiver, addr) = Receiver::start(vec![fail, fail]).await;
    let url = format!("http://{addr}/hook");
    let created = create(
        &app,
        &admin,
        json!({ "url": url, "entityTypes": ["KPI_VALUE"] }),
    )
    .await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    let server = serve(&app);
    for day in 1..=3 {
        record_through(&server, &admin, day, f64::from(day));
    }
    let seen = receiver.until_distinct(3).await;
    for received in &seen {
        verify(&secret, received);
    }
    // The first delivery failed twice and was retried with the same id.
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert!(seen[..3].iter().all(|r| r.id == seen[0].id), "{seen:?}");
    assert_eq!(distinct(&seen).len(), 3);
    let first = value_of(&seen[0]);
    assert_eq!(first["type"], "kpi_value.create");
    assert_eq!(first["data"]["action"], "CREATE");
    assert_eq!(
        first["data"]["changedFields"]
            .as_array()
            .map(|f| f.is_empty()),
        Some(false)
    );
    assert!(first["data"].get("node").is_none());

    // The API tells how each went.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let hooks = app.data_with(&admin, LIST, json!({})).await;
    let nodes = hooks["webhooks"][0]["deliveries"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    let attempts: Vec<(String, i64)> = nodes
        .iter()
        .map(|n| {
            (
                n["status"].as_str().unwrap().to_owned(),
                n["attempts"].as_i64().unwrap(),
            )
        })
        .collect();
    let delivered = |n| ("DELIVERED".to_owned(), n);
    assert_eq!(
        attempts,
        [delivered(1), delivered(1), delivered(3)],
        "newest first: {hooks}"
    );
    assert!(nodes[2]["deliveredAt"].is_string());
    assert_eq!(cursors(&seen), listed_cursors(&hooks), "in audit order");
    drop(server);
}

/// The cursors of the deliveries the receiver got, in order of first arrival.
fn cursors(seen: &[Received]) -> Vec<String> {
    distinct(seen)
        .iter()
        .map(|id| {
            let first = seen.iter().find(|r| &r.id == id).unwrap();
            value_of(first)["data"]["cursor"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// The cursors of the first webhook's deliveries, oldest (first in audit order) first.
fn listed_cursors(hooks: &Value) -> Vec<String> {
    let nodes = hooks["webhooks"][0]["deliveries"]["nodes"]
        .as_array()
        .unwrap();
    nodes
        .iter()
        .rev()
        .map(|n| n["cursor"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_kill_mid_delivery_loses_and_reorders_nothing(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let admin = app.admin().await;
    // The first request is answered only after the server was killed.
    let (receiver, addr) = Receiver::start(vec![(StatusCode::OK, Duration::from_secs(3))]).await;
    let url = format!("http://{addr}/hook");
    create(
        &app,
        &admin,
        json!({ "url": url, "entityTypes": ["KPI_VALUE"] }),
    )
    .await;
    let server = serve(&app);
    let started = Instant::now();
    for day in 1..=3 {
        record_through(&server, &admin, day, f64::from(day));
    }
    // Writes never wait for a receiver (on PostgreSQL a delivery in flight
    // once locked its webhook against the writes that add deliveries).
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while receiver.seen().is_empty() {
        assert!(Instant::now() < deadline, "nothing delivered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(server); // SIGKILL while the receiver holds the first request
    let restarted = serve(&app);
    let seen = receiver.until_distinct(3).await;
    let ids = distinct(&seen);
    assert_eq!(ids.len(), 3, "{seen:?}");
    assert_eq!(
        seen[0].id, seen[1].id,
        "the unfinished delivery is repeated with its id: {seen:?}"
    );
    assert_eq!(seen.len(), 4, "nothing else repeated: {seen:?}");
    let hooks = app.data_with(&admin, LIST, json!({})).await;
    assert_eq!(cursors(&seen), listed_cursors(&hooks), "in audit order");
    drop(restarted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_deliveries_are_signed_retried_and_in_order() {
    deliveries_are_signed_retried_and_in_order(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_deliveries_are_signed_retried_and_in_order() {
    deliveries_are_signed_retried_and_in_order(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_kill_mid_delivery_loses_and_reorders_nothing() {
    a_kill_mid_delivery_loses_and_reorders_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_kill_mid_delivery_loses_and_reorders_nothing() {
    a_kill_mid_delivery_loses_and_reorders_nothing(Backend::Postgres).await;
}

/// Two instances deliver from one outbox: each delivery once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_instances_deliver_each_change_once_in_order() {
    let Some(app) = TestApp::new(Backend::Postgres).await else {
        return;
    };
    let admin = app.admin().await;
    let (receiver, addr) = Receiver::start(Vec::new()).await;
    let url = format!("http://{addr}/hook");
    create(
        &app,
        &admin,
        json!({ "url": url, "entityTypes": ["KPI_VALUE"] }),
    )
    .await;
    let a = serve(&app);
    let b = serve(&app);
    for day in 1..=10 {
        let through = if day % 2 == 0 { &a } else { &b };
        record_through(through, &admin, day, f64::from(day));
    }
    let seen = receiver.until_distinct(10).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen_now = receiver.seen();
    assert_eq!(seen_now.len(), 10, "no delivery twice: {seen_now:?}");
    let numbers: Vec<i64> = seen
        .iter()
        .map(|r| r.id.trim_start_matches("msg_").parse().unwrap())
        .collect();
    let mut sorted = numbers.clone();
    sorted.sort_unstable();
    assert_eq!(numbers, sorted, "in order");
}
