//! Per-request limits, each configurable from the command line or environment.

use std::time::Duration;

use clap::Args;
use masterplan_domain::kpi_value_rules::ObservedOnRange;

use crate::document_limits::DocumentLimits;

/// Every limit a request is held to.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub document: DocumentLimits,
    /// async-graphql's complexity, where list fields weigh `first × children`.
    pub max_complexity: usize,
    pub max_page_size: i32,
    /// Page size when neither `first` nor `last` is given.
    pub default_page_size: i32,
    pub max_body_bytes: usize,
    /// Operations in one array-batched POST; 0 turns batching off.
    pub max_batch: usize,
    pub timeout: Duration,
    /// IDs in one `nodes(ids:)` call.
    pub max_node_ids: usize,
    /// Time a client has to send a request's headers; also how long an idle
    /// keep-alive connection stays open.
    pub header_timeout: Duration,
    /// Time a client has to send a request's whole body.
    pub body_timeout: Duration,
    /// Requests per minute of one token or client address; 0: no limit.
    pub rate_limit_per_minute: u32,
    /// Requests a quiet client may send at once before the rate applies.
    pub rate_limit_burst: u32,
    /// Requests running at once; more are shed with 503. 0: no limit.
    pub max_concurrent_requests: usize,
    /// Bytes of one response's JSON; a larger result is a `RESPONSE_TOO_LARGE` error.
    pub max_response_bytes: usize,
    /// WebSocket and SSE connections open at once; more are refused with 503.
    pub max_stream_connections: usize,
    /// Subscriptions running at once on one WebSocket.
    pub max_subscriptions_per_connection: usize,
    /// How often an open WebSocket or SSE stream is pinged.
    pub keepalive: Duration,
    /// How long a WebSocket client may take to read a message; one that
    /// reads nothing for longer is disconnected.
    pub send_timeout: Duration,
    /// How long a webhook receiver has to answer.
    pub webhook_timeout: Duration,
    /// The wait before a failed webhook delivery's first retry (doubling
    /// up to an hour; given up a day after the change).
    pub webhook_first_retry: Duration,
    /// Bytes of query answers the response cache holds; 0: no cache.
    pub cache_bytes: u64,
    /// How long shared caches may keep a public `GET` answer; 0: revalidate.
    pub cache_max_age: u64,
    /// The days KPI values may be observed on (the plan's horizon); set by
    /// the command line's global `--observed-on-range`, which also holds
    /// for `seed` and `import`.
    pub observed_on_range: ObservedOnRange,
}

impl Default for Limits {
    fn default() -> Self {
        LimitArgs::default().into()
    }
}

