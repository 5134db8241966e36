//! Errors that reach GraphQL clients: a message and a machine-readable
//! `extensions.code`. Internal failures are logged in full and reported as
//! `INTERNAL` without detail, so SQL and stack traces never leak.

use async_graphql::ErrorExtensions;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use masterplan_persistence::RepoError;

/// The `extensions.code` of a top-level GraphQL error, and the HTTP status of
/// a request refused with it before GraphQL runs. Deliberately not `Display`,
/// for the reason given at [`ApiError`].
///
/// Not to be confused with [`masterplan_domain::validation::UserErrorCode`],
/// the `code` of a mutation payload's `userErrors` entry (input problems
/// reported as data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// No token, or one that is malformed, unknown, revoked or expired.
    Unauthenticated,
    /// The caller's role or working groups do not cover the operation.
    Forbidden,
    /// A plan, measure or other object named by an argument does not exist.
    NotFound,
    /// Several plans exist and the operation did not say which one it means.
    PlanRequired,
    /// An argument, cursor or page size the caller can fix.
    BadUserInput,
    /// A failure on the server's side; the details are logged, not sent.
    Internal,
    /// The database cannot be reached, is read-only or full: retry later
    /// (HTTP 503 with `Retry-After`). Not a defect, unlike `INTERNAL`.
    ServiceUnavailable,
    /// The document is not GraphQL.
    GraphqlParseFailed,
    /// The document does not fit the schema (async-graphql's validation).
    GraphqlValidationFailed,
    /// No operation with the requested name, or several and no name.
    OperationNotFound,
    /// The document exceeds a depth, size or complexity limit.
    QueryTooComplex,
    /// Execution exceeded the time limit.
    Timeout,
    /// A POST whose Content-Type is not `application/json`.
    UnsupportedMediaType,
    /// A request body over the size limit.
    RequestTooLarge,
    /// A request body that did not arrive within the body timeout.
    RequestTimeout,
    /// A body or query string that is not a GraphQL request.
    BadRequest,
    /// An array-batched POST on a server with batching off.
    BatchingDisabled,
    /// An array batch with more operations than allowed.
    BatchTooLarge,
    /// A mutation sent by GET.
    MethodNotAllowed,
    /// Over the rate limit of the token or client address (HTTP 429 with
    /// `Retry-After`).
    RateLimited,
    /// An `Accept` header that takes neither JSON media type.
    NotAcceptable,
    /// A result larger than `--max-response-bytes`.
    ResponseTooLarge,
    /// More WebSocket and SSE connections open than `--max-stream-connections`
    /// (HTTP 503 with `Retry-After`).
    TooManyConnections,
    /// More subscriptions on one WebSocket than `--max-subscriptions-per-connection`.
    TooManySubscriptions,
    /// A persisted query's hash that the server does not know (yet): send
    /// the document with it once (Apollo's automatic persisted queries).
    PersistedQueryNotFound,
    /// A document that is not among the trusted documents of a
    /// `--persisted-only` server.
    PersistedQueryNotInList,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 26] = [
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::PlanRequired,
        ErrorCode::BadUserInput,
        ErrorCode::Internal,
        ErrorCode::GraphqlParseFailed,
        ErrorCode::GraphqlValidationFailed,
        ErrorCode::OperationNotFound,
        ErrorCode::QueryTooComplex,
        ErrorCode::Timeout,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::RequestTooLarge,
        ErrorCode::BadRequest,
        ErrorCode::BatchingDisabled,
        ErrorCode::BatchTooLarge,
        ErrorCode::MethodNotAllowed,
        ErrorCode::ServiceUnavailable,
        ErrorCode::RequestTimeout,
        ErrorCode::RateLimited,
        ErrorCode::NotAcceptable,
        ErrorCode::ResponseTooLarge,
        ErrorCode::TooManyConnections,
        ErrorCode::TooManySubscriptions,
        ErrorCode::PersistedQueryNotFound,
        ErrorCode::PersistedQueryNotInList,
    ];

    /// The text clients see in `extensions.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::PlanRequired => "PLAN_REQUIRED",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            ErrorCode::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            ErrorCode::OperationNotFound => "OPERATION_NOT_FOUND",
            ErrorCode::QueryTooComplex => "QUERY_TOO_COMPLEX",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            ErrorCode::RequestTooLarge => "REQUEST_TOO_LARGE",
            ErrorCode::BadRequest => "BAD_REQUEST",
            ErrorCode::BatchingDisabled => "BATCHING_DISABLED",
            ErrorCode::BatchTooLarge => "BATCH_TOO_LARGE",
            ErrorCode::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ErrorCode::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            ErrorCode::RequestTimeout => "REQUEST_TIMEOUT",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::NotAcceptable => "NOT_ACCEPTABLE",
            ErrorCode::ResponseTooLarge => "RESPONSE_TOO_LARGE",
            ErrorCode::TooManyConnections => "TOO_MANY_CONNECTIONS",
            ErrorCode::TooManySubscriptions => "TOO_MANY_SUBSCRIPTIONS",
            ErrorCode::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            ErrorCode::PersistedQueryNotInList => "PERSISTED_QUERY_NOT_IN_LIST",
        }
    }

    /// The HTTP status of a response that refuses the whole request with this
    /// code (see [`ApiError::into_response`]). Errors inside an executed
    /// GraphQL response are sent with 200 OK whatever their code.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::PlanRequired
            | ErrorCode::BadUserInput
            | ErrorCode::GraphqlParseFailed
            | ErrorCode::GraphqlValidationFailed
            | ErrorCode::OperationNotFound
            | ErrorCode::QueryTooComplex
            | ErrorCode::BadRequest
            | ErrorCode::BatchingDisabled
            | ErrorCode::BatchTooLarge => StatusCode::BAD_REQUEST,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Timeout | ErrorCode::ServiceUnavailable | ErrorCode::TooManyConnections => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ErrorCode::TooManySubscriptions => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::RequestTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            // The request ran; its result is answered as an error result.
            ErrorCode::ResponseTooLarge => StatusCode::OK,
            // Apollo clients expect 200 and then send the document.
            ErrorCode::PersistedQueryNotFound => StatusCode::OK,
            ErrorCode::PersistedQueryNotInList => StatusCode::FORBIDDEN,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        }
    }
}

