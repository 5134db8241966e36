//! Connection pools for PostgreSQL and SQLite behind one type, migrations, and the
//! per-pool count of executed SQL statements (see [`crate::statements`]).

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::InstrumentationEvent;
use diesel::sqlite::SqliteConnection;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection, TransactionManager};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt;
use tracing::Span;

pub use crate::commits::CommitSignals;
use crate::commits::{CHANNEL, Commits};
use crate::error::{RepoError, RepoResult};
pub use crate::statements::QueryStats;
use crate::statements::StatementSpans;

pub type SqliteConn = SyncConnectionWrapper<SqliteConnection>;

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    /// A file path (the `sqlite://` prefix removed).
    Sqlite(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> RepoResult<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_owned()))
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() || path == ":memory:" {
                // Every pooled connection would get its own empty in-memory database.
                return Err(RepoError::Config(
                    "sqlite:// needs a file path (an in-memory database cannot be pooled)".into(),
                ));
            }
            Ok(Self::Sqlite(path.to_owned()))
        } else {
            Err(RepoError::Config(format!(
                "unsupported database URL {url:?}: use sqlite://PATH or postgres://…"
            )))
        }
    }

    /// Connections in a pool for this database.
    pub fn pool_size(&self) -> usize {
        match self {
            Self::Postgres(_) => POOL_SIZE,
            Self::Sqlite(_) => SQLITE_POOL_SIZE,
        }
    }
}

#[derive(Clone)]
enum Pools {
    Postgres(Pool<AsyncPgConnection>),
    Sqlite(Pool<SqliteConn>),
}

/// A snapshot of the connection pool, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    pub open: usize,
    pub idle: usize,
    pub waiting: usize,
}

/// The application's database: a pool over one of the two backends.
#[derive(Clone)]
pub struct Database {
    pools: Pools,
    stats: Arc<QueryStats>,
    commits: Arc<Commits>,
}

/// A pooled connection of either backend; use [`with_conn!`](crate::with_conn)
/// to run the same diesel code on whichever it is.
// One connection handle lives per request on the stack; boxing the larger
// variant would add an allocation to every checkout for no gain.
#[allow(clippy::large_enum_variant)]
pub enum DbConn {
    Postgres(Object<AsyncPgConnection>, Arc<Commits>),
    Sqlite(Object<SqliteConn>, Arc<Commits>),
}

/// Expands `$body` once per backend with `$c` bound to the concrete connection,
/// so one query text serves PostgreSQL and SQLite.
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConn::Postgres(pooled, _) => {
                let $c: &mut ::diesel_async::AsyncPgConnection = &mut *pooled;
                $body
            }
            $crate::db::DbConn::Sqlite(pooled, _) => {
                let $c: &mut $crate::db::SqliteConn = &mut *pooled;
                $body
            }
        }
    };
}

/// Connections per pool on PostgreSQL (see [`DatabaseUrl::pool_size`]).
pub const POOL_SIZE: usize = 16;

/// Connections per pool on SQLite. Each runs its statements on a thread of
/// Tokio's blocking pool and keeps its own page cache, and SQLite runs
/// in-process on the server's cores: under the reporting load of
/// bench/side_by_side.py, 16 connections gave 19–40 blocking threads, each
/// with its own allocator heap, and no more throughput than 4 (an
/// interleaved A/B).
pub const SQLITE_POOL_SIZE: usize = 4;

/// One pool configuration for both backends (a macro: the manager types differ
/// and deadpool's bounds on a generic connection type are not nameable here).
macro_rules! build_pool {
    ($manager:expr, $size:expr) => {
        Pool::builder($manager)
            .max_size($size)
            .wait_timeout(Some(Duration::from_secs(10)))
            .create_timeout(Some(Duration::from_secs(10)))
            .recycle_timeout(Some(Duration::from_secs(5)))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|e| RepoError::Config(format!("cannot build the connection pool: {e}")))
    };
}

/// Runs pending migrations on the pool's first connection, which goes back
/// to the pool afterwards: a server's start (or a test's database) opens one
/// connection fewer than with a connection of the migrations' own. A macro
/// for the reason `build_pool!` is one.
macro_rules! migrate {
    ($pool:expr, $migrations:expr) => {
        diesel_async::AsyncMigrationHarness::new(first(&$pool).await?)
            .run_pending_migrations($migrations)
            .map(|_| ())
            .map_err(|e| RepoError::Migration(e.to_string()))
    };
}

