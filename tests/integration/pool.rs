//! The connection pool a server opens: its migrations run on the pool's
//! first connection, which then serves requests, and a server that cannot be
//! reached is a connection error, not a pool error.

use masterplan_persistence::{Database, RepoError};

backend_tests! {
    // A second pool on the test's (migrated) database: the migrations find
    // nothing to do, on the connection they leave to the pool.
    async fn migrations_leave_one_open_connection(app) {
        let db = Database::connect(&app.url).await.expect("connect");
        let status = db.pool_status();
        assert_eq!((status.open, status.idle), (1, 1), "{status:?}");
        db.ping().await.expect("the connection serves");
        assert_eq!(db.pool_status().open, 1);
    }
}

/// A new SQLite file is created and migrated through the pool.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_sqlite_file_is_migrated() {
    let dir = std::env::temp_dir().join(format!("mp_pool_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("new.db");
    let db = Database::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("create and migrate");
    assert_eq!(db.pool_status().open, 1);
    let mut conn = db.conn().await.expect("connection");
    let plans = masterplan_persistence::models::plan::list(&mut conn).await;
    assert_eq!(plans.expect("the plans table exists").len(), 0);
    drop((conn, db));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_postgres_is_a_connection_error() {
    // Port 1: nothing listens there.
    let error = Database::connect("postgres://postgres@127.0.0.1:1/masterplan")
        .await
        .err()
        .expect("no server");
    assert!(matches!(error, RepoError::Connect(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("cannot connect to the database"),
        "{error}"
    );
}
