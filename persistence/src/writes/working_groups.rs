//! Creating and changing working groups (admins only; the API checks the role).
//!
//! Measures refer to their group by id, so a new code applies to them at
//! once; API tokens restricted to working groups name them by code and keep
//! naming the old one.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::validation::{self as rules, FieldError, MAX_NAME_CHARS};

use crate::clock;
use crate::db::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::ids::{PlanId, WorkingGroupId};
use crate::models::working_group::{self, WorkingGroupRow};
use crate::schema::working_groups;
use crate::with_conn;
use crate::writes::audit_log::Changes;
use crate::writes::audited::{self, Audited};
use crate::writes::{Actor, Problems, guarded_update, lookups, set_given};

/// A working group named by id or by plan slug and code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkingGroupRef {
    Id(WorkingGroupId),
    Key { plan: Option<String>, code: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewWorkingGroupInput {
    /// Plan slug; may be left out while there is one plan.
    pub plan: Option<String>,
    pub code: String,
    /// After the plan's highest number when left out.
    pub number: Option<i32>,
    pub name: String,
    pub lead: Option<String>,
}

/// An update: `None` keeps a field; `lead: Some(None)` clears the lead.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkingGroupPatch {
    pub code: Option<String>,
    pub number: Option<i32>,
    pub name: Option<String>,
    pub lead: Option<Option<String>>,
}

/// What writes set on a working group, compared field by field for the audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkingGroupFields {
    pub code: String,
    pub number: i32,
    pub name: String,
    pub lead: Option<String>,
}

impl WorkingGroupFields {
    pub fn normalised(mut self) -> Self {
        self.code = self.code.trim().to_owned();
        self.name = self.name.trim().to_owned();
        self.lead = self
            .lead
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty());
        self
    }

    fn problems(&self) -> Problems {
        let mut problems = Problems::default();
        problems.check(&["code"], rules::working_group_code_problem(&self.code));
        if self.number < 1 {
            problems.check(
                &["number"],
                Some(format!("must be 1 or more, got {}", self.number)),
            );
        }
        problems.check(&["name"], rules::required_text(&self.name, MAX_NAME_CHARS));
        if let Some(lead) = &self.lead {
            problems.check(&["lead"], rules::too_long(lead, MAX_NAME_CHARS));
        }
        problems
    }
}

/// The ID of the plan a working group belongs to.
pub struct PlanScope(pub PlanId);

impl Audited for WorkingGroupFields {
    type Row = WorkingGroupRow;
    type Target = WorkingGroupRef;
    type Scope = PlanScope;
    type Patch = WorkingGroupPatch;

    type Id = WorkingGroupId;
    const NAME: &'static str = "working group";

    fn field_problems(&self) -> Problems {
        self.problems()
    }

    fn id(row: &WorkingGroupRow) -> WorkingGroupId {
        row.id
    }

    fn version(row: &WorkingGroupRow) -> i32 {
        row.version
    }

    async fn find(conn: &mut DbConn, target: &WorkingGroupRef) -> RepoResult<WorkingGroupRow> {
        find(conn, target).await
    }

    /// Working groups are for admins, which the API checks.
    async fn reach(
        _conn: &mut DbConn,
        _actor: &Actor,
        row: &WorkingGroupRow,
    ) -> RepoResult<PlanScope> {
        Ok(PlanScope(row.plan_id))
    }

    async fn of(_conn: &mut DbConn, row: &WorkingGroupRow, _scope: &PlanScope) -> RepoResult<Self> {
        Ok(WorkingGroupFields {
            code: row.code.clone(),
            number: row.number,
            name: row.name.clone(),
            lead: row.lead.clone(),
        })
    }

    fn apply(mut self, patch: WorkingGroupPatch) -> Self {
        set_given(&mut self.code, patch.code);
        set_given(&mut self.number, patch.number);
        set_given(&mut self.name, patch.name);
        set_given(&mut self.lead, patch.lead);
        self.normalised()
    }

    async fn check(
        &self,
        conn: &mut DbConn,
        plan: &PlanScope,
        _current: Option<&WorkingGroupRow>,
        old: Option<&Self>,
    ) -> RepoResult<()> {
        self.problems().finish()?;
        if old.is_none_or(|old| old.code != self.code) {
            check_code_free(conn, plan.0, &self.code).await?;
        }
        Ok(())
    }

