//! The HTTP side of `/graphql`: transport checks (media type, body size,
//! batching), the document limits that must run before async-graphql
//! validates anything, execution with a time limit, and error codes on every
//! error a client can get.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use async_graphql::{BatchRequest, Request, Response, ServerError};
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Query as UrlQuery, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::json;
use tracing::Instrument;

use crate::auth::Caller;
use crate::batching::{Activity, Tracked};
use crate::control_characters::{self, ControlCharacter};
use crate::document_limits::{DocumentLimitError, DocumentMeasure, OperationKind, check_document};
use crate::error::{ApiError, ErrorCode};
use crate::graphql_response::{MediaType, Reply, capped_json, in_media_type, negotiate};
use crate::loaders::Loaders;
use crate::server::AppState;
use crate::{metrics, request_id};

/// A transport-level failure: the code's HTTP status plus a GraphQL-shaped body.
fn transport_error(code: ErrorCode, message: &str) -> axum::response::Response {
    ApiError::new(code, message).into_response()
}

fn reply<'a>(state: &AppState, media: MediaType, request_id: &'a str) -> Reply<'a> {
    Reply {
        media,
        max_bytes: state.limits.max_response_bytes,
        request_id,
    }
}

/// A request without a document (a misspelt `query` key, say).
pub(crate) fn no_query() -> axum::response::Response {
    transport_error(
        ErrorCode::BadRequest,
        "the request has no `query`: send the GraphQL document as `query`",
    )
}

pub(crate) fn coded(message: impl Into<String>, code: ErrorCode) -> ServerError {
    let mut error = ServerError::new(message, None);
    set_code(&mut error, code);
    error
}

fn set_code(error: &mut ServerError, code: ErrorCode) {
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

pub async fn graphql_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: crate::admission::ClientAddr,
    body: Body,
) -> axum::response::Response {
    if crate::sse::wanted(&headers) {
        return crate::sse::post(state, headers, client, body).await;
    }
    let media = match negotiate(&headers) {
        Ok(media) => media,
        Err(refused) => return refused.into_response(),
    };
    in_media_type(media, post(state, headers, client, body, media).await)
}

async fn post(
    state: AppState,
    headers: HeaderMap,
    client: crate::admission::ClientAddr,
    body: Body,
    media: MediaType,
) -> axum::response::Response {
    let (caller, batch) = match read_request(&state, &headers, client, body).await {
        Ok(read) => read,
        Err(refused) => return refused,
    };
    let id = request_id::of(&headers);
    if batch.iter().any(|request| request.query.trim().is_empty()) {
        return no_query();
    }
    match batch {
        BatchRequest::Single(request) => match prepare(&state, request, id) {
            Ok((request, measure)) if measure.kind == OperationKind::Query => {
                answer_query(
                    &state, request, &measure, &caller, id, media, &headers, false,
                )
                .await
            }
            Ok((request, measure)) => {
                let response = run(&state, request, &measure, &caller, id).await;
                reply(&state, media, id).single(response)
            }
            Err(refused) => reply(&state, media, id).single(*refused),
        },
        BatchRequest::Batch(requests) => {
            if requests.is_empty() {
                return transport_error(
                    ErrorCode::BadRequest,
                    "the batch holds no operation; send one request object or a non-empty array",
                );
            }
            if state.limits.max_batch == 0 {
                return transport_error(
                    ErrorCode::BatchingDisabled,
                    "array batching is turned off on this server; send one operation per request",
                );
            }
            if requests.len() > state.limits.max_batch {
                return transport_error(
                    ErrorCode::BatchTooLarge,
                    &format!(
                        "a batch may hold at most {} operations",
                        state.limits.max_batch
                    ),
                );
            }
            let mut responses = Vec::with_capacity(requests.len());
            for request in requests {
                responses.push(execute(&state, request, &caller, id).await);
            }
            reply(&state, media, id).batch(responses)
        }
    }
}

