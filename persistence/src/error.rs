//! The repository's error type.

use diesel_async::pooled_connection::deadpool::PoolError;
use masterplan_domain::plan_check::Problem;
use masterplan_domain::validation::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("database configuration: {0}")]
    Config(String),
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("no database connection available: {0}")]
    Pool(#[from] PoolError),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    /// Stored data that the domain rules reject (e.g. an unknown status text).
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Conflict(String),
    /// Input refused by the domain rules, with every reason found, each about
    /// a field (a mutation's input or a plan file's path): a write's
    /// transaction is rolled back, a plan file is not loaded.
    #[error("rejected: {}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; "))]
    Rejected(Vec<FieldError>),
    /// A write outside what the caller may change (an editor's working groups).
    #[error("forbidden: {0}")]
    Forbidden(String),
}

impl RepoError {
    /// Whether the database, not the program, failed: it cannot be reached,
    /// dropped the connection, is read-only, full or busy. Such a request
    /// may succeed when retried later.
    pub fn is_outage(&self) -> bool {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match self {
            RepoError::Connect(_) | RepoError::Pool(_) => true,
            RepoError::Query(Error::DatabaseError(kind, info)) => {
                matches!(
                    kind,
                    Kind::ClosedConnection | Kind::UnableToSendCommand | Kind::ReadOnlyTransaction
                ) || {
                    let message = info.message();
                    OUTAGE_MESSAGES.iter().any(|m| message.contains(m))
                }
            }
            _ => false,
        }
    }

    pub fn rejected(error: FieldError) -> Self {
        RepoError::Rejected(vec![error])
    }

    /// Input refused as a whole, about no particular field.
    pub fn refused(message: impl Into<String>) -> Self {
        RepoError::rejected(FieldError::invalid(&[], message))
    }

    /// A plan file refused for `problems` (see [`masterplan_domain::plan_check::describe`]).
    pub fn plan_file(problems: Vec<Problem>) -> Self {
        RepoError::Rejected(problems.into_iter().map(FieldError::from).collect())
    }
}

pub type RepoResult<T> = Result<T, RepoError>;

/// Texts of database errors that mean an outage, for the errors diesel does
/// not give a kind of their own (SQLite's and PostgreSQL's messages).
const OUTAGE_MESSAGES: &[&str] = &[
    // SQLite
    "database or disk is full",
    "attempt to write a readonly database",
    "database is locked",
    "disk I/O error",
    "unable to open database file",
    // PostgreSQL
    "No space left on device",
    "terminating connection due to administrator command",
    "the database system is shutting down",
    "the database system is starting up",
    "server closed the connection unexpectedly",
    "connection to server",
];
