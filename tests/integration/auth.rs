//! API tokens: who a request is, and refusals for bad, revoked and expired
//! tokens and (with --require-auth) for anonymous callers.

use crate::common::{Backend, TestApp, codes};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use masterplan_domain::status::Role;
use serde_json::Value;

const VIEWER: &str = "{ viewer { name authenticated role workingGroups } }";

backend_tests! {
    async fn anonymous_callers_may_read(app) {
        let data = app.data(VIEWER).await;
        assert_eq!(data["viewer"]["name"], "anonymous");
        assert_eq!(data["viewer"]["authenticated"], false);
        assert_eq!(data["viewer"]["role"], "PUBLIC");
    }

    async fn a_token_names_its_caller(app) {
        let secret = app.token("portal-script", Role::Editor, &["I", "III"], None).await;
        let (status, body) = app.query_as(&format!("Bearer {secret}"), VIEWER).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let viewer = &body["data"]["viewer"];
        assert_eq!(viewer["name"], "portal-script");
        assert_eq!(viewer["authenticated"], true);
        assert_eq!(viewer["role"], "EDITOR");
        assert_eq!(viewer["workingGroups"], serde_json::json!(["I", "III"]));
    }

    async fn bad_tokens_are_refused(app) {
        let secret = app.token("admin", Role::Admin, &[], None).await;
        // Right key, wrong secret; unknown key; no Bearer; garbage.
        let wrong = format!("{}x", &secret[..secret.len() - 1]);
        for authorization in [
            format!("Bearer {wrong}"),
            "Bearer mp_unknownkey_secret".to_owned(),
            secret.clone(),
            "Bearer".to_owned(),
        ] {
            let (status, body) = app.query_as(&authorization, VIEWER).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{authorization}: {body}");
            assert_eq!(codes(&body), ["UNAUTHENTICATED"]);
            assert_eq!(body["data"], Value::Null);
        }
    }

    async fn revoked_and_expired_tokens_stop_working(app) {
        let secret = app.token("old-script", Role::Reader, &[], None).await;
        let (status, _) = app.query_as(&format!("Bearer {secret}"), VIEWER).await;
        assert_eq!(status, StatusCode::OK);
        let mut conn = app.db.conn().await.unwrap();
        let now = masterplan_persistence::clock::now();
        assert!(masterplan_persistence::writes::tokens::revoke(&mut conn, "old-script", now, "test").await.unwrap());
        let (status, _) = app.query_as(&format!("Bearer {secret}"), VIEWER).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let yesterday = now - chrono::Duration::days(1);
        let expired = app.token("expired", Role::Reader, &[], Some(yesterday)).await;
        let (status, _) = app.query_as(&format!("Bearer {expired}"), VIEWER).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    async fn token_changes_and_plan_loads_are_audited(app) {
        let secret = app.token("etl", Role::Editor, &["II"], None).await;
        let mut conn = app.db.conn().await.unwrap();
        let now = masterplan_persistence::clock::now();
        assert!(masterplan_persistence::writes::tokens::revoke(&mut conn, "etl", now, "admin-cli").await.unwrap());
        let entries = masterplan_persistence::models::audit::list(
            &mut conn,
            &masterplan_persistence::models::audit::AuditFilter {
                scope: masterplan_persistence::models::audit::AuditScope::Everything,
                ..Default::default()
            },
            masterplan_persistence::page::Window { offset: 0, limit: 10 },
        )
        .await
        .unwrap();
        let summary: Vec<(&str, &str, &str)> = entries
            .iter()
            .map(|e| (e.actor.as_str(), e.action.as_str(), e.entity_type.as_str()))
            .collect();
        // Newest first: the revocation, the creation, the plan's load.
        assert_eq!(summary, [
            ("admin-cli", "REVOKE", "API_TOKEN"),
            ("test", "CREATE", "API_TOKEN"),
            ("test", "IMPORT", "PLAN"),
        ]);
        assert!(entries[1].changes.contains("\"EDITOR\""), "{}", entries[1].changes);
        // The random part is everything after the key (which has no `_`);
        // it may hold `_` itself, so the last `_` does not delimit it.
        let (_, secret_part) = secret.strip_prefix("mp_").unwrap().split_once('_').unwrap();
        assert_eq!(secret_part.len(), 43, "{secret}");
        assert!(entries.iter().all(|e| !e.changes.contains(secret_part)));
    }
}

async fn require_auth_refuses_anonymous_callers(backend: Backend) {
    let Some(app) = TestApp::requiring_auth(backend).await else {
        return;
    };
    let (status, body) = app.post_json(&serde_json::json!({ "query": VIEWER })).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(codes(&body), ["UNAUTHENTICATED"]);
    for uri in [
        "/graphql?query=%7Bplans%7Bslug%7D%7D",
        "/export/dortmund-arbeiten-4-0.json",
        "/export/dortmund-arbeiten-4-0/goals.csv",
        // The contract too, as introspection is refused.
        "/schema.graphql",
    ] {
        let (status, _, body) = app
            .send(Request::get(uri).body(Body::empty()).unwrap())
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}: {body}");
    }
    // The GraphiQL page itself is public; its queries carry the token.
    let (status, _, _) = app
        .send(Request::get("/").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);

    let secret = app.token("reporting", Role::Reader, &[], None).await;
    let (status, body) = app.query_as(&format!("Bearer {secret}"), VIEWER).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["viewer"]["name"], "reporting");
    let request = Request::get("/export/dortmund-arbeiten-4-0.json")
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .body(Body::empty())
        .unwrap();
    let (status, _, _) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_auth_refuses_anonymous_callers_sqlite() {
    require_auth_refuses_anonymous_callers(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_auth_refuses_anonymous_callers_postgres() {
    require_auth_refuses_anonymous_callers(Backend::Postgres).await;
}
