//! The Masterplan GraphQL API: schema, loaders, limits, HTTP router, server and CLI.

pub mod admission;
pub mod auth;
pub mod batching;
pub mod cli;
pub mod connections;
pub mod control_characters;
pub mod csv_export;
pub mod document_limits;
pub mod error;
pub mod export;
pub mod graphiql;
pub mod graphql;
pub mod graphql_response;
pub mod http;
pub mod ids;
pub mod limits;
pub mod loaders;
pub mod memory;
pub mod metrics;
pub mod operation_span;
pub mod otlp;
pub mod request_id;
pub mod schema;
pub mod server;
pub mod telemetry;