/// The limits as command-line flags (`masterplan serve --max-depth 8`) or
/// environment variables (`MASTERPLAN_MAX_DEPTH=8`).
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Deepest field nesting of a query.
    #[arg(long, env = "MASTERPLAN_MAX_DEPTH", default_value_t = DocumentLimits::DEFAULT.max_depth)]
    pub max_depth: usize,
    /// Field selections of a query once fragments are expanded.
    #[arg(long, env = "MASTERPLAN_MAX_FIELDS", default_value_t = DocumentLimits::DEFAULT.max_fields)]
    pub max_fields: usize,
    /// Aliased fields in a query.
    #[arg(long, env = "MASTERPLAN_MAX_ALIASES", default_value_t = DocumentLimits::DEFAULT.max_aliases)]
    pub max_aliases: usize,
    /// Top-level fields in a query.
    #[arg(long, env = "MASTERPLAN_MAX_ROOT_FIELDS", default_value_t = DocumentLimits::DEFAULT.max_root_fields)]
    pub max_root_fields: usize,
    /// Fragment definitions in a document.
    #[arg(long, env = "MASTERPLAN_MAX_FRAGMENTS", default_value_t = DocumentLimits::DEFAULT.max_fragments)]
    pub max_fragments: usize,
    /// Operation definitions in a document.
    #[arg(long, env = "MASTERPLAN_MAX_OPERATIONS", default_value_t = DocumentLimits::DEFAULT.max_operations)]
    pub max_operations: usize,
    /// Nesting of introspection list fields (types, fields, args, …).
    #[arg(long, env = "MASTERPLAN_MAX_INTROSPECTION_LISTS", default_value_t = DocumentLimits::DEFAULT.max_introspection_lists)]
    pub max_introspection_lists: usize,
    /// Query complexity (list fields count `first` times their selection).
    #[arg(long, env = "MASTERPLAN_MAX_COMPLEXITY", default_value_t = 100_000)]
    pub max_complexity: usize,
    /// Largest `first`/`last` of a connection.
    #[arg(long, env = "MASTERPLAN_MAX_PAGE_SIZE", default_value_t = 100)]
    pub max_page_size: i32,
    /// Page size when a connection is asked without `first` or `last`.
    #[arg(long, env = "MASTERPLAN_DEFAULT_PAGE_SIZE", default_value_t = 100)]
    pub default_page_size: i32,
    /// Largest request body in bytes.
    #[arg(long, env = "MASTERPLAN_MAX_BODY_BYTES", default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,
    /// Operations in one array-batched POST (0: batching off).
    #[arg(long, env = "MASTERPLAN_MAX_BATCH", default_value_t = 0)]
    pub max_batch: usize,
    /// Execution time limit of one request, in milliseconds.
    #[arg(long, env = "MASTERPLAN_TIMEOUT_MS", default_value_t = 10_000)]
    pub timeout_ms: u64,
    /// IDs in one `nodes(ids:)` call.
    #[arg(long, env = "MASTERPLAN_MAX_NODE_IDS", default_value_t = 100)]
    pub max_node_ids: usize,
    /// Time for a request's headers, and for an idle connection, in milliseconds.
    #[arg(long, env = "MASTERPLAN_HEADER_TIMEOUT_MS", default_value_t = 10_000)]
    pub header_timeout_ms: u64,
    /// Time for a request's whole body, in milliseconds.
    #[arg(long, env = "MASTERPLAN_BODY_TIMEOUT_MS", default_value_t = 10_000)]
    pub body_timeout_ms: u64,
    /// Requests per minute of one token, or of one client address for
    /// anonymous callers (0: no limit); over it, 429 RATE_LIMITED.
    #[arg(long, env = "MASTERPLAN_RATE_LIMIT_PER_MINUTE", default_value_t = 0)]
    pub rate_limit_per_minute: u32,
    /// Requests a quiet client may send at once before the per-minute rate applies.
    #[arg(long, env = "MASTERPLAN_RATE_LIMIT_BURST", default_value_t = 30)]
    pub rate_limit_burst: u32,
    /// Requests running at once; more are refused with 503 (0: no limit).
    #[arg(
        long,
        env = "MASTERPLAN_MAX_CONCURRENT_REQUESTS",
        default_value_t = 256
    )]
    pub max_concurrent_requests: usize,
    /// Bytes of one GraphQL response; a larger result is refused with RESPONSE_TOO_LARGE.
    #[arg(long, env = "MASTERPLAN_MAX_RESPONSE_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_response_bytes: usize,
    /// WebSocket and SSE connections open at once; more are refused with
    /// 503 TOO_MANY_CONNECTIONS.
    #[arg(
        long,
        env = "MASTERPLAN_MAX_STREAM_CONNECTIONS",
        default_value_t = 16_384
    )]
    pub max_stream_connections: usize,
    /// Subscriptions running at once on one WebSocket; more get TOO_MANY_SUBSCRIPTIONS.
    #[arg(
        long,
        env = "MASTERPLAN_MAX_SUBSCRIPTIONS_PER_CONNECTION",
        default_value_t = 20
    )]
    pub max_subscriptions_per_connection: usize,
    /// How often open WebSocket and SSE streams are pinged, in milliseconds.
    #[arg(long, env = "MASTERPLAN_KEEPALIVE_MS", default_value_t = 15_000)]
    pub keepalive_ms: u64,
    /// How long a WebSocket client may take to read one message, in
    /// milliseconds; a client that does not read is disconnected.
    #[arg(long, env = "MASTERPLAN_SEND_TIMEOUT_MS", default_value_t = 10_000)]
    pub send_timeout_ms: u64,
    /// How long a webhook receiver has to answer, in milliseconds.
    #[arg(long, env = "MASTERPLAN_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000)]
    pub webhook_timeout_ms: u64,
    /// The wait before a failed webhook delivery is retried the first time,
    /// in milliseconds; it doubles with each failure up to an hour, and a
    /// delivery still failing a day after its change is given up.
    #[arg(long, env = "MASTERPLAN_WEBHOOK_RETRY_MS", default_value_t = 5_000)]
    pub webhook_retry_ms: u64,
    /// Megabytes of query answers kept in the response cache (0: off).
    #[arg(long, env = "MASTERPLAN_CACHE_SIZE_MB", default_value_t = 64)]
    pub cache_size_mb: u64,
    /// Seconds browsers and proxies may keep the answer of an anonymous
    /// `GET /graphql` (`Cache-Control: public, max-age=…`); 0: `no-cache`.
    #[arg(long, env = "MASTERPLAN_CACHE_MAX_AGE", default_value_t = 0)]
    pub cache_max_age: u64,
}

impl Default for LimitArgs {
    fn default() -> Self {
        // The clap defaults are the one source of the default values (those
        // of the document limits are `DocumentLimits::DEFAULT`).
        #[derive(clap::Parser)]
        struct Defaults {
            #[command(flatten)]
            limits: LimitArgs,
        }
        <Defaults as clap::Parser>::parse_from(["defaults"]).limits
    }
}

impl From<LimitArgs> for Limits {
    fn from(args: LimitArgs) -> Self {
        Limits {
            document: DocumentLimits {
                max_depth: args.max_depth,
                max_fields: args.max_fields,
                max_aliases: args.max_aliases,
                max_root_fields: args.max_root_fields,
                max_fragments: args.max_fragments,
                max_operations: args.max_operations,
                max_introspection_lists: args.max_introspection_lists,
            },
            max_complexity: args.max_complexity,
            max_page_size: args.max_page_size,
            default_page_size: args.default_page_size.clamp(1, args.max_page_size.max(1)),
            max_body_bytes: args.max_body_bytes,
            max_batch: args.max_batch,
            timeout: Duration::from_millis(args.timeout_ms),
            max_node_ids: args.max_node_ids,
            header_timeout: Duration::from_millis(args.header_timeout_ms.max(1)),
            body_timeout: Duration::from_millis(args.body_timeout_ms.max(1)),
            rate_limit_per_minute: args.rate_limit_per_minute,
            rate_limit_burst: args.rate_limit_burst,
            max_concurrent_requests: args.max_concurrent_requests,
            max_response_bytes: args.max_response_bytes,
            max_stream_connections: args.max_stream_connections,
            max_subscriptions_per_connection: args.max_subscriptions_per_connection,
            keepalive: Duration::from_millis(args.keepalive_ms.max(1)),
            send_timeout: Duration::from_millis(args.send_timeout_ms.max(1)),
            webhook_timeout: Duration::from_millis(args.webhook_timeout_ms.max(1)),
            webhook_first_retry: Duration::from_millis(args.webhook_retry_ms.max(1)),
            cache_bytes: args.cache_size_mb.saturating_mul(1024 * 1024),
            cache_max_age: args.cache_max_age,
            observed_on_range: ObservedOnRange::DEFAULT,
        }
    }
}
