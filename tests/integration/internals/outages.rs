//! `persistence::error`: database outages told from defects.

use diesel::result::{DatabaseErrorKind, Error};
use masterplan_persistence::error::RepoError;

fn database_error(kind: DatabaseErrorKind, message: &str) -> RepoError {
    RepoError::Query(Error::DatabaseError(kind, Box::new(message.to_owned())))
}

#[test]
fn outages_are_told_from_defects() {
    assert!(database_error(DatabaseErrorKind::ClosedConnection, "gone").is_outage());
    assert!(database_error(DatabaseErrorKind::Unknown, "database or disk is full").is_outage());
    assert!(
        database_error(
            DatabaseErrorKind::Unknown,
            "attempt to write a readonly database"
        )
        .is_outage()
    );
    assert!(!database_error(DatabaseErrorKind::Unknown, "no such column: x").is_outage());
    assert!(!database_error(DatabaseErrorKind::UniqueViolation, "duplicate").is_outage());
    assert!(!RepoError::Corrupt("bad status".into()).is_outage());
}
