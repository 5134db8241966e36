//! How a GraphQL result goes back over HTTP, as the GraphQL-over-HTTP spec
//! has it: the media type the client accepts (`application/graphql-response+json`
//! or, for older clients and without `Accept`, `application/json`), 400 and
//! no `data` for a request that could not run (unparsable or invalid
//! document, variables that do not fit) when the client accepts the new
//! type, and 503 with `Retry-After` for an outage in either.

use async_graphql::Response;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;

use crate::error::{ApiError, ErrorCode, RETRY_AFTER_SECONDS, retry_after};

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// The response media type negotiated from `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/json`: status 200 for every GraphQL result.
    Json,
    /// `application/graphql-response+json`: status codes say what happened.
    GraphqlResponse,
}

impl MediaType {
    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            MediaType::Json => "application/json",
            MediaType::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
        })
    }
}

/// What the client accepts; 406 `NOT_ACCEPTABLE` when it is neither JSON
/// type (nor `*/*`). Without `Accept`, `application/json`.
pub fn negotiate(headers: &HeaderMap) -> Result<MediaType, ApiError> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Ok(MediaType::Json);
    };
    let (mut graphql, mut json, mut any) = (0f32, 0f32, 0f32);
    for range in accept.to_str().unwrap_or_default().split(',') {
        let mut parts = range.split(';');
        let mime = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let slot = match mime.as_str() {
            GRAPHQL_RESPONSE_JSON => &mut graphql,
            "application/json" => &mut json,
            "application/*" | "*/*" => &mut any,
            _ => continue,
        };
        *slot = slot.max(quality);
    }
    if graphql > 0.0 && graphql >= json {
        Ok(MediaType::GraphqlResponse)
    } else if json > 0.0 || any > 0.0 {
        Ok(MediaType::Json)
    } else {
        Err(ApiError::new(
            ErrorCode::NotAcceptable,
            "/graphql answers application/graphql-response+json or application/json",
        ))
    }
}

fn code_of(error: &async_graphql::ServerError) -> Option<&async_graphql::Value> {
    error.extensions.as_ref()?.get("code")
}

fn has_code(response: &Response, codes: &[ErrorCode]) -> bool {
    response.errors.iter().any(|error| {
        code_of(error).is_some_and(|code| {
            codes
                .iter()
                .any(|c| *code == async_graphql::Value::from(c.as_str()))
        })
    })
}

fn is_outage(response: &Response) -> bool {
    has_code(response, &[ErrorCode::ServiceUnavailable])
}

/// A request that did not run at all: nothing was executed, so there is
/// no `data`, not even `null`.
fn is_request_error(response: &Response) -> bool {
    response.data == async_graphql::Value::Null
        && has_code(
            response,
            &[
                ErrorCode::GraphqlParseFailed,
                ErrorCode::GraphqlValidationFailed,
                ErrorCode::OperationNotFound,
                ErrorCode::QueryTooComplex,
            ],
        )
}

/// How to answer one request's results.
#[derive(Debug, Clone, Copy)]
pub struct Reply<'a> {
    pub media: MediaType,
    /// `--max-response-bytes`: a larger result is answered with
    /// `RESPONSE_TOO_LARGE` instead.
    pub max_bytes: usize,
    pub request_id: &'a str,
}

impl Reply<'_> {
    /// One operation's result.
    pub fn single(self, response: Response) -> axum::response::Response {
        let outage = is_outage(&response);
        let mut answer = if self.media == MediaType::GraphqlResponse && is_request_error(&response)
        {
            let mut body = serde_json::to_value(&response).expect("a response serialises");
            if let Some(body) = body.as_object_mut() {
                body.remove("data");
            }
            (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
        } else {
            self.encoded(&response)
        };
        if outage {
            unavailable(&mut answer);
        }
        answer
    }

    /// The results of an array batch, in order (status 200 unless an outage).
    pub fn batch(self, responses: Vec<Response>) -> axum::response::Response {
        let outage = responses.iter().any(is_outage);
        let mut answer = self.encoded(&responses);
        if outage {
            unavailable(&mut answer);
        }
        answer
    }

    /// The JSON text of `body`, written until it would pass the size bound.
    fn encoded<T: serde::Serialize>(self, body: &T) -> axum::response::Response {
        match capped_json(body, self.max_bytes) {
            Some(bytes) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                bytes,
            )
                .into_response(),
            None => self.too_large(),
        }
    }

    /// The one `RESPONSE_TOO_LARGE` error that answers a result over the bound.
    pub fn too_large(self) -> axum::response::Response {
        metrics::counter!("masterplan_responses_too_large_total").increment(1);
        let message = format!(
            "the result is larger than {} bytes; select fewer fields or a smaller page (first)",
            self.max_bytes
        );
        axum::Json(serde_json::json!({
            "data": null,
            "errors": [{ "message": message, "extensions": {
                "code": ErrorCode::ResponseTooLarge.as_str(),
                "requestId": self.request_id,
            } }]
        }))
        .into_response()
    }
}

/// The JSON text of `body` when it fits in `max_bytes`; writing stops at the
/// bound, so an oversized result is never built whole.
pub fn capped_json<T: serde::Serialize>(body: &T, max_bytes: usize) -> Option<Vec<u8>> {
    let mut capped = Capped {
        bytes: Vec::new(),
        room: max_bytes,
    };
    serde_json::to_writer(&mut capped, body).ok()?;
    Some(capped.bytes)
}

/// A writer that refuses to grow past `room` bytes.
struct Capped {
    bytes: Vec<u8>,
    room: usize,
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() > self.room {
            return Err(std::io::Error::other("over the response size bound"));
        }
        self.room -= buf.len();
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An outage is answered with 503 and `Retry-After`, so that clients and
/// load balancers retry instead of taking it for a defect.
fn unavailable(answer: &mut axum::response::Response) {
    *answer.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    retry_after(answer, RETRY_AFTER_SECONDS);
}

/// Labels a JSON answer (also a refusal made before GraphQL ran) with the
/// negotiated media type; the handlers apply it to whatever they answer.
pub fn in_media_type(
    media: MediaType,
    mut answer: axum::response::Response,
) -> axum::response::Response {
    let is_json = answer
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        answer
            .headers_mut()
            .insert(header::CONTENT_TYPE, media.content_type());
    }
    answer
}
