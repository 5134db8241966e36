//! `x-request-id`: taken from the caller when it is a sensible token, made
//! (a UUID) otherwise, echoed on the response, recorded on the request's
//! log lines and in the `extensions.requestId` of its GraphQL errors.

use axum::extract::Request;
use axum::http::HeaderMap;
use axum::http::header::HeaderName;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest caller-given id kept; longer ones are replaced.
const MAX_LEN: usize = 128;

/// Whether a caller's id can be logged and echoed as it is: 1 to 128
/// letters, digits and `-_.:/+=` (a UUID, a W3C trace id, a ULID, …).
pub fn acceptable(value: &str) -> bool {
    (1..=MAX_LEN).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(&b))
}

/// Drops an `x-request-id` that is not [`acceptable`] (so one is made
/// instead): ids end up in log lines, which must not be forged.
pub async fn drop_unacceptable(mut request: Request) -> Request {
    let keep = request
        .headers()
        .get(&X_REQUEST_ID)
        .is_none_or(|v| v.to_str().is_ok_and(acceptable));
    if !keep {
        request.headers_mut().remove(&X_REQUEST_ID);
    }
    request
}

/// Sets a missing id (layer it outside [`propagate`]).
pub fn set() -> SetRequestIdLayer<MakeRequestUuid> {
    SetRequestIdLayer::new(X_REQUEST_ID, MakeRequestUuid)
}

/// Copies the request's id onto the response.
pub fn propagate() -> PropagateRequestIdLayer {
    PropagateRequestIdLayer::new(X_REQUEST_ID)
}

tokio::task_local! {
    static CURRENT: String;
}

/// Runs the rest of the request with its id at hand for [`current`], so
/// refusals made before GraphQL runs name it too (layer it inside [`set`]).
pub async fn scoped(request: Request, next: axum::middleware::Next) -> axum::response::Response {
    let id = of(request.headers()).to_owned();
    CURRENT.scope(id, next.run(request)).await
}

/// The id of the request being answered, within [`scoped`].
pub fn current() -> Option<String> {
    CURRENT
        .try_with(Clone::clone)
        .ok()
        .filter(|id| !id.is_empty())
}

/// The request's id (set by the layers above for every request).
pub fn of(headers: &HeaderMap) -> &str {
    headers
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}
