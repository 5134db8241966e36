//! What the two streaming transports (WebSocket and Server-Sent Events)
//! share: the cap on open connections, the cap on subscriptions per
//! connection, and running an operation of a stream with the document
//! limits and the caller's data, as `POST /graphql` runs it.

use std::sync::Arc;

use async_graphql::{Data, Executor, Request, Response};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::auth::Caller;
use crate::batching::Activity;
use crate::document_limits::OperationKind;
use crate::error::{ApiError, ErrorCode};
use crate::http::{check, coded, named, rejection, with_codes, with_request_id};
use crate::loaders::Loaders;
use crate::server::AppState;

/// One open WebSocket or SSE stream, in the context of its operations.
#[derive(Clone)]
pub struct StreamConnection {
    pub transport: &'static str,
    slots: Arc<Semaphore>,
    max: usize,
}

impl StreamConnection {
    pub fn new(transport: &'static str, max_subscriptions: usize) -> Self {
        Self {
            transport,
            slots: Arc::new(Semaphore::new(max_subscriptions)),
            max: max_subscriptions,
        }
    }

    /// A place for one more subscription, held for as long as it runs.
    pub fn take_slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        self.slots.clone().try_acquire_owned().map_err(|_| {
            ApiError::new(
                ErrorCode::TooManySubscriptions,
                format!(
                    "a connection may run at most {} subscriptions at once; complete one first",
                    self.max
                ),
            )
        })
    }
}

/// A place for one more open stream, or the refusal to send.
pub fn open(state: &AppState) -> Result<OwnedSemaphorePermit, ApiError> {
    state.streams.clone().try_acquire_owned().map_err(|_| {
        ApiError::new(
            ErrorCode::TooManyConnections,
            format!(
                "this server holds {} WebSocket and SSE connections already; retry later or poll",
                state.limits.max_stream_connections
            ),
        )
    })
}

/// The context data of a stream's operations: who calls, loaders for what
/// it may see, and the connection.
pub fn session(state: &AppState, caller: Caller, connection: StreamConnection) -> Data {
    let mut data = Data::default();
    // A stream's events come one at a time; no request to wait for (see
    // `batching`): each batch runs once its first key has waited its delay.
    let activity = Arc::new(Activity::default());
    data.insert(Loaders::new(&state.db, &activity, &caller));
    data.insert(caller);
    data.insert(connection);
    data
}

/// Runs subscriptions for a stream. Queries and mutations are for
/// `POST /graphql`, where time limits, response bounds and rate limits
/// apply per request.
#[derive(Clone)]
pub struct StreamExecutor {
    pub state: AppState,
    pub request_id: String,
}

impl StreamExecutor {
    fn refuse(&self, response: Response) -> BoxStream<'static, Response> {
        futures_util::stream::once(std::future::ready(with_request_id(
            response,
            &self.request_id,
        )))
        .boxed()
    }
}

impl Executor for StreamExecutor {
    /// Not called by async-graphql's WebSocket (it streams every operation),
    /// but checked all the same: control characters and the document limits
    /// are refused in `check`, not by the schema.
    async fn execute(&self, mut request: Request) -> Response {
        match check(&self.state, &mut request) {
            Ok(_) => self.state.schema.execute(request).await,
            Err(err) => rejection(err),
        }
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        if let Err(refused) = self.state.persisted.resolve(&mut request, None) {
            return self.refuse(Response::from_errors(vec![coded(
                refused.message,
                refused.code,
            )]));
        }
        let measure = match check(&self.state, &mut request) {
            Ok(measure) => measure,
            Err(err) => return self.refuse(rejection(err)),
        };
        if measure.kind != OperationKind::Subscription {
            return self.refuse(Response::from_errors(vec![coded(
                "WebSocket connections run subscriptions; send queries and mutations as POST /graphql",
                ErrorCode::MethodNotAllowed,
            )]));
        }
        let request = named(request, &measure);
        let id = self.request_id.clone();
        self.state
            .schema
            .execute_stream_with_session_data(request, session.unwrap_or_default())
            .map(move |response| with_request_id(with_codes(response), &id))
            .boxed()
    }
}
