//! `api::error`: the texts and HTTP statuses of the error codes clients see.

use masterplan_api::error::ErrorCode;

/// The codes are a contract with clients: their texts never change.
#[test]
fn codes_keep_their_texts() {
    let texts: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        texts,
        [
            "UNAUTHENTICATED",
            "FORBIDDEN",
            "NOT_FOUND",
            "PLAN_REQUIRED",
            "BAD_USER_INPUT",
            "INTERNAL",
            "GRAPHQL_PARSE_FAILED",
            "GRAPHQL_VALIDATION_FAILED",
            "OPERATION_NOT_FOUND",
            "QUERY_TOO_COMPLEX",
            "TIMEOUT",
            "UNSUPPORTED_MEDIA_TYPE",
            "REQUEST_TOO_LARGE",
            "BAD_REQUEST",
            "BATCHING_DISABLED",
            "BATCH_TOO_LARGE",
            "METHOD_NOT_ALLOWED",
            "SERVICE_UNAVAILABLE",
            "REQUEST_TIMEOUT",
            "RATE_LIMITED",
            "NOT_ACCEPTABLE",
            "RESPONSE_TOO_LARGE",
            "TOO_MANY_CONNECTIONS",
            "TOO_MANY_SUBSCRIPTIONS",
            "PERSISTED_QUERY_NOT_FOUND",
            "PERSISTED_QUERY_NOT_IN_LIST",
        ]
    );
}

/// The statuses of the codes that refuse a request at the HTTP level.
#[test]
fn transport_codes_keep_their_statuses() {
    for (code, status) in [
        (ErrorCode::Unauthenticated, 401),
        (ErrorCode::Internal, 500),
        (ErrorCode::UnsupportedMediaType, 415),
        (ErrorCode::RequestTooLarge, 413),
        (ErrorCode::BadRequest, 400),
        (ErrorCode::BatchingDisabled, 400),
        (ErrorCode::BatchTooLarge, 400),
        (ErrorCode::MethodNotAllowed, 405),
    ] {
        assert_eq!(code.status().as_u16(), status, "{code:?}");
    }
}
