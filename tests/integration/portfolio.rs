//! Portfolio aggregates against the bundled plan's known figures.

use crate::common::{Backend, app_with_values, codes, expect, pairs};

backend_tests! {
    async fn plan_figures(app) {
        let data = app.data(r#"{ portfolio(asOf: "2020-01-01") {
            asOf measureCount measuresByStatus { key count } measuresByWorkingGroup { key count }
            measuresByCost { key count } measuresByPersonnel { key count } measuresByPeriod { key count }
            measuresByQuickWin { key count } goalsByStatus { key count }
            overdueGoals(first: 10) { totalCount nodes { measure { code } } }
            goalsDueWithin(days: 182) { totalCount nodes { measure { code } timing { dueOn } } }
        } }"#).await;
        let p = &data["portfolio"];
        assert_eq!(p["asOf"], "2020-01-01");
        assert_eq!(p["measureCount"], 25);
        assert_eq!(
            pairs(&p["measuresByStatus"]),
            expect(&[("PLANNED", 25), ("IN_PROGRESS", 0), ("COMPLETED", 0), ("ON_HOLD", 0), ("CANCELLED", 0)])
        );
        assert_eq!(pairs(&p["measuresByWorkingGroup"]), expect(&[("I", 11), ("II", 3), ("III", 5), ("IV", 6)]));
        // The plan gives no estimates: every measure is unclassified.
        assert_eq!(
            pairs(&p["measuresByCost"]),
            expect(&[("LOW", 0), ("MEDIUM", 0), ("HIGH", 0), ("UNCLASSIFIED", 25)])
        );
        assert_eq!(pairs(&p["measuresByPeriod"])[3], ("UNCLASSIFIED".to_owned(), 25));
        assert_eq!(pairs(&p["measuresByPersonnel"])[0], ("LOW".to_owned(), 0));
        assert_eq!(
            pairs(&p["measuresByQuickWin"]),
            expect(&[("YES", 0), ("PARTIAL", 0), ("NO", 0), ("UNKNOWN", 25)])
        );
        assert_eq!(pairs(&p["goalsByStatus"])[0], ("OPEN".to_owned(), 61));
        assert_eq!(p["overdueGoals"]["totalCount"], 3);
        let overdue: Vec<&str> = p["overdueGoals"]["nodes"].as_array().unwrap().iter().map(|g| g["measure"]["code"].as_str().unwrap()).collect();
        assert_eq!(overdue, ["1.3", "1.4", "1.8"]);
        // Due in the first half of 2020: 2.1 and 4.1 (Anfang), 1.2, 1.4 and 3.3 (Mitte).
        assert_eq!(p["goalsDueWithin"]["totalCount"], 5);
    }

    async fn working_group_summary(app) {
        let data = app.data(r#"{ workingGroup(code: "II") { summary(asOf: "2020-04-01") {
            measureCount measuresByWorkingGroup { key count } goalsByStatus { key count }
            overdueGoals { totalCount nodes { text } }
        } } }"#).await;
        let s = &data["workingGroup"]["summary"];
        assert_eq!(s["measureCount"], 3);
        assert_eq!(pairs(&s["measuresByWorkingGroup"]), expect(&[("II", 3)]));
        assert_eq!(pairs(&s["goalsByStatus"])[0], ("OPEN".to_owned(), 8));
        // 2.1's concept was due "bis Anfang 2020".
        assert_eq!(s["overdueGoals"]["totalCount"], 1);
        assert!(s["overdueGoals"]["nodes"][0]["text"].as_str().unwrap().starts_with("Erstellung eines gesamtstädtischen Konzeptes"));
    }

    async fn summaries_of_all_groups_share_their_statements(app) {
        let query = r#"{ workingGroups { code summary(asOf: "2020-04-01") { measureCount measuresByStatus { count } goalsByStatus { count }
            overdueGoals(first: 5) { totalCount nodes { text } } goalsDueWithin(days: 365) { totalCount } staleKpis(months: 6) { totalCount } } } }"#;
        let before = app.statements();
        let data = app.data(query).await;
        let statements = app.statements() - before;
        let counts: Vec<i64> = data["workingGroups"].as_array().unwrap().iter().map(|g| g["summary"]["measureCount"].as_i64().unwrap()).collect();
        assert_eq!(counts, [11, 3, 5, 6]);
        let overdue: Vec<i64> = data["workingGroups"].as_array().unwrap().iter().map(|g| g["summary"]["overdueGoals"]["totalCount"].as_i64().unwrap()).collect();
        // As of 2020-04-01: 1.3, 1.4, 1.8 (I), 2.1 (II), 4.1 (IV).
        assert_eq!(overdue, [3, 1, 0, 1]);
        let stale: i64 = data["workingGroups"].as_array().unwrap().iter().map(|g| g["summary"]["staleKpis"]["totalCount"].as_i64().unwrap()).sum();
        assert_eq!(stale, 37, "no KPI has values");
        // plan, working groups, measure counts, goal counts, one per list kind:
        // not one per group.
        assert!(statements <= 7, "{statements} statements");
    }

    async fn bad_windows_are_rejected(app) {
        assert_eq!(app.error_codes("{ portfolio { goalsDueWithin(days: -1) { totalCount } } }").await, ["BAD_USER_INPUT"]);
        assert_eq!(app.error_codes("{ portfolio { staleKpis(months: 0) { totalCount } } }").await, ["BAD_USER_INPUT"]);
        assert_eq!(app.error_codes(r#"{ portfolio(plan: "nowhere") { measureCount } }"#).await, ["NOT_FOUND"]);
    }
}

async fn stale_kpis(backend: Backend) {
    let Some(app) = app_with_values(backend).await else {
        return;
    };
    // 1.2's series ends 2021-01-31, 3.4's lead time 2020-12-31; 35 KPIs have no values.
    let data = app
        .data(r#"{ a: portfolio(asOf: "2021-06-30") { staleKpis(months: 12) { totalCount } }
                   b: portfolio(asOf: "2021-06-30") { staleKpis(months: 5) { totalCount nodes { name } } }
                   c: portfolio(asOf: "2021-06-30") { staleKpis(months: 3) { totalCount } } }"#)
        .await;
    assert_eq!(data["a"]["staleKpis"]["totalCount"], 35);
    assert_eq!(data["b"]["staleKpis"]["totalCount"], 36);
    let names: Vec<&str> = data["b"]["staleKpis"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("Durchschnittliche Durchlaufzeit")),
        "{names:?}"
    );
    assert_eq!(data["c"]["staleKpis"]["totalCount"], 37);
    let body = app
        .query("{ portfolio { staleKpis(months: 1, first: 101) { totalCount } } }")
        .await;
    assert_eq!(codes(&body), ["BAD_USER_INPUT"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_kpis_sqlite() {
    stale_kpis(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_kpis_postgres() {
    stale_kpis(Backend::Postgres).await;
}