/// The checks every POST passes before its operations run (media type,
/// size, caller, body time), and the body read as a GraphQL request with
/// its persisted documents resolved.
pub(crate) async fn read_request(
    state: &AppState,
    headers: &HeaderMap,
    client: crate::admission::ClientAddr,
    body: Body,
) -> Result<(Caller, BatchRequest), axum::response::Response> {
    // A form or text/plain POST needs no CORS preflight, so accepting it would
    // let any web page send requests with a visitor's credentials.
    if !is_json(headers) {
        return Err(transport_error(
            ErrorCode::UnsupportedMediaType,
            "POST /graphql takes Content-Type: application/json",
        ));
    }
    let limit = state.limits.max_body_bytes;
    // A declared length over the limit is refused before anything is read.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(transport_error(
            ErrorCode::RequestTooLarge,
            &format!("the request body exceeds {limit} bytes"),
        ));
    }
    let caller = state.caller(headers, client).await?;
    let within = state.limits.body_timeout;
    let bytes = match tokio::time::timeout(within, to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => {
            return Err(transport_error(
                ErrorCode::RequestTooLarge,
                &format!("the request body exceeds {limit} bytes"),
            ));
        }
        Err(_) => {
            return Err(transport_error(
                ErrorCode::RequestTimeout,
                &format!(
                    "the request body did not arrive within {} ms",
                    within.as_millis()
                ),
            ));
        }
    };
    let batch = crate::request_body::parse(&bytes, &state.persisted)
        .map_err(IntoResponse::into_response)?;
    Ok((caller, batch))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    /// JSON, for a persisted query's hash (`{"persistedQuery": …}`).
    extensions: Option<String>,
    /// A persisted document's id (`sha256:<hex>`).
    document_id: Option<String>,
}

/// `GET /graphql?query=…` runs a query (cacheable reads for widgets); a
/// browser without `query` gets GraphiQL.
pub async fn graphql_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: crate::admission::ClientAddr,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    UrlQuery(params): UrlQuery<GetParams>,
) -> axum::response::Response {
    if let Ok(upgrade) = upgrade {
        return crate::websocket::upgrade(state, upgrade, headers, client).await;
    }
    if params.query.is_none() && params.extensions.is_none() && params.document_id.is_none() {
        return crate::graphiql::page().await.into_response();
    }
    let media = match negotiate(&headers) {
        Ok(media) => media,
        Err(refused) => return refused.into_response(),
    };
    in_media_type(media, get(state, headers, client, params, media).await)
}

async fn get(
    state: AppState,
    headers: HeaderMap,
    client: crate::admission::ClientAddr,
    params: GetParams,
    media: MediaType,
) -> axum::response::Response {
    let caller = match state.caller(&headers, client).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let id = request_id::of(&headers);
    let mut request = Request::new(params.query.unwrap_or_default());
    if let Some(extensions) = params.extensions {
        match serde_json::from_str::<HashMap<String, serde_json::Value>>(&extensions) {
            Ok(extensions) => {
                request.extensions = async_graphql::Extensions(
                    extensions
                        .into_iter()
                        .map(|(k, v)| (k, async_graphql::Value::from_json(v).unwrap_or_default()))
                        .collect(),
                );
            }
            Err(err) => {
                return transport_error(
                    ErrorCode::BadRequest,
                    &format!("`extensions` is not a JSON object: {err}"),
                );
            }
        }
    }
    if let Err(refused) = state
        .persisted
        .resolve(&mut request, params.document_id.as_deref())
    {
        return refused.into_response();
    }
    if request.query.trim().is_empty() {
        return no_query();
    }
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(variables) = params.variables {
        match serde_json::from_str(&variables) {
            Ok(variables) => request = request.variables(variables),
            Err(err) => {
                return transport_error(
                    ErrorCode::BadRequest,
                    &format!("`variables` is not a JSON object: {err}"),
                );
            }
        }
    }
    match check(&state, &mut request) {
        Ok(measure) if measure.kind != OperationKind::Query => transport_error(
            ErrorCode::MethodNotAllowed,
            "GET runs queries only; send mutations by POST, subscriptions over a stream",
        ),
        Ok(measure) => {
            let request = named(request, &measure);
            let shared = matches!(caller, Caller::Anonymous | Caller::PublicZone);
            answer_query(
                &state, request, &measure, &caller, id, media, &headers, shared,
            )
            .await
        }
        Err(err) => reply(&state, media, id).single(with_request_id(rejection(err), id)),
    }
}

