//! GraphQL over WebSocket at `GET /graphql`, with the `graphql-transport-ws`
//! protocol (the one the `graphql-ws` client speaks). The token comes in
//! `connection_init`'s payload as `{"Authorization": "Bearer …"}` (browsers
//! cannot set headers on a WebSocket), else in the upgrade request's header.
//!
//! The server pings every `--keepalive-ms` and closes a connection that has
//! sent nothing, not even the pong, for two intervals; a client that reads
//! nothing for `--send-timeout-ms` is disconnected, so nothing is buffered
//! for it without bound.

use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use axum::extract::WebSocketUpgrade;
use axum::extract::ws::{CloseFrame, Message, WebSocket as Socket};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::OwnedSemaphorePermit;

use crate::admission::{ClientAddr, RateKey};
use crate::auth::{Caller, authenticate};
use crate::error::{ApiError, ErrorCode};
use crate::metrics;
use crate::request_id;
use crate::server::AppState;
use crate::streams::{StreamConnection, StreamExecutor, open, session};

const PROTOCOL: &str = "graphql-transport-ws";
/// Bytes read from a WebSocket at once (messages may be larger).
const READ_BUFFER: usize = 4096;

/// Accepts the upgrade, or refuses it with a coded error.
pub async fn upgrade(
    state: AppState,
    upgrade: WebSocketUpgrade,
    headers: HeaderMap,
    client: ClientAddr,
) -> Response {
    let offered = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|p| p.trim() == PROTOCOL));
    if !offered {
        return ApiError::new(
            ErrorCode::BadRequest,
            format!(
                "WebSocket connections take the `{PROTOCOL}` subprotocol (Sec-WebSocket-Protocol)"
            ),
        )
        .into_response();
    }
    // A token in the header is checked now; without one the caller is
    // known at `connection_init`.
    let caller = if headers.contains_key(header::AUTHORIZATION) {
        match state.caller(&headers, client).await {
            Ok(caller) => Some(caller),
            Err(refused) => return refused,
        }
    } else {
        if let Err(limited) = state.admission.charge(&RateKey::Address(client.0)) {
            return limited.into_response();
        }
        None
    };
    let permit = match open(&state) {
        Ok(permit) => permit,
        Err(refused) => return refused.into_response(),
    };
    let id = request_id::of(&headers).to_owned();
    upgrade
        .protocols([PROTOCOL])
        .max_message_size(state.limits.max_body_bytes)
        // Client messages are small; the default 128 KiB buffer, filled
        // on every read, made each idle connection cost ~155 KB.
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| serve(socket, state, caller, id, permit))
        .into_response()
}

/// Who the connection is, from `connection_init`'s payload.
async fn init(
    state: &AppState,
    header_caller: Option<Caller>,
    payload: &Value,
) -> Result<Caller, ApiError> {
    if state.public_only {
        return Ok(Caller::PublicZone);
    }
    let token = ["Authorization", "authorization"]
        .into_iter()
        .find_map(|key| payload.get(key))
        .and_then(Value::as_str);
    match (token, header_caller) {
        (None, Some(caller)) => Ok(caller),
        (None, None) if !state.require_auth => Ok(Caller::Anonymous),
        (token, _) => {
            let mut headers = HeaderMap::new();
            if let Some(token) = token {
                let value = HeaderValue::from_str(token).map_err(|_| {
                    ApiError::new(ErrorCode::Unauthenticated, "the token is malformed")
                })?;
                headers.insert(header::AUTHORIZATION, value);
            }
            let mut conn = state.db.conn().await?;
            authenticate(&mut conn, &headers, state.require_auth).await
        }
    }
}

async fn serve(
    socket: Socket,
    state: AppState,
    header_caller: Option<Caller>,
    request_id: String,
    _permit: OwnedSemaphorePermit,
) {
    let limits = state.limits.clone();
    let (mut sink, stream) = socket.split();
    let input = stream
        .take_while(|message| std::future::ready(message.is_ok()))
        .filter_map(|message| {
            std::future::ready(match message {
                Ok(message @ (Message::Text(_) | Message::Binary(_))) => Some(message.into_data()),
                _ => None,
            })
        });
    let executor = StreamExecutor {
        state: state.clone(),
        request_id,
    };
    let connection = StreamConnection::new("websocket", limits.max_subscriptions_per_connection);
    let init_state = state.clone();
    let messages = WebSocket::new(executor, input, WebSocketProtocols::GraphQLWS)
        .on_connection_init(move |payload| async move {
            let caller = init(&init_state, header_caller, &payload).await?;
            Ok(session(&init_state, caller, connection))
        })
        .keepalive_timeout(limits.keepalive * 2)
        .map(|message| match message {
            WsMessage::Text(text) => Message::Text(text.into()),
            WsMessage::Close(code, reason) => Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })),
        });
    futures_util::pin_mut!(messages);
    let _open = metrics::Open::connection("websocket");
    let mut ping = tokio::time::interval_at(
        tokio::time::Instant::now() + limits.keepalive,
        limits.keepalive,
    );
    loop {
        let message = tokio::select! {
            next = messages.next() => match next {
                Some(message) => message,
                None => break,
            },
            _ = ping.tick() => Message::Text(r#"{"type":"ping"}"#.into()),
        };
        match tokio::time::timeout(limits.send_timeout, sink.send(message)).await {
            Ok(Ok(())) => {}
            Ok(Err(_gone)) => break,
            Err(_) => {
                tracing::info!("closing a WebSocket whose client reads nothing");
                break;
            }
        }
    }
}
