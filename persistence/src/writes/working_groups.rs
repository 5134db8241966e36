//! Creating and changing working groups (admins only; the API checks the role).
//!
//! Measures refer to their group by id, so a new code applies to them at
//! once; API tokens restricted to working groups name them by code and keep
//! naming the old one.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::audit::{AuditAction, AuditEntityType};
use masterplan_domain::validation::{self as rules, FieldError, MAX_NAME_CHARS};

use crate::clock;
use crate::db::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::models::audit::{self, Changes};
use crate::models::working_group::{self, WorkingGroupRow};
use crate::schema::working_groups;
use crate::with_conn;
use crate::writes::{Actor, Problems, check_version, refs, updated_one};

/// A working group named by id or by plan slug and code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkingGroupRef {
    Id(i64),
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

#[derive(Debug, Clone, PartialEq)]
struct Fields {
    code: String,
    number: i32,
    name: String,
    lead: Option<String>,
}

impl Fields {
    fn of(row: &WorkingGroupRow) -> Self {
        Fields {
            code: row.code.clone(),
            number: row.number,
            name: row.name.clone(),
            lead: row.lead.clone(),
        }
    }

    fn apply(mut self, patch: WorkingGroupPatch) -> Self {
        if let Some(code) = patch.code {
            self.code = code;
        }
        if let Some(number) = patch.number {
            self.number = number;
        }
        if let Some(name) = patch.name {
            self.name = name;
        }
        if let Some(lead) = patch.lead {
            self.lead = lead;
        }
        self
    }

    fn normalised(mut self) -> Self {
        self.code = self.code.trim().to_owned();
        self.name = self.name.trim().to_owned();
        self.lead = self
            .lead
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty());
        self
    }

    fn check(&self) -> RepoResult<()> {
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
        problems.finish()
    }

    fn changes(&self, old: Option<&Fields>) -> Changes {
        let mut c = Changes::default();
        c.record("code", old.map(|o| &o.code), &self.code);
        c.record("number", old.map(|o| &o.number), &self.number);
        c.record("name", old.map(|o| &o.name), &self.name);
        c.record("lead", old.map(|o| &o.lead), &self.lead);
        c
    }
}

/// Refuses a code another group of the plan already has.
async fn check_code_free(conn: &mut DbConn, plan_id: i64, code: &str) -> RepoResult<()> {
    match working_group::find_by_code(conn, plan_id, code).await? {
        None => Ok(()),
        Some(_) => Err(RepoError::rejected(FieldError::duplicate(
            &["code"],
            format!("another working group of this plan has the code {code:?}"),
        ))),
    }
}

async fn load(conn: &mut DbConn, id: i64) -> RepoResult<WorkingGroupRow> {
    working_group::by_ids(conn, &[id])
        .await?
        .pop()
        .ok_or_else(|| RepoError::Corrupt(format!("working group {id} vanished")))
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
            let plan = refs::plan(conn, plan.as_deref(), &["key", "plan"]).await?;
            refs::working_group(conn, plan.id, code, &["key", "code"]).await
        }
    }
}

pub async fn create(
    conn: &mut DbConn,
    actor: &Actor,
    input: NewWorkingGroupInput,
) -> RepoResult<WorkingGroupRow> {
    conn.write_transaction(async |conn| {
        let plan = refs::plan(conn, input.plan.as_deref(), &["plan"]).await?;
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
        let fields = Fields {
            code: input.code,
            number,
            name: input.name,
            lead: input.lead,
        }
        .normalised();
        fields.check()?;
        check_code_free(conn, plan.id, &fields.code).await?;
        let now = clock::now();
        let id: i64 = with_conn!(conn, c => diesel::insert_into(working_groups::table)
            .values((
                working_groups::plan_id.eq(plan.id),
                working_groups::code.eq(&fields.code),
                working_groups::number.eq(fields.number),
                working_groups::name.eq(&fields.name),
                working_groups::lead.eq(&fields.lead),
                working_groups::created_at.eq(now),
                working_groups::updated_at.eq(now),
            ))
            .returning(working_groups::id)
            .get_result(c)
            .await)?;
        audit::append(
            conn,
            &actor.name,
            AuditAction::Create,
            AuditEntityType::WorkingGroup,
            id,
            &fields.changes(None),
        )
        .await?;
        load(conn, id).await
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
    conn.write_transaction(async |conn| {
        let current = find(conn, target).await?;
        check_version("working group", expected_version, current.version)?;
        let old = Fields::of(&current);
        let new = old.clone().apply(patch).normalised();
        if new == old {
            return Ok(current);
        }
        new.check()?;
        if new.code != old.code {
            check_code_free(conn, current.plan_id, &new.code).await?;
        }
        let updated = with_conn!(conn, c => diesel::update(
                working_groups::table
                    .find(current.id)
                    .filter(working_groups::version.eq(current.version)),
            )
            .set((
                working_groups::code.eq(&new.code),
                working_groups::number.eq(new.number),
                working_groups::name.eq(&new.name),
                working_groups::lead.eq(&new.lead),
                working_groups::version.eq(current.version + 1),
                working_groups::updated_at.eq(clock::now()),
            ))
            .execute(c)
            .await)?;
        updated_one(updated, "working group", current.id)?;
        audit::append(
            conn,
            &actor.name,
            AuditAction::Update,
            AuditEntityType::WorkingGroup,
            current.id,
            &new.changes(Some(&old)),
        )
        .await?;
        load(conn, current.id).await
    })
    .await
}
