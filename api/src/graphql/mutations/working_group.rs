//! Mutations of working groups (admins only): create, update.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use masterplan_persistence::models::working_group::WorkingGroupRow;
use masterplan_persistence::writes::working_groups::{
    self, NewWorkingGroupInput, WorkingGroupPatch, WorkingGroupRef,
};

use crate::error::ApiResult;
use crate::graphql::mutations::access::admin;
use crate::graphql::mutations::measure::patch;
use crate::graphql::mutations::payload::{mutation_payload, write};
use crate::graphql::mutations::user_errors::{id_or_key, refused};
use crate::graphql::objects::WorkingGroup;

/// A working group by natural key: plan slug (may be left out while there
/// is one plan) and code.
#[derive(InputObject, Debug, Clone)]
pub struct WorkingGroupKeyInput {
    pub plan: Option<String>,
    pub code: String,
}

#[derive(InputObject)]
pub struct CreateWorkingGroupInput {
    pub client_mutation_id: Option<String>,
    /// Plan slug; may be left out while there is one plan.
    pub plan: Option<String>,
    /// Letters and digits, unique per plan (e.g. `V`).
    pub code: String,
    /// Order among the plan's groups; after the highest when left out.
    pub number: Option<i32>,
    pub name: String,
    pub lead: Option<String>,
}

/// Names the group by `id` or `key`; fields left out are kept. A new code
/// applies to the group's measures at once, but API tokens restricted to
/// working groups keep naming the old code.
#[derive(InputObject)]
pub struct UpdateWorkingGroupInput {
    pub client_mutation_id: Option<String>,
    pub id: Option<ID>,
    pub key: Option<WorkingGroupKeyInput>,
    /// The version the change is based on; refused when the group has
    /// changed since (`VERSION_CONFLICT`).
    pub expected_version: i32,
    pub code: Option<String>,
    pub number: Option<i32>,
    pub name: Option<String>,
    /// `null` removes the lead.
    pub lead: MaybeUndefined<String>,
}

mutation_payload! {
    /// The outcome of a working group mutation: the group as it is now, or the
    /// reasons nothing was changed.
    WorkingGroupPayload { working_group: WorkingGroup(WorkingGroupRow) }
}

#[derive(Default)]
pub struct WorkingGroupMutations;

#[Object]
impl WorkingGroupMutations {
    /// Adds a working group to a plan (admins).
    async fn create_working_group(
        &self,
        ctx: &Context<'_>,
        input: CreateWorkingGroupInput,
    ) -> ApiResult<WorkingGroupPayload> {
        let actor = admin(ctx)?;
        let new = NewWorkingGroupInput {
            plan: input.plan,
            code: input.code,
            number: input.number,
            name: input.name,
            lead: input.lead,
        };
        write(ctx, input.client_mutation_id, Ok(new), async |db, new| {
            working_groups::create(db, &actor, new).await
        })
        .await
    }

    /// Changes a working group's code, number, name or lead (admins).
    async fn update_working_group(
        &self,
        ctx: &Context<'_>,
        input: UpdateWorkingGroupInput,
    ) -> ApiResult<WorkingGroupPayload> {
        let actor = admin(ctx)?;
        let target = id_or_key(input.id.as_ref(), input.key, WorkingGroupRef::Id, |key| {
            WorkingGroupRef::Key {
                plan: key.plan,
                code: key.code,
            }
        })
        .map_err(refused);
        let change = WorkingGroupPatch {
            code: input.code,
            number: input.number,
            name: input.name,
            lead: patch(input.lead),
        };
        write(ctx, input.client_mutation_id, target, async |db, target| {
            working_groups::update(db, &actor, &target, input.expected_version, change).await
        })
        .await
    }
}
