//! Loading a query's rows, the cheapest way each backend allows.
//!
//! diesel-async runs a SQLite statement on a blocking thread and hands every
//! row back as an owned copy (`sqlite3_value_dup` of each column: two
//! allocations and a copy per value) to be deserialised on the async side.
//! [`LoadRows::load_rows`] instead deserialises the rows on the blocking
//! thread, straight from the statement, with diesel's synchronous `load`:
//! one hop to that thread and back, as before, without the copies.
//! PostgreSQL keeps diesel-async's own `load`.
//!
//! The query must own its data (`'static`) to move to that thread; the
//! DataLoaders' queries do (`in_ids` copies the ids).

use std::future::Future;

use diesel::QueryResult;
use diesel::sqlite::SqliteConnection;
use diesel_async::AsyncPgConnection;

use crate::db::SqliteConn;

/// `query.load(conn)`, answered on either backend; see the module documentation.
pub trait LoadRows<Q, T> {
    fn load_rows(&mut self, query: Q) -> impl Future<Output = QueryResult<Vec<T>>> + Send;
}

/// The first of the rows loaded, or diesel's `NotFound` (as `.first()`
/// answers): `with_conn!(conn, c => c.load_rows(query).await).and_then(first_row)`.
pub fn first_row<T>(rows: Vec<T>) -> QueryResult<T> {
    rows.into_iter()
        .next()
        .ok_or(diesel::result::Error::NotFound)
}

impl<Q, T> LoadRows<Q, T> for AsyncPgConnection
where
    Q: diesel_async::methods::LoadQuery<'static, AsyncPgConnection, T> + Send + 'static,
    T: Send,
{
    fn load_rows(&mut self, query: Q) -> impl Future<Output = QueryResult<Vec<T>>> + Send {
        diesel_async::RunQueryDsl::load(query, self)
    }
}

impl<Q, T> LoadRows<Q, T> for SqliteConn
where
    Q: diesel::query_dsl::LoadQuery<'static, SqliteConnection, T> + Send + 'static,
    T: Send + 'static,
{
    fn load_rows(&mut self, query: Q) -> impl Future<Output = QueryResult<Vec<T>>> + Send {
        self.spawn_blocking(move |conn| diesel::RunQueryDsl::load(query, conn))
    }
}
