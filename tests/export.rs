//! Export and import: the JSON export is the plan-file format, lossless.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Backend, TestApp, app_with_values, bundled_plan};
use masterplan_persistence::seed::parse_plan_file;

async fn export(app: &TestApp, slug: &str) -> (StatusCode, String) {
    let request = Request::get(format!("/export/{slug}.json"))
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = app.send(request).await;
    (status, body)
}

backend_tests! {
    async fn the_export_of_the_seeded_plan_is_the_bundled_file(app) {
        let request = Request::get("/export/dortmund-arbeiten-4-0.json").body(Body::empty()).unwrap();
        let response = tower::ServiceExt::oneshot(app.router.clone(), request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-disposition"],
            "attachment; filename=\"dortmund-arbeiten-4-0.json\""
        );
        let (_, text) = export(&app, "dortmund-arbeiten-4-0").await;
        let exported = parse_plan_file(&text).expect("the export is a valid plan file");
        assert_eq!(exported, bundled_plan());
        let (status, _) = export(&app, "berlin").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

/// export → import into an empty database → export gives the same text.
async fn export_import_export_is_identical(backend: Backend) {
    let Some(source) = app_with_values(backend).await else {
        return;
    };
    let (status, first) = export(&source, "dortmund-arbeiten-4-0").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        first.contains("\"observedOn\": \"2021-01-31\""),
        "values are exported"
    );
    let Some(target) = TestApp::empty(backend).await else {
        return;
    };
    target.load(&parse_plan_file(&first).unwrap()).await;
    let (_, second) = export(&target, "dortmund-arbeiten-4-0").await;
    assert_eq!(first, second);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_import_export_is_identical_sqlite() {
    export_import_export_is_identical(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_import_export_is_identical_postgres() {
    export_import_export_is_identical(Backend::Postgres).await;
}
