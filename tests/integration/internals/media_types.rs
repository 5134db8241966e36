//! `api::graphql_response`: the media type picked from `Accept`.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use masterplan_api::graphql_response::{MediaType, negotiate};

fn accepting(accept: &str) -> Result<MediaType, StatusCode> {
    let mut headers = HeaderMap::new();
    headers.insert(header::ACCEPT, HeaderValue::from_str(accept).unwrap());
    negotiate(&headers).map_err(|e| e.code.status())
}

#[test]
fn accept_picks_the_media_type() {
    assert_eq!(negotiate(&HeaderMap::new()).unwrap(), MediaType::Json);
    assert_eq!(
        accepting("application/graphql-response+json"),
        Ok(MediaType::GraphqlResponse)
    );
    assert_eq!(
        accepting("application/graphql-response+json, application/json;q=0.9"),
        Ok(MediaType::GraphqlResponse)
    );
    assert_eq!(
        accepting("application/graphql-response+json;q=0.5, application/json"),
        Ok(MediaType::Json)
    );
    assert_eq!(accepting("text/html, */*;q=0.8"), Ok(MediaType::Json));
    assert_eq!(accepting("application/json"), Ok(MediaType::Json));
    assert_eq!(accepting("text/html"), Err(StatusCode::NOT_ACCEPTABLE));
    assert_eq!(
        accepting("application/graphql-response+json;q=0"),
        Err(StatusCode::NOT_ACCEPTABLE)
    );
}
