//! The axum router and the server loop.

use std::net::SocketAddr;
use std::sync::Arc;

use std::time::Duration;

use axum::Router;
use axum::extract::MatchedPath;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use masterplan_persistence::Database;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::admission::{Admission, ClientAddr, RateKey};
use crate::auth::{Caller, authenticate};
use crate::limits::Limits;
use crate::persisted_queries::PersistedQueries;
use crate::response_cache::ResponseCache;
use crate::schema::{AppSchema, build_schema};
use crate::{export, graphiql, http, metrics, request_id};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub schema: AppSchema,
    pub limits: Arc<Limits>,
    /// Refuse anonymous requests (`--require-auth`).
    pub require_auth: bool,
    /// Answer every caller as a public caller and take no changes (`--public-only`).
    pub public_only: bool,
    /// Origins browsers may call from (`--cors-origins`); empty: any.
    pub cors_origins: Vec<HeaderValue>,
    /// Rate limits and the cap on requests running at once.
    pub admission: Arc<Admission>,
    /// Places for WebSocket and SSE connections (`--max-stream-connections`).
    pub streams: Arc<tokio::sync::Semaphore>,
    /// Answers of queries asked before (`--cache-size-mb`; `None`: off).
    pub cache: Option<Arc<ResponseCache>>,
    /// Persisted and trusted documents.
    pub persisted: Arc<PersistedQueries>,
}

impl AppState {
    pub fn new(db: Database, limits: Limits) -> Self {
        metrics::install();
        let schema = build_schema(db.clone(), &limits, crate::otlp::wanted());
        // It listens for commits, which needs the runtime.
        let cache = tokio::runtime::Handle::try_current()
            .ok()
            .and_then(|_| ResponseCache::new(&db, limits.cache_bytes))
            .map(Arc::new);
        Self {
            db,
            schema,
            admission: Arc::new(Admission::new(&limits)),
            streams: Arc::new(tokio::sync::Semaphore::new(limits.max_stream_connections)),
            cache,
            persisted: Arc::default(),
            limits: Arc::new(limits),
            require_auth: false,
            public_only: false,
            cors_origins: Vec::new(),
        }
    }

    /// Refuse anonymous requests.
    pub fn requiring_auth(self, require_auth: bool) -> Self {
        Self {
            require_auth,
            ..self
        }
    }

    /// Answer every caller as a public caller, whatever token it sends, and
    /// refuse all changes: a deployment for the citizen portal's network zone.
    pub fn public_only(self, public_only: bool) -> Self {
        Self {
            public_only,
            ..self
        }
    }

    /// Let browsers call only from these origins (`https://portal.dortmund.de`);
    /// empty: from any origin.
    pub fn cors_origins(self, cors_origins: Vec<HeaderValue>) -> Self {
        Self {
            cors_origins,
            ..self
        }
    }

    /// Knows these trusted documents; with `persisted_only`, runs nothing else.
    pub fn persisted_queries(self, persisted: PersistedQueries) -> Self {
        Self {
            persisted: Arc::new(persisted),
            ..self
        }
    }

    /// Who sent the request, once it is within its rate limit; the error is
    /// the response to send instead.
    pub async fn caller(
        &self,
        headers: &HeaderMap,
        client: ClientAddr,
    ) -> Result<Caller, Response> {
        let caller = self.identify(headers).await.map_err(|refused| {
            // Failed authentications spend the address's budget, so guessing
            // tokens is as limited as anonymous calls.
            match self.admission.charge(&RateKey::Address(client.0)) {
                Ok(()) => refused,
                Err(limited) => limited.into_response(),
            }
        })?;
        self.admission
            .charge(&RateKey::of(&caller, client))
            .map_err(IntoResponse::into_response)?;
        Ok(caller)
    }

    /// Who sent the request, spending no rate budget (for `/metrics`: a
    /// scraper must see an overload, not add to it).
    pub async fn identify(&self, headers: &HeaderMap) -> Result<Caller, Response> {
        // A public-only server looks at no token: every caller is the public.
        if self.public_only {
            return Ok(Caller::PublicZone);
        }
        // Anonymous reads cost no database round trip.
        if !self.require_auth && !headers.contains_key(header::AUTHORIZATION) {
            return Ok(Caller::Anonymous);
        }
        let result = async {
            let mut conn = self.db.conn().await?;
            authenticate(&mut conn, headers, self.require_auth).await
        }
        .await;
        result.map_err(IntoResponse::into_response)
    }
}

pub fn router(state: AppState) -> Router {
    // Portal widgets call from other origins; no cookies are used, so any
    // origin may read unless origins are listed (credentials are not allowed
    // with `*`). Preflights are cached for a day; the request headers of
    // tracing, request ids and SSE are allowed.
    let origins = if state.cors_origins.is_empty() {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(state.cors_origins.clone())
    };
    let cors = CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::ACCEPT,
            HeaderName::from_static("traceparent"),
            HeaderName::from_static("tracestate"),
            request_id::X_REQUEST_ID,
            HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([request_id::X_REQUEST_ID, header::RETRY_AFTER])
        .max_age(Duration::from_secs(24 * 60 * 60));
    Router::new()
        .route("/", get(graphiql::page))
        .route("/graphiql/{version}/{name}", get(graphiql::asset))
        .route("/graphql", get(http::graphql_get).post(http::graphql_post))
        .route("/healthz", get(http::healthz))
        .route("/readyz", get(http::readyz))
        .route("/schema.graphql", get(http::schema_sdl))
        .route("/metrics", get(metrics::scrape))
        .route("/export/{file}", get(export::plan_file))
        .route("/export/{plan}/{file}", get(export::plan_csv))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::admission::shed,
        ))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(cors)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(http_span)
                .on_response(log_response),
        )
        .layer(axum::middleware::from_fn(request_id::scoped))
        .layer(request_id::propagate())
        .layer(request_id::set())
        .layer(axum::middleware::map_request(request_id::drop_unacceptable))
        .with_state(state)
}

/// One span per HTTP request (method, route, request id); the `graphql`
/// span and its log line sit inside it.
fn http_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("", MatchedPath::as_str);
    let span = tracing::info_span!(
        "http",
        method = %request.method(),
        route,
        request_id = request_id::of(request.headers()),
        otel.name = format!("{} {route}", request.method()),
        otel.kind = "server",
        http.response.status_code = tracing::field::Empty,
    );
    crate::otlp::continue_trace(&span, request.headers());
    span
}

/// One log line per response: status and duration, in the request's span.
fn log_response(response: &Response, latency: Duration, span: &tracing::Span) {
    span.record("http.response.status_code", response.status().as_u16());
    tracing::info!(
        status = response.status().as_u16(),
        duration_ms = latency.as_secs_f64() * 1000.0,
        "http response"
    );
}

/// Serves until Ctrl-C / SIGTERM.
pub async fn serve(state: AppState, listen: SocketAddr) -> std::io::Result<()> {
    crate::open_files::make_room_for(state.limits.max_stream_connections);
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    println!("Masterplan API on http://{addr}/graphql (GraphiQL: http://{addr}/)");
    tracing::info!(%addr, database = state.db.backend_name(), "listening");
    crate::webhook_delivery::spawn(state.db.clone(), &state.limits);
    let header_timeout = state.limits.header_timeout;
    let quiet = state.admission.clone();
    crate::memory::trim_when_quiet(move || quiet.is_quiet());
    let admission = state.admission.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            admission.forget_idle();
        }
    });
    crate::connections::serve(listener, router(state), header_timeout, shutdown_signal()).await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
