//! Persistence of the masterplan: one repository API over PostgreSQL
//! (diesel-async, pooled) and embedded SQLite, with migrations and the plan loader.

pub mod clock;
pub mod commits;
pub mod db;
pub mod error;
pub mod export;
pub mod id_list;
pub mod ids;
pub mod load_rows;
pub mod models;
pub mod page;
pub mod schema;
pub mod seed;
pub mod sql_types;
pub mod sqlite_library;
pub mod statements;
pub mod timestamps;
pub mod writes;

pub use db::{Database, DbConn};
pub use error::{RepoError, RepoResult};
