//! The SQLite library the process links (the system's `libsqlite3`): whether
//! it can hold the database, and process-wide settings made once before the
//! first connection opens (SQLite refuses them after it has initialised).
//!
//! A profile of the reporting query on SQLite spent about a tenth of its time
//! in the kernel waking threads that waited for one global mutex: with memory
//! statistics on (SQLite's default), every `sqlite3_malloc` and `free` of
//! every connection takes it. The API reads no memory statistics, so they are
//! off. Each diesel connection is used by one thread at a time, so the
//! per-connection mutexes of the "serialized" mode are not needed either
//! ("multi-thread" mode).

use std::ffi::CStr;
use std::os::raw::c_int;
use std::sync::Once;

use libsqlite3_sys as ffi;

use crate::error::{RepoError, RepoResult};

/// The oldest SQLite the migrations and queries run on: `RETURNING` came
/// with 3.35, FTS5's trigram tokenizer (the search index) with 3.34.
pub const OLDEST: (c_int, &str) = (3_035_000, "3.35");

/// Fails with a configuration error naming what is missing when the loaded
/// library is too old or was built without FTS5 (`SQLITE_ENABLE_FTS5` is a
/// compile-time option), rather than letting the first migration fail on a
/// syntax error or an unknown module.
pub fn check() -> RepoResult<()> {
    // SAFETY: these three read constants compiled into the library; they
    // need no initialisation and take a NUL-terminated string (or nothing).
    let (number, version, fts5) = unsafe {
        (
            ffi::sqlite3_libversion_number(),
            CStr::from_ptr(ffi::sqlite3_libversion()).to_string_lossy(),
            ffi::sqlite3_compileoption_used(c"ENABLE_FTS5".as_ptr()) == 1,
        )
    };
    match unfit(number, &version, fts5) {
        Some(why) => Err(RepoError::Config(why)),
        None => Ok(()),
    }
}

/// Why a library of `version` (`number` as `sqlite3_libversion_number`
/// gives it), with or without FTS5, cannot hold the database; `None` when it
/// can.
pub fn unfit(number: c_int, version: &str, fts5: bool) -> Option<String> {
    if number < OLDEST.0 {
        Some(format!(
            "SQLite {} or newer is needed, and this process loaded {version}: \
             install a newer libsqlite3",
            OLDEST.1
        ))
    } else if !fts5 {
        Some(format!(
            "the SQLite library this process loaded ({version}) was built \
             without FTS5, which the search index needs"
        ))
    } else {
        None
    }
}

static CONFIGURED: Once = Once::new();

/// Applies the settings; later calls do nothing.
pub fn configure() {
    CONFIGURED.call_once(|| {
        // SAFETY: `sqlite3_config` is called before any connection exists
        // (every SQLite connection of this crate opens after this call) and
        // from one thread (`Once`); both options take the documented
        // arguments (an int, or none).
        let results = unsafe {
            [
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int),
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_MULTITHREAD),
            ]
        };
        if results.iter().any(|&rc| rc != ffi::SQLITE_OK) {
            // Only possible when something opened SQLite earlier: the
            // defaults are slower, not wrong.
            tracing::debug!(?results, "SQLite kept its default configuration");
        }
    });
}
