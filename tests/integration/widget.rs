//! The live widget (`examples/widget`) in a real browser against the real
//! server: `tests/widget/browser.mjs` (npm: playwright-core, axe-core) opens
//! it in Debian's headless Chromium, checks it with axe-core (WCAG 2.1 A and
//! AA), records a KPI value through the API and expects the page to show it
//! within 2 s without a reload and announce it in its aria-live region, then
//! cuts the WebSocket and expects a value recorded meanwhile to be replayed
//! after the page re-subscribes with its last cursor.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::Server;

/// The browser test's packages, installed once per target directory with
/// `npm ci` from the committed lock file (like the graphql-http audit's).
fn browser_test_dir() -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/widget");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("widget-browser");
    std::fs::create_dir_all(&dir).unwrap();
    let mut changed = false;
    for file in ["package.json", "package-lock.json", "browser.mjs"] {
        let wanted = std::fs::read(source.join(file)).unwrap();
        if std::fs::read(dir.join(file)).ok().as_ref() != Some(&wanted) {
            std::fs::write(dir.join(file), wanted).unwrap();
            changed = true;
        }
    }
    if changed || !dir.join("node_modules/playwright-core").exists() {
        let installed = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .output()
            .expect("npm is needed for the widget's browser test (Debian: apt-get install npm)");
        assert!(
            installed.status.success(),
            "npm ci failed (the registry must be reachable): {}",
            String::from_utf8_lossy(&installed.stderr)
        );
    }
    dir
}

fn chromium() -> String {
    let path = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    assert!(
        Path::new(&path).exists(),
        "the widget's browser test needs Chromium at {path} (Debian: apt-get install chromium; \
         .ci/run installs it), or CHROMIUM_PATH"
    );
    path
}

#[test]
fn the_live_widget_shows_a_new_kpi_value_within_two_seconds() {
    let chromium = chromium();
    let dir = browser_test_dir();

    // An admin token in a database of our own, which the server then opens
    // (and, as it holds no plan yet, seeds with the bundled plan).
    let db = std::env::temp_dir().join(format!("mp_widget_{}.db", std::process::id()));
    let url = format!("sqlite://{}", db.display());
    let remove_db = || {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    };
    remove_db();
    let created = Command::new(env!("CARGO_BIN_EXE_masterplan"))
        .args([
            "token",
            "create",
            "--name",
            "widget-test",
            "--role",
            "ADMIN",
        ])
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run masterplan token create");
    assert!(created.status.success(), "{created:?}");
    let stdout = String::from_utf8_lossy(&created.stdout);
    let secret = stdout.lines().last().expect("the secret").to_owned();

    let server = Server::start(&["--database-url", &url]);
    let widget = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/widget");
    let run = Command::new("node")
        .arg("browser.mjs")
        .arg("--api")
        .arg(format!("http://127.0.0.1:{}", server.port))
        .arg("--widget")
        .arg(&widget)
        .arg("--chromium")
        .arg(&chromium)
        .env("MASTERPLAN_ADMIN_TOKEN", &secret)
        .current_dir(&dir)
        .output()
        .expect("node is needed for the widget's browser test (Debian: apt-get install npm)");
    let logs = server.stop();
    remove_db();

    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let tail: Vec<&str> = logs.lines().rev().take(20).collect();
    assert!(
        run.status.success(),
        "the widget's browser test failed:\n{report}\nlast server log lines:\n{}",
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    );
    assert!(report.contains("all steps passed"), "{report}");
}
