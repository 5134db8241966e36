//! The Excel workbook (`/export/PLAN.xlsx`, `export --format xlsx`), read
//! back with calamine as a spreadsheet program reads it, and compared cell by
//! cell with the CSV files.

use crate::common::cli::masterplan;
use std::io::{Cursor, Read};

use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use calamine::{Data, DataType, Range, Reader, Xlsx, open_workbook_from_rs};
use chrono::NaiveDate;
use serde_json::json;

use crate::common::{Backend, TestApp, app_with_values};
use crate::csv_dialect::{estimate_portal, parse_csv};

const PLAN: &str = "dortmund-arbeiten-4-0";
const SHEETS: [&str; 4] = ["measures", "goals", "kpis", "kpi-values"];
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// GETs `path`, with `Authorization: Bearer <token>` when given.
pub async fn get(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut request = Request::get(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let request = request.body(Body::empty()).unwrap();
    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, headers, body.to_vec())
}

/// A workbook's sheets, in order, as calamine reads them.
pub fn sheets(workbook: &[u8]) -> Vec<(String, Range<Data>)> {
    let mut book: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(workbook.to_vec())).expect("a workbook calamine reads");
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("a sheet");
            (name, range)
        })
        .collect()
}

/// Every cell of a workbook as text, texts quoted as JSON quotes them: for
/// searches for what a caller must not see.
pub fn workbook_text(workbook: &[u8]) -> String {
    let mut text = String::new();
    for (name, range) in sheets(workbook) {
        text.push_str(&format!("{name:?}\n"));
        for row in range.rows() {
            for cell in row {
                match cell {
                    Data::String(s) => text.push_str(&format!("{s:?}")),
                    other => text.push_str(&as_csv_field(other)),
                }
                text.push('\t');
            }
            text.push('\n');
        }
    }
    text
}

/// A workbook cell as the CSV export writes the same value.
fn as_csv_field(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::DateTime(_) => cell.as_date().expect("a date").to_string(),
        Data::Empty => String::new(),
        other => panic!("the export writes no cell like {other:?}"),
    }
}

fn sheet<'a>(sheets: &'a [(String, Range<Data>)], name: &str) -> &'a Range<Data> {
    &sheets.iter().find(|(n, _)| n == name).expect(name).1
}

/// The data row of `range` whose cell in `column` (named in the header) is
/// the text `value`.
fn row_where<'a>(range: &'a Range<Data>, column: &str, value: &str) -> &'a [Data] {
    let at = column_of(range, column);
    range
        .rows()
        .skip(1)
        .find(|row| row[at] == Data::String(value.into()))
        .unwrap_or_else(|| panic!("no row with {column} = {value}"))
}

