//! Live updates: `Subscription.changes` over WebSocket (graphql-transport-ws)
//! and over SSE, on both databases: one event per committed change, in
//! order, narrowed by measure and type, replayed from a cursor with no gap
//! or duplicate while writes go on, nothing for rolled-back writes, and
//! only what each subscriber may see.

use std::time::Duration;

use masterplan_api::limits::Limits;
use masterplan_domain::status::Role;
use serde_json::{Value, json};

use crate::common::live::{Live, Sse};
use crate::common::{Backend, TestApp, codes};

const RECORD: &str = "mutation($input: RecordKpiValuesInput!) {
  recordKpiValues(input: $input) { inserted userErrors { code } } }";
const CREATE_GOAL: &str = "mutation($input: CreateGoalInput!) {
  createGoal(input: $input) { goal { id } userErrors { code } } }";

const CHANGES: &str = "subscription($measure: String, $types: [AuditEntityType!], $since: String) {
  changes(measure: $measure, entityTypes: $types, since: $since) {
    cursor at action entityType entityId changedFields
    node { id ... on Measure { title } ... on KpiValue { value } ... on Goal { text } }
  } }";

/// 1.2's first KPI (services in the portal).
const SERVICES: &str = "Anzahl der digitalen Verwaltungsleistungen im Portal";

async fn record(app: &TestApp, admin: &str, measure: &str, kpi: &str, day: u32, value: f64) {
    let input = json!({ "values": [{
        "kpi": { "measure": measure, "name": kpi },
        "observedOn": format!("2026-01-{day:02}"), "value": value,
    }] });
    let data = app
        .data_with(admin, RECORD, json!({ "input": input }))
        .await;
    assert_eq!(data["recordKpiValues"]["inserted"], 1, "{data}");
}

async fn retitle(app: &TestApp, admin: &str, code: &str, title: &str) -> Value {
    app.update_measure(admin, code, json!({ "title": title }))
        .await
}

async fn first_kpi(app: &TestApp, code: &str) -> String {
    let data = app
        .staff_data(&format!(
            r#"{{ measure(code: "{code}") {{ kpis {{ name }} }} }}"#
        ))
        .await;
    data["measure"]["kpis"][0]["name"]
        .as_str()
        .unwrap()
        .to_owned()
}

