//! KPI trajectories: values recorded through `recordKpiValues`, read back as
//! `Kpi.trajectory`, as the `kpis(filter: { trajectory })` list and as the
//! portfolio's and working groups' `kpisByTrajectory`, for staff and the
//! public.

use crate::common::{TestApp, expect, pairs};
use serde_json::{Value, json};

const AS_OF: &str = "2026-12-01";

/// 1.2 (working group I): +2 a month from 70; reaches 100 by 2027 (ON_TRACK).
const RISING: &str = "Trajektorie: steigend";
/// 3.4 (III): +1 a month from 70, about 94 at the due date (AT_RISK).
const SLOW: &str = "Trajektorie: zu langsam";
/// 3.4 (III), internal: should fall to 30, rises instead (OFF_TRACK).
const WRONG_WAY: &str = "Trajektorie: falsche Richtung";
/// 2.2 (II): training places, 30 by 2020 and 50 by 2021.
const TRAINING: &str = "Anzahl neu geschaffener Praxisplätze";
/// 2.3 (II), milestones due 2020-06-30 and 2021-12-31.
const TENDERS: &str = "Abschluss der notwendigen Vergabeverfahren bis Mitte 2020";
const SOFTWARE: &str = "Einführung der Softwareprodukte bis 2021";

const CREATE: &str = "mutation($input: CreateKpiInput!) {
  createKpi(input: $input) { kpi { id } userErrors { field message code } } }";

const RECORD: &str = "mutation($input: RecordKpiValuesInput!) {
  recordKpiValues(input: $input) { inserted userErrors { field message code } } }";

/// The last day of each of the 12 months from December 2025 to November 2026.
fn month_ends() -> Vec<String> {
    (0..12)
        .map(|i| {
            let (year, month) = if i == 0 { (2025, 12) } else { (2026, i) };
            let first_of_next = chrono::NaiveDate::from_ymd_opt(year, month, 1)
                .unwrap()
                .checked_add_months(chrono::Months::new(1))
                .unwrap();
            first_of_next.pred_opt().unwrap().to_string()
        })
        .collect()
}

async fn create_kpi(app: &TestApp, admin: &str, input: Value) {
    let data = app
        .data_with(admin, CREATE, json!({ "input": input }))
        .await;
    assert_eq!(data["createKpi"]["userErrors"], json!([]), "{data}");
}

