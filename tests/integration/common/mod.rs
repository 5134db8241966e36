//! The test harness: a fresh database per test on SQLite or PostgreSQL, the
//! real router, and helpers to send GraphQL over HTTP to it.
//!
//! No test migrates or seeds: on first use the test process makes two
//! templates per backend, a migrated empty database and a copy of it holding
//! the bundled plan, and every test starts from a copy of one of them.
//!
//! SQLite: the templates are images of a database's main file, held in
//! memory; each test writes one to its own file and deletes it afterwards.
//!
//! PostgreSQL: `TEST_DATABASE_URL` (an admin URL) or postgres@127.0.0.1:5432.
//! The templates are databases named after the process id; every test clones
//! one (`CREATE DATABASE … TEMPLATE`) and drops its clone afterwards, and the
//! next test process drops the templates of processes that have ended.
//! Without a server the PostgreSQL tests fail, unless
//! `MASTERPLAN_TEST_SKIP_POSTGRES=1` says to skip them.

mod admin;
pub mod cli;
pub mod live;
pub mod relay;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use masterplan_api::limits::Limits;
use masterplan_api::server::{AppState, router};
use masterplan_domain::plan_file::PlanFile;
use masterplan_persistence::seed::{BUNDLED_PLAN, load_plan, parse_plan_file};
use masterplan_persistence::{Database, with_conn};
use serde_json::{Value, json};
use tokio::sync::OnceCell;
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Removes the test's database when the test ends, pass or fail.
enum Cleanup {
    SqliteFile(PathBuf),
    PostgresDatabase { admin_url: String, name: String },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        match self {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Cleanup::PostgresDatabase { admin_url, name } => {
                // Not waited for (10-30 ms a test).
                admin::Admin::of(admin_url)
                    .send(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

pub struct TestApp {
    pub backend: Backend,
    pub db: Database,
    pub router: Router,
    /// The database's URL (`sqlite://…` or `postgres://…`).
    pub url: String,
    /// The secret of a READER token, made on first use ([`TestApp::staff_data`]).
    reader: std::sync::OnceLock<String>,
    _cleanup: Cleanup,
}

pub fn bundled_plan() -> PlanFile {
    parse_plan_file(BUNDLED_PLAN).expect("bundled plan is valid")
}

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn with_database(admin_url: &str, name: &str) -> String {
    let base = admin_url.split('?').next().unwrap_or(admin_url);
    let (server, _) = base.rsplit_once('/').expect("a database URL has a path");
    format!("{server}/{name}")
}

fn skip_postgres() -> bool {
    std::env::var("MASTERPLAN_TEST_SKIP_POSTGRES").is_ok_and(|v| v == "1")
}

/// Drops databases left behind by test processes that no longer run.
async fn drop_stale(admin: &mut AsyncPgConnection) {
    use diesel::QueryableByName;
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let names: Vec<Name> =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'mp\\_test\\_%'")
            .load(admin)
            .await
            .unwrap_or_default();
    for Name { datname } in names {
        let pid = datname
            .split('_')
            .nth(2)
            .and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|pid| !PathBuf::from(format!("/proc/{pid}")).exists()) {
            let _ = admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {datname} WITH (FORCE)"))
                .await;
        }
    }
}

struct Templates<T> {
    /// Migrated, without any plan.
    empty: T,
    /// `empty` with the bundled plan loaded.
    seeded: T,
}

impl<T> Templates<T> {
    fn get(&self, seeded: bool) -> &T {
        if seeded { &self.seeded } else { &self.empty }
    }
}

static POSTGRES_TEMPLATES: OnceCell<Templates<String>> = OnceCell::const_new();

/// The template databases of this test process.
async fn postgres_templates(admin_url: &str) -> &'static Templates<String> {
    POSTGRES_TEMPLATES
        .get_or_init(|| async {
            let mut admin = AsyncPgConnection::establish(admin_url)
                .await
                .unwrap_or_else(|e| panic!("{}", postgres_missing(admin_url, &e.to_string())));
            drop_stale(&mut admin).await;
            let pid = std::process::id();
            let empty = format!("mp_test_{pid}_empty");
            admin
                .batch_execute(&format!("CREATE DATABASE {empty}"))
                .await
                .expect("create the empty template database");
            Database::connect(&with_database(admin_url, &empty))
                .await
                .expect("migrate the empty template database");
            let seeded = format!("mp_test_{pid}_template");
            clone_template(admin_url, &empty, &seeded).await;
            let db = Database::connect(&with_database(admin_url, &seeded))
                .await
                .expect("connect to the template database");
            let mut conn = db.conn().await.expect("connection");
            load_plan(&mut conn, &bundled_plan(), false, "test")
                .await
                .expect("seed the template database");
            Templates { empty, seeded }
        })
        .await
}

static SQLITE_TEMPLATES: OnceCell<Templates<Vec<u8>>> = OnceCell::const_new();

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// The main-file images of this test process's SQLite templates.
async fn sqlite_templates() -> &'static Templates<Vec<u8>> {
    SQLITE_TEMPLATES
        .get_or_init(|| async {
            let path = std::env::temp_dir().join(format!("{}.db", unique("mp_test_template")));
            let _cleanup = Cleanup::SqliteFile(path.clone());
            let db = Database::connect(&sqlite_url(&path))
                .await
                .expect("migrate the SQLite template");
            let empty = sqlite_image(db, &path).await;
            let db = Database::connect(&sqlite_url(&path))
                .await
                .expect("reopen the SQLite template");
            let mut conn = db.conn().await.expect("connection");
            load_plan(&mut conn, &bundled_plan(), false, "test")
                .await
                .expect("seed the SQLite template");
            drop(conn);
            let seeded = sqlite_image(db, &path).await;
            Templates { empty, seeded }
        })
        .await
}

/// The whole content of the SQLite database `db` at `path`, as one file: the
/// WAL is checkpointed into the main file and emptied, and the pool with all
/// its connections is closed before the main file is read.
async fn sqlite_image(db: Database, path: &Path) -> Vec<u8> {
    use diesel::QueryableByName;
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Checkpoint {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        busy: i32,
    }
    let mut conn = db.conn().await.expect("connection");
    let checkpoint: Checkpoint = with_conn!(&mut conn, c => {
        diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").get_result(c).await
    })
    .expect("checkpoint the SQLite template");
    assert_eq!(checkpoint.busy, 0, "another connection kept the WAL busy");
    drop(conn);
    drop(db);
    std::fs::read(path).expect("read the SQLite template")
}

fn postgres_missing(url: &str, error: &str) -> String {
    format!(
        "PostgreSQL is not reachable at {url} ({error}).\n\
         Start it (pg_ctlcluster --skip-systemctl-redirect <version> main start), set \
         TEST_DATABASE_URL, or run the suite with scripts/test, which starts a private \
         cluster; install it with `apt-get install postgresql`. \
         MASTERPLAN_TEST_SKIP_POSTGRES=1 skips the PostgreSQL half."
    )
}

async fn clone_template(admin_url: &str, template: &str, name: &str) {
    let admin = admin::Admin::of(admin_url);
    // The template's own connections may still be closing; retry briefly.
    for attempt in 0.. {
        // Copying the template's files costs the server about half the CPU
        // of writing them through the WAL (PostgreSQL 15's default): 27 ms
        // against 47 ms for a create and drop, four at a time. Older
        // servers know no strategy.
        let strategy = if FILE_COPY.load(Ordering::Relaxed) {
            " STRATEGY FILE_COPY"
        } else {
            ""
        };
        match admin
            .execute(format!(
                "CREATE DATABASE {name} TEMPLATE {template}{strategy}"
            ))
            .await
        {
            Ok(()) => return,
            Err(err) if attempt < 50 && err.contains("being accessed") => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(err) if !strategy.is_empty() && err.contains("strategy") => {
                FILE_COPY.store(false, Ordering::Relaxed);
            }
            Err(err) => panic!("cannot create {name} from {template}: {err}"),
        }
    }
}

/// The server takes `CREATE DATABASE … STRATEGY` (PostgreSQL 15 and later).
static FILE_COPY: AtomicBool = AtomicBool::new(true);

impl TestApp {
    /// A database holding the bundled plan. `None` only for PostgreSQL when
    /// `MASTERPLAN_TEST_SKIP_POSTGRES=1`.
    pub async fn new(backend: Backend) -> Option<Self> {
        Self::with_limits(backend, Limits::default()).await
    }

