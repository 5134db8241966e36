//! Timestamps are set in Rust (not by the database) and cut to microseconds,
//! the precision PostgreSQL keeps, so both backends store the same value.
//!
//! Inside a write transaction every timestamp is the transaction's one
//! instant, taken once the audit head is locked: a row's `updatedAt` is the
//! `at` of the audit entry that records the change, and entries' instants
//! rise with their ids (a later writer waits for the lock), so "the plan at
//! an instant" is exactly the entries up to that instant.

use chrono::{NaiveDateTime, SubsecRound, Utc};

tokio::task_local! {
    static WRITE_INSTANT: NaiveDateTime;
}

pub fn now() -> NaiveDateTime {
    WRITE_INSTANT.try_with(|at| *at).unwrap_or_else(|_| fresh())
}

fn fresh() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// Runs a write transaction's body at one instant (see the module docs).
pub(crate) async fn at_one_instant<F: Future>(body: F) -> F::Output {
    WRITE_INSTANT.scope(fresh(), body).await
}
