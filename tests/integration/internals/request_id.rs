//! `api::request_id`: which request ids from callers are kept.

use masterplan_api::request_id::acceptable;

#[test]
fn ids_that_could_forge_log_lines_are_not_kept() {
    assert!(acceptable("3f2c6a9e-1b7d-4c1e-9a4f-0d2e8b7c6a51"));
    assert!(acceptable("portal:widget/42"));
    assert!(!acceptable(""));
    assert!(!acceptable("a b"));
    assert!(!acceptable("x\" status=500"));
    assert!(!acceptable(&"a".repeat(129)));
}
