//! Tests of single functions of the api and persistence crates, linked into
//! this binary instead of `#[cfg(test)]` modules in the crates: a crate's
//! unit-test target compiles the whole crate a second time, and for these
//! two that was 110 of the 532 CPU-seconds of a cold test build and 51 of
//! clippy's 448 (their `[lib]`s say `test = false`, `bench = false`).
//! Each file is named for what it tests.

mod batching;
mod document_limits;
mod error_codes;
mod id_list;
mod like_patterns;
mod media_types;
mod node_ids;
mod origins;
mod outages;
mod portfolio_buckets;
mod request_id;
mod sql_types;
mod sqlite_library;
mod statement_text;
mod timestamps;