/// Answers a query, from the response cache when it holds the answer; a
/// current `If-None-Match` gets 304 without anything being run. `shared`:
/// an anonymous GET, whose answer shared caches may keep for
/// `--cache-max-age`.
#[allow(clippy::too_many_arguments)]
async fn answer_query(
    state: &AppState,
    request: Request,
    measure: &DocumentMeasure,
    caller: &Caller,
    id: &str,
    media: MediaType,
    headers: &HeaderMap,
    shared: bool,
) -> axum::response::Response {
    let max_age = state.limits.cache_max_age;
    let cache_control = if shared && max_age > 0 {
        HeaderValue::from_str(&format!("public, max-age={max_age}")).expect("digits")
    } else {
        HeaderValue::from_static("no-cache")
    };
    let cache = state.cache.as_deref();
    let Some((cache, lookup)) = cache.and_then(|c| Some((c, c.lookup(&request, caller)?))) else {
        let response = run(state, request, measure, caller, id).await;
        return reply(state, media, id).single(response);
    };
    let current = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim() == lookup.etag || tag.trim() == "*");
    // Answered without running: still an operation the client asked for.
    let served = |status, body| {
        let name = request.operation_name.as_deref();
        metrics::operation(name, "query", "ok".to_owned(), Instant::now());
        cached(status, body, &lookup.etag, &cache_control)
    };
    if current {
        crate::metrics::cache("not_modified");
        return served(StatusCode::NOT_MODIFIED, Bytes::new());
    }
    if let Some(body) = cache.get(&lookup) {
        return served(StatusCode::OK, body);
    }
    let response = run(state, request, measure, caller, id).await;
    if !response.errors.is_empty() {
        return reply(state, media, id).single(response);
    }
    match capped_json(&response, state.limits.max_response_bytes) {
        Some(bytes) => {
            let body = Bytes::from(bytes);
            cache.put(&lookup, body.clone());
            cached(StatusCode::OK, body, &lookup.etag, &cache_control)
        }
        None => reply(state, media, id).too_large(),
    }
}

/// An answer that can be revalidated: clients ask again with its `ETag`.
fn cached(
    status: StatusCode,
    body: Bytes,
    etag: &HeaderValue,
    cache_control: &HeaderValue,
) -> axum::response::Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::ETAG, etag.clone()),
            (header::CACHE_CONTROL, cache_control.clone()),
            (
                header::VARY,
                HeaderValue::from_static("Authorization, Accept"),
            ),
        ],
        body,
    )
        .into_response()
}

/// Checks the document against the limits (before async-graphql parses or
/// validates it), then executes it within the time limit.
async fn execute(state: &AppState, request: Request, caller: &Caller, id: &str) -> Response {
    match prepare(state, request, id) {
        Ok((request, measure)) => run(state, request, &measure, caller, id).await,
        Err(refused) => *refused,
    }
}

/// The request checked against the document limits and named, with its
/// measure; or the answer that refuses it (subscriptions need a stream).
fn prepare(
    state: &AppState,
    mut request: Request,
    id: &str,
) -> Result<(Request, DocumentMeasure), Box<Response>> {
    match check(state, &mut request) {
        Ok(measure) if measure.kind == OperationKind::Subscription => {
            Err(Box::new(with_request_id(
                Response::from_errors(vec![coded(
                    SUBSCRIPTIONS_STREAM,
                    ErrorCode::MethodNotAllowed,
                )]),
                id,
            )))
        }
        Ok(measure) => Ok((named(request, &measure), measure)),
        Err(err) => Err(Box::new(with_request_id(rejection(err), id))),
    }
}

/// Why a subscription sent as a plain request does not run.
const SUBSCRIPTIONS_STREAM: &str = "subscriptions need a stream: a WebSocket at /graphql \
     (graphql-transport-ws) or a POST with Accept: text/event-stream";

