//! The `masterplan` binary: seed refuses to load a plan twice unless told to
//! replace it, and `schema` prints the contract.

use crate::common::cli::masterplan;

#[test]
fn seed_refuses_an_existing_plan_unless_replace() {
    let db = std::env::temp_dir().join(format!("mp_cli_{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);

    let first = masterplan(&db, &["seed"]);
    assert!(first.status.success(), "{first:?}");
    let out = String::from_utf8_lossy(&first.stdout);
    assert!(out.contains("25 measures, 61 goals, 37 KPIs"), "{out}");

    let again = masterplan(&db, &["seed"]);
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains("already exists") && err.contains("--replace"),
        "{err}"
    );

    let replaced = masterplan(&db, &["seed", "--replace"]);
    assert!(replaced.status.success(), "{replaced:?}");
    assert!(String::from_utf8_lossy(&replaced.stdout).starts_with("replaced"));

    let migrate = masterplan(&db, &["migrate"]);
    assert!(migrate.status.success(), "{migrate:?}");

    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

#[test]
fn seed_reports_every_problem_of_an_invalid_file() {
    let dir = std::env::temp_dir();
    let db = dir.join(format!("mp_cli_bad_{}.db", std::process::id()));
    let file = dir.join(format!("mp_cli_bad_{}.json", std::process::id()));
    let mut plan: serde_json::Value =
        serde_json::from_str(masterplan_persistence::seed::BUNDLED_PLAN).unwrap();
    plan["measures"][0]["workingGroup"] = "IX".into();
    plan["measures"][1]["goals"][0]["timing"] = "irgendwann".into();
    std::fs::write(&file, plan.to_string()).unwrap();

    let path = file.to_str().unwrap();
    for args in [
        vec!["seed", "--file", path],
        vec!["import", path],
        vec!["import", path, "--dry-run"],
    ] {
        let out = masterplan(&db, &args);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("measures[0].workingGroup"), "{args:?}: {err}");
        assert!(
            err.contains("measures[1].goals[0].timing"),
            "{args:?}: {err}"
        );
    }
    // Nothing was loaded.
    let seeded = masterplan(&db, &["seed"]);
    assert!(seeded.status.success(), "{seeded:?}");

    let _ = std::fs::remove_file(&file);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

#[test]
fn schema_prints_the_contract() {
    let db = std::env::temp_dir().join("unused.db");
    let out = masterplan(&db, &["schema"]);
    assert!(out.status.success());
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), committed);
}

