//! Public and internal data: what anonymous callers, `PUBLIC` tokens and a
//! `--public-only` server may see, and how drafts are published.

use axum::body::Body;
use axum::http::{Request, header};
use masterplan_api::limits::Limits;
use masterplan_api::server::{AppState, router};
use masterplan_domain::status::Role;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet, VecDeque};

use crate::common::{Backend, TestApp};

const UPDATE_MEASURE: &str = "mutation($input: UpdateMeasureInput!) {
  updateMeasure(input: $input) { measure { id visibility version } userErrors { field message code } } }";
const CREATE_MEASURE: &str = "mutation($input: CreateMeasureInput!) {
  createMeasure(input: $input) { measure { id code visibility version } userErrors { message } } }";
const CREATE_GOAL: &str = "mutation($input: CreateGoalInput!) {
  createGoal(input: $input) { goal { id visibility } userErrors { message } } }";
const CREATE_KPI: &str = "mutation($input: CreateKpiInput!) {
  createKpi(input: $input) { kpi { id visibility } userErrors { message } } }";
const RECORD: &str = "mutation($input: RecordKpiValuesInput!) {
  recordKpiValues(input: $input) { kpiValues { id } userErrors { message } } }";

/// Marks measure `code` (at version 1) with `visibility`; returns its ID.
async fn set_measure(app: &TestApp, admin: &str, code: &str, input: Value) -> String {
    let mut input = input;
    input["key"] = json!({ "code": code });
    input["expectedVersion"] = json!(1);
    let data = app
        .data_with(admin, UPDATE_MEASURE, json!({ "input": input }))
        .await;
    let payload = &data["updateMeasure"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    payload["measure"]["id"].as_str().unwrap().to_owned()
}

/// `data` as the public (anonymous).
async fn public(app: &TestApp, query: &str) -> Value {
    app.data(query).await
}

backend_tests! {
    async fn an_internal_measure_is_absent_for_the_public(app) {
        let admin = app.admin().await;
        let id = set_measure(&app, &admin, "1.1", json!({ "visibility": "INTERNAL" })).await;
        let counts = "{ measures { totalCount } portfolio { measureCount }
            search(query: \"BYOD\") { totalCount nodes { score } } measure(code: \"1.1\") { code }
            goals { totalCount } kpis { totalCount } }";
        let anonymous = public(&app, counts).await;
        assert_eq!(anonymous["measures"]["totalCount"], 24);
        assert_eq!(anonymous["portfolio"]["measureCount"], 24);
        assert_eq!(anonymous["search"]["totalCount"], 0);
        assert_eq!(anonymous["search"]["nodes"], json!([]));
        assert_eq!(anonymous["measure"], Value::Null);
        // 1.1 has two goals and one KPI, which are internal with it.
        assert_eq!(anonymous["goals"]["totalCount"], 61 - 2);
        assert_eq!(anonymous["kpis"]["totalCount"], 37 - 1);
        let node = public(&app, &format!(r#"{{ node(id: "{id}") {{ id }} nodes(ids: ["{id}"]) {{ id }} }}"#)).await;
        assert_eq!(node, json!({ "node": null, "nodes": [null] }));
        // The working group's summary counts without it too.
        let group = public(&app, r#"{ workingGroup(code: "I") { measures { code } summary { measureCount goalsByStatus { count } } } }"#).await;
        let codes = group["workingGroup"]["measures"].to_string();
        assert!(!codes.contains("\"1.1\""), "{codes}");
        let staff_group = app.staff_data(r#"{ workingGroup(code: "I") { summary { measureCount } } }"#).await;
        assert_eq!(
            group["workingGroup"]["summary"]["measureCount"].as_i64().unwrap() + 1,
            staff_group["workingGroup"]["summary"]["measureCount"].as_i64().unwrap()
        );

        // A PUBLIC token reads as the public; a READER sees everything.
        let portal = app.token("citizen-portal", Role::Public, &[], None).await;
        assert_eq!(app.data_with(&portal, counts, json!({})).await, anonymous);
        let staff = app.staff_data(counts).await;
        assert_eq!(staff["measures"]["totalCount"], 25);
        assert_eq!(staff["portfolio"]["measureCount"], 25);
        assert_eq!(staff["search"]["totalCount"], 1);
        assert_eq!(staff["measure"]["code"], "1.1");
        assert_eq!(staff["goals"]["totalCount"], 61);
    }

    async fn a_goal_or_kpi_can_be_internal_on_its_own(app) {
        let admin = app.admin().await;
        let created = app.data_with(&admin, CREATE_GOAL, json!({ "input": {
            "measure": { "code": "1.2" }, "text": "Entwurf: Bezahlfunktion" } })).await;
        assert_eq!(created["createGoal"]["goal"]["visibility"], "INTERNAL", "{created}");
        let kpi = app.data_with(&admin, CREATE_KPI, json!({ "input": {
            "measure": { "code": "1.2" }, "name": "Entwurf: Zahlungen", "visibility": "PUBLIC" } })).await;
        assert_eq!(kpi["createKpi"]["kpi"]["visibility"], "PUBLIC", "{kpi}");
        let query = r#"{ measure(code: "1.2") { goals { text } kpis { name } } }"#;
        let anonymous = public(&app, query).await.to_string();
        assert!(!anonymous.contains("Bezahlfunktion"), "{anonymous}");
        assert!(anonymous.contains("Entwurf: Zahlungen"), "{anonymous}");
        assert!(app.staff_data(query).await.to_string().contains("Bezahlfunktion"));
    }

    async fn internal_fields_are_null_for_the_public(app) {
        let admin = app.admin().await;
        set_measure(&app, &admin, "1.2", json!({
            "estimates": { "costEur": 424242.5, "personnelFte": 17.125 } })).await;
        let recorded = app.data_with(&admin, RECORD, json!({ "input": { "values": [{
            "kpi": { "measure": "1.2", "name": "Anzahl der digitalen Verwaltungsleistungen im Portal" },
            "observedOn": "2021-01-31", "value": 70.0, "note": "vorläufig", "source": "Fachamt" }] } })).await;
        assert_eq!(recorded["recordKpiValues"]["userErrors"], json!([]), "{recorded}");
        let query = r#"{ measure(code: "1.2") {
            costEstimate { amountEur category } personnelEstimate { fte category }
            kpis { latestValue { value note source } } } }"#;
        let anonymous = public(&app, query).await;
        let staff = app.staff_data(query).await;
        let (m, s) = (&anonymous["measure"], &staff["measure"]);
        // The categories, which the published plan shows, stay public.
        assert_eq!(m["costEstimate"], json!({ "amountEur": null, "category": s["costEstimate"]["category"] }));
        assert_eq!(m["personnelEstimate"], json!({ "fte": null, "category": "HIGH" }));
        assert!(s["costEstimate"]["category"].is_string(), "{staff}");
        assert_eq!(m["kpis"][0]["latestValue"], json!({ "value": 70.0, "note": null, "source": null }));
        assert_eq!(staff["measure"]["costEstimate"]["amountEur"], 424242.5);
        assert_eq!(staff["measure"]["personnelEstimate"]["fte"], 17.125);
        assert_eq!(staff["measure"]["kpis"][0]["latestValue"]["source"], "Fachamt");
        // History is for editors and admins: null for the public, with an error.
        let body = app.query(r#"{ measure(code: "1.2") { history { action } } }"#).await;
        assert_eq!(body["data"]["measure"]["history"], Value::Null, "{body}");
    }

    async fn a_created_measure_is_a_draft_until_published(app) {
        let admin = app.admin().await;
        let created = app.data_with(&admin, CREATE_MEASURE, json!({ "input": {
            "workingGroup": "III", "code": "3.99", "title": "Entwurf" } })).await;
        let measure = &created["createMeasure"]["measure"];
        assert_eq!(measure["visibility"], "INTERNAL", "{created}");
        let lookup = r#"{ measure(code: "3.99") { title visibility } measures { totalCount } }"#;
        let before = public(&app, lookup).await;
        assert_eq!(before["measure"], Value::Null);
        assert_eq!(before["measures"]["totalCount"], 25);

        let published = app.data_with(&admin, UPDATE_MEASURE, json!({ "input": {
            "key": { "code": "3.99" }, "expectedVersion": 1, "visibility": "PUBLIC" } })).await;
        assert_eq!(published["updateMeasure"]["measure"]["version"], 2, "{published}");
        let after = public(&app, lookup).await;
        assert_eq!(after["measure"], json!({ "title": "Entwurf", "visibility": "PUBLIC" }));
        assert_eq!(after["measures"]["totalCount"], 26);
        let history = app.data_with(&admin, r#"{ measure(code: "3.99") { history { action changes } } }"#, json!({})).await;
        let entries = history["measure"]["history"].as_array().unwrap().clone();
        assert_eq!(entries.len(), 2, "{history}");
        assert_eq!(entries[1]["changes"], json!({ "visibility": { "old": "INTERNAL", "new": "PUBLIC" } }));
        // Withdrawn again, it is gone for the public.
        let withdrawn = app.data_with(&admin, UPDATE_MEASURE, json!({ "input": {
            "key": { "code": "3.99" }, "expectedVersion": 2, "visibility": "INTERNAL" } })).await;
        assert_eq!(withdrawn["updateMeasure"]["userErrors"], json!([]));
        assert_eq!(public(&app, lookup).await["measure"], Value::Null);
    }

    async fn editors_change_visibility_only_within_their_working_groups(app) {
        let editor = app.token("group-two", Role::Editor, &["II"], None).await;
        let refused = app.query_with(&editor, UPDATE_MEASURE, json!({ "input": {
            "key": { "code": "1.1" }, "expectedVersion": 1, "visibility": "INTERNAL" } })).await;
        assert_eq!(crate::common::codes(&refused), ["FORBIDDEN"], "{refused}");
        let own = app.data_with(&editor, UPDATE_MEASURE, json!({ "input": {
            "key": { "code": "2.1" }, "expectedVersion": 1, "visibility": "INTERNAL" } })).await;
        assert_eq!(own["updateMeasure"]["measure"]["visibility"], "INTERNAL", "{own}");
        assert_eq!(public(&app, "{ measures { totalCount } }").await["measures"]["totalCount"], 24);
        let portal = app.token("portal", Role::Public, &[], None).await;
        let refused = app.query_with(&portal, UPDATE_MEASURE, json!({ "input": {
            "key": { "code": "1.1" }, "expectedVersion": 1, "visibility": "INTERNAL" } })).await;
        assert_eq!(crate::common::codes(&refused), ["FORBIDDEN"], "{refused}");
    }

    async fn a_public_only_server_answers_everyone_as_the_public(app) {
        let admin = app.admin().await;
        set_measure(&app, &admin, "1.1", json!({ "visibility": "INTERNAL" })).await;
        let mut app = app;
        app.router = router(AppState::new(app.db.clone(), Limits::default()).public_only(true));
        let query = "{ viewer { name role authenticated } measures { totalCount } }";
        let data = app.data_with(&admin, query, json!({})).await;
        assert_eq!(data["viewer"], json!({ "name": "public", "role": "PUBLIC", "authenticated": false }));
        assert_eq!(data["measures"]["totalCount"], 24);
        // Whatever token, even none that is valid.
        assert_eq!(app.data_with("mp_unknown_token", query, json!({})).await, data);
        let refused = app.query_with(&admin, CREATE_MEASURE, json!({ "input": {
            "workingGroup": "III", "title": "Nicht hier" } })).await;
        assert_eq!(crate::common::codes(&refused), ["FORBIDDEN"], "{refused}");
        assert_eq!(app.data("{ measures { totalCount } }").await["measures"]["totalCount"], 24);
    }

    // The leak walk, in three tests that run side by side: the walk reaches
    // every secret as staff; anonymous callers and PUBLIC tokens see none
    // of them; nor does an admin on a public-only server.
    async fn the_leak_walk_reaches_every_secret_as_staff(app) {
        Walk::new(app).await.staff_see_every_secret().await;
    }

    async fn nothing_internal_leaks_through_any_field(app) {
        Walk::new(app).await.the_public_sees_no_secret().await;
    }

    async fn nothing_internal_leaks_from_a_public_only_server(app) {
        Walk::new(app).await.a_public_only_server_shows_no_secret().await;
    }
}

/// What was marked internal: the global IDs of internal objects, and the
/// markers (texts, codes, amounts) no public answer may contain.
struct Secrets {
    ids: Vec<String>,
    forbidden: Vec<String>,
}

/// Marks two measures (1.1, with its goals, KPI and a value; 1.8, related
/// to a public one), one goal and one KPI (of the public measure 1.2) internal, fills the internal-only
/// fields of public objects with markers, and lists what must not leak.
async fn hide_things(app: &TestApp, admin: &str) -> Secrets {
    let internal_measure = set_measure(
        app,
        admin,
        "1.1",
        json!({
        "visibility": "INTERNAL", "description": "GEHEIM-MEASURE" }),
    )
    .await;
    // 1.8 is related to 3.5, which stays public.
    let related = set_measure(
        app,
        admin,
        "1.8",
        json!({
        "visibility": "INTERNAL", "description": "GEHEIM-RELATED" }),
    )
    .await;
    set_measure(
        app,
        admin,
        "1.2",
        json!({
        "estimates": { "costEur": 424242.5, "personnelFte": 17.125 } }),
    )
    .await;
    let goal = app
        .data_with(
            admin,
            CREATE_GOAL,
            json!({ "input": {
        "measure": { "code": "1.2" }, "text": "GEHEIM-GOAL" } }),
        )
        .await;
    let goal_id = goal["createGoal"]["goal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let kpi = app
        .data_with(
            admin,
            CREATE_KPI,
            json!({ "input": {
        "measure": { "code": "1.2" }, "name": "GEHEIM-KPI" } }),
        )
        .await;
    let kpi_id = kpi["createKpi"]["kpi"]["id"].as_str().unwrap().to_owned();
    let values = app.data_with(admin, RECORD, json!({ "input": { "values": [
        { "kpiId": kpi_id, "observedOn": "2021-01-31", "value": 1.0 },
        { "kpi": { "measure": "1.1", "name": "Anzahl der privaten Endgeräte im Netzwerk" },
          "observedOn": "2021-01-31", "value": 2.0 },
        { "kpi": { "measure": "1.2", "name": "Anzahl der digitalen Verwaltungsleistungen im Portal" },
          "observedOn": "2021-01-31", "value": 70.0, "note": "GEHEIM-NOTE", "source": "GEHEIM-SOURCE" },
    ] } })).await;
    let value_ids: Vec<String> = values["recordKpiValues"]["kpiValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(value_ids.len(), 3, "{values}");
    let of_1_1 = app
        .data_with(
            admin,
            r#"{ measure(code: "1.1") { goals { id } kpis { id } } }"#,
            json!({}),
        )
        .await;
    let mut ids: Vec<String> = vec![
        internal_measure,
        related,
        goal_id,
        kpi_id,
        value_ids[0].clone(),
        value_ids[1].clone(),
    ];
    for item in of_1_1["measure"]["goals"]
        .as_array()
        .unwrap()
        .iter()
        .chain(of_1_1["measure"]["kpis"].as_array().unwrap())
    {
        ids.push(item["id"].as_str().unwrap().to_owned());
    }
    let markers = ["GEHEIM", "BYOD", "\"1.1\"", "424242", "17.125"];
    // IDs quoted, as JSON writes them ("TWVhc3VyZTox" is also the start of
    // the ID of measure 10).
    let forbidden = ids
        .iter()
        .map(|id| format!("{id:?}"))
        .chain(markers.map(String::from))
        .collect();
    Secrets { ids, forbidden }
}

const INTROSPECTION: &str = "{ __schema { queryType { name } types { kind name
  fields { name args { name defaultValue type { ...T } } type { ...T } }
  possibleTypes { name } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// The schema as introspection tells it, to build queries that select every
/// field: a field added later is walked without changing this test.
///
/// Each root field gets one query that selects every field of every type
/// reachable from it within the depth limit. A type's fields are selected
/// once, where the type is nearest to the root (breadth first): selecting
/// them again under every path makes answers of hundreds of megabytes
/// (every goal repeating its measure's plan, groups and KPIs) without
/// reaching a resolver the first place did not reach.
struct Walker {
    types: HashMap<String, Value>,
    max_depth: usize,
}

/// The named type under NON_NULL and LIST wrappers.
fn named(ty: &Value) -> (&str, &str) {
    if ty["ofType"].is_object() {
        named(&ty["ofType"])
    } else {
        (ty["kind"].as_str().unwrap(), ty["name"].as_str().unwrap())
    }
}

fn is_leaf(kind: &str) -> bool {
    matches!(kind, "SCALAR" | "ENUM")
}

/// Where each type of one query is expanded.
struct Expansion {
    /// The depth of the field nearest to the root whose type it is.
    depth: HashMap<String, usize>,
    done: HashSet<String>,
}

impl Walker {
    async fn new(app: &TestApp) -> Self {
        let schema = app.data(INTROSPECTION).await;
        let types = schema["__schema"]["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
            .collect();
        Walker {
            types,
            max_depth: Limits::default().document.max_depth,
        }
    }

    fn fields(&self, type_name: &str) -> &[Value] {
        self.types[type_name]["fields"]
            .as_array()
            .map_or(&[], Vec::as_slice)
    }

    /// The object types a selection on `type_name` selects fields of: itself,
    /// or an interface's or union's possible types.
    fn concrete(&self, type_name: &str) -> Vec<String> {
        match self.types[type_name]["possibleTypes"].as_array() {
            Some(possible) => possible
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect(),
            None => vec![type_name.to_owned()],
        }
    }

    /// Breadth first from a root field of type `root`.
    fn expansion(&self, root: &str) -> Expansion {
        let mut depth = HashMap::new();
        let mut queue = VecDeque::new();
        for t in std::iter::once(root.to_owned()).chain(self.concrete(root)) {
            if !depth.contains_key(&t) {
                depth.insert(t.clone(), 1);
                queue.push_back(t);
            }
        }
        while let Some(t) = queue.pop_front() {
            let d = depth[&t];
            if d + 1 >= self.max_depth {
                continue;
            }
            for field in self.fields(&t) {
                let (kind, name) = named(&field["type"]);
                if is_leaf(kind) {
                    continue;
                }
                for u in std::iter::once(name.to_owned()).chain(self.concrete(name)) {
                    if !depth.contains_key(&u) {
                        depth.insert(u.clone(), d + 1);
                        queue.push_back(u);
                    }
                }
            }
        }
        Expansion {
            depth,
            done: HashSet::new(),
        }
    }

    /// Values for required arguments of nested fields, by argument name.
    fn argument(type_name: &str, field: &str, arg: &Value) -> String {
        let name = arg["name"].as_str().unwrap();
        match name {
            "from" => "\"2000-01-01\"".into(),
            "to" => "\"2100-12-31\"".into(),
            "interval" => "MONTH".into(),
            "days" => "36500".into(),
            "months" => "1".into(),
            _ => {
                panic!("the leak test needs a value for {type_name}.{field}({name}:); add it here")
            }
        }
    }

    fn arguments(&self, type_name: &str, field: &Value) -> String {
        let required: Vec<String> = field["args"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["type"]["kind"] == "NON_NULL" && a["defaultValue"].is_null())
            .map(|a| {
                format!(
                    "{}: {}",
                    a["name"].as_str().unwrap(),
                    Self::argument(type_name, field["name"].as_str().unwrap(), a)
                )
            })
            .collect();
        if required.is_empty() {
            String::new()
        } else {
            format!("({})", required.join(", "))
        }
    }

    /// The selection on a field of type `type_name` at `depth`: every field
    /// where the type is expanded, else its scalar fields (so that a field
    /// such as `relatedMeasures` is still asked for what it returns); `None`
    /// when the depth limit is reached.
    fn selection(&self, type_name: &str, depth: usize, plan: &mut Expansion) -> Option<String> {
        if depth >= self.max_depth {
            return None;
        }
        let mut parts = Vec::new();
        let concrete = self.concrete(type_name);
        let is_abstract = concrete.len() != 1 || concrete[0] != type_name;
        for t in concrete {
            let expand = plan.depth.get(&t) == Some(&depth) && plan.done.insert(t.clone());
            let mut fields = Vec::new();
            for field in self.fields(&t) {
                if expand || is_leaf(named(&field["type"]).0) {
                    fields.extend(self.field(&t, field, "", depth + 1, plan));
                }
            }
            if is_abstract {
                parts.push(format!("... on {t} {{ __typename {} }}", fields.join(" ")));
            } else {
                parts.extend(fields);
            }
        }
        Some(format!("__typename {}", parts.join(" ")))
    }

    /// One field at `depth`, with `args` (else its required arguments).
    fn field(
        &self,
        owner: &str,
        field: &Value,
        args: &str,
        depth: usize,
        plan: &mut Expansion,
    ) -> Option<String> {
        let name = field["name"].as_str().unwrap();
        let args = if args.is_empty() {
            self.arguments(owner, field)
        } else {
            args.to_owned()
        };
        let (kind, ty) = named(&field["type"]);
        if is_leaf(kind) {
            return Some(format!("{name}{args}"));
        }
        let inner = self.selection(ty, depth, plan)?;
        Some(format!("{name}{args} {{ {inner} }}"))
    }

    /// One query per root field (and per interesting argument value).
    fn queries(&self, internal_ids: &[String]) -> Vec<String> {
        let ids = internal_ids
            .iter()
            .map(|id| format!("{id:?}"))
            .collect::<Vec<_>>();
        let mut queries = Vec::new();
        for field in self.fields("Query") {
            let name = field["name"].as_str().unwrap();
            let variants: Vec<String> = match name {
                "node" => ids.iter().map(|id| format!("(id: {id})")).collect(),
                "nodes" => vec![format!("(ids: [{}])", ids.join(", "))],
                "search" => ["GEHEIM", "BYOD", "Endgeräte", "Portal"]
                    .iter()
                    .map(|q| format!("(query: {q:?})"))
                    .collect(),
                "measure" => vec!["(code: \"1.1\")".into(), "(code: \"1.2\")".into()],
                "workingGroup" => vec!["(code: \"I\")".into()],
                _ => vec![String::new()],
            };
            let (_, ty) = named(&field["type"]);
            for args in variants {
                let mut plan = self.expansion(ty);
                if let Some(selection) = self.field("Query", field, &args, 1, &mut plan) {
                    queries.push(format!("{{ {selection} }}"));
                }
            }
        }
        queries
    }
}

/// Limits wide enough for queries that select every field at once.
fn wide_limits() -> Limits {
    let mut limits = Limits::default();
    limits.document.max_fields = usize::MAX;
    limits.max_complexity = usize::MAX;
    limits.timeout = std::time::Duration::from_secs(120);
    limits.max_body_bytes = 16 * 1024 * 1024;
    limits
}

/// What every export path of the walk fetches.
const EXPORTS: [&str; 6] = [
    "/export/dortmund-arbeiten-4-0.json",
    "/export/dortmund-arbeiten-4-0/measures.csv",
    "/export/dortmund-arbeiten-4-0/goals.csv",
    "/export/dortmund-arbeiten-4-0/kpis.csv",
    "/export/dortmund-arbeiten-4-0/kpi-values.csv",
    "/export/dortmund-arbeiten-4-0.xlsx",
];

/// The leak walk: an app with secrets hidden in it, and the queries that
/// select every field from every root.
struct Walk {
    app: TestApp,
    secrets: Secrets,
    queries: Vec<String>,
    admin: String,
}

impl Walk {
    async fn new(app: TestApp) -> Self {
        let admin = app.admin().await;
        let secrets = hide_things(&app, &admin).await;
        let mut app = app;
        app.router = router(AppState::new(app.db.clone(), wide_limits()));
        let walker = Walker::new(&app).await;
        let queries = walker.queries(&secrets.ids);
        assert!(queries.len() > 20, "{} queries", queries.len());
        Walk {
            app,
            secrets,
            queries,
            admin,
        }
    }

    /// Staff's answers hold every secret: the walk reaches them all (and so
    /// the other passes search where the secrets are).
    async fn staff_see_every_secret(&self) {
        let app = &self.app;
        let reader = app.reader().await;
        let mut staff = String::new();
        for query in &self.queries {
            staff.push_str(&app.answer_text(Some(&reader), query).await);
        }
        for secret in &self.secrets.forbidden {
            assert!(
                staff.contains(secret.as_str()),
                "staff's walk never reached {secret}"
            );
        }
        for path in [EXPORTS[0], EXPORTS[5]] {
            let staff = export(app, path, Some(&reader)).await;
            for marker in [
                "GEHEIM-MEASURE",
                "GEHEIM-GOAL",
                "GEHEIM-KPI",
                "GEHEIM-NOTE",
                "424242",
                "BYOD",
                "\"1.1\"",
            ] {
                assert!(staff.contains(marker), "staff's {path} lacks {marker}");
            }
        }
    }

    /// Anonymous callers and PUBLIC tokens, through every field and export.
    async fn the_public_sees_no_secret(&self) {
        let app = &self.app;
        let portal = app.token("citizen-portal", Role::Public, &[], None).await;
        for query in &self.queries {
            self.check("anonymous", &app.answer_text(None, query).await, query);
            self.check(
                "a PUBLIC token",
                &app.answer_text(Some(&portal), query).await,
                query,
            );
        }
        for path in EXPORTS {
            self.check("anonymous", &export(app, path, None).await, path);
            self.check(
                "a PUBLIC token",
                &export(app, path, Some(&portal)).await,
                path,
            );
        }
    }

    /// A public-only server, asked with an admin token.
    async fn a_public_only_server_shows_no_secret(mut self) {
        let state = AppState::new(self.app.db.clone(), wide_limits()).public_only(true);
        self.app.router = router(state);
        let app = &self.app;
        for query in &self.queries {
            self.check(
                "an admin on a public-only server",
                &app.answer_text(Some(&self.admin), query).await,
                query,
            );
        }
        for path in EXPORTS {
            self.check(
                "an admin on a public-only server",
                &export(app, path, Some(&self.admin)).await,
                path,
            );
        }
    }

    fn check(&self, who: &str, text: &str, what: &str) {
        for secret in &self.secrets.forbidden {
            if let Some(at) = text.find(secret.as_str()) {
                let around = &text[text.floor_char_boundary(at.saturating_sub(300))
                    ..text.ceil_char_boundary(at + secret.len() + 100)];
                panic!("{who} sees {secret} (…{around}…) in the answer to {what}");
            }
        }
    }
}

/// An export's text (an XLSX workbook's cells) as `token`'s holder gets it.
async fn export(app: &TestApp, path: &str, token: Option<&str>) -> String {
    if path.ends_with(".xlsx") {
        let (_, _, workbook) = crate::xlsx_export::get(app, path, token).await;
        return crate::xlsx_export::workbook_text(&workbook);
    }
    let mut request = Request::get(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    app.send(request.body(Body::empty()).unwrap()).await.2
}

/// The public export loads as a plan whose categories are those the public saw.
async fn public_export_round_trips(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let admin = app.admin().await;
    set_measure(
        &app,
        &admin,
        "1.2",
        json!({
        "estimates": { "costEur": 424242.5, "personnelFte": 0.5 } }),
    )
    .await;
    let classes = r#"{ measure(code: "1.2") { costEstimate { amountEur category } personnelEstimate { category } quickWin } }"#;
    let original = app.data(classes).await;
    let staff = app.staff_data(classes).await;
    let request = Request::get("/export/dortmund-arbeiten-4-0.json")
        .body(Body::empty())
        .unwrap();
    let text = app.send(request).await.2;
    let file: Value = serde_json::from_str(&text).unwrap();
    let portal = &file["measures"][1];
    assert_eq!(portal["code"], "1.2");
    assert_eq!(portal["estimates"]["costEur"], Value::Null, "{portal}");
    assert_eq!(
        portal["estimates"]["costCategory"], staff["measure"]["costEstimate"]["category"],
        "{portal}"
    );
    assert_eq!(portal["estimates"]["personnelCategory"], "LOW", "{portal}");
    let plan = masterplan_persistence::seed::parse_plan_file(&text).expect("a valid plan file");
    let Some(copy) = TestApp::empty(backend).await else {
        return;
    };
    copy.load(&plan).await;
    assert_eq!(copy.data(classes).await, original);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_export_round_trips_sqlite() {
    public_export_round_trips(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_export_round_trips_postgres() {
    public_export_round_trips(Backend::Postgres).await;
}