    pub async fn with_limits(backend: Backend, limits: Limits) -> Option<Self> {
        let app = Self::empty_with(backend, limits, true).await?;
        Some(app)
    }

    /// An app holding the bundled plan whose server refuses anonymous requests.
    pub async fn requiring_auth(backend: Backend) -> Option<Self> {
        let mut app = Self::new(backend).await?;
        app.router = router(AppState::new(app.db.clone(), Limits::default()).requiring_auth(true));
        Some(app)
    }

    /// Stores a new token and returns its secret.
    pub async fn token(
        &self,
        name: &str,
        role: masterplan_domain::status::Role,
        working_groups: &[&str],
        expires_at: Option<chrono::NaiveDateTime>,
    ) -> String {
        let groups: Vec<String> = working_groups.iter().map(|g| (*g).to_owned()).collect();
        let (row, secret) = masterplan_api::auth::mint(name, role, &groups, expires_at);
        let mut conn = self.db.conn().await.expect("connection");
        masterplan_persistence::writes::tokens::create(&mut conn, &row, "test")
            .await
            .expect("store token");
        secret
    }

    /// POSTs a query with `Authorization: <authorization>`.
    pub async fn query_as(&self, authorization: &str, query: &str) -> (StatusCode, Value) {
        let request = graphql_post(&json!({ "query": query }), Some(authorization.to_owned()));
        let (status, _, text) = self.send(request).await;
        let json = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
        (status, json)
    }