backend_tests! {
    async fn a_subscription_sent_as_a_plain_post_says_how_to_subscribe(app) {
        let codes = app.error_codes("subscription { changes { cursor } }").await;
        assert_eq!(codes, ["METHOD_NOT_ALLOWED"]);
    }

    async fn a_change_reaches_subscribers_narrowed_by_measure_and_type(app) {
        let admin = app.admin().await;
        let addr = app.listen().await;
        let mut live = Live::connect(addr, Some(&admin)).await;
        live.subscribe("m", CHANGES, json!({ "measure": "1.2" })).await;
        live.subscribe("v", CHANGES, json!({ "types": ["KPI_VALUE"] })).await;
        // Subscriptions start once the server has read where the log stands.
        tokio::time::sleep(Duration::from_millis(300)).await;

        let answer = retitle(&app, &admin, "1.2", "Portal, live").await;
        assert!(answer.get("errors").is_none(), "{answer}");
        let event = live.event("m").await;
        assert_eq!((event["action"].as_str(), event["entityType"].as_str()), (Some("UPDATE"), Some("MEASURE")));
        assert_eq!(event["changedFields"], json!(["title"]));
        assert_eq!(event["node"]["title"], "Portal, live");
        assert!(event["cursor"].as_str().is_some_and(|c| !c.is_empty()));

        // Another measure's change reaches neither; a value of 1.2 reaches both.
        retitle(&app, &admin, "1.3", "Elsewhere").await;
        let other_kpi = first_kpi(&app, "3.4").await;
        record(&app, &admin, "3.4", &other_kpi, 2, 7.0).await;
        record(&app, &admin, "1.2", SERVICES, 3, 42.0).await;
        let mut by_type = Vec::new();
        let mut by_measure = Vec::new();
        while by_type.len() < 2 || by_measure.is_empty() {
            let message = live.message().await.expect("open");
            let change = message["payload"]["data"]["changes"].clone();
            match message["id"].as_str() {
                Some("v") => by_type.push(change),
                Some("m") => by_measure.push(change),
                other => panic!("{other:?}: {message}"),
            }
        }
        assert_eq!(by_measure.len(), 1);
        assert_eq!((by_measure[0]["entityType"].as_str(), by_measure[0]["node"]["value"].as_f64()), (Some("KPI_VALUE"), Some(42.0)));
        let values: Vec<f64> = by_type.iter().map(|c| c["node"]["value"].as_f64().unwrap()).collect();
        assert_eq!(values, [7.0, 42.0], "in audit order");
        assert!(live.quiet(Duration::from_millis(300)).await.is_empty());
    }

    async fn since_replays_without_gap_or_duplicate_while_writes_go_on(app) {
        let admin = app.admin().await;
        let addr = app.listen().await;
        let mut first = Live::connect(addr, Some(&admin)).await;
        first.subscribe("1", CHANGES, json!({ "types": ["KPI_VALUE"] })).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        for day in 1..=10 {
            record(&app, &admin, "1.2", SERVICES, day, f64::from(day)).await;
        }
        let mut cursors = Vec::new();
        for day in 1..=10 {
            let event = first.event("1").await;
            assert_eq!(event["node"]["value"].as_f64(), Some(f64::from(day)));
            cursors.push(event["cursor"].as_str().unwrap().to_owned());
        }

        // Resume after the fifth while ten more are written.
        let writer = {
            let (app_router, admin) = (app.router.clone(), admin.clone());
            tokio::spawn(async move {
                for day in 11..=20 {
                    let input = json!({ "values": [{
                        "kpi": { "measure": "1.2", "name": SERVICES },
                        "observedOn": format!("2026-01-{day:02}"), "value": f64::from(day),
                    }] });
                    crate::common::post_as(&app_router, &admin, RECORD, json!({ "input": input })).await;
                }
            })
        };
        let mut resumed = Live::connect(addr, Some(&admin)).await;
        resumed.subscribe("2", CHANGES, json!({ "types": ["KPI_VALUE"], "since": cursors[4] })).await;
        let mut seen = Vec::new();
        while seen.len() < 15 {
            let event = resumed.event("2").await;
            seen.push(event["node"]["value"].as_f64().unwrap() as u32);
        }
        writer.await.unwrap();
        assert_eq!(seen, (6..=20).collect::<Vec<_>>());
        assert!(resumed.quiet(Duration::from_millis(300)).await.is_empty(), "no duplicate");

        // A cursor that is not one, or names a change not yet made: a clear error.
        for since in ["nope", "Y2hhbmdlOjk5OTk5OQ"] {
            resumed.subscribe("bad", CHANGES, json!({ "since": since })).await;
            let message = resumed.message().await.unwrap();
            assert_eq!(message["type"], "next", "{message}");
            assert_eq!(codes(&message["payload"]), ["BAD_USER_INPUT"], "{message}");
            assert_eq!(resumed.message().await.unwrap()["type"], "complete");
        }
    }

    async fn refused_and_rolled_back_writes_send_nothing(app) {
        let admin = app.admin().await;
        let addr = app.listen().await;
        let mut live = Live::connect(addr, Some(&admin)).await;
        live.subscribe("1", CHANGES, json!({})).await;
        tokio::time::sleep(Duration::from_millis(300)).await;

        // A stale version is refused inside the write transaction.
        let stale = json!({ "expectedVersion": 0, "title": "x" });
        let answer = app.update_measure(&admin, "1.2", stale).await;
        assert_eq!(answer["data"]["updateMeasure"]["userErrors"][0]["code"], "VERSION_CONFLICT", "{answer}");
        // A batch with one bad value writes none of them.
        let batch = json!({ "values": [
            { "kpi": { "measure": "1.2", "name": SERVICES }, "observedOn": "2026-02-01", "value": 1.0 },
            { "kpi": { "measure": "1.2", "name": "no such KPI" }, "observedOn": "2026-02-02", "value": 2.0 },
        ] });
        let answer = app.query_with(&admin, RECORD, json!({ "input": batch })).await;
        assert!(!answer["data"]["recordKpiValues"]["userErrors"].as_array().unwrap().is_empty(), "{answer}");
        // A dry run writes nothing.
        let dry = json!({ "dryRun": true, "values": [
            { "kpi": { "measure": "1.2", "name": SERVICES }, "observedOn": "2026-02-03", "value": 3.0 }] });
        app.query_with(&admin, RECORD, json!({ "input": dry })).await;

        record(&app, &admin, "1.2", SERVICES, 4, 4.0).await;
        let event = live.event("1").await;
        assert_eq!(event["node"]["value"].as_f64(), Some(4.0), "the first event is the committed write: {event}");
    }

    async fn each_subscriber_sees_what_it_may_read(app) {
        let admin = app.admin().await;
        let reader = app.reader().await;
        let addr = app.listen().await;
        let mut public = Live::connect(addr, None).await;
        let mut staff = Live::connect(addr, Some(&reader)).await;
        let mut admins = Live::connect(addr, Some(&admin)).await;
        for live in [&mut public, &mut staff, &mut admins] {
            live.subscribe("1", CHANGES, json!({})).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;

        // An internal goal (mutations create INTERNAL unless told), a token,
        // then a public change.
        let goal = json!({ "measure": { "code": "1.2" }, "text": "Interner Zwischenschritt" });
        let answer = app.query_with(&admin, CREATE_GOAL, json!({ "input": goal })).await;
        assert!(answer["data"]["createGoal"]["goal"]["id"].is_string(), "{answer}");
        app.token("newcomer", Role::Reader, &[], None).await;
        retitle(&app, &admin, "1.2", "Öffentlich").await;

        let event = public.event("1").await;
        assert_eq!((event["entityType"].as_str(), event["node"]["title"].as_str()), (Some("MEASURE"), Some("Öffentlich")), "{event}");
        let goal_event = staff.event("1").await;
        assert_eq!((goal_event["entityType"].as_str(), goal_event["node"]["text"].as_str()), (Some("GOAL"), Some("Interner Zwischenschritt")));
        assert_eq!(staff.event("1").await["entityType"], "MEASURE", "no token event for a reader");
        let types: Vec<Value> = [admins.event("1").await, admins.event("1").await, admins.event("1").await]
            .iter()
            .map(|e| e["entityType"].clone())
            .collect();
        assert_eq!(types, [json!("GOAL"), json!("API_TOKEN"), json!("MEASURE")]);
        for live in [&mut public, &mut staff, &mut admins] {
            assert!(live.quiet(Duration::from_millis(200)).await.is_empty());
        }
    }

    async fn server_sent_events_carry_subscriptions_and_queries(app) {
        let admin = app.admin().await;
        let addr = app.listen().await;
        let body = json!({ "query": CHANGES, "variables": { "measure": "1.2" } });
        let (mut stream, head) = Sse::post(addr, &body, None).await;
        assert!(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(head.to_ascii_lowercase().contains("content-type: text/event-stream"), "{head}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        record(&app, &admin, "1.2", SERVICES, 5, 5.0).await;
        let (name, data) = stream.event().await;
        assert_eq!(name, "next");
        assert_eq!(data["data"]["changes"]["node"]["value"].as_f64(), Some(5.0), "{data}");

        // A query: one result, then `complete`.
        let (mut stream, _) = Sse::post(addr, &json!({ "query": "{ plans { slug } }" }), None).await;
        let (name, data) = stream.event().await;
        assert_eq!(name, "next");
        assert!(data["data"]["plans"].is_array(), "{data}");
        assert_eq!(stream.event().await.0, "complete");

        // A document that does not parse is refused before any stream, as POST refuses it.
        let (_, head) = Sse::post(addr, &json!({ "query": "subscription { changes {" }), None).await;
        assert!(head.contains(" 400 "), "{head}");
        // So is a control character, with its code and where it stands.
        let nul = json!({ "query": "subscription { changes(measure: \"1.2\u{0}\") { cursor } }" });
        let (refused, head) = Sse::post(addr, &nul, None).await;
        assert!(head.contains(" 400 "), "{head}");
        let body: Value = serde_json::from_str(&refused.rest().await).unwrap();
        assert_eq!(codes(&body), ["BAD_USER_INPUT"], "{body}");
        assert_eq!(body["errors"][0]["locations"], json!([{ "line": 1, "column": 33 }]), "{body}");
        // Over a WebSocket the refusal is the subscription's one result.
        let mut live = Live::connect(addr, None).await;
        live.subscribe("1", nul["query"].as_str().unwrap(), json!({})).await;
        let message = live.message().await.unwrap();
        assert_eq!(codes(&message["payload"]), ["BAD_USER_INPUT"], "{message}");
        assert_eq!(message["payload"]["errors"][0]["locations"], json!([{ "line": 1, "column": 33 }]), "{message}");
    }
}

async fn limits_on_streams(backend: Backend) {
    let limits = Limits {
        max_stream_connections: 2,
        max_subscriptions_per_connection: 1,
        keepalive: Duration::from_millis(200),
        ..Limits::default()
    };
    let Some(app) = TestApp::with_limits(backend, limits).await else {
        return;
    };
    let addr = app.listen().await;
    let mut live = Live::connect(addr, None).await;
    live.subscribe("1", CHANGES, json!({})).await;
    live.subscribe("2", CHANGES, json!({})).await;
    let message = live.message().await.unwrap();
    assert_eq!(
        (message["type"].as_str(), message["id"].as_str()),
        (Some("next"), Some("2"))
    );
    assert_eq!(codes(&message["payload"]), ["TOO_MANY_SUBSCRIPTIONS"]);
    assert_eq!(live.message().await.unwrap()["type"], "complete");

    // Queries and mutations belong to POST.
    live.subscribe("q", "{ plans { slug } }", json!({})).await;
    let message = live.message().await.unwrap();
    assert_eq!(
        codes(&message["payload"]),
        ["METHOD_NOT_ALLOWED"],
        "{message}"
    );
    assert_eq!(live.message().await.unwrap()["type"], "complete");

    // The server pings; the client's pongs keep the connection open.
    live.quiet(Duration::from_millis(700)).await;
    assert!(live.pings >= 2, "pings: {}", live.pings);

    let second = Live::connect(addr, None).await;
    assert_eq!(
        Live::open(addr).await.err(),
        Some(503),
        "a third connection is refused"
    );
    drop((live, second));
    tokio::time::sleep(Duration::from_millis(100)).await;

    // A client that sends nothing, not even a pong, is closed after two intervals.
    let mut silent = Live::open(addr).await.expect("places are free again");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        silent.message_within(Duration::from_secs(2)).await,
        Some(None)
    );
    assert_eq!(
        silent.closed.as_ref().map(|c| c.0),
        Some(3008),
        "{:?}",
        silent.closed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_limits_on_streams() {
    limits_on_streams(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_limits_on_streams() {
    limits_on_streams(Backend::Postgres).await;
}

/// `connection_init` decides who subscribes; a bad token is refused there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_in_connection_init_is_refused() {
    let Some(app) = TestApp::requiring_auth(Backend::Sqlite).await else {
        return;
    };
    let addr = app.listen().await;
    let refused = Live::init(addr, json!({ "Authorization": "Bearer mp_nope_nope" })).await;
    assert!(refused.is_err(), "a bad token is not acknowledged");
    let refused = Live::init(addr, json!({})).await;
    assert!(refused.is_err(), "--require-auth needs a token");
    let admin = app.admin().await;
    Live::connect(addr, Some(&admin)).await;
}

/// A client that stops reading is disconnected once a send waited longer
/// than `--send-timeout-ms`, instead of its messages piling up in memory:
/// the place it held among the open streams is free again.
async fn a_client_that_does_not_read_is_disconnected(backend: Backend) {
    let limits = Limits {
        max_stream_connections: 1,
        send_timeout: Duration::from_millis(300),
        max_body_bytes: 1 << 20,
        ..Limits::default()
    };
    let Some(app) = TestApp::with_limits(backend, limits).await else {
        return;
    };
    let admin = app.admin().await;
    let addr = app.listen_with_small_send_buffers().await;
    let mut stuck = Live::connect_with_small_buffer(addr).await;
    // About 2 KB an event, and nothing to read from the database for it.
    let fields: String = (0..45).map(|i| format!(" f{i}: changedFields")).collect();
    let big = format!("subscription {{ changes(entityTypes: [KPI_VALUE]) {{ cursor{fields} }} }}");
    stuck.subscribe("1", &big, json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        Live::open(addr).await.err(),
        Some(503),
        "the one place is taken"
    );

    // Large events, none of them read, a batch at a time until the server
    // lets the client go: with both sockets' buffers small, its sends stall
    // after a few hundred events (tungstenite buffers 128 KB of them).
    const BATCH: u64 = 50;
    let note = "n".repeat(200);
    let start = chrono::NaiveDate::from_ymd_opt(2010, 1, 1).unwrap();
    let mut recorded = 0;
    // Well before the default send timeout (10 s) would have freed it.
    let mut deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        if recorded < 3000 {
            let values: Vec<Value> = (0..BATCH)
                .map(|i| {
                    let day = start + chrono::Days::new(recorded + i);
                    json!({ "kpi": { "measure": "1.2", "name": SERVICES },
                            "observedOn": day.to_string(), "value": i as f64, "note": note })
                })
                .collect();
            let answer = app
                .data_with(&admin, RECORD, json!({ "input": { "values": values } }))
                .await;
            assert_eq!(answer["recordKpiValues"]["inserted"], BATCH, "{answer}");
            recorded += BATCH;
            deadline = std::time::Instant::now() + Duration::from_secs(5);
        } else {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        match Live::open(addr).await {
            Ok(_) => break,
            Err(status) => {
                assert_eq!(status, 503);
                assert!(
                    std::time::Instant::now() < deadline,
                    "the stuck client still holds its place 5 s after the last of {recorded} events"
                );
            }
        }
    }
    drop(stuck);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_client_that_does_not_read_is_disconnected() {
    a_client_that_does_not_read_is_disconnected(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_client_that_does_not_read_is_disconnected() {
    a_client_that_does_not_read_is_disconnected(Backend::Postgres).await;
}

/// A server started under a low soft limit of open files raises it to the
/// hard limit: every stream holds a socket, and at the limit `accept` fails
/// and new requests hang instead of getting TOO_MANY_CONNECTIONS.
#[test]
fn the_server_raises_its_open_files_limit() {
    let server = crate::common::Server::start_with_open_files(&[], 256);
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.child.id())).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    let numbers: Vec<&str> = line.split_whitespace().skip(3).take(2).collect();
    assert_eq!(
        numbers[0], numbers[1],
        "soft limit raised to the hard one: {line}"
    );
    assert_ne!(numbers[0], "256", "{line}");
}