    async fn insert_row(&self, conn: &mut DbConn, plan: &PlanScope) -> RepoResult<WorkingGroupId> {
        let now = clock::now();
        Ok(
            with_conn!(conn, c => diesel::insert_into(working_groups::table)
            .values((
                working_groups::plan_id.eq(plan.0),
                working_groups::code.eq(&self.code),
                working_groups::number.eq(self.number),
                working_groups::name.eq(&self.name),
                working_groups::lead.eq(&self.lead),
                working_groups::created_at.eq(now),
                working_groups::updated_at.eq(now),
            ))
            .returning(working_groups::id)
            .get_result(c)
            .await)?,
        )
    }

    async fn update_row(
        &self,
        conn: &mut DbConn,
        _plan: &PlanScope,
        current: &WorkingGroupRow,
        _old: &Self,
    ) -> RepoResult<()> {
        guarded_update!(
            conn,
            working_groups,
            current,
            (
                working_groups::code.eq(&self.code),
                working_groups::number.eq(self.number),
                working_groups::name.eq(&self.name),
                working_groups::lead.eq(&self.lead),
            ),
            "working group"
        )
    }

    async fn load(conn: &mut DbConn, id: WorkingGroupId) -> RepoResult<WorkingGroupRow> {
        working_group::by_ids(conn, &[id])
            .await?
            .pop()
            .ok_or_else(|| RepoError::Corrupt(format!("working group {id} vanished")))
    }

    async fn reindex(
        _conn: &mut DbConn,
        _row: &WorkingGroupRow,
        _plan: &PlanScope,
    ) -> RepoResult<()> {
        Ok(())
    }

    fn changes(&self, old: Option<&Self>) -> Changes {
        let mut c = Changes::default();
        c.record("code", old.map(|o| &o.code), &self.code);
        c.record("number", old.map(|o| &o.number), &self.number);
        c.record("name", old.map(|o| &o.name), &self.name);
        c.record("lead", old.map(|o| &o.lead), &self.lead);
        c
    }
}

/// Refuses a code another group of the plan already has.
async fn check_code_free(conn: &mut DbConn, plan_id: PlanId, code: &str) -> RepoResult<()> {
    match working_group::find_by_code(conn, plan_id, code).await? {
        None => Ok(()),
        Some(_) => Err(RepoError::rejected(FieldError::duplicate(
            &["code"],
            format!("another working group of this plan has the code {code:?}"),
        ))),
    }
}

/// The group a reference names. Errors name `id`, or `key.plan` / `key.code`.
pub async fn find(conn: &mut DbConn, target: &WorkingGroupRef) -> RepoResult<WorkingGroupRow> {
    match target {
        WorkingGroupRef::Id(id) => {
            working_group::by_ids(conn, &[*id])
                .await?
                .pop()
                .ok_or_else(|| {
                    RepoError::rejected(FieldError::not_found(
                        &["id"],
                        "no working group has this ID",
                    ))
                })
        }
        WorkingGroupRef::Key { plan, code } => {
            let plan = lookups::plan(conn, plan.as_deref(), &["key", "plan"]).await?;
            lookups::working_group(conn, plan.id, code, &["key", "code"]).await
        }
    }
}

pub async fn create(
    conn: &mut DbConn,
    actor: &Actor,
    input: NewWorkingGroupInput,
) -> RepoResult<WorkingGroupRow> {
    audited::create::<WorkingGroupFields>(conn, actor, async |conn| {
        let plan = lookups::plan(conn, input.plan.as_deref(), &["plan"]).await?;
        let number = match input.number {
            Some(number) => number,
            None => {
                let max: Option<i32> = with_conn!(conn, c => working_groups::table
                    .filter(working_groups::plan_id.eq(plan.id))
                    .select(diesel::dsl::max(working_groups::number))
                    .first(c)
                    .await)?;
                max.unwrap_or(0) + 1
            }
        };
        let fields = WorkingGroupFields {
            code: input.code,
            number,
            name: input.name,
            lead: input.lead,
        }
        .normalised();
        Ok((PlanScope(plan.id), fields))
    })
    .await
}

/// Applies `patch` when `expected_version` is current; a patch that changes
/// nothing leaves the group (and its version) as it is.
pub async fn update(
    conn: &mut DbConn,
    actor: &Actor,
    target: &WorkingGroupRef,
    expected_version: i32,
    patch: WorkingGroupPatch,
) -> RepoResult<WorkingGroupRow> {
    audited::update::<WorkingGroupFields>(conn, actor, target, expected_version, patch).await
}
