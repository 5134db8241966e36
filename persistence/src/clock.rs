//! Timestamps are set in Rust (not by the database) and cut to microseconds,
//! the precision PostgreSQL keeps, so both backends store the same value.

use chrono::{NaiveDateTime, SubsecRound, Utc};

pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}
