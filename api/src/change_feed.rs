//! One reader of the audit log per server process: woken after commits (its
//! own, and on PostgreSQL every instance's through `LISTEN`), it reads the
//! entries after the last one it saw and broadcasts each, placed, to this
//! instance's subscriptions. It runs only while somebody subscribes.
//!
//! The broadcast is bounded: a subscription that falls behind by more than
//! [`CAPACITY`] changes reads the missed ones from the database itself (see
//! `graphql::changes`), so a slow subscriber costs neither memory nor events.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use masterplan_persistence::Database;
use masterplan_persistence::ids::AuditId;
use masterplan_persistence::models::changes::{self, Change};
use tokio::sync::broadcast;

/// Changes a subscription may fall behind before it catches up from the database.
pub const CAPACITY: usize = 1024;
/// Entries read per statement.
pub const PAGE: i64 = 500;
/// How often an idle feed checks whether anybody still subscribes.
const IDLE_CHECK: Duration = Duration::from_secs(30);
const RETRY: Duration = Duration::from_millis(500);

type Sender = broadcast::Sender<Arc<Change>>;

/// The process's change feed.
pub struct ChangeFeed {
    db: Database,
    /// The running reader's sender; `None` while nobody subscribes.
    running: Arc<Mutex<Option<Sender>>>,
}

impl ChangeFeed {
    pub fn new(db: Database) -> Self {
        Self {
            db,
            running: Arc::default(),
        }
    }

    /// Every change committed from about now on (a subscriber finds where
    /// it starts by the entries' ids, which have no gaps).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        let mut running = self.running.lock().expect("feed lock");
        if let Some(sender) = running.as_ref() {
            return sender.subscribe();
        }
        let (sender, receiver) = broadcast::channel(CAPACITY);
        *running = Some(sender.clone());
        tokio::spawn(read(self.db.clone(), sender, self.running.clone()));
        receiver
    }
}

/// Ends the reader when nobody listens; under the lock `subscribe` takes, so
/// no subscription joins a reader that is ending.
fn nobody_listens(sender: &Sender, running: &Mutex<Option<Sender>>) -> bool {
    if sender.receiver_count() > 0 {
        return false;
    }
    let mut running = running.lock().expect("feed lock");
    if sender.receiver_count() > 0 {
        return false;
    }
    *running = None;
    true
}

async fn read(db: Database, sender: Sender, running: Arc<Mutex<Option<Sender>>>) {
    let mut signals = db.commit_signals();
    let mut last = loop {
        match head(&db).await {
            Ok(head) => break head,
            Err(err) => {
                tracing::warn!(error = %err, "the change feed cannot read the audit log");
                tokio::time::sleep(RETRY).await;
            }
        }
        if nobody_listens(&sender, &running) {
            return;
        }
    };
    loop {
        tokio::select! {
            () = signals.changed() => {}
            () = tokio::time::sleep(IDLE_CHECK) => {}
        }
        loop {
            if nobody_listens(&sender, &running) {
                return;
            }
            match after(&db, last).await {
                Ok(page) => {
                    let full = page.len() as i64 == PAGE;
                    for change in page {
                        last = change.entry.id;
                        // No receiver right now is fine: it is checked above.
                        let _ = sender.send(Arc::new(change));
                    }
                    if !full {
                        break;
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "the change feed cannot read the audit log");
                    tokio::time::sleep(RETRY).await;
                }
            }
        }
    }
}

pub async fn head(db: &Database) -> masterplan_persistence::RepoResult<AuditId> {
    let mut conn = db.conn().await?;
    changes::head(&mut conn).await
}

pub async fn after(
    db: &Database,
    last: AuditId,
) -> masterplan_persistence::RepoResult<Vec<Change>> {
    let mut conn = db.conn().await?;
    changes::after(&mut conn, last, PAGE).await
}
