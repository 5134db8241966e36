//! Optimistic locking under concurrency: many writers send the same
//! `expectedVersion` at once; exactly one wins, the rest get
//! `VERSION_CONFLICT`, and the audit trail records the one change.

use crate::common::TestApp;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_persistence::schema::audit_log;
use masterplan_persistence::with_conn;
use serde_json::json;

const WRITERS: usize = 12;

async fn audit_entries(app: &TestApp) -> i64 {
    let mut conn = app.db.conn().await.expect("connection");
    with_conn!(&mut conn, c => audit_log::table.count().get_result::<i64>(c).await).expect("count")
}

backend_tests! {
    async fn one_of_many_concurrent_updates_with_the_same_version_wins(app) {
        let admin = app.admin().await;
        let before = app.data(r#"{ measure(code: "1.2") { id version } }"#).await["measure"].clone();
        let entries_before = audit_entries(&app).await;
        let app = std::sync::Arc::new(app);
        let mut tasks = Vec::new();
        for writer in 0..WRITERS {
            let (app, admin, before) = (app.clone(), admin.clone(), before.clone());
            tasks.push(tokio::spawn(async move {
                app.query_with(&admin, "mutation($input: UpdateMeasureInput!) {
                    updateMeasure(input: $input) {
                        measure { title version } userErrors { code currentVersion } } }",
                    json!({ "input": {
                        "id": before["id"], "expectedVersion": before["version"],
                        "title": format!("Titel von Schreiber {writer}")
                    }})).await
            }));
        }
        let mut winners = Vec::new();
        let mut conflicts = 0;
        for task in tasks {
            let body = task.await.expect("writer task");
            assert!(body.get("errors").is_none(), "{body}");
            let payload = &body["data"]["updateMeasure"];
            if payload["measure"].is_null() {
                assert_eq!(payload["userErrors"][0]["code"], "VERSION_CONFLICT", "{payload}");
                assert_eq!(payload["userErrors"][0]["currentVersion"], before["version"].as_i64().unwrap() + 1);
                conflicts += 1;
            } else {
                winners.push(payload["measure"]["title"].clone());
            }
        }
        assert_eq!(winners.len(), 1, "exactly one writer wins: {winners:?}");
        assert_eq!(conflicts, WRITERS - 1);
        let after = app.data(r#"{ measure(code: "1.2") { title version } }"#).await["measure"].clone();
        assert_eq!(after["title"], winners[0]);
        assert_eq!(after["version"], before["version"].as_i64().unwrap() + 1);
        assert_eq!(audit_entries(&app).await, entries_before + 1);
    }
}
