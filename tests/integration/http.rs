//! The HTTP surface: GraphiQL, GET queries, health, readiness, the SDL, CORS.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

backend_tests! {
    async fn graphiql_is_served_to_browsers(app) {
        for path in ["/", "/graphql"] {
            let (status, content_type, body) = app.send(Request::get(path).body(Body::empty()).unwrap()).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(content_type.unwrap().starts_with("text/html"), "{path}");
            assert!(body.contains("/graphiql/4.1.2/graphiql.min.js"), "{path}: {body}");
            assert!(!body.contains("unpkg"), "GraphiQL must not need a CDN: {body}");
        }
        for asset in ["graphiql.min.js", "graphiql.min.css", "react.production.min.js", "react-dom.production.min.js"] {
            let uri = format!("/graphiql/4.1.2/{asset}");
            let (status, content_type, body) = app.send(Request::get(&uri).body(Body::empty()).unwrap()).await;
            assert_eq!(status, StatusCode::OK, "{uri}");
            assert!(content_type.unwrap().starts_with("text/"), "{uri}");
            assert!(body.len() > 10_000, "{uri}");
        }
        let (status, _, _) = app.send(Request::get("/graphiql/4.1.2/secrets.js").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    async fn get_runs_queries(app) {
        let uri = "/graphql?query=%7B%20measure(code%3A%20%221.2%22)%20%7B%20title%20%7D%20%7D";
        let (status, _, body) = app.send(Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["data"]["measure"]["title"], "Bürgerportal");

        let uri = "/graphql?query=query%20Q(%24c%3A%20String!)%20%7B%20measure(code%3A%20%24c)%20%7B%20code%20%7D%20%7D&variables=%7B%22c%22%3A%223.4%22%7D&operationName=Q";
        let (status, _, body) = app.send(Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("\"3.4\""), "{body}");
    }

    async fn get_refuses_mutations(app) {
        let uri = "/graphql?query=mutation%20%7B%20x%20%7D";
        let (status, _, body) = app.send(Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
        assert!(body.contains("METHOD_NOT_ALLOWED"), "{body}");
    }

    async fn health_and_readiness(app) {
        let (status, _, body) = app.send(Request::get("/healthz").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("ok"));
        let (status, _, body) = app.send(Request::get("/readyz").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let backend = match app.backend {
            crate::common::Backend::Sqlite => "sqlite",
            crate::common::Backend::Postgres => "postgres",
        };
        assert!(body.contains(backend), "{body}");
    }

    async fn serves_the_committed_schema(app) {
        let (status, content_type, body) = app.send(Request::get("/schema.graphql").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(content_type.unwrap().starts_with("text/plain"));
        let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
        assert_eq!(body, committed);
    }

    async fn cors_allows_portal_widgets(app) {
        let request = Request::builder()
            .method("OPTIONS")
            .uri("/graphql")
            .header(header::ORIGIN, "https://intranet.dortmund.de")
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
            .body(Body::empty())
            .unwrap();
        let response = tower::ServiceExt::oneshot(app.router.clone(), request).await.unwrap();
        assert!(response.status().is_success());
        assert_eq!(response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    }

    async fn cors_preflights_allow_tracing_headers_and_are_cached(app) {
        let response = tower::ServiceExt::oneshot(app.router.clone(), preflight("https://intranet.dortmund.de")).await.unwrap();
        assert!(response.status().is_success());
        let allowed = response.headers()[header::ACCESS_CONTROL_ALLOW_HEADERS].to_str().unwrap().to_owned();
        for name in ["traceparent", "x-request-id", "authorization"] {
            assert!(allowed.contains(name), "{name} not in {allowed}");
        }
        assert_eq!(response.headers()[header::ACCESS_CONTROL_MAX_AGE], "86400");

        // With --cors-origins, other origins get no permission.
        let listed = vec![axum::http::HeaderValue::from_static("https://portal.dortmund.de")];
        let router = masterplan_api::server::router(
            masterplan_api::server::AppState::new(app.db.clone(), Default::default()).cors_origins(listed),
        );
        let other = tower::ServiceExt::oneshot(router.clone(), preflight("https://evil.example")).await.unwrap();
        assert!(other.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
        let portal = tower::ServiceExt::oneshot(router, preflight("https://portal.dortmund.de")).await.unwrap();
        assert_eq!(portal.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://portal.dortmund.de");
    }
}

fn preflight(origin: &str) -> Request<Body> {
    Request::builder()
        .method("OPTIONS")
        .uri("/graphql")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "content-type, authorization, traceparent, x-request-id",
        )
        .body(Body::empty())
        .unwrap()
}