    /// POSTs a query with variables as the holder of token `secret`; returns
    /// the whole response (asserting HTTP 200).
    pub async fn query_with(&self, secret: &str, query: &str, variables: Value) -> Value {
        let (status, _, text) = self.send(graphql_request(secret, query, variables)).await;
        let json: Value =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
        assert_eq!(status, StatusCode::OK, "{json}");
        json
    }

    /// The text of the answer to a query sent anonymously (`secret` `None`)
    /// or as the holder of `secret`, asserting HTTP 200: for tests that
    /// search whole answers and need no parsed JSON.
    pub async fn answer_text(&self, secret: Option<&str>, query: &str) -> String {
        let authorization = secret.map(|secret| format!("Bearer {secret}"));
        let request = graphql_post(&json!({ "query": query }), authorization);
        let (status, _, text) = self.send(request).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        text
    }

    /// `data` of a query (or mutation) as the holder of `secret` that must not
    /// fail with GraphQL errors.
    pub async fn data_with(&self, secret: &str, query: &str, variables: Value) -> Value {
        let body = self.query_with(secret, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// Updates measure `code` at its current version with the fields of
    /// `changes` (`{"title": …}`) as the holder of `secret`; the whole response.
    pub async fn update_measure(&self, secret: &str, code: &str, changes: Value) -> Value {
        let version = self
            .data_with(
                secret,
                "query($c: String!) { measure(code: $c) { version } }",
                json!({ "c": code }),
            )
            .await["measure"]["version"]
            .clone();
        let mut input = json!({ "key": { "code": code }, "expectedVersion": version });
        for (field, value) in changes.as_object().expect("an object of fields") {
            input[field] = value.clone();
        }
        let update = "mutation($input: UpdateMeasureInput!) {
          updateMeasure(input: $input) { measure { version } userErrors { code } } }";
        self.query_with(secret, update, json!({ "input": input }))
            .await
    }

    /// A token of role ADMIN, for tests that write.
    pub async fn admin(&self) -> String {
        self.token(
            "test-admin",
            masterplan_domain::status::Role::Admin,
            &[],
            None,
        )
        .await
    }

    /// A token of role READER (one per app): staff, who see internal data.
    pub async fn reader(&self) -> String {
        if let Some(secret) = self.reader.get() {
            return secret.clone();
        }
        let secret = self
            .token(
                "test-reader",
                masterplan_domain::status::Role::Reader,
                &[],
                None,
            )
            .await;
        self.reader.get_or_init(|| secret).clone()
    }

    /// `data` of a query that must succeed, read by staff (a READER token):
    /// internal objects and fields included.
    pub async fn staff_data(&self, query: &str) -> Value {
        let reader = self.reader().await;
        self.data_with(&reader, query, json!({})).await
    }

    /// A migrated database without any plan.
    pub async fn empty(backend: Backend) -> Option<Self> {
        Self::empty_with(backend, Limits::default(), false).await
    }

    async fn empty_with(backend: Backend, limits: Limits, seeded: bool) -> Option<Self> {
        let (db, cleanup, url) = match backend {
            Backend::Sqlite => {
                let template = sqlite_templates().await.get(seeded);
                let path = std::env::temp_dir().join(format!("{}.db", unique("mp_test")));
                let cleanup = Cleanup::SqliteFile(path.clone());
                std::fs::write(&path, template).expect("copy the SQLite template");
                let url = sqlite_url(&path);
                let db = Database::connect(&url).await.expect("open SQLite");
                (db, cleanup, url)
            }
            Backend::Postgres => {
                if skip_postgres() {
                    eprintln!("skipped: MASTERPLAN_TEST_SKIP_POSTGRES=1");
                    return None;
                }
                let admin_url = admin_url();
                let template = postgres_templates(&admin_url).await.get(seeded);
                let name = unique("mp_test");
                clone_template(&admin_url, template, &name).await;
                let cleanup = Cleanup::PostgresDatabase {
                    admin_url: admin_url.clone(),
                    name: name.clone(),
                };
                let url = with_database(&admin_url, &name);
                let db = Database::connect(&url)
                    .await
                    .expect("connect to the test database");
                (db, cleanup, url)
            }
        };
        let router = router(AppState::new(db.clone(), limits));
        Some(TestApp {
            backend,
            db,
            router,
            url,
            reader: std::sync::OnceLock::new(),
            _cleanup: cleanup,
        })
    }

    /// Loads another plan file into this app's database.
    pub async fn load(&self, file: &PlanFile) {
        let mut conn = self.db.conn().await.expect("connection");
        load_plan(&mut conn, file, false, "test")
            .await
            .expect("load plan");
    }

    /// Sends any HTTP request; returns status, content type and body text.
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, Option<String>, String) {
        let response = self.router.clone().oneshot(request).await.expect("router");
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or_default().to_owned());
        let bytes = to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        (
            status,
            content_type,
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }

