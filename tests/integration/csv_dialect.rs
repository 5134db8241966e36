//! The German-Excel CSV dialect (`?dialect=excel-de`, `--csv-dialect
//! excel-de`): `;` between fields, decimal commas, read back with the `csv`
//! crate as any CSV reader would.

use crate::common::cli::masterplan;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use crate::common::{Backend, TestApp, app_with_values};

const PLAN: &str = "dortmund-arbeiten-4-0";
const ENTITIES: [&str; 4] = ["measures", "goals", "kpis", "kpi-values"];

/// GETs `path`, with `Authorization: Bearer <token>` when given: status,
/// content type and body.
async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, String, String) {
    let mut request = Request::get(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let (status, content_type, body) = app.send(request.body(Body::empty()).unwrap()).await;
    (status, content_type.unwrap_or_default(), body)
}

/// A CSV text without its byte-order mark, parsed with `delimiter`: header
/// and records.
pub fn parse_csv(text: &str, delimiter: u8) -> (Vec<String>, Vec<Vec<String>>) {
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.expect("a record").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// Gives measure 1.2 estimates with decimals, so that numbers have a
/// decimal separator to show.
pub async fn estimate_portal(app: &TestApp, admin: &str) {
    let updated = app
        .update_measure(
            admin,
            "1.2",
            json!({ "estimates": { "costEur": 424242.5, "personnelFte": 17.125 } }),
        )
        .await;
    assert_eq!(
        updated["data"]["updateMeasure"]["userErrors"],
        json!([]),
        "{updated}"
    );
}

/// `?dialect=excel-de`: the same records with `;` between fields and decimal
/// commas, quoted where a field holds `;`, and read back by a CSV reader.
async fn excel_de_csv_reads_back(backend: Backend) {
    let Some(app) = app_with_values(backend).await else {
        return;
    };
    estimate_portal(&app, &app.admin().await).await;
    let reader = app.reader().await;
    let numeric = [
        "position",
        "cost_estimate_eur",
        "personnel_estimate_fte",
        "realization_months",
        "baseline_value",
        "value",
    ];
    for name in ENTITIES {
        let path = format!("/export/{PLAN}/{name}.csv");
        let (_, _, standard) = get(&app, &path, Some(&reader)).await;
        let (status, content_type, german) =
            get(&app, &format!("{path}?dialect=excel-de"), Some(&reader)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type, "text/csv; charset=utf-8");
        let (header, rows) = parse_csv(&standard, b',');
        let (german_header, german_rows) = parse_csv(&german, b';');
        assert_eq!(german_header, header);
        let expected: Vec<Vec<String>> = rows
            .iter()
            .map(|row| {
                header
                    .iter()
                    .zip(row)
                    .map(|(column, field)| {
                        if numeric.contains(&column.as_str()) {
                            field.replace('.', ",")
                        } else {
                            field.clone()
                        }
                    })
                    .collect()
            })
            .collect();
        assert_eq!(german_rows, expected, "{name}");
    }

    let (_, _, measures) = get(
        &app,
        &format!("/export/{PLAN}/measures.csv?dialect=excel-de"),
        Some(&reader),
    )
    .await;
    assert!(
        measures.starts_with("\u{feff}position;code;title;"),
        "{measures:.200}"
    );
    assert!(
        measures.contains(";424242,5;MEDIUM;17,125;HIGH;"),
        "{measures}"
    );
    let (_, rows) = parse_csv(&measures, b';');
    let smart_city = rows.iter().find(|r| r[1] == "3.4").unwrap();
    assert!(
        smart_city[6].contains("; Stadt Köln; "),
        "{}",
        smart_city[6]
    );
    assert!(
        measures.contains(&format!("\"{}\"", smart_city[6])),
        "partners are quoted, as they hold ;"
    );

    let (_, _, values) = get(
        &app,
        &format!("/export/{PLAN}/kpi-values.csv?dialect=excel-de"),
        Some(&reader),
    )
    .await;
    assert!(
        values.contains(
            "1.2;Anzahl der digitalen Verwaltungsleistungen im Portal;2021-01-31;83,5;;Testreihe"
        ),
        "{values}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excel_de_csv_reads_back_sqlite() {
    excel_de_csv_reads_back(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excel_de_csv_reads_back_postgres() {
    excel_de_csv_reads_back(Backend::Postgres).await;
}

backend_tests! {
    async fn an_unknown_csv_dialect_is_a_bad_request(app) {
        let (status, content_type, body) =
            get(&app, &format!("/export/{PLAN}/goals.csv?dialect=excel-fr"), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(content_type, "application/json");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("\"excel-fr\"") && message.contains("excel-de"), "{message}");

        let (_, _, standard) =
            get(&app, &format!("/export/{PLAN}/goals.csv?dialect=standard"), None).await;
        let (_, _, default) = get(&app, &format!("/export/{PLAN}/goals.csv"), None).await;
        assert_eq!(standard, default);
        assert!(default.starts_with("\u{feff}measure_code,measure_title,"));
    }
}

#[test]
fn the_cli_writes_german_csv() {
    let tmp = std::env::temp_dir();
    let id = std::process::id();
    let db = tmp.join(format!("mp_cli_csv_de_{id}.db"));
    let dir = tmp.join(format!("mp_cli_csv_de_{id}"));
    assert!(masterplan(&db, &["seed"]).status.success());
    let out = dir.to_str().unwrap();

    let german = masterplan(
        &db,
        &[
            "export",
            "--format",
            "csv",
            "--csv-dialect",
            "excel-de",
            "--out",
            out,
        ],
    );
    assert!(german.status.success(), "{german:?}");
    let goals = std::fs::read_to_string(dir.join("goals.csv")).unwrap();
    let (header, rows) = parse_csv(&goals, b';');
    assert_eq!(header[0], "measure_code");
    assert_eq!(rows.len(), 61);
    assert!(
        rows.iter()
            .any(|r| r[5] == "bis Mitte 2020" && r[8] == "2020-06-30")
    );

    let unknown = masterplan(
        &db,
        &[
            "export",
            "--format",
            "csv",
            "--csv-dialect",
            "excel-fr",
            "--out",
            out,
        ],
    );
    assert!(!unknown.status.success());
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.contains("excel-fr") && stderr.contains("excel-de"),
        "{stderr}"
    );
    let not_csv = masterplan(&db, &["export", "--csv-dialect", "excel-de"]);
    assert!(!not_csv.status.success());
    assert!(String::from_utf8_lossy(&not_csv.stderr).contains("--format csv only"));

    let _ = std::fs::remove_dir_all(&dir);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
