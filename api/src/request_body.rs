//! The body of a GraphQL POST: one request or a batch, each as
//! async-graphql reads it plus `documentId` (a persisted document named by
//! its id, which async-graphql's own request type would silently drop), with
//! every persisted document filled in.

use async_graphql::{BatchRequest, Extensions, Request, Variables};
use serde::Deserialize;

use crate::error::{ApiError, ErrorCode};
use crate::persisted_queries::PersistedQueries;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireRequest {
    #[serde(default)]
    query: String,
    #[serde(default)]
    operation_name: Option<String>,
    #[serde(default)]
    variables: Variables,
    #[serde(default)]
    extensions: Extensions,
    #[serde(default)]
    document_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum WireBatch {
    Single(WireRequest),
    Batch(Vec<WireRequest>),
}

/// Reads a POST body; documents named by `documentId` or by
/// `extensions.persistedQuery` are filled in, and with `--persisted-only`
/// untrusted ones refused.
pub fn parse(bytes: &[u8], persisted: &PersistedQueries) -> Result<BatchRequest, ApiError> {
    let batch: WireBatch = serde_json::from_slice(bytes).map_err(|err| {
        ApiError::new(
            ErrorCode::BadRequest,
            format!("the body is not a GraphQL request: {err}"),
        )
    })?;
    Ok(match batch {
        WireBatch::Single(request) => BatchRequest::Single(resolved(request, persisted)?),
        WireBatch::Batch(requests) if requests.is_empty() => {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "the body is not a GraphQL request: the batch is empty",
            ));
        }
        WireBatch::Batch(requests) => BatchRequest::Batch(
            requests
                .into_iter()
                .map(|request| resolved(request, persisted))
                .collect::<Result<_, _>>()?,
        ),
    })
}

fn resolved(wire: WireRequest, persisted: &PersistedQueries) -> Result<Request, ApiError> {
    let mut request = Request::new(wire.query).variables(wire.variables);
    request.operation_name = wire.operation_name;
    request.extensions = wire.extensions;
    persisted.resolve(&mut request, wire.document_id.as_deref())?;
    Ok(request)
}