#[test]
fn export_then_import_into_another_database() {
    let dir = std::env::temp_dir();
    let id = std::process::id();
    let source = dir.join(format!("mp_cli_src_{id}.db"));
    let target = dir.join(format!("mp_cli_dst_{id}.db"));
    let file = dir.join(format!("mp_cli_export_{id}.json"));
    assert!(masterplan(&source, &["seed"]).status.success());

    let out = masterplan(
        &source,
        &[
            "export",
            "--format",
            "json",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let dry = masterplan(&target, &["import", file.to_str().unwrap(), "--dry-run"]);
    assert!(dry.status.success(), "{dry:?}");
    assert!(String::from_utf8_lossy(&dry.stdout).contains("valid plan file"));
    // A dry run writes nothing: exporting the target finds no plan.
    let empty = masterplan(&target, &["export"]);
    assert!(!empty.status.success());
    assert!(
        String::from_utf8_lossy(&empty.stderr).contains("no plan"),
        "{empty:?}"
    );

    let imported = masterplan(&target, &["import", file.to_str().unwrap()]);
    assert!(imported.status.success(), "{imported:?}");
    let again = masterplan(&target, &["export"]);
    assert!(again.status.success());
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        std::fs::read_to_string(&file).unwrap()
    );

    let _ = std::fs::remove_file(&file);
    for db in [&source, &target] {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }
}

#[test]
fn csv_export_writes_one_file_per_entity() {
    let dir = std::env::temp_dir().join(format!("mp_cli_csv_{}", std::process::id()));
    let db = std::env::temp_dir().join(format!("mp_cli_csv_{}.db", std::process::id()));
    assert!(masterplan(&db, &["seed"]).status.success());
    let refused = masterplan(&db, &["export", "--format", "csv"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--out DIR"));

    let out = masterplan(
        &db,
        &["export", "--format", "csv", "--out", dir.to_str().unwrap()],
    );
    assert!(out.status.success(), "{out:?}");
    for name in ["measures.csv", "goals.csv", "kpis.csv", "kpi-values.csv"] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(text.starts_with('\u{feff}'), "{name}");
    }
    let measures = std::fs::read_to_string(dir.join("measures.csv")).unwrap();
    assert!(measures.contains("Bürgerportal"));

    let _ = std::fs::remove_dir_all(&dir);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

#[test]
fn tokens_are_created_listed_and_revoked() {
    let db = std::env::temp_dir().join(format!("mp_cli_tokens_{}.db", std::process::id()));
    let created = masterplan(
        &db,
        &[
            "token",
            "create",
            "--name",
            "etl",
            "--role",
            "EDITOR",
            "--working-group",
            "II",
            "--expires",
            "2099-12-31",
        ],
    );
    assert!(created.status.success(), "{created:?}");
    let stdout = String::from_utf8_lossy(&created.stdout);
    let secret = stdout.lines().last().unwrap();
    assert!(secret.starts_with("mp_") && secret.len() > 40, "{stdout}");

    let duplicate = masterplan(
        &db,
        &["token", "create", "--name", "etl", "--role", "READER"],
    );
    assert!(!duplicate.status.success());
    let bad_role = masterplan(&db, &["token", "create", "--name", "x", "--role", "OWNER"]);
    assert!(!bad_role.status.success());

    let list = masterplan(&db, &["token", "list"]);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        listed.contains("etl\tEDITOR\tII\t2099-12-31\tactive"),
        "the last day it works, as --expires said: {listed}"
    );
    assert!(!listed.contains("2100-01-01"), "{listed}");
    assert!(!listed.contains(secret), "secrets are never listed");

    assert!(
        masterplan(&db, &["token", "revoke", "etl"])
            .status
            .success()
    );
    let listed = String::from_utf8_lossy(&masterplan(&db, &["token", "list"]).stdout).into_owned();
    assert!(listed.contains("\trevoked"), "{listed}");
    assert!(
        !masterplan(&db, &["token", "revoke", "etl"])
            .status
            .success()
    );

    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_reports_an_intact_and_a_tampered_log() {
    use diesel_async::SimpleAsyncConnection;
    use masterplan_domain::audit::{AuditAction, AuditEntityType};
    use masterplan_persistence::ids::Subject;
    use masterplan_persistence::writes::audit_log::{self, Changes};

    let db = std::env::temp_dir().join(format!("mp_cli_audit_{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let database = masterplan_persistence::Database::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("open SQLite");
    let mut conn = database.conn().await.expect("connection");
    for (i, title) in ["eins", "zwei", "drei"].into_iter().enumerate() {
        let mut changes = Changes::default();
        changes.field("title", &format!("alt {i}"), &title.to_owned());
        conn.write_transaction(async |conn| {
            audit_log::append(
                conn,
                "cli-test",
                AuditAction::Update,
                Subject {
                    entity_type: AuditEntityType::Measure,
                    entity_id: 7,
                },
                &changes,
            )
            .await
        })
        .await
        .expect("append");
    }

    let intact = masterplan(&db, &["audit", "verify"]);
    assert!(intact.status.success(), "{intact:?}");
    assert_eq!(
        String::from_utf8_lossy(&intact.stdout).trim(),
        "audit log intact: 3 entries checked"
    );

    masterplan_persistence::with_conn!(&mut conn, c => c
        .batch_execute(r#"UPDATE audit_log SET changes = '{}' WHERE id = 2"#)
        .await)
    .expect("tamper");
    let url = format!("sqlite://{}", db.display());
    let broken = masterplan(&db, &["audit", "verify", "--database-url", &url]);
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    assert_eq!(
        String::from_utf8_lossy(&broken.stdout).trim(),
        "audit log broken at entry 2 (1 entry intact before it)"
    );
    assert!(
        String::from_utf8_lossy(&broken.stderr).contains("entry 2"),
        "{broken:?}"
    );

    drop(conn);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

#[test]
fn plan_files_carry_visibility_and_export_public_only_writes_the_public_part() {
    let dir = std::env::temp_dir();
    let id = std::process::id();
    let db = dir.join(format!("mp_cli_public_{id}.db"));
    let file = dir.join(format!("mp_cli_public_{id}.json"));
    let mut plan: serde_json::Value =
        serde_json::from_str(masterplan_persistence::seed::BUNDLED_PLAN).unwrap();
    plan["measures"][0]["visibility"] = "INTERNAL".into();
    plan["measures"][1]["goals"][0]["visibility"] = "INTERNAL".into();
    plan["measures"][1]["estimates"]["costEur"] = 424242.5.into();
    plan["measures"][1]["kpis"][0]["values"] = serde_json::json!([
        { "observedOn": "2021-01-31", "value": 70.0, "note": "vorläufig", "source": "Fachamt" }
    ]);
    std::fs::write(&file, plan.to_string()).unwrap();
    let imported = masterplan(&db, &["import", file.to_str().unwrap()]);
    assert!(imported.status.success(), "{imported:?}");

    // The whole plan keeps what is internal, marked as such.
    let full = masterplan(&db, &["export"]);
    let full: serde_json::Value = serde_json::from_slice(&full.stdout).unwrap();
    assert_eq!(full["measures"][0]["visibility"], "INTERNAL");
    assert_eq!(full["measures"][1]["goals"][0]["visibility"], "INTERNAL");
    assert!(
        full["measures"][1].get("visibility").is_none(),
        "public is the default"
    );
    assert_eq!(
        full["measures"][1]["kpis"][0]["values"][0]["source"],
        "Fachamt"
    );

    let public = masterplan(&db, &["export", "--public-only"]);
    assert!(public.status.success(), "{public:?}");
    let text = String::from_utf8_lossy(&public.stdout);
    let public: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(public["measures"].as_array().unwrap().len(), 24);
    assert_eq!(public["measures"][0]["code"], "1.2");
    assert_eq!(public["measures"][0]["goals"].as_array().unwrap().len(), 1);
    assert_eq!(
        public["measures"][0]["estimates"]["costEur"],
        serde_json::Value::Null
    );
    assert!(public["measures"][0]["estimates"]["costCategory"].is_string());
    let value = &public["measures"][0]["kpis"][0]["values"][0];
    assert_eq!(value["value"], 70.0);
    assert!(value.get("note").is_none_or(|n| n.is_null()), "{value}");
    assert!(!text.contains("Fachamt") && !text.contains("BYOD") && !text.contains("INTERNAL"));

    // A token for a citizen portal that must authenticate.
    let created = masterplan(
        &db,
        &["token", "create", "--name", "portal", "--role", "PUBLIC"],
    );
    assert!(created.status.success(), "{created:?}");
    let list = masterplan(&db, &["token", "list"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("portal\tPUBLIC"));

    let _ = std::fs::remove_file(&file);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

#[test]
fn import_refuses_control_characters_and_tokens_that_expired_already() {
    let dir = std::env::temp_dir();
    let id = std::process::id();
    let db = dir.join(format!("mp_cli_nul_{id}.db"));
    let file = dir.join(format!("mp_cli_nul_{id}.json"));
    let mut plan: serde_json::Value =
        serde_json::from_str(masterplan_persistence::seed::BUNDLED_PLAN).unwrap();
    plan["measures"][1]["title"] = "Bürger\u{0}portal".into();
    std::fs::write(&file, plan.to_string()).unwrap();
    let imported = masterplan(&db, &["import", file.to_str().unwrap()]);
    assert!(!imported.status.success(), "{imported:?}");
    let err = String::from_utf8_lossy(&imported.stderr);
    assert!(err.contains("U+0000") && err.contains("title"), "{err}");

    let expired = masterplan(
        &db,
        &[
            "token",
            "create",
            "--name",
            "old",
            "--role",
            "READER",
            "--expires",
            "2020-01-01",
        ],
    );
    assert!(!expired.status.success(), "{expired:?}");
    assert!(String::from_utf8_lossy(&expired.stderr).contains("in the past"));

    let _ = std::fs::remove_file(&file);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

#[test]
fn import_lists_every_problem_wrong_types_and_field_rules_alike() {
    let dir = std::env::temp_dir();
    let id = std::process::id();
    let db = dir.join(format!("mp_cli_rules_{id}.db"));
    let file = dir.join(format!("mp_cli_rules_{id}.json"));
    let mut plan: serde_json::Value =
        serde_json::from_str(masterplan_persistence::seed::BUNDLED_PLAN).unwrap();
    // The attack's 50 MiB description, and five more problems.
    plan["measures"][0]["description"] = "x".repeat(50 * 1024 * 1024).into();
    plan["measures"][1]["title"] = 5.into();
    plan["measures"][2]["status"] = 7.into();
    plan["measures"][3]["title"] = "y".repeat(1000).into();
    plan["measures"][4]["goals"][0]["text"] = "a\u{1}b".into();
    plan["measures"][5]["kpis"][0]["unit"] = "u".repeat(5000).into();
    std::fs::write(&file, plan.to_string()).unwrap();

    let imported = masterplan(&db, &["import", file.to_str().unwrap()]);
    assert!(!imported.status.success(), "{imported:?}");
    let err = String::from_utf8_lossy(&imported.stderr);
    let problems: Vec<&str> = err
        .lines()
        .skip(1)
        .map(|l| l.trim().split(':').next().unwrap())
        .collect();
    assert_eq!(
        problems,
        [
            "measures[0].description",
            "measures[1].title",
            "measures[2].status",
            "measures[3].title",
            "measures[4].goals[0].text",
            "measures[5].kpis[0].unit",
        ],
        "{err}"
    );
    assert!(err.contains("expected a string"), "{err}");
    assert!(err.contains("at most 50000 characters"), "{err}");

    // Nothing was written: the database holds no plan.
    let export = masterplan(&db, &["export", "--format", "json"]);
    assert!(!export.status.success(), "{export:?}");

    let _ = std::fs::remove_file(&file);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
