//! The repository's error type.

use diesel_async::pooled_connection::deadpool::PoolError;
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
    /// Input that the domain rules reject, with every problem found.
    #[error("invalid input: {}", .0.join("; "))]
    Invalid(Vec<String>),
    #[error("{0}")]
    Conflict(String),
    /// A write refused because of its input, with every reason found; the
    /// transaction it ran in is rolled back.
    #[error("rejected: {}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; "))]
    Rejected(Vec<FieldError>),
    /// A write outside what the caller may change (an editor's working groups).
    #[error("forbidden: {0}")]
    Forbidden(String),
}

impl RepoError {
    pub fn rejected(error: FieldError) -> Self {
        RepoError::Rejected(vec![error])
    }
}

pub type RepoResult<T> = Result<T, RepoError>;
