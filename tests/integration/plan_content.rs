//! The bundled plan as a client reads it: the whole Dortmund masterplan.

use serde_json::Value;

fn codes_of(list: &Value) -> Vec<Option<String>> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().map(str::to_owned))
        .collect()
}

backend_tests! {
    async fn all_25_measures_in_the_plans_order(app) {
        let data = app.data("{ measures(first: 100) { totalCount nodes { code title position } } }").await;
        let measures = &data["measures"];
        assert_eq!(measures["totalCount"], 25);
        let codes = codes_of(&measures["nodes"]);
        let expected: Vec<Option<String>> = [
            "1.1", "1.2", "1.3", "", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9", "1.10",
            "2.1", "2.2", "2.3", "3.1", "3.2", "3.3", "3.4", "3.5",
            "4.1", "4.2", "4.3", "4.4", "4.5", "4.6",
        ]
        .iter()
        .map(|c| (!c.is_empty()).then(|| c.to_string()))
        .collect();
        assert_eq!(codes, expected);
        let dms = &measures["nodes"][3];
        assert_eq!(dms["title"], "DMS und E-Akte");
        assert_eq!(dms["position"], 4);
    }

    async fn four_working_groups_with_11_3_5_6_measures(app) {
        let data = app.data("{ workingGroups { code number name measures { code } } }").await;
        let groups = data["workingGroups"].as_array().unwrap();
        let summary: Vec<(String, usize)> = groups
            .iter()
            .map(|g| (g["code"].as_str().unwrap().to_owned(), g["measures"].as_array().unwrap().len()))
            .collect();
        assert_eq!(
            summary,
            [("I".to_owned(), 11), ("II".to_owned(), 3), ("III".to_owned(), 5), ("IV".to_owned(), 6)]
        );
        assert_eq!(groups[0]["name"], "Arbeitsgruppe I");
        assert_eq!(codes_of(&groups[1]["measures"]), [Some("2.1".into()), Some("2.2".into()), Some("2.3".into())]);
    }

    async fn plan_and_legend(app) {
        let data = app.data("{ plan { slug title organisation legend { costLowBelowEur costHighAboveEur personnelLowBelowFte personnelHighAboveFte periodShortBelowMonths periodLongAboveMonths } } }").await;
        let plan = &data["plan"];
        assert_eq!(plan["slug"], "dortmund-arbeiten-4-0");
        assert_eq!(plan["title"], "Masterplan Digitale Verwaltung – Arbeiten 4.0");
        assert_eq!(plan["organisation"], "Stadt Dortmund");
        let legend = &plan["legend"];
        assert_eq!(legend["costLowBelowEur"], 50000.0);
        assert_eq!(legend["costHighAboveEur"], 1000000.0);
        assert_eq!(legend["personnelLowBelowFte"], 2.0);
        assert_eq!(legend["personnelHighAboveFte"], 5.0);
        assert_eq!(legend["periodShortBelowMonths"], 12);
        assert_eq!(legend["periodLongAboveMonths"], 36);
    }

    async fn goals_with_parsed_timing(app) {
        let data = app.data(r#"{ measure(code: "1.2") { title goals { text position status timing { phrase kind startsOn dueOn } } } }"#).await;
        let goals = &data["measure"]["goals"];
        assert_eq!(data["measure"]["title"], "Bürgerportal");
        assert_eq!(goals[0]["text"], "Erarbeitung eines Konzepts zur Überarbeitung des Bürgerportals (doMap) bis Mitte 2020");
        assert_eq!(goals[0]["timing"]["phrase"], "bis Mitte 2020");
        assert_eq!(goals[0]["timing"]["kind"], "BY");
        assert_eq!(goals[0]["timing"]["dueOn"], "2020-06-30");
        assert_eq!(goals[0]["status"], "OPEN");
        assert_eq!(goals[1]["timing"]["kind"], "FROM");
        assert_eq!(goals[1]["timing"]["startsOn"], "2020-07-01");
        assert_eq!(goals[1]["timing"]["dueOn"], Value::Null);

        let data = app.data(r#"{ measure(code: "3.4") { goals { timing { phrase kind startsOn dueOn } } } }"#).await;
        let timings: Vec<&Value> = data["measure"]["goals"].as_array().unwrap().iter().map(|g| &g["timing"]).collect();
        assert_eq!(timings[0]["kind"], "DURING");
        assert_eq!(timings[0]["startsOn"], "2020-01-01");
        assert_eq!(timings[0]["dueOn"], "2020-12-31");
        assert_eq!(timings[1]["phrase"], "(2021 ff.)");
        assert_eq!(timings[1]["kind"], "FROM");
        assert_eq!(timings[1]["startsOn"], "2021-01-01");

        let data = app.data(r#"{ measure(code: "2.2") { goals { timing { phrase kind dueOn } } } }"#).await;
        assert_eq!(data["measure"]["goals"][0]["timing"]["dueOn"], "2020-08-31");
        assert_eq!(data["measure"]["goals"][1]["timing"]["kind"], "NONE");
    }

    async fn goal_categories_of_3_1_and_4_5(app) {
        let data = app.data(r#"{ m31: measure(code: "3.1") { goals { category } pilotAreas { code name } }
                                m45: measure(code: "4.5") { goals { text category } } }"#).await;
        let mut counts = std::collections::BTreeMap::new();
        for goal in data["m31"]["goals"].as_array().unwrap() {
            *counts.entry(goal["category"].as_str().unwrap().to_owned()).or_insert(0) += 1;
        }
        assert_eq!(
            counts.into_iter().collect::<Vec<_>>(),
            [
                ("Personal".to_owned(), 7),
                ("Prozesse, Qualität der Arbeit".to_owned(), 5),
                ("Umgangskultur und Werte".to_owned(), 2),
                ("Umwelt".to_owned(), 2),
            ]
        );
        let areas = data["m31"]["pilotAreas"].as_array().unwrap();
        assert_eq!(areas.len(), 2);
        assert_eq!(areas[0]["code"], "11/2");
        assert_eq!(areas[1]["code"], "51/8-2");
        assert_eq!(areas[1]["name"], "Amtsvormundschaften");
        let goals = &data["m45"]["goals"];
        assert_eq!(goals[0]["category"], "Kurzfristig");
        assert_eq!(goals[0]["text"], "Initiierung einer Projektgruppe");
        assert_eq!(goals[1]["category"], "Langfristig");
    }

    async fn kpis_with_units_baselines_and_targets(app) {
        let data = app.data(r#"{
            m12: measure(code: "1.2") { kpis { name unit valueType direction baseline { value observedOn } } }
            m22: measure(code: "2.2") { kpis { name targets { value dueOn } } }
            m21: measure(code: "2.1") { kpis { name valueType direction } }
            m33: measure(code: "3.3") { kpis { unit } }
            m34: measure(code: "3.4") { kpis { unit direction } }
        }"#).await;
        let portal = &data["m12"]["kpis"][0];
        assert_eq!(portal["name"], "Anzahl der digitalen Verwaltungsleistungen im Portal");
        assert_eq!(portal["unit"], "Anzahl");
        assert_eq!(portal["valueType"], "NUMBER");
        assert_eq!(portal["direction"], "INCREASE");
        assert_eq!(portal["baseline"]["value"], 67.0);
        assert_eq!(data["m12"]["kpis"].as_array().unwrap().len(), 3);
        let places = &data["m22"]["kpis"][0];
        assert_eq!(places["name"], "Anzahl neu geschaffener Praxisplätze");
        assert_eq!(places["targets"][0]["value"], 30.0);
        assert_eq!(places["targets"][0]["dueOn"], "2020-12-31");
        assert_eq!(places["targets"][1]["value"], 50.0);
        assert_eq!(places["targets"][1]["dueOn"], "2021-12-31");
        assert_eq!(data["m21"]["kpis"][0]["name"], "Phase 1: erstelltes Konzept");
        assert_eq!(data["m21"]["kpis"][0]["valueType"], "MILESTONE");
        assert_eq!(data["m33"]["kpis"][0]["unit"], "m²");
        assert_eq!(data["m34"]["kpis"][1]["unit"], "Tage");
        assert_eq!(data["m34"]["kpis"][1]["direction"], "DECREASE");
    }

    async fn partners_and_related_measures(app) {
        let data = app.data(r#"{
            m34: measure(code: "3.4") { partners }
            m35: measure(code: "3.5") { relatedMeasures { code } }
            m18: measure(code: "1.8") { relatedMeasures { code } }
            m44: measure(code: "4.4") { relatedMeasures { code } }
        }"#).await;
        let partners: Vec<&str> = data["m34"]["partners"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
        assert!(partners.iter().any(|p| p.contains("Gütersloh")), "{partners:?}");
        assert!(partners.iter().any(|p| p.contains("Köln")), "{partners:?}");
        assert_eq!(codes_of(&data["m35"]["relatedMeasures"]), [Some("1.8".into())]);
        // A link stated in 3.5 relates 1.8 back to it.
        assert_eq!(codes_of(&data["m18"]["relatedMeasures"]), [Some("3.5".into())]);
        assert_eq!(codes_of(&data["m44"]["relatedMeasures"]), [Some("4.1".into()), Some("4.2".into())]);
    }

    async fn counts_of_goals_and_kpis(app) {
        let data = app.data("{ goals(first: 1) { totalCount } kpis(first: 1) { totalCount } }").await;
        assert_eq!(data["goals"]["totalCount"], 61);
        assert_eq!(data["kpis"]["totalCount"], 37);
    }

    async fn unknown_estimates_give_unknown_quick_win(app) {
        let data = app.data(r#"{ measure(code: "1.1") { quickWin costEstimate { amountEur category categoryIsExplicit } realizationPeriod { months category } } }"#).await;
        let m = &data["measure"];
        assert_eq!(m["quickWin"], "UNKNOWN");
        assert_eq!(m["costEstimate"]["amountEur"], Value::Null);
        assert_eq!(m["costEstimate"]["category"], Value::Null);
        assert_eq!(m["costEstimate"]["categoryIsExplicit"], false);
    }
}
