//! Process-wide settings of the bundled SQLite library, made once before the
//! first connection opens (SQLite refuses them after it has initialised).
//!
//! A profile of the reporting query on SQLite spent about a tenth of its time
//! in the kernel waking threads that waited for one global mutex: with memory
//! statistics on (SQLite's default), every `sqlite3_malloc` and `free` of
//! every connection takes it. The API reads no memory statistics, so they are
//! off. Each diesel connection is used by one thread at a time, so the
//! per-connection mutexes of the "serialized" mode are not needed either
//! ("multi-thread" mode).

use std::os::raw::c_int;
use std::sync::Once;

use libsqlite3_sys as ffi;

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