/// Rows `(measure, name, date, value)` recorded in one batch.
async fn record(app: &TestApp, admin: &str, rows: &[(&str, &str, String, f64)]) {
    let values: Vec<Value> = rows
        .iter()
        .map(|(measure, name, date, value)| {
            json!({ "kpi": { "measure": measure, "name": name }, "observedOn": date, "value": value })
        })
        .collect();
    let data = app
        .data_with(admin, RECORD, json!({ "input": { "values": values } }))
        .await;
    let payload = &data["recordKpiValues"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    assert_eq!(payload["inserted"], rows.len());
}

/// Three new KPIs with 12 monthly values each, and values on two of the
/// plan's own KPIs with targets: as of 2026-12-01, two are ACHIEVED, one
/// each ON_TRACK, AT_RISK (slow), OFF_TRACK (internal), one NO_DATA (2.3's
/// software, no values) and the plan's 34 others have no target.
async fn setup(app: &TestApp) -> String {
    let admin = app.admin().await;
    let kpi = |measure: &str,
               name: &str,
               direction: &str,
               baseline: f64,
               target: f64,
               visibility: &str| {
        json!({
            "measure": { "code": measure }, "name": name, "valueType": "NUMBER",
            "direction": direction, "baseline": { "value": baseline },
            "targets": [{ "value": target, "dueOn": "2027-12-31" }], "visibility": visibility
        })
    };
    create_kpi(
        app,
        &admin,
        kpi("1.2", RISING, "INCREASE", 67.0, 100.0, "PUBLIC"),
    )
    .await;
    create_kpi(
        app,
        &admin,
        kpi("3.4", SLOW, "INCREASE", 30.0, 100.0, "PUBLIC"),
    )
    .await;
    create_kpi(
        app,
        &admin,
        kpi("3.4", WRONG_WAY, "DECREASE", 90.0, 30.0, "INTERNAL"),
    )
    .await;
    let mut rows = Vec::new();
    for (i, date) in month_ends().into_iter().enumerate() {
        let i = i as f64;
        rows.push(("1.2", RISING, date.clone(), 70.0 + 2.0 * i));
        rows.push(("3.4", SLOW, date.clone(), 70.0 + i));
        rows.push(("3.4", WRONG_WAY, date, 50.0 + i));
    }
    rows.push(("2.2", TRAINING, "2021-12-31".to_owned(), 55.0));
    rows.push(("2.3", TENDERS, "2020-06-30".to_owned(), 1.0));
    record(app, &admin, &rows).await;
    admin
}

/// `(name, status)` of a KPI list's nodes.
fn statuses(nodes: &Value) -> Vec<(String, String)> {
    nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["name"].as_str().unwrap().to_owned(),
                k["trajectory"]["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The trajectory of the KPI `name` of measure `code` as of `as_of`, read by staff.
async fn trajectory(app: &TestApp, code: &str, name: &str, as_of: &str) -> Value {
    let data = app
        .staff_data(&format!(
            r#"{{ measure(code: "{code}") {{ kpis {{ name trajectory(asOf: "{as_of}") {{ status projected target dueOn basis }} }} }} }}"#
        ))
        .await;
    data["measure"]["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == name)
        .unwrap_or_else(|| panic!("no KPI {name:?} in {data}"))["trajectory"]
        .clone()
}

backend_tests! {
    async fn recorded_values_give_each_kpi_its_trajectory(app) {
        let admin = setup(&app).await;
        let rising = trajectory(&app, "1.2", RISING, AS_OF).await;
        assert_eq!(rising["status"], "ON_TRACK", "{rising}");
        assert_eq!((rising["target"].clone(), rising["dueOn"].clone()), (json!(100.0), json!("2027-12-31")));
        let projected = rising["projected"].as_f64().unwrap();
        assert!((projected - 118.0).abs() < 0.5, "{rising}");
        assert!(rising["basis"].as_str().unwrap().starts_with(
            "least-squares over 12 values from 2025-12-31 to 2026-11-30, projected to 2027-12-31: 118."
        ), "{rising}");

        let slow = trajectory(&app, "3.4", SLOW, AS_OF).await;
        assert_eq!(slow["status"], "AT_RISK", "{slow}");
        assert!(slow["basis"].as_str().unwrap().ends_with("against the target 100 (tolerance 7)"), "{slow}");
        let wrong_way = trajectory(&app, "3.4", WRONG_WAY, AS_OF).await;
        assert_eq!(wrong_way["status"], "OFF_TRACK", "{wrong_way}");
        assert!(wrong_way["projected"].as_f64().unwrap() > 60.0, "{wrong_way}");

        // 2.2's last target (50 by 2021) was met by the value of 2021-12-31.
        let training = trajectory(&app, "2.2", TRAINING, AS_OF).await;
        assert_eq!(training, json!({
            "status": "ACHIEVED", "projected": null, "target": 50.0, "dueOn": "2021-12-31",
            "basis": "the latest value, 55 on 2021-12-31, meets the target 50 due 2021-12-31"
        }));
        // Before that value it had none; mid-2021 the 50 were next.
        let earlier = trajectory(&app, "2.2", TRAINING, "2021-07-01").await;
        assert_eq!((earlier["status"].clone(), earlier["target"].clone()), (json!("NO_DATA"), json!(50.0)), "{earlier}");
        assert_eq!(trajectory(&app, "2.3", TENDERS, AS_OF).await["status"], "ACHIEVED");
        let software = trajectory(&app, "2.3", SOFTWARE, AS_OF).await;
        assert_eq!(software["status"], "NO_DATA", "{software}");
        assert_eq!(software["basis"], "no value recorded by 2026-12-01");
        let no_target = trajectory(&app, "1.2", "Anzahl der registrierten Bürger*innen und Unternehmen", AS_OF).await;
        assert_eq!(no_target, json!({ "status": "NO_TARGET", "projected": null, "target": null, "dueOn": null, "basis": "no target" }));

        // A value recorded after asOf counts only from its day on.
        record(&app, &admin, &[("1.2", RISING, "2026-12-15".to_owned(), 100.0)]).await;
        assert_eq!(trajectory(&app, "1.2", RISING, AS_OF).await["status"], "ON_TRACK");
        assert_eq!(trajectory(&app, "1.2", RISING, "2026-12-15").await["status"], "ACHIEVED");
        // Without asOf: today, after the due date of every target here.
        let today = app.staff_data(r#"{ measure(code: "2.2") { kpis { name trajectory { status dueOn } } } }"#).await;
        assert_eq!(today["measure"]["kpis"][0]["trajectory"], json!({ "status": "ACHIEVED", "dueOn": "2021-12-31" }), "{today}");
    }

    async fn the_trajectory_filter_lists_and_counts_the_same_kpis(app) {
        setup(&app).await;
        let list = |filter: &str| format!(
            r#"{{ kpis(filter: {filter}) {{ totalCount nodes {{ name trajectory(asOf: "{AS_OF}") {{ status }} }} }} }}"#
        );
        let at_risk = app.staff_data(&list(&format!(r#"{{ trajectory: AT_RISK, asOf: "{AS_OF}" }}"#))).await;
        assert_eq!(at_risk["kpis"]["totalCount"], 1);
        assert_eq!(statuses(&at_risk["kpis"]["nodes"]), [(SLOW.to_owned(), "AT_RISK".to_owned())]);

        let moving = app.staff_data(&list(&format!(r#"{{ trajectory: [ON_TRACK, OFF_TRACK, ACHIEVED], asOf: "{AS_OF}" }}"#))).await;
        assert_eq!(moving["kpis"]["totalCount"], 4);
        // In the plan's order.
        assert_eq!(statuses(&moving["kpis"]["nodes"]), [
            (RISING.to_owned(), "ON_TRACK".to_owned()),
            (TRAINING.to_owned(), "ACHIEVED".to_owned()),
            (TENDERS.to_owned(), "ACHIEVED".to_owned()),
            (WRONG_WAY.to_owned(), "OFF_TRACK".to_owned()),
        ]);
        let no_target = app.staff_data(&format!(r#"{{ kpis(filter: {{ trajectory: NO_TARGET, asOf: "{AS_OF}" }}) {{ totalCount }} }}"#)).await;
        assert_eq!(no_target["kpis"]["totalCount"], 34);
        // With the other conditions of the filter, and paged.
        let page = |after: &str| format!(
            r#"{{ kpis(first: 1{after}, filter: {{ measure: "3.4", trajectory: [AT_RISK, OFF_TRACK], asOf: "{AS_OF}" }}) {{
                totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ name }} }} }}"#
        );
        let first = app.staff_data(&page("")).await;
        assert_eq!(first["kpis"]["totalCount"], 2);
        assert_eq!(first["kpis"]["nodes"], json!([{ "name": SLOW }]));
        assert_eq!(first["kpis"]["pageInfo"]["hasNextPage"], true);
        let cursor = first["kpis"]["pageInfo"]["endCursor"].as_str().unwrap();
        let second = app.staff_data(&page(&format!(r#", after: "{cursor}""#))).await;
        assert_eq!(second["kpis"]["nodes"], json!([{ "name": WRONG_WAY }]));
        assert_eq!(second["kpis"]["pageInfo"]["hasNextPage"], false);
        // Judged as of another day: in mid-January 2026 the new KPIs had one
        // value each, no trend yet.
        let january = app.staff_data(r#"{ kpis(filter: { trajectory: NO_DATA, asOf: "2026-01-15" }) { totalCount nodes { name } } }"#).await;
        assert_eq!(january["kpis"], json!({ "totalCount": 4, "nodes": [
            { "name": RISING }, { "name": SOFTWARE }, { "name": SLOW }, { "name": WRONG_WAY }
        ] }));
        // An empty list restricts nothing, as in the other filters.
        let all = app.staff_data(r#"{ kpis(filter: { trajectory: [] }) { totalCount } }"#).await;
        assert_eq!(all["kpis"]["totalCount"], 40);
    }

    async fn portfolio_and_summaries_count_kpis_by_trajectory(app) {
        setup(&app).await;
        let data = app.staff_data(&format!(r#"{{
            portfolio(asOf: "{AS_OF}") {{ kpisByTrajectory {{ key count }} }}
            workingGroups {{ code summary(asOf: "{AS_OF}") {{ kpisByTrajectory {{ key count }} }} }}
        }}"#)).await;
        assert_eq!(pairs(&data["portfolio"]["kpisByTrajectory"]), expect(&[
            ("ACHIEVED", 2), ("ON_TRACK", 1), ("AT_RISK", 1), ("OFF_TRACK", 1), ("NO_TARGET", 34), ("NO_DATA", 1),
        ]));
        let groups: Vec<(String, Vec<(String, i64)>)> = data["workingGroups"].as_array().unwrap().iter()
            .map(|g| (g["code"].as_str().unwrap().to_owned(), pairs(&g["summary"]["kpisByTrajectory"])))
            .collect();
        assert_eq!(groups, [
            ("I".to_owned(), expect(&[("ACHIEVED", 0), ("ON_TRACK", 1), ("AT_RISK", 0), ("OFF_TRACK", 0), ("NO_TARGET", 19), ("NO_DATA", 0)])),
            ("II".to_owned(), expect(&[("ACHIEVED", 2), ("ON_TRACK", 0), ("AT_RISK", 0), ("OFF_TRACK", 0), ("NO_TARGET", 3), ("NO_DATA", 1)])),
            ("III".to_owned(), expect(&[("ACHIEVED", 0), ("ON_TRACK", 0), ("AT_RISK", 1), ("OFF_TRACK", 1), ("NO_TARGET", 5), ("NO_DATA", 0)])),
            ("IV".to_owned(), expect(&[("ACHIEVED", 0), ("ON_TRACK", 0), ("AT_RISK", 0), ("OFF_TRACK", 0), ("NO_TARGET", 7), ("NO_DATA", 0)])),
        ]);
        // The portfolio's filter counts what the list shows.
        let list = app.staff_data(&format!(r#"{{ kpis(filter: {{ trajectory: NO_DATA, asOf: "{AS_OF}" }}) {{ totalCount nodes {{ name }} }} }}"#)).await;
        assert_eq!(list["kpis"]["nodes"], json!([{ "name": SOFTWARE }]));
    }

    async fn the_public_judges_only_the_kpis_it_sees(app) {
        setup(&app).await;
        let query = format!(r#"{{
            portfolio(asOf: "{AS_OF}") {{ kpisByTrajectory {{ key count }} }}
            workingGroup(code: "III") {{ summary(asOf: "{AS_OF}") {{ kpisByTrajectory {{ key count }} }} }}
            offTrack: kpis(filter: {{ trajectory: OFF_TRACK, asOf: "{AS_OF}" }}) {{ totalCount nodes {{ name }} }}
            measure(code: "3.4") {{ kpis {{ name trajectory(asOf: "{AS_OF}") {{ status }} }} }}
        }}"#);
        let staff = app.staff_data(&query).await;
        let public = app.data(&query).await;
        assert_eq!(staff["offTrack"]["totalCount"], 1);
        assert_eq!(public["offTrack"], json!({ "totalCount": 0, "nodes": [] }));
        let off_track = |data: &Value, path: &str| pairs(data.pointer(path).unwrap())[3].clone();
        assert_eq!(off_track(&staff, "/portfolio/kpisByTrajectory"), ("OFF_TRACK".to_owned(), 1));
        assert_eq!(off_track(&public, "/portfolio/kpisByTrajectory"), ("OFF_TRACK".to_owned(), 0));
        assert_eq!(off_track(&public, "/workingGroup/summary/kpisByTrajectory"), ("OFF_TRACK".to_owned(), 0));
        assert_eq!(off_track(&staff, "/workingGroup/summary/kpisByTrajectory"), ("OFF_TRACK".to_owned(), 1));
        let seen: Vec<String> = statuses(&public["measure"]["kpis"]).into_iter().map(|(name, _)| name).collect();
        assert!(!seen.iter().any(|n| n == WRONG_WAY), "{seen:?}");
        assert!(seen.iter().any(|n| n == SLOW), "{seen:?}");
    }
}
