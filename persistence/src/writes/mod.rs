//! Changes to the plan: each write validates its input, checks the caller's
//! reach and the expected version, keeps derived data (effective categories,
//! search documents) in step, and appends its audit entry, all in one
//! [`DbConn::write_transaction`](crate::db::DbConn::write_transaction). A refused write returns
//! [`RepoError::Rejected`] and changes nothing.

pub mod audit_log;
pub(crate) mod audited;
pub mod goals;
pub mod kpi_values;
pub mod kpis;
pub mod lookups;
pub mod measure_reach;
pub mod measures;
pub mod plans;
pub mod search_index;
pub mod tokens;
pub mod webhooks;
pub mod working_groups;

use masterplan_domain::validation::FieldError;

use crate::error::{RepoError, RepoResult};

/// Who writes, for the audit trail and for an editor's reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The token's name (or e.g. `cli`), recorded in the audit trail.
    pub name: String,
    /// Codes of the working groups whose objects this actor may change;
    /// empty means all.
    pub working_groups: Vec<String>,
}

impl Actor {
    /// An actor that may change everything.
    pub fn unrestricted(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            working_groups: Vec::new(),
        }
    }

    /// Refuses a change to an object of working group `code` when the actor
    /// is restricted to other groups.
    pub fn may_change_group(&self, code: &str) -> RepoResult<()> {
        if self.working_groups.is_empty() || self.working_groups.iter().any(|g| g == code) {
            Ok(())
        } else {
            Err(RepoError::Forbidden(format!(
                "{} may change only working groups {}, not {code}",
                self.name,
                self.working_groups.join(", ")
            )))
        }
    }
}

/// Puts a given value into `slot`; `None` keeps what is there (how a patch applies).
pub fn set_given<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

/// Checks that a version-guarded UPDATE hit its row. Writers are serialised
/// by [`DbConn::write_transaction`](crate::db::DbConn::write_transaction), so a miss means a bug, not a user's race.
pub fn updated_one(rows: usize, what: &str, id: impl std::fmt::Display) -> RepoResult<()> {
    if rows == 1 {
        Ok(())
    } else {
        Err(RepoError::Conflict(format!(
            "{what} {id} changed concurrently"
        )))
    }
}

/// Writes `$changes` (a changeset) over `$current`, a row of `$table`, with
/// the next version and `updated_at` now, guarded by the version read before.
macro_rules! guarded_update {
    ($conn:expr, $table:ident, $current:expr, $changes:expr, $what:expr) => {{
        let current = $current;
        let rows = $crate::with_conn!($conn, c => ::diesel::update(
                $table::table
                    .find(current.id)
                    .filter($table::version.eq(current.version)),
            )
            .set((
                $changes,
                $table::version.eq(current.version + 1),
                $table::updated_at.eq($crate::clock::now()),
            ))
            .execute(c)
            .await)?;
        $crate::writes::updated_one(rows, $what, current.id)
    }};
}
pub(crate) use guarded_update;

/// Marks `$row` of `$table` (measures, goals and KPIs share these columns)
/// archived at `$at`, with the next version.
macro_rules! set_archived {
    ($conn:expr, $table:ident, $row:expr, $at:expr) => {{
        let (row, at) = ($row, $at);
        $crate::with_conn!($conn, c => ::diesel::update($table::table.find(row.id))
            .set((
                $table::archived_at.eq(at),
                $table::updated_at.eq(at),
                $table::version.eq(row.version + 1),
            ))
            .execute(c)
            .await)?;
        Ok(())
    }};
}
pub(crate) use set_archived;

/// Collects the field errors of one input, to refuse them all at once.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn check(&mut self, field: &[&str], problem: Option<String>) {
        if let Some(message) = problem {
            self.0.push(FieldError::invalid(field, message));
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// The problems, each at its field under `at` (`measures[3]` → `["measures", "3"]`).
    pub fn located(self, at: &[&str]) -> impl Iterator<Item = FieldError> {
        self.0.into_iter().map(move |error| error.under(at))
    }

    /// `Ok` when nothing was found, else every problem as one rejection.
    pub fn finish(self) -> RepoResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(RepoError::Rejected(self.0))
        }
    }
}
