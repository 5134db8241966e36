//! KPI time series: calendar buckets computed in SQL, gaps included.

use crate::common::{Backend, app_with_values, codes};
use serde_json::{Value, json};

fn points(series: &Value) -> Vec<(String, String, Option<f64>)> {
    series
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["start"].as_str().unwrap().to_owned(),
                p["end"].as_str().unwrap().to_owned(),
                p["value"].as_f64(),
            )
        })
        .collect()
}

fn point(start: &str, end: &str, value: Option<f64>) -> (String, String, Option<f64>) {
    (start.to_owned(), end.to_owned(), value)
}

async fn series_bucket_values_by_calendar(backend: Backend) {
    let Some(app) = app_with_values(backend).await else {
        return;
    };
    // 1.2's series: 67 (2020-01-31), 70 (04-30), 74 (07-31), 80 (10-31), 83.5 (2021-01-31).
    let data = app
        .data(
            r#"{ measure(code: "1.2") { kpis { name
            quarters: series(from: "2020-01-01", to: "2021-06-30", interval: QUARTER) { start end value }
            months: series(from: "2020-01-15", to: "2020-04-30", interval: MONTH, aggregate: SUM) { start end value }
            average: series(from: "2020-01-01", to: "2021-12-31", interval: YEAR, aggregate: AVG) { start end value }
            maximum: series(from: "2020-01-01", to: "2020-12-31", interval: YEAR, aggregate: MAX) { value }
            last: series(from: "2020-01-01", to: "2020-12-31", interval: YEAR, aggregate: LAST) { value }
        } } }"#,
        )
        .await;
    let kpi = &data["measure"]["kpis"][0];
    assert_eq!(
        points(&kpi["quarters"]),
        [
            point("2020-01-01", "2020-03-31", Some(67.0)),
            point("2020-04-01", "2020-06-30", Some(70.0)),
            point("2020-07-01", "2020-09-30", Some(74.0)),
            point("2020-10-01", "2020-12-31", Some(80.0)),
            point("2021-01-01", "2021-03-31", Some(83.5)),
            point("2021-04-01", "2021-06-30", None),
        ]
    );
    assert_eq!(
        points(&kpi["months"]),
        [
            point("2020-01-01", "2020-01-31", Some(67.0)),
            point("2020-02-01", "2020-02-29", None),
            point("2020-03-01", "2020-03-31", None),
            point("2020-04-01", "2020-04-30", Some(70.0)),
        ]
    );
    assert_eq!(
        points(&kpi["average"]),
        [
            point("2020-01-01", "2020-12-31", Some(72.75)),
            point("2021-01-01", "2021-12-31", Some(83.5)),
        ]
    );
    assert_eq!(kpi["maximum"][0]["value"], 80.0);
    assert_eq!(kpi["last"][0]["value"], 80.0);
    // A KPI without values has every bucket, all empty.
    let empty = &data["measure"]["kpis"][1]["quarters"];
    assert_eq!(empty.as_array().unwrap().len(), 6);
    assert!(
        empty
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["value"].is_null())
    );

    // All KPIs' series in one statement (plus the list and its loaders).
    let before = app.statements();
    let body = app
        .query_vars(
            r#"query($from: Date!) { kpis(first: 100) { nodes { series(from: $from, to: "2021-12-31", interval: YEAR) { value } } } }"#,
            json!({ "from": "2020-01-01" }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert!(
        app.statements() - before <= 2,
        "{} statements",
        app.statements() - before
    );

    let bad = app.query(r#"{ kpis(first: 1) { nodes { series(from: "2021-01-01", to: "2020-01-01", interval: YEAR) { value } } } }"#).await;
    assert_eq!(codes(&bad), ["BAD_USER_INPUT"]);
    let bad = app.query(r#"{ kpis(first: 1) { nodes { series(from: "1900-01-01", to: "2100-01-01", interval: MONTH) { value } } } }"#).await;
    assert_eq!(codes(&bad), ["BAD_USER_INPUT"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn series_bucket_values_by_calendar_sqlite() {
    series_bucket_values_by_calendar(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn series_bucket_values_by_calendar_postgres() {
    series_bucket_values_by_calendar(Backend::Postgres).await;
}
