//! Export and import: the JSON export is the plan-file format, lossless.

use crate::common::{Backend, TestApp, app_with_values, bundled_plan};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
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

async fn csv_files_per_entity(backend: Backend) {
    let Some(app) = app_with_values(backend).await else {
        return;
    };
    // Staff's export: value sources included (the public's is in `visibility`).
    let reader = format!("Bearer {}", app.reader().await);
    let get = |path: &str| {
        Request::get(path)
            .header(header::AUTHORIZATION, &reader)
            .body(Body::empty())
            .unwrap()
    };

    let (status, content_type, measures) = app
        .send(get("/export/dortmund-arbeiten-4-0/measures.csv"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type.unwrap(), "text/csv; charset=utf-8");
    assert!(
        measures.starts_with('\u{feff}'),
        "a byte-order mark for Excel"
    );
    let mut reader = csv::Reader::from_reader(measures.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 25);
    assert_eq!(&rows[1][1], "1.2");
    assert_eq!(&rows[1][2], "Bürgerportal");
    assert_eq!(&rows[3][1], "", "DMS und E-Akte has no code");
    assert_eq!(&rows[17][1], "3.4");
    assert!(rows[17][6].contains("; Stadt Köln; "), "{}", &rows[17][6]);
    assert_eq!(&rows[0][13], "UNKNOWN");

    let (_, _, goals) = app
        .send(get("/export/dortmund-arbeiten-4-0/goals.csv"))
        .await;
    let lines = goals.lines().count();
    assert_eq!(lines, 62, "header and 61 goals (no goal text spans lines)");
    assert!(
        goals.contains("bis Mitte 2020,BY,,2020-06-30,OPEN"),
        "{goals}"
    );

    let (_, _, kpis) = app
        .send(get("/export/dortmund-arbeiten-4-0/kpis.csv"))
        .await;
    assert!(
        kpis.contains("80 by 2020-12-31; 100 by 2021-12-31"),
        "{kpis}"
    );
    let (_, _, values) = app
        .send(get("/export/dortmund-arbeiten-4-0/kpi-values.csv"))
        .await;
    assert_eq!(values.lines().count(), 1 + 5 + 2);
    assert!(
        values.contains(
            "1.2,Anzahl der digitalen Verwaltungsleistungen im Portal,2021-01-31,83.5,,Testreihe"
        ),
        "{values}"
    );

    let (status, _, _) = app
        .send(get("/export/dortmund-arbeiten-4-0/secrets.csv"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = app.send(get("/export/berlin/goals.csv")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_files_per_entity_sqlite() {
    csv_files_per_entity(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_files_per_entity_postgres() {
    csv_files_per_entity(Backend::Postgres).await;
}