fn column_of(range: &Range<Data>, column: &str) -> usize {
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(as_csv_field)
        .collect();
    header.iter().position(|h| h == column).expect(column)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The workbook holds the CSV files' columns and values, typed.
async fn workbook_is_the_csv_files_typed(backend: Backend) {
    let Some(app) = app_with_values(backend).await else {
        return;
    };
    estimate_portal(&app, &app.admin().await).await;
    let reader = app.reader().await;
    let (status, headers, body) = get(&app, &format!("/export/{PLAN}.xlsx"), Some(&reader)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], XLSX);
    assert_eq!(
        headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"dortmund-arbeiten-4-0.xlsx\""
    );
    let sheets = sheets(&body);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, SHEETS);

    // Sheet by sheet, cell by cell, what the CSV file of the entity says.
    for (name, range) in &sheets {
        let (_, _, csv) = get(&app, &format!("/export/{PLAN}/{name}.csv"), Some(&reader)).await;
        let (header, rows) = parse_csv(&String::from_utf8(csv).unwrap(), b',');
        let mut sheet_rows = range.rows();
        let sheet_header: Vec<String> = sheet_rows
            .next()
            .unwrap()
            .iter()
            .map(as_csv_field)
            .collect();
        assert_eq!(sheet_header, header, "the header row of {name}");
        let sheet_rows: Vec<Vec<String>> = sheet_rows
            .map(|row| row.iter().map(as_csv_field).collect())
            .collect();
        assert_eq!(sheet_rows.len(), rows.len(), "rows of {name}");
        assert_eq!(sheet_rows, rows, "the cells of {name}");
    }

    let measures = sheet(&sheets, "measures");
    assert_eq!(measures.height(), 1 + 25);
    let code = column_of(measures, "code");
    assert_eq!(
        row_where(measures, "code", "1.10")[code],
        Data::String("1.10".into())
    );
    assert_eq!(
        row_where(measures, "code", "1.1")[code],
        Data::String("1.1".into())
    );
    let portal = row_where(measures, "code", "1.2");
    assert_eq!(portal[column_of(measures, "position")], Data::Float(2.0));
    assert_eq!(
        portal[column_of(measures, "cost_estimate_eur")],
        Data::Float(424242.5)
    );
    assert_eq!(
        portal[column_of(measures, "personnel_estimate_fte")],
        Data::Float(17.125)
    );
    assert_eq!(
        portal[column_of(measures, "title")],
        Data::String("Bürgerportal".into())
    );

    let goals = sheet(&sheets, "goals");
    assert_eq!(goals.height(), 1 + 61);
    let mid_2020 = row_where(goals, "timing_phrase", "bis Mitte 2020");
    let due_on = &mid_2020[column_of(goals, "due_on")];
    assert!(
        matches!(due_on, Data::DateTime(d) if d.is_datetime()),
        "{due_on:?}"
    );
    assert_eq!(due_on.as_date(), Some(date(2020, 6, 30)));
    assert_eq!(mid_2020[column_of(goals, "starts_on")], Data::Empty);

    let values = sheet(&sheets, "kpi-values");
    let latest = values
        .rows()
        .find(|row| row[3] == Data::Float(83.5))
        .expect("the value 83.5");
    assert_eq!(latest[0], Data::String("1.2".into()));
    assert!(matches!(latest[2], Data::DateTime(_)));
    assert_eq!(latest[2].as_date(), Some(date(2021, 1, 31)));
    assert_eq!(latest[5], Data::String("Testreihe".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workbook_is_the_csv_files_typed_sqlite() {
    workbook_is_the_csv_files_typed(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workbook_is_the_csv_files_typed_postgres() {
    workbook_is_the_csv_files_typed(Backend::Postgres).await;
}

/// The sheet XML of a workbook, by sheet number (1 is the first).
fn sheet_xml(workbook: &[u8], number: usize) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(workbook.to_vec())).expect("a zip file");
    let mut xml = String::new();
    zip.by_name(&format!("xl/worksheets/sheet{number}.xml"))
        .expect("the sheet")
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

/// The `(column number, width)` of each `<col>` with a width set.
fn column_widths(xml: &str) -> Vec<(usize, f64)> {
    let attribute = |col: &str, name: &str| -> String {
        let start = col.find(&format!(" {name}=\"")).expect(name) + name.len() + 3;
        col[start..].split('"').next().unwrap().to_owned()
    };
    xml.split("<col ")
        .skip(1)
        .filter(|col| col.contains(r#"customWidth="1""#))
        .map(|col| {
            let col = &format!(" {}", &col[..col.find("/>").unwrap()]);
            let min: usize = attribute(col, "min").parse().unwrap();
            assert_eq!(
                attribute(col, "max"),
                min.to_string(),
                "one column per <col>"
            );
            (min, attribute(col, "width").parse().unwrap())
        })
        .collect()
}

backend_tests! {
    async fn every_sheet_has_a_frozen_filtered_header_and_sized_columns(app) {
        let (status, _, body) = get(&app, &format!("/export/{PLAN}.xlsx"), None).await;
        assert_eq!(status, StatusCode::OK);
        let sheets = sheets(&body);
        for (number, (name, range)) in (1..).zip(&sheets) {
            let xml = sheet_xml(&body, number);
            assert!(
                xml.contains(r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#),
                "{name}: the header row is frozen: {xml:.600}"
            );
            let (rows, columns) = range.get_size();
            let last_column = char::from(b'A' + u8::try_from(columns - 1).unwrap());
            assert!(
                xml.contains(&format!(r#"<autoFilter ref="A1:{last_column}{rows}"/>"#)),
                "{name}: the autofilter spans the table"
            );
            // Every column of a sheet with data has a width fitted to its
            // texts, but none is wider than about 45 characters.
            let widths = column_widths(&xml);
            if rows > 1 {
                let numbers: Vec<usize> = widths.iter().map(|w| w.0).collect();
                assert_eq!(numbers, (1..=columns).collect::<Vec<_>>(), "{name}");
            }
            for (_, width) in &widths {
                assert!((5.0..=46.0).contains(width), "{name}: {widths:?}");
            }
        }
        // Titles and descriptions are long: their columns get the widest
        // width; a code's column stays narrow.
        let measures = column_widths(&sheet_xml(&body, 1));
        let widest = measures.iter().map(|w| w.1).fold(0.0, f64::max);
        assert!(widest > 40.0, "{measures:?}");
        assert_eq!(measures[2].1, widest, "title: {measures:?}");
        assert_eq!(measures[14].1, widest, "description: {measures:?}");
        assert!(measures[1].1 < 10.0, "code: {measures:?}");
    }

    async fn a_text_longer_than_a_cell_is_cut_visibly(app) {
        let admin = app.admin().await;
        let description = "Gebühr 𝄞 ".repeat(4_000);
        let updated = app
            .update_measure(&admin, "1.2", json!({ "description": description }))
            .await;
        assert_eq!(updated["data"]["updateMeasure"]["userErrors"], json!([]), "{updated}");
        let (status, _, body) = get(&app, &format!("/export/{PLAN}.xlsx"), None).await;
        assert_eq!(status, StatusCode::OK);
        let sheets = sheets(&body);
        let measures = sheet(&sheets, "measures");
        let cell = &row_where(measures, "code", "1.2")[column_of(measures, "description")];
        let Data::String(cell) = cell else { panic!("{cell:?}") };
        assert!(cell.encode_utf16().count() <= 32_767);
        assert!(cell.encode_utf16().count() > 32_000);
        let kept = cell.strip_suffix('…').expect("the cut is marked");
        assert!(description.starts_with(kept));
        // The CSV file keeps the whole text.
        let (_, _, csv) = get(&app, &format!("/export/{PLAN}/measures.csv"), None).await;
        assert!(String::from_utf8(csv).unwrap().contains(&description));
    }

    async fn the_public_workbook_is_the_public_part_of_the_plan(app) {
        let admin = app.admin().await;
        let hidden = app
            .update_measure(&admin, "1.1", json!({ "visibility": "INTERNAL" }))
            .await;
        assert_eq!(hidden["data"]["updateMeasure"]["userErrors"], json!([]), "{hidden}");
        estimate_portal(&app, &admin).await;
        let reader = app.reader().await;
        let path = format!("/export/{PLAN}.xlsx");

        let (_, _, staff) = get(&app, &path, Some(&reader)).await;
        let staff = sheets(&staff);
        let measures = sheet(&staff, "measures");
        assert_eq!(measures.height(), 1 + 25);
        row_where(measures, "code", "1.1");
        let portal = row_where(measures, "code", "1.2");
        assert_eq!(portal[column_of(measures, "cost_estimate_eur")], Data::Float(424242.5));

        let portal_token = app
            .token("citizen-portal", masterplan_domain::status::Role::Public, &[], None)
            .await;
        for token in [None, Some(portal_token.as_str())] {
            let (status, _, public) = get(&app, &path, token).await;
            assert_eq!(status, StatusCode::OK);
            let text = workbook_text(&public);
            assert!(!text.contains("\"1.1\""), "the internal measure");
            assert!(!text.contains("BYOD"), "a goal or KPI of the internal measure");
            assert!(!text.contains("424242") && !text.contains("17.125"), "internal amounts");
            let public = sheets(&public);
            let measures = sheet(&public, "measures");
            assert_eq!(measures.height(), 1 + 24);
            let portal = row_where(measures, "code", "1.2");
            assert_eq!(portal[column_of(measures, "cost_estimate_eur")], Data::Empty);
            // The category stays: the public sees the class, not the amount.
            assert_eq!(portal[column_of(measures, "cost_category")], Data::String("MEDIUM".into()));
        }
    }

}

#[test]
fn the_cli_writes_a_workbook() {
    let tmp = std::env::temp_dir();
    let id = std::process::id();
    let db = tmp.join(format!("mp_cli_xlsx_{id}.db"));
    let file = tmp.join(format!("mp_cli_xlsx_{id}.xlsx"));
    let public_file = tmp.join(format!("mp_cli_xlsx_public_{id}.xlsx"));
    assert!(masterplan(&db, &["seed"]).status.success());

    let refused = masterplan(&db, &["export", "--format", "xlsx"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--out FILE"));

    let out = masterplan(
        &db,
        &[
            "export",
            "--format",
            "xlsx",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let workbook = std::fs::read(&file).unwrap();
    let book = sheets(&workbook);
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, SHEETS);
    let measures = sheet(&book, "measures");
    assert_eq!(measures.height(), 1 + 25);
    assert_eq!(
        row_where(measures, "code", "1.10")[1],
        Data::String("1.10".into())
    );
    let goals = sheet(&book, "goals");
    let due_on = &row_where(goals, "timing_phrase", "bis Mitte 2020")[column_of(goals, "due_on")];
    assert_eq!(due_on.as_date(), Some(date(2020, 6, 30)));

    let public = masterplan(
        &db,
        &[
            "export",
            "--format",
            "xlsx",
            "--public-only",
            "--out",
            public_file.to_str().unwrap(),
        ],
    );
    assert!(public.status.success(), "{public:?}");
    let public = sheets(&std::fs::read(&public_file).unwrap());
    assert_eq!(public.len(), 4);

    for path in [&file, &public_file] {
        let _ = std::fs::remove_file(path);
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
