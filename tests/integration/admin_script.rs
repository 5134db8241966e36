//! `examples/scripts/record_kpi_values.py`, the administration's CSV import,
//! run as written (Python, `gql` with its requests transport) against a real
//! server process: a clean file is recorded and re-running it changes
//! nothing; a file with bad rows is refused with every bad line reported and
//! nothing written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use crate::common::{Server, hex};

const SCRIPTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scripts");

/// One virtualenv with the pinned requirements, made on first use. It is
/// kept in the user's cache (`$XDG_CACHE_HOME` or `~/.cache`, else the
/// target dir) under a name derived from the requirements and the Python
/// version, so a fresh clone or `cargo clean` does not make it again (6 s on
/// an idle machine, twice that while the other tests run) and a change of
/// either makes a new one.
fn python() -> PathBuf {
    static READY: Mutex<Option<PathBuf>> = Mutex::new(None);
    let mut ready = READY.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = ready.as_ref() {
        return path.clone();
    }
    let requirements = Path::new(SCRIPTS).join("requirements.txt");
    let venv = cache_dir().join(venv_name(&requirements));
    let python = venv.join("bin").join("python");
    if !python.exists() {
        make_venv(&requirements, &venv);
    }
    *ready = Some(python.clone());
    python
}

fn cache_dir() -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache")))
        .map(|cache| cache.join("masterplan-tests"));
    cache.unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")))
}

/// `admin-script-venv-` and a digest of the requirements and of
/// `python3 --version`.
fn venv_name(requirements: &Path) -> String {
    use sha2::{Digest, Sha256};
    let version = Command::new("python3")
        .arg("--version")
        .output()
        .expect("python3");
    let mut digest = Sha256::new();
    digest.update(std::fs::read(requirements).expect("requirements.txt"));
    digest.update(&version.stdout);
    digest.update(&version.stderr);
    format!("admin-script-venv-{}", hex(&digest.finalize()[..8]))
}

/// Makes the virtualenv beside `venv` and renames it into place, so another
/// test process never sees a half-made one (if one got there first, its
/// copy stays); a failed attempt leaves nothing behind.
fn make_venv(requirements: &Path, venv: &Path) {
    let parent = venv.parent().unwrap();
    std::fs::create_dir_all(parent).unwrap();
    let building = Building(parent.join(format!(
        "{}.{}.tmp",
        venv.file_name().unwrap().to_string_lossy(),
        std::process::id()
    )));
    let _ = std::fs::remove_dir_all(&building.0);
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&building.0)
        .output()
        .expect("python3 (with the venv module: Debian's python3-venv)");
    assert!(made.status.success(), "python3 -m venv: {made:?}");
    let installed = Command::new(building.0.join("bin").join("python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(requirements)
        .output()
        .expect("pip");
    assert!(installed.status.success(), "pip install: {installed:?}");
    if std::fs::rename(&building.0, venv).is_err() {
        assert!(
            venv.join("bin").join("python").exists(),
            "no virtualenv at {venv:?}"
        );
    }
}

/// A virtualenv being made: removed when dropped, on every way out of
/// [`make_venv`] (after the rename into place there is nothing left here).
struct Building(PathBuf);

impl Drop for Building {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(python: &Path, server: &Server, token: &str, csv: &str) -> Output {
    let file = tempfile(csv);
    let out = Command::new(python)
        .arg(Path::new(SCRIPTS).join("record_kpi_values.py"))
        .arg(&file)
        .args([
            "--url",
            &format!("http://127.0.0.1:{}/graphql", server.port),
        ])
        .env("MASTERPLAN_TOKEN", token)
        .output()
        .expect("run the script");
    let _ = std::fs::remove_file(&file);
    out
}

fn tempfile(text: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let path = std::env::temp_dir().join(format!(
        "mp_values_{}_{}.csv",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, text).unwrap();
    path
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const HEADER: &str = "plan,measure,measure_title,kpi,observed_on,value,note,source\n";
const SERVICES: &str = "Anzahl der digitalen Verwaltungsleistungen im Portal";
const FACHVERFAHREN: &str = "Anzahl der integrierten Fachverfahren";

backend_tests! {
    async fn the_csv_script_records_once_and_reports_bad_lines(app) {
        let python = python();
        let admin = app.admin().await;
        let server = Server::start_with_env(&["--no-seed"], &[("DATABASE_URL", app.url.as_str())]);
        let stored = async || {
            app.staff_data(
                r#"{ portal: measure(code: "1.2") { kpis { name values { nodes { observedOn value source note } } } }
                     dms: measure(title: "DMS und E-Akte") { kpis { name values { nodes { observedOn value } } } } }"#,
            )
            .await
        };

        let clean = format!(
            "{HEADER}dortmund-arbeiten-4-0,1.2,,{SERVICES},2021-01-31,67,,Jahresbericht\n\
             ,1.2,,{SERVICES},2021-06-30,80,\"geschätzt, vorläufig\",\n\
             ,,DMS und E-Akte,{FACHVERFAHREN},2021-06-30,4,,\n"
        );
        let first = run(&python, &server, &admin, &clean);
        assert!(first.status.success(), "{first:?}");
        assert!(text(&first.stdout).contains("3 inserted, 0 updated, 0 unchanged"), "{first:?}");
        let after_first = stored().await;
        let again = run(&python, &server, &admin, &clean);
        assert!(again.status.success(), "{again:?}");
        assert!(text(&again.stdout).contains("0 inserted, 0 updated, 3 unchanged"), "{again:?}");
        assert_eq!(stored().await, after_first);
        assert!(after_first.to_string().contains("Jahresbericht"), "{after_first}");

        let bad = format!(
            "{HEADER},1.2,,{SERVICES},2021-09-30,90,,\n\
             ,1.2,,Anzahl der Faxgeräte,2021-09-30,1,,\n\
             ,1.2,,{SERVICES},2021-02-30,2,,\n\
             ,1.2,,{SERVICES},2021-10-31,-2,,\n\
             ,1.2,,{SERVICES},2101-01-01,3,,\n"
        );
        let refused = run(&python, &server, &admin, &bad);
        assert_eq!(refused.status.code(), Some(1), "{refused:?}");
        let err = text(&refused.stderr);
        for expected in [
            "line 3: kpi.name: measure 1.2 has no KPI named \"Anzahl der Faxgeräte\"",
            "line 4: observedOn: \"2021-02-30\" is not a date",
            "line 5: value: the KPI counts things",
            "line 6: observedOn: 2101-01-01 is outside the plan's horizon",
            "4 problem(s); nothing was written",
        ] {
            assert!(err.contains(expected), "no {expected:?} in:\n{err}");
        }
        assert!(!err.contains("line 2:"), "{err}");
        assert_eq!(stored().await, after_first, "nothing was written");
        server.stop();
    }
}
