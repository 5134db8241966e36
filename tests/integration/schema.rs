//! The committed `schema.graphql` is the contract: it must equal the SDL the
//! server serves. `UPDATE_SCHEMA=1 cargo test --test integration schema::`
//! rewrites it on purpose.

use masterplan_api::schema::sdl;

#[test]
fn committed_schema_matches_the_served_sdl() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let served = sdl();
    if std::env::var("UPDATE_SCHEMA").is_ok_and(|v| v == "1") {
        std::fs::write(path, &served).expect("write schema.graphql");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == served,
        "schema.graphql differs from the served schema; if the change is intended, run \
         `UPDATE_SCHEMA=1 cargo test --test integration schema::` and commit the file"
    );
}