impl Database {
    /// Opens (and for SQLite creates) the database and runs pending migrations.
    pub async fn connect(url: &str) -> RepoResult<Self> {
        let stats = Arc::new(QueryStats::default());
        let parsed = DatabaseUrl::parse(url)?;
        let size = parsed.pool_size();
        let commits = Arc::new(Commits::new(match &parsed {
            DatabaseUrl::Postgres(url) => Some(url.clone()),
            DatabaseUrl::Sqlite(_) => None,
        }));
        let pools = match parsed {
            DatabaseUrl::Postgres(url) => {
                // Each checkout instruments its connection (see `conn`).
                let mut config = ManagerConfig::<AsyncPgConnection>::default();
                config.recycling_method = RecyclingMethod::Fast;
                config.custom_setup = Box::new(|url| open_postgres(url).boxed());
                let manager = AsyncDieselConnectionManager::new_with_config(url, config);
                let pool = build_pool!(manager, size)?;
                migrate!(pool, PG_MIGRATIONS)?;
                Pools::Postgres(pool)
            }
            DatabaseUrl::Sqlite(path) => {
                crate::sqlite_library::configure();
                crate::sqlite_library::check()?;
                let mut config = ManagerConfig::<SqliteConn>::default();
                config.recycling_method = RecyclingMethod::Fast;
                config.custom_setup = Box::new(move |path| {
                    let path = path.to_owned();
                    async move { open_sqlite(&path).await }.boxed()
                });
                let manager = AsyncDieselConnectionManager::new_with_config(path, config);
                let pool = build_pool!(manager, size)?;
                migrate!(pool, SQLITE_MIGRATIONS)?;
                Pools::Sqlite(pool)
            }
        };
        Ok(Self {
            pools,
            stats,
            commits,
        })
    }

    /// Checks a connection out; its statements' spans go under the span
    /// current here.
    pub async fn conn(&self) -> RepoResult<DbConn> {
        let spans = |system| StatementSpans::new(self.stats.clone(), system, Span::current());
        Ok(match &self.pools {
            Pools::Postgres(pool) => {
                let mut conn = pool.get().await?;
                conn.set_instrumentation(spans("postgresql"));
                DbConn::Postgres(conn, self.commits.clone())
            }
            Pools::Sqlite(pool) => {
                let mut conn = pool.get().await?;
                conn.set_instrumentation(spans("sqlite"));
                DbConn::Sqlite(conn, self.commits.clone())
            }
        })
    }

    /// Wakes whenever audit entries may have been committed (see [`CommitSignals`]).
    pub fn commit_signals(&self) -> CommitSignals {
        self.commits.signals()
    }

    pub fn stats(&self) -> &QueryStats {
        &self.stats
    }