/// Why [`check`] refused a request before anything ran.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Refusal {
    #[error(transparent)]
    Limit(#[from] DocumentLimitError),
    #[error(transparent)]
    ControlCharacter(#[from] ControlCharacter),
}

impl Refusal {
    pub(crate) fn code(&self) -> ErrorCode {
        match self {
            Self::Limit(err) => err.code(),
            Self::ControlCharacter(_) => ErrorCode::BadUserInput,
        }
    }
}

/// Parses the document, checks it against the document limits and refuses
/// control characters in it and in the variables, then hands the parsed
/// document to the request, so async-graphql does not parse it again.
pub(crate) fn check(state: &AppState, request: &mut Request) -> Result<DocumentMeasure, Refusal> {
    let checked = check_document(
        &request.query,
        request.operation_name.as_deref(),
        &state.limits.document,
    )
    .map_err(Refusal::from)
    .and_then(|(measure, document)| {
        control_characters::refuse(&document, &request.variables)?;
        Ok((measure, document))
    });
    match checked {
        Ok((measure, document)) => {
            request.set_parsed_query(document);
            Ok(measure)
        }
        Err(err) => {
            tracing::info!(operation = ?request.operation_name, error = %err, "rejected document");
            Err(err)
        }
    }
}

/// The request with its operation's name made explicit (the name of the one
/// operation of a document), so logs and traces name what ran.
pub(crate) fn named(request: Request, measure: &DocumentMeasure) -> Request {
    match (&request.operation_name, &measure.name) {
        (None, Some(name)) => request.operation_name(name),
        _ => request,
    }
}

pub(crate) fn rejection(err: Refusal) -> Response {
    let mut error = coded(err.to_string(), err.code());
    if let Refusal::ControlCharacter(ControlCharacter { pos: Some(pos), .. }) = err {
        error.locations = vec![pos];
    }
    Response::from_errors(vec![error])
}

/// Executes one operation inside a `graphql` span that records the operation
/// name, the duration and the error codes.
pub(crate) async fn run(
    state: &AppState,
    request: Request,
    measure: &DocumentMeasure,
    caller: &Caller,
    id: &str,
) -> Response {
    let kind = measure.kind;
    let started = Instant::now();
    let operation = request.operation_name.clone();
    let span = tracing::info_span!(
        "graphql",
        otel.name = format!("{} {}", kind.as_str(), operation.as_deref().unwrap_or("")).trim_end(),
        operation = request.operation_name.as_deref().unwrap_or(""),
        r#type = kind.as_str(),
        complexity = tracing::field::Empty,
        depth = measure.depth,
        fields = measure.fields,
        caller = caller.name(),
        duration_ms = tracing::field::Empty,
        errors = tracing::field::Empty,
        codes = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
    );
    let activity = Arc::new(Activity::default());
    let request = request
        .data(Loaders::new(&state.db, &activity, caller))
        .data(caller.clone());
    let execution = Tracked::new(state.schema.execute(request), activity);
    let response = match tokio::time::timeout(state.limits.timeout, execution)
        .instrument(span.clone())
        .await
    {
        Ok(response) => with_codes(response),
        Err(_) => Response::from_errors(vec![coded(
            format!(
                "the request took longer than {} ms and was stopped",
                state.limits.timeout.as_millis()
            ),
            ErrorCode::Timeout,
        )]),
    };
    span.record("duration_ms", started.elapsed().as_secs_f64() * 1000.0);
    span.record("errors", response.errors.len());
    let codes: Vec<String> = response
        .errors
        .iter()
        .filter_map(|e| e.extensions.as_ref()?.get("code"))
        .map(|c| c.to_string().replace('"', ""))
        .collect();
    let outcome = codes.first().map_or("ok", String::as_str);
    metrics::operation(
        operation.as_deref(),
        kind.as_str(),
        outcome.to_owned(),
        started,
    );
    if !codes.is_empty() {
        span.record("otel.status_code", "ERROR");
    }
    span.record("codes", codes.join(","));
    let response = with_request_id(response, id);
    span.in_scope(|| tracing::info!("graphql request"));
    response
}

/// Puts the request's id into every error's `extensions.requestId`, so a
/// client's report can be found in the logs.
pub(crate) fn with_request_id(mut response: Response, id: &str) -> Response {
    for error in &mut response.errors {
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("requestId", id);
    }
    response
}

/// Gives every error a code: async-graphql's own validation and argument
/// errors come without one.
pub(crate) fn with_codes(mut response: Response) -> Response {
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|ext| ext.get("code").is_some());
        if has_code {
            continue;
        }
        let code = if error.message.starts_with("Query is too complex")
            || error.message.starts_with("Query is nested too deep")
            || error.message.contains("recursion")
        {
            ErrorCode::QueryTooComplex
        } else if error.path.is_empty() {
            ErrorCode::GraphqlValidationFailed
        } else {
            ErrorCode::BadUserInput
        };
        set_code(error, code);
    }
    response
}

pub async fn healthz() -> impl IntoResponse {
    axum::Json(json!({ "status": "ok" }))
}

/// How long `/readyz` waits for the database (a frozen one never answers).
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Ready when the database answers within [`READY_TIMEOUT`].
pub async fn readyz(State(state): State<AppState>) -> axum::response::Response {
    let ping = tokio::time::timeout(READY_TIMEOUT, state.db.ping()).await;
    match ping {
        Ok(Ok(())) => axum::Json(json!({ "status": "ok", "database": state.db.backend_name() }))
            .into_response(),
        failed => {
            match failed {
                Ok(Err(err)) => tracing::warn!(error = %err, "readiness check failed"),
                _ => tracing::warn!("readiness check timed out"),
            }
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(json!({ "status": "unavailable", "database": state.db.backend_name() })),
            )
                .into_response()
        }
    }
}

/// `GET /schema.graphql`: the contract; with `--require-auth`, for token
/// holders only (as introspection is).
pub async fn schema_sdl(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: crate::admission::ClientAddr,
) -> axum::response::Response {
    if let Err(response) = state.caller(&headers, client).await {
        return response;
    }
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        state.schema.sdl(),
    )
        .into_response()
}