/// A client-visible error. Deliberately not `Display`: async-graphql converts
/// every `Display` type into an error without a code, so this type can only
/// become a GraphQL error through the `From` impl below, which sets the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Input the caller can fix (a bad argument, cursor or page size).
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadUserInput, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "internal error; it has been logged")
    }

    pub fn service_unavailable() -> Self {
        Self::new(
            ErrorCode::ServiceUnavailable,
            format!("the database is not available; retry in {RETRY_AFTER_SECONDS} s"),
        )
    }
}

/// What `Retry-After` tells a client refused for an outage.
pub const RETRY_AFTER_SECONDS: u64 = 5;

impl From<RepoError> for ApiError {
    fn from(err: RepoError) -> Self {
        if err.is_outage() {
            tracing::warn!(error = %err, "database unavailable");
            return ApiError::service_unavailable();
        }
        tracing::error!(error = %err, "repository error");
        ApiError::internal()
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        async_graphql::Error::new(err.message)
            .extend_with(|_, ext| ext.set("code", err.code.as_str()))
    }
}

/// A request refused before GraphQL runs: the code's HTTP status and a
/// GraphQL-shaped body, `{"errors": [{"message": …, "extensions": {"code": …}}]}`.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut extensions = serde_json::json!({ "code": self.code.as_str() });
        if let Some(id) = crate::request_id::current() {
            extensions["requestId"] = id.into();
        }
        let body = serde_json::json!({
            "errors": [{ "message": self.message, "extensions": extensions }]
        });
        let mut response = (self.code.status(), axum::Json(body)).into_response();
        if matches!(
            self.code,
            ErrorCode::ServiceUnavailable | ErrorCode::TooManyConnections
        ) {
            retry_after(&mut response, RETRY_AFTER_SECONDS);
        }
        response
    }
}

/// Tells the client when to try again (`Retry-After`, in seconds): after an
/// outage, a shed request or a rate limit.
pub fn retry_after(response: &mut Response, seconds: u64) {
    response
        .headers_mut()
        .insert(axum::http::header::RETRY_AFTER, seconds.into());
}