    /// The pool's connections: open, idle and callers waiting for one.
    pub fn pool_status(&self) -> PoolStatus {
        let status = match &self.pools {
            Pools::Postgres(pool) => pool.status(),
            Pools::Sqlite(pool) => pool.status(),
        };
        PoolStatus {
            open: status.size,
            idle: status.available,
            waiting: status.waiting,
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self.pools {
            Pools::Postgres(_) => "postgres",
            Pools::Sqlite(_) => "sqlite",
        }
    }

    /// A cheap round trip, for readiness checks.
    pub async fn ping(&self) -> RepoResult<()> {
        let mut conn = self.conn().await?;
        with_conn!(&mut conn, c => c.batch_execute("SELECT 1").await)?;
        Ok(())
    }
}

/// The planner's price of a random page read for the server's sessions,
/// unless the operator has set one (in `postgresql.conf`, for the database
/// or for the role): PostgreSQL's default of 4 is meant for spinning disks.
/// With it, the goals and KPIs of a page of measures were read by scanning
/// the whole table once the tables were ten times the bundled plan's size
/// (0.28 ms instead of 0.13 ms for the goals; bench/table_growth.py); 1.1,
/// the usual setting for SSDs and for data held in memory, picks the
/// `measure_id` indexes there and the same plans as before on small tables.
const RANDOM_PAGE_COST: &str = "SELECT set_config('random_page_cost', '1.1', false) \
     FROM pg_settings WHERE name = 'random_page_cost' AND source = 'default'";

async fn open_postgres(url: &str) -> diesel::ConnectionResult<AsyncPgConnection> {
    let mut conn = AsyncPgConnection::establish(url).await?;
    conn.batch_execute(RANDOM_PAGE_COST)
        .await
        .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
    Ok(conn)
}

async fn open_sqlite(path: &str) -> diesel::ConnectionResult<SqliteConn> {
    let mut conn = SqliteConn::establish(path).await?;
    // busy_timeout first: the first connections to a WAL file that nobody
    // holds open run WAL recovery under a lock, and the pool opens several at
    // once; a connection that ran a pragma before it had a busy timeout failed
    // at once with SQLITE_BUSY. WAL lets readers run beside the writer;
    // SQLite leaves foreign keys off by default.
    conn.batch_execute(
        "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
         PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
    )
    .await
    .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
    Ok(conn)
}

/// The pool's first connection, for the migrations; a connection that
/// cannot be opened is the error it was (not a pool error).
async fn first<M>(pool: &deadpool::managed::Pool<M>) -> RepoResult<deadpool::managed::Object<M>>
where
    M: deadpool::managed::Manager<Error = diesel_async::pooled_connection::PoolError>,
{
    pool.get().await.map_err(|e| match e {
        deadpool::managed::PoolError::Backend(
            diesel_async::pooled_connection::PoolError::ConnectionError(e),
        ) => RepoError::Connect(e),
        e => RepoError::Pool(e),
    })
}

async fn begin<C: AsyncConnection>(c: &mut C) -> diesel::QueryResult<()> {
    <C::TransactionManager as TransactionManager<C>>::begin_transaction(c).await
}

async fn commit<C: AsyncConnection>(c: &mut C) -> diesel::QueryResult<()> {
    <C::TransactionManager as TransactionManager<C>>::commit_transaction(c).await
}

async fn rollback<C: AsyncConnection>(c: &mut C) -> diesel::QueryResult<()> {
    <C::TransactionManager as TransactionManager<C>>::rollback_transaction(c).await
}

impl DbConn {
    /// Runs `body` in a write transaction. Its first statement takes the
    /// audit chain's head row for update, which serialises writers on both
    /// backends: on SQLite the transaction holds the write lock before it has
    /// read anything (so it waits for other writers instead of failing with
    /// SQLITE_BUSY when it upgrades), and on PostgreSQL every later statement
    /// sees what the writers before it committed.
    pub async fn write_transaction<R>(
        &mut self,
        body: impl AsyncFnOnce(&mut DbConn) -> RepoResult<R>,
    ) -> RepoResult<R> {
        const LOCK_HEAD: &str = "UPDATE audit_head SET last_id = last_id WHERE id = 1";
        let value = self
            .transaction(async |conn| {
                match conn {
                    // Listeners hear of the change at commit, in the same
                    // round trip as the lock: PostgreSQL delivers a NOTIFY
                    // only when its transaction commits. The payload names
                    // this process, whose own listener skips it.
                    DbConn::Postgres(pg, commits) => {
                        let notify = format!("{LOCK_HEAD}; NOTIFY {CHANNEL}, '{}'", commits.origin);
                        pg.batch_execute(&notify).await?
                    }
                    DbConn::Sqlite(sqlite, _) => sqlite.batch_execute(LOCK_HEAD).await?,
                }
                crate::clock::at_one_instant(body(conn)).await
            })
            .await?;
        match self {
            DbConn::Postgres(_, commits) | DbConn::Sqlite(_, commits) => commits.committed(),
        }
        Ok(value)
    }

    /// Runs `body` in a transaction: committed when it returns `Ok`, rolled back
    /// otherwise. (A future dropped half-way leaves the transaction open, which
    /// the pool detects and discards the connection.)
    pub async fn transaction<R>(
        &mut self,
        body: impl AsyncFnOnce(&mut DbConn) -> RepoResult<R>,
    ) -> RepoResult<R> {
        with_conn!(self, c => begin(c).await)?;
        match body(self).await {
            Ok(value) => {
                with_conn!(self, c => commit(c).await)?;
                Ok(value)
            }
            Err(err) => {
                if let Err(rollback_err) = with_conn!(self, c => rollback(c).await) {
                    tracing::error!(error = %rollback_err, "rollback failed");
                }
                Err(err)
            }
        }
    }
}

impl Drop for DbConn {
    /// A connection back in the pool must not keep its last caller's span
    /// open (a span ends when its last handle goes).
    fn drop(&mut self) {
        // Nothing runs on an idle connection; the next checkout sets its own.
        with_conn!(self, c => c.set_instrumentation(|_: InstrumentationEvent<'_>| {}));
    }
}
