//! Which requests may start now. At most `--max-concurrent-requests` run at
//! once; the excess is shed with 503 `SERVICE_UNAVAILABLE` instead of
//! queueing without bound. `--rate-limit-per-minute` (with a burst) holds
//! per token, and per client address for anonymous callers and for failed
//! authentications; over it, 429 `RATE_LIMITED` with `Retry-After`.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::Semaphore;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode, retry_after};
use crate::limits::Limits;
use crate::server::AppState;

/// Whose budget a request spends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RateKey {
    /// A token, by its (unique) name.
    Token(String),
    /// A client address: anonymous callers and failed authentications.
    Address(IpAddr),
}

impl RateKey {
    /// The budget `caller` spends when it calls from `client`.
    pub fn of(caller: &Caller, client: ClientAddr) -> Self {
        match caller {
            Caller::Token { name, .. } => Self::Token(name.clone()),
            Caller::Anonymous | Caller::PublicZone => Self::Address(client.0),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Token(_) => "token",
            Self::Address(_) => "address",
        }
    }
}

/// The peer address of the connection (unspecified for in-process tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip()),
        ))
    }
}

/// The server's admission state: a rate limiter and a count of requests
/// running, each when configured.
pub struct Admission {
    limiter: Option<DefaultKeyedRateLimiter<RateKey>>,
    running: Option<Arc<Semaphore>>,
    cap: usize,
}

impl Admission {
    pub fn new(limits: &Limits) -> Self {
        let limiter = NonZeroU32::new(limits.rate_limit_per_minute).map(|per_minute| {
            let burst = NonZeroU32::new(limits.rate_limit_burst).unwrap_or(NonZeroU32::MIN);
            RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst))
        });
        let running = (limits.max_concurrent_requests > 0)
            .then(|| Arc::new(Semaphore::new(limits.max_concurrent_requests)));
        Self {
            limiter,
            running,
            cap: limits.max_concurrent_requests,
        }
    }

    /// Spends one request of `key`'s budget.
    pub fn charge(&self, key: &RateKey) -> Result<(), RateLimited> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            metrics::counter!("masterplan_rate_limited_total", "key" => key.kind()).increment(1);
            RateLimited(wait)
        })
    }

    /// Whether no request is running (always, without a cap to count by).
    pub fn is_quiet(&self) -> bool {
        self.running
            .as_ref()
            .is_none_or(|running| running.available_permits() == self.cap)
    }

    /// Forgets the budgets of clients that have been quiet long enough to
    /// be full again, so addresses seen once do not stay in memory.
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// A request over its budget, and how long until the next one may pass:
/// answered with 429 and `Retry-After`.
#[derive(Debug, Clone, Copy)]
pub struct RateLimited(pub Duration);

impl IntoResponse for RateLimited {
    fn into_response(self) -> Response {
        rate_limited(self.0)
    }
}

fn rate_limited(wait: Duration) -> Response {
    // Whole seconds, rounded up: a client that waits that long gets through.
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let mut response = ApiError::new(
        ErrorCode::RateLimited,
        format!("too many requests; retry in {seconds} s"),
    )
    .into_response();
    retry_after(&mut response, seconds);
    response
}

/// Sheds a request when `--max-concurrent-requests` are already running.
/// Health checks and metrics always pass: they tell operators about the
/// overload.
pub async fn shed(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(running) = &state.admission.running else {
        return next.run(request).await;
    };
    if matches!(request.uri().path(), "/healthz" | "/readyz" | "/metrics") {
        return next.run(request).await;
    }
    let Ok(_permit) = running.clone().try_acquire_owned() else {
        metrics::counter!("masterplan_shed_requests_total").increment(1);
        let mut response = ApiError::new(
            ErrorCode::ServiceUnavailable,
            "the server is at its limit of requests running at once; retry in 1 s",
        )
        .into_response();
        retry_after(&mut response, 1);
        return response;
    };
    next.run(request).await
}
