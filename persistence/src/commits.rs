//! Hearing about committed changes. Every audited write commits at least
//! one audit entry; readers of the change feed are woken when that may have
//! happened, then read the log after the last entry they saw (so a wake-up
//! carries nothing and a lost or doubled one costs nothing).
//!
//! In this process, [`DbConn::write_transaction`](crate::DbConn) wakes them
//! after its commit. On PostgreSQL the write transaction also sends
//! `NOTIFY` (delivered at commit only), and a listener on one dedicated connection
//! wakes them for changes committed by other processes. When that connection
//! drops it reconnects with backoff and wakes them once it listens again, so
//! what was committed meanwhile is read then.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use futures_util::StreamExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The channel the audited writes notify on PostgreSQL.
pub(crate) const CHANNEL: &str = "masterplan_changes";

/// How often the listening connection is checked while nothing arrives (a
/// connection whose peer vanished without closing it says nothing).
const LISTEN_CHECK: Duration = Duration::from_secs(15);
const FIRST_RETRY: Duration = Duration::from_millis(100);
const LAST_RETRY: Duration = Duration::from_secs(5);

/// The wake-ups of one database (held by each of its connections, so a
/// write transaction can wake readers after its commit).
pub struct Commits {
    wake: watch::Sender<u64>,
    /// PostgreSQL: where to listen for other processes' commits.
    listen_url: Option<String>,
    /// The payload of this process's notifications, which its listener
    /// skips (its own commits woke it already).
    pub(crate) origin: String,
    /// The one listener, shared by every [`CommitSignals`] while any lives.
    listener: Mutex<Weak<Listener>>,
}

impl Commits {
    pub(crate) fn new(listen_url: Option<String>) -> Self {
        let mut origin = [0_u8; 8];
        getrandom::fill(&mut origin).expect("the OS has randomness");
        Self {
            wake: watch::Sender::new(0),
            listen_url,
            origin: origin.iter().map(|b| format!("{b:02x}")).collect(),
            listener: Mutex::default(),
        }
    }

    /// Called after a write transaction committed.
    pub(crate) fn committed(&self) {
        wake(&self.wake);
    }

    /// Signals for one reader (the change feed, the response cache, the
    /// webhook worker); on PostgreSQL they share one listening connection,
    /// started by the first and stopped when the last is dropped.
    pub(crate) fn signals(&self) -> CommitSignals {
        let listener = self.listen_url.as_ref().map(|url| {
            let mut shared = self.listener.lock().expect("listener lock");
            if let Some(running) = shared.upgrade() {
                return running;
            }
            let listening = Arc::new(AtomicBool::new(false));
            let task = tokio::spawn(listen(
                url.clone(),
                self.origin.clone(),
                self.wake.clone(),
                listening.clone(),
            ));
            let running = Arc::new(Listener { task, listening });
            *shared = Arc::downgrade(&running);
            running
        });
        CommitSignals {
            wake: self.wake.subscribe(),
            _listener: listener,
        }
    }
}

fn wake(sender: &watch::Sender<u64>) {
    sender.send_modify(|n| *n = n.wrapping_add(1));
}

/// Wakes whenever audit entries may have been committed: by this process on
/// either backend, by any process on PostgreSQL. The PostgreSQL listener
/// stops when the last signals of its database are dropped.
pub struct CommitSignals {
    wake: watch::Receiver<u64>,
    _listener: Option<Arc<Listener>>,
}

impl CommitSignals {
    /// A number that changes with every wake-up: data read while it stays
    /// the same is unchanged, as far as this process can know.
    pub fn version(&self) -> u64 {
        *self.wake.borrow()
    }

    /// Whether every commit wakes these signals now: always on SQLite; on
    /// PostgreSQL while the listener listens (other processes' commits go
    /// unheard while it reconnects).
    pub fn hears_everything(&self) -> bool {
        self._listener
            .as_ref()
            .is_none_or(|l| l.listening.load(Ordering::SeqCst))
    }

    /// Resolves at the next wake-up (at once if one came since the last call).
    pub async fn changed(&mut self) {
        if self.wake.changed().await.is_err() {
            // The database is gone: nothing will be committed any more.
            std::future::pending::<()>().await;
        }
    }
}

struct Listener {
    task: JoinHandle<()>,
    listening: Arc<AtomicBool>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Listens on a connection of its own for as long as it is not aborted,
/// reconnecting with backoff.
async fn listen(
    url: String,
    origin: String,
    wake_up: watch::Sender<u64>,
    listening: Arc<AtomicBool>,
) {
    let mut retry = FIRST_RETRY;
    loop {
        match connect_and_listen(&url).await {
            Ok(mut conn) => {
                if retry > FIRST_RETRY {
                    tracing::info!("listening for changes again");
                }
                retry = FIRST_RETRY;
                listening.store(true, Ordering::SeqCst);
                // Whatever was committed while nobody listened is read now.
                wake(&wake_up);
                let reason = relay(&mut conn, &origin, &wake_up).await;
                listening.store(false, Ordering::SeqCst);
                // What was read before may be stale from now on.
                wake(&wake_up);
                tracing::warn!(error = %reason, "the connection listening for changes was lost");
            }
            Err(err) => {
                tracing::warn!(error = %err, retry_ms = retry.as_millis() as u64, "cannot listen for changes");
            }
        }
        tokio::time::sleep(retry).await;
        retry = (retry * 2).min(LAST_RETRY);
    }
}

async fn connect_and_listen(url: &str) -> Result<AsyncPgConnection, String> {
    let mut conn = AsyncPgConnection::establish(url)
        .await
        .map_err(|e| e.to_string())?;
    conn.batch_execute(&format!("LISTEN {CHANNEL}"))
        .await
        .map_err(|e| e.to_string())?;
    Ok(conn)
}

/// Wakes on every notification until the connection fails; returns why.
async fn relay(conn: &mut AsyncPgConnection, origin: &str, wake_up: &watch::Sender<u64>) -> String {
    loop {
        let next = {
            let mut notifications = std::pin::pin!(conn.notifications_stream());
            tokio::time::timeout(LISTEN_CHECK, notifications.next()).await
        };
        match next {
            Ok(Some(Ok(notification))) if notification.payload != origin => wake(wake_up),
            Ok(Some(Ok(_own))) => {}
            Ok(Some(Err(err))) => return err.to_string(),
            Ok(None) => return "the connection closed".to_owned(),
            Err(_quiet) => {
                if let Err(err) = conn.batch_execute("SELECT 1").await {
                    return err.to_string();
                }
            }
        }
    }
}
