//! GraphQL over Server-Sent Events, the protocol's "distinct connections"
//! mode: a `POST /graphql` with `Accept: text/event-stream` gets one `next`
//! event per result and a `complete` event at the end, on a stream of its
//! own. For clients behind proxies that do not pass WebSockets. A request
//! refused before it runs gets the JSON error and status `POST` would.
//!
//! Keep-alive comments go out every `--keepalive-ms`. A client that stops
//! reading holds back only its own subscription, which later reads what it
//! missed from the database (see `graphql::changes`), so nothing piles up.

use std::convert::Infallible;
use std::sync::Arc;

use async_graphql::BatchRequest;
use axum::body::Body;
use axum::http::{HeaderMap, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use crate::admission::ClientAddr;
use crate::document_limits::OperationKind;
use crate::error::{ApiError, ErrorCode};
use crate::http::{
    check, named, no_query, read_request, rejection, run, with_codes, with_request_id,
};
use crate::metrics;
use crate::request_id;
use crate::server::AppState;
use crate::streams::{StreamConnection, open, session};

/// Whether the client asks for an event stream.
pub fn wanted(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|media| {
            media
                .split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/event-stream"))
        })
}

pub async fn post(state: AppState, headers: HeaderMap, client: ClientAddr, body: Body) -> Response {
    let (caller, batch) = match read_request(&state, &headers, client, body).await {
        Ok(read) => read,
        Err(refused) => return refused,
    };
    let BatchRequest::Single(mut request) = batch else {
        return ApiError::new(
            ErrorCode::BadRequest,
            "an event stream runs one operation; send one request object",
        )
        .into_response();
    };
    if request.query.trim().is_empty() {
        return no_query();
    }
    let measure = match check(&state, &mut request) {
        Ok(measure) => measure,
        // The refusal a POST answers (code, message and where the control
        // character stands), with the code's status, before any stream.
        Err(err) => {
            let status = err.code().status();
            let refusal = with_request_id(rejection(err), request_id::of(&headers));
            return (status, axum::Json(refusal)).into_response();
        }
    };
    let permit = match open(&state) {
        Ok(permit) => permit,
        Err(refused) => return refused.into_response(),
    };
    let id = request_id::of(&headers).to_owned();
    let kind = measure.kind;
    let request = named(request, &measure);
    let results: BoxStream<'static, async_graphql::Response> = match kind {
        OperationKind::Subscription => {
            let data = session(&state, caller, StreamConnection::new("sse", 1));
            let id = id.clone();
            state
                .schema
                .execute_stream_with_session_data(request, Arc::new(data))
                .map(move |response| with_request_id(with_codes(response), &id))
                .boxed()
        }
        // Queries and mutations run as a POST runs them, then complete.
        OperationKind::Query | OperationKind::Mutation => {
            let state = state.clone();
            futures_util::stream::once(
                async move { run(&state, request, &measure, &caller, &id).await },
            )
            .boxed()
        }
    };
    let open = metrics::Open::connection("sse");
    let events = results
        .map(|response| {
            Event::default()
                .event("next")
                .json_data(&response)
                .unwrap_or_else(|_| Event::default().event("next").data("{}"))
        })
        .chain(futures_util::stream::once(async {
            Event::default().event("complete").data("")
        }))
        // The stream holds its place among the open streams until it ends.
        .map(move |event| {
            let _held = (&permit, &open);
            Ok::<_, Infallible>(event)
        });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(state.limits.keepalive))
        .into_response()
}
