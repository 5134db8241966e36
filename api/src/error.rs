//! Errors that reach GraphQL clients: a message and a machine-readable
//! `extensions.code`. Internal failures are logged in full and reported as
//! `INTERNAL` without detail, so SQL and stack traces never leak.

use async_graphql::ErrorExtensions;
use masterplan_persistence::RepoError;

/// A client-visible error. Deliberately not `Display`: async-graphql converts
/// every `Display` type into an error without a code, so this type can only
/// become a GraphQL error through the `From` impl below, which sets the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: &'static str,
    pub message: String,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Input the caller can fix (a bad argument, cursor or page size).
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::new("BAD_USER_INPUT", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new("NOT_FOUND", message)
    }

    pub fn internal() -> Self {
        Self::new("INTERNAL", "internal error; it has been logged")
    }
}

impl From<RepoError> for ApiError {
    fn from(err: RepoError) -> Self {
        tracing::error!(error = %err, "repository error");
        ApiError::internal()
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        async_graphql::Error::new(err.message).extend_with(|_, ext| ext.set("code", err.code))
    }
}
