//! The process's limit of open files: every WebSocket and SSE stream holds
//! a socket, and a default soft limit (often 1024) would stop `accept` with
//! EMFILE long before `--max-stream-connections` (16384) refuses anything
//! with its coded error; new HTTP requests would then hang too.

/// Raises the soft limit of open files to the hard limit and warns when
/// `streams` connections (plus room for the pool and requests) do not fit.
pub fn make_room_for(streams: usize) {
    let Some(soft) = raise() else {
        return;
    };
    let needed = streams as u64 + 256;
    if soft < needed {
        tracing::warn!(
            open_files = soft,
            max_stream_connections = streams,
            "the open-files limit is below --max-stream-connections; lower that flag or raise the limit (ulimit -n)"
        );
    }
}

/// The soft limit after raising it as far as the hard limit allows.
#[cfg(unix)]
fn raise() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    Some(limit.rlim_cur)
}

#[cfg(not(unix))]
fn raise() -> Option<u64> {
    None
}
