//! Running the `masterplan` binary against a SQLite file.

use std::path::Path;
use std::process::{Command, Output};

/// `masterplan ARGS` with `DATABASE_URL` naming the SQLite file `db`.
pub fn masterplan(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_masterplan"))
        .args(args)
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("RUST_LOG", "warn")
        .output()
        .expect("run masterplan")
}
