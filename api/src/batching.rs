//! Deterministic DataLoader batches. async-graphql's DataLoader collects keys
//! for a fixed delay and then loads them; on a multi-threaded runtime a
//! request whose resolvers are still being polled (slow in debug builds, or on
//! a busy machine) can miss the delay, and its keys go into a second batch. So
//! a request's execution is wrapped in [`Tracked`], which knows when the
//! request is idle (not being polled and not woken), and every batch waits for
//! that moment: by then every resolver that could ask for a key has asked.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;
use tracing::Instrument;

use tokio::sync::Notify;

/// Whether a request's execution is running or could run right now.
#[derive(Debug, Default)]
pub struct Activity {
    polling: AtomicBool,
    woken: AtomicBool,
    done: AtomicBool,
    idle: Notify,
}

impl Activity {
    /// Whether the request has finished or can make no progress right now:
    /// it is not being polled and nothing has woken it.
    pub fn is_idle(&self) -> bool {
        self.done.load(Ordering::SeqCst)
            || (!self.polling.load(Ordering::SeqCst) && !self.woken.load(Ordering::SeqCst))
    }

    /// Resolves once the request can make no progress without outside input.
    pub async fn idle(&self) {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_idle() {
                return;
            }
            notified.await;
        }
    }

    /// A spawner for the DataLoader `loader`: its batches start `delay` after
    /// their first key and not before the request is idle, each in a
    /// `dataloader` span (a child of the span that asked for it).
    pub fn spawner(
        self: &Arc<Self>,
        delay: Duration,
        loader: &'static str,
    ) -> impl Fn(Pin<Box<dyn Future<Output = ()> + Send>>) + Send + Sync + 'static {
        let activity = self.clone();
        move |batch| {
            let activity = activity.clone();
            let parent = tracing::Span::current();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                activity.idle().await;
                let span =
                    tracing::debug_span!(parent: &parent, "dataloader", otel.name = loader, loader);
                batch.instrument(span).await;
            });
        }
    }
}

struct ActivityWaker {
    inner: Waker,
    activity: Arc<Activity>,
}

impl Wake for ActivityWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.activity.woken.store(true, Ordering::SeqCst);
        self.inner.wake_by_ref();
    }
}

/// A future whose [`Activity`] is kept up to date.
pub struct Tracked<F> {
    inner: Pin<Box<F>>,
    activity: Arc<Activity>,
}

impl<F: Future> Tracked<F> {
    pub fn new(inner: F, activity: Arc<Activity>) -> Self {
        Self {
            inner: Box::pin(inner),
            activity,
        }
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let activity = self.activity.clone();
        activity.polling.store(true, Ordering::SeqCst);
        activity.woken.store(false, Ordering::SeqCst);
        let waker = Waker::from(Arc::new(ActivityWaker {
            inner: cx.waker().clone(),
            activity: activity.clone(),
        }));
        let result = self.inner.as_mut().poll(&mut Context::from_waker(&waker));
        if result.is_ready() {
            activity.done.store(true, Ordering::SeqCst);
        }
        activity.polling.store(false, Ordering::SeqCst);
        if activity.is_idle() {
            activity.idle.notify_waiters();
        }
        result
    }
}

impl<F> Drop for Tracked<F> {
    fn drop(&mut self) {
        // A request stopped half-way (time limit) must not leave batches waiting.
        self.activity.done.store(true, Ordering::SeqCst);
        self.activity.idle.notify_waiters();
    }
}
