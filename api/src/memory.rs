//! Gives freed heap back to the operating system once the server is quiet.
//! glibc's allocator keeps what a burst of large responses freed (RSS stayed
//! at the peak after load); `malloc_trim` returns it. Other platforms and
//! allocators do without.

use std::time::Duration;

/// How often a quiet server trims.
const EVERY: Duration = Duration::from_secs(10);

/// Trims every [`EVERY`] while `quiet()` says no request is running.
pub fn trim_when_quiet(quiet: impl Fn() -> bool + Send + 'static) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if quiet() {
                trim();
            }
        }
    });
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim takes the allocator's own locks and only releases
    // free pages; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