    /// POSTs a JSON body to /graphql.
    pub async fn post_json(&self, body: &Value) -> (StatusCode, Value) {
        let (status, _, text) = self.send(graphql_post(body, None)).await;
        let json = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
        (status, json)
    }

    /// The whole GraphQL response of a query with variables.
    pub async fn query_vars(&self, query: &str, variables: Value) -> Value {
        let (status, body) = self
            .post_json(&json!({ "query": query, "variables": variables }))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    pub async fn query(&self, query: &str) -> Value {
        self.query_vars(query, json!({})).await
    }

    /// `data` of a query that must succeed.
    pub async fn data(&self, query: &str) -> Value {
        let body = self.query(query).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// The `extensions.code`s of a query that must fail.
    pub async fn error_codes(&self, query: &str) -> Vec<String> {
        let body = self.query(query).await;
        codes(&body)
    }

    /// Serves the app on a local port, for what needs a socket (WebSocket,
    /// SSE); it serves until the test's runtime ends.
    pub async fn listen(&self) -> SocketAddr {
        self.listen_on(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
    }

    /// Like [`TestApp::listen`], but the sockets it accepts have send
    /// buffers of a few kilobytes (they inherit the listening socket's), so
    /// that a client that reads nothing stalls the server's sends soon.
    pub async fn listen_with_small_send_buffers(&self) -> SocketAddr {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_send_buffer_size(4096).unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        self.listen_on(socket.listen(64).unwrap())
    }

    fn listen_on(&self, listener: tokio::net::TcpListener) -> SocketAddr {
        let addr = listener.local_addr().unwrap();
        tokio::spawn(masterplan_api::connections::serve(
            listener,
            self.router.clone(),
            std::time::Duration::from_secs(10),
            std::future::pending(),
        ));
        addr
    }

    pub fn statements(&self) -> u64 {
        self.db.stats().statements()
    }
}

/// A `POST /graphql` of the JSON `body`, with `Authorization: <authorization>`
/// when given.
fn graphql_post(body: &Value, authorization: Option<String>) -> Request<Body> {
    let mut request = Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
    if let Some(authorization) = authorization {
        request = request.header(header::AUTHORIZATION, authorization);
    }
    request.body(Body::from(body.to_string())).expect("request")
}

/// A `POST /graphql` of a query with variables as the holder of `secret`.
fn graphql_request(secret: &str, query: &str, variables: Value) -> Request<Body> {
    graphql_post(
        &json!({ "query": query, "variables": variables }),
        Some(format!("Bearer {secret}")),
    )
}

/// POSTs a query with variables to `router` as the holder of `secret`
/// (for tasks that outlive a borrow of the [`TestApp`]); the whole response.
pub async fn post_as(router: &Router, secret: &str, query: &str, variables: Value) -> Value {
    let request = graphql_request(secret, query, variables);
    let response = router.clone().oneshot(request).await.expect("infallible");
    let bytes = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    serde_json::from_slice(&bytes).expect("JSON")
}

/// The error codes of a GraphQL response body.
/// `(key, count)` of a list of `{ key count }` buckets.
pub fn pairs(buckets: &Value) -> Vec<(String, i64)> {
    buckets
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["key"].as_str().unwrap().to_owned(),
                b["count"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// The buckets a test expects, as [`pairs`] gives them.
pub fn expect(list: &[(&str, i64)]) -> Vec<(String, i64)> {
    list.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect()
}

/// Lower-case hexadecimal, two digits a byte.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("expected errors: {body}"))
        .iter()
        .map(|e| {
            e["extensions"]["code"]
                .as_str()
                .unwrap_or("<none>")
                .to_owned()
        })
        .collect()
}

/// Declares each test once per backend: `sqlite::name` and `postgres::name`.
/// In scope in every test module through `#[macro_use] mod common;` in main.rs.
///
/// The body is compiled once, as `bodies::name(backend)`, and each backend's
/// test only calls it: written out in both tests, every body was type-checked
/// and compiled twice, and the test crate is the last step of every build.
macro_rules! backend_tests {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        mod bodies {
            #[allow(unused_imports)]
            use super::*;
            $(
                pub(super) async fn $name(backend: $crate::common::Backend) {
                    let Some($app) = $crate::common::TestApp::new(backend).await else { return };
                    $body
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::bodies::$name($crate::common::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::bodies::$name($crate::common::Backend::Postgres).await;
                }
            )*
        }
    };
}

/// The bundled plan with a value series on 1.2's first KPI (services in the
/// portal) and on 3.4's lead time, for tests that read values.
pub fn plan_with_values() -> PlanFile {
    use chrono::NaiveDate;
    use masterplan_domain::plan_file::ValueEntry;
    let mut file = bundled_plan();
    let value = |y, m, d, v: f64| ValueEntry {
        observed_on: NaiveDate::from_ymd_opt(y, m, d).expect("date"),
        value: v,
        note: None,
        source: Some("Testreihe".into()),
    };
    let portal = file
        .measures
        .iter_mut()
        .find(|m| m.code.as_deref() == Some("1.2"))
        .expect("1.2");
    portal.kpis[0]
        .targets
        .push(masterplan_domain::plan_file::TargetEntry {
            value: 80.0,
            due_on: NaiveDate::from_ymd_opt(2020, 12, 31).expect("date"),
            note: None,
        });
    portal.kpis[0]
        .targets
        .push(masterplan_domain::plan_file::TargetEntry {
            value: 100.0,
            due_on: NaiveDate::from_ymd_opt(2021, 12, 31).expect("date"),
            note: None,
        });
    portal.kpis[0].values = vec![
        value(2020, 1, 31, 67.0),
        value(2020, 4, 30, 70.0),
        value(2020, 7, 31, 74.0),
        value(2020, 10, 31, 80.0),
        value(2021, 1, 31, 83.5),
    ];
    let building = file
        .measures
        .iter_mut()
        .find(|m| m.code.as_deref() == Some("3.4"))
        .expect("3.4");
    building.kpis[1].baseline = Some(masterplan_domain::plan_file::BaselineEntry {
        value: 90.0,
        observed_on: None,
        note: None,
    });
    building.kpis[1]
        .targets
        .push(masterplan_domain::plan_file::TargetEntry {
            value: 30.0,
            due_on: NaiveDate::from_ymd_opt(2021, 12, 31).expect("date"),
            note: None,
        });
    building.kpis[1].values = vec![value(2020, 6, 30, 75.0), value(2020, 12, 31, 60.0)];
    file
}

/// An app whose database holds [`plan_with_values`].
pub async fn app_with_values(backend: Backend) -> Option<TestApp> {
    let app = TestApp::empty(backend).await?;
    app.load(&plan_with_values()).await;
    Some(app)
}

/// A `masterplan serve` process on a free port over a fresh SQLite file,
/// for tests of what only a real server shows (sockets, timeouts, logs).
pub struct Server {
    pub child: std::process::Child,
    pub port: u16,
    db: PathBuf,
}

impl Server {
    /// Starts the server with extra `serve` flags, stderr captured, and
    /// waits until it accepts connections.
    pub fn start(flags: &[&str]) -> Self {
        Self::start_with_env(flags, &[])
    }

    /// [`Server::start`] with extra environment variables.
    pub fn start_with_env(flags: &[&str], env: &[(&str, &str)]) -> Self {
        Self::spawn(flags, env, None)
    }

    /// [`Server::start`] under a soft limit of `open_files` (`ulimit -Sn`).
    pub fn start_with_open_files(flags: &[&str], open_files: u64) -> Self {
        Self::spawn(flags, &[], Some(open_files))
    }

    fn spawn(flags: &[&str], env: &[(&str, &str)], open_files: Option<u64>) -> Self {
        let db = std::env::temp_dir().join(format!("{}.db", unique("mp_server")));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = format!("127.0.0.1:{port}");
        let binary = env!("CARGO_BIN_EXE_masterplan");
        let mut command = match open_files {
            None => std::process::Command::new(binary),
            Some(limit) => {
                let mut shell = std::process::Command::new("sh");
                shell.args([
                    "-c",
                    &format!("ulimit -Sn {limit} && exec \"$0\" \"$@\""),
                    binary,
                ]);
                shell
            }
        };
        let child = command
            .args(["serve", "--listen", &listen])
            .args(flags)
            .env("DATABASE_URL", sqlite_url(&db))
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start the server");
        let server = Server { child, port, db };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "the server did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        server
    }

    pub fn connect(&self) -> std::net::TcpStream {
        std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect")
    }

    /// Sends one request (`Connection: close`) and returns the whole
    /// response as text: status line, headers and body.
    pub fn http(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> String {
        http_to(self.port, method, path, headers, body)
    }

    /// POSTs a JSON body to `/graphql`; the whole response as text.
    pub fn post_graphql(&self, body: &str) -> String {
        self.http(
            "POST",
            "/graphql",
            &[("Content-Type", "application/json")],
            body,
        )
    }

    /// Stops the server and returns what it logged.
    pub fn stop(mut self) -> String {
        use std::io::Read;
        let _ = self.child.kill();
        let mut logs = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            let _ = stderr.read_to_string(&mut logs);
        }
        logs
    }
}

/// Sends one request to the server on `port` (`Connection: close`) and returns the whole
/// response as text: status line, headers and body.
pub fn http_to(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.db.display()));
        }
    }
}
