//! One PostgreSQL admin session for the whole test process, for the
//! `CREATE DATABASE` and `DROP DATABASE` of every test: PostgreSQL starts a
//! process per connection, and two admin connections per test (one to clone
//! its database, one to drop it) were most of the connections the suite
//! opened. The session lives on a thread of its own: each test has its own
//! runtime, and a connection made in one dies with it.

use std::sync::OnceLock;

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use tokio::sync::{mpsc, oneshot};

type Command = (String, Option<oneshot::Sender<Result<(), String>>>);

pub struct Admin {
    commands: mpsc::UnboundedSender<Command>,
}

static ADMIN: OnceLock<Admin> = OnceLock::new();

impl Admin {
    /// The process's admin session on `url` (every caller passes the same
    /// URL: `TEST_DATABASE_URL`'s).
    pub fn of(url: &str) -> &'static Admin {
        ADMIN.get_or_init(|| Admin::start(url.to_owned()))
    }

    fn start(url: String) -> Admin {
        let (commands, mut received) = mpsc::unbounded_channel::<Command>();
        std::thread::Builder::new()
            .name("postgres-admin".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async move {
                    let mut conn: Option<AsyncPgConnection> = None;
                    while let Some((sql, reply)) = received.recv().await {
                        let result = run(&url, &mut conn, &sql).await;
                        if result.is_err() {
                            // Opened again for the next statement, in case
                            // the connection itself broke.
                            conn = None;
                        }
                        if let Some(reply) = reply {
                            let _ = reply.send(result);
                        }
                    }
                });
            })
            .expect("admin thread");
        Admin { commands }
    }

    /// Runs `sql` and returns its outcome.
    pub async fn execute(&self, sql: String) -> Result<(), String> {
        let (reply, outcome) = oneshot::channel();
        self.commands
            .send((sql, Some(reply)))
            .expect("the admin thread runs");
        outcome.await.expect("the admin thread answers")
    }

    /// Runs `sql` without waiting for it (a test's drop of its database: a
    /// database the ended process left behind is dropped by the next one).
    pub fn send(&self, sql: String) {
        let _ = self.commands.send((sql, None));
    }
}

async fn run(url: &str, conn: &mut Option<AsyncPgConnection>, sql: &str) -> Result<(), String> {
    if conn.is_none() {
        *conn = Some(
            AsyncPgConnection::establish(url)
                .await
                .map_err(|e| format!("admin connection: {e}"))?,
        );
    }
    let conn = conn.as_mut().expect("opened above");
    conn.batch_execute(sql).await.map_err(|e| e.to_string())
}
