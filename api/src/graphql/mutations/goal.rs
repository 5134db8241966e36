//! Mutations of goals: create, update, set status, archive.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use masterplan_domain::validation::FieldError;
use masterplan_persistence::models::goal::GoalRow;
use masterplan_persistence::writes::goals::{self, GoalPatch, NewGoalInput};
use masterplan_persistence::writes::lookups::{GoalRef, MeasureRef};

use crate::error::ApiResult;
use crate::graphql::enums::{GoalStatus, Visibility};
use crate::graphql::mutations::access::editor;
use crate::graphql::mutations::measure::{MeasureKeyInput, measure_key, patch};
use crate::graphql::mutations::payload::{mutation_payload, write};
use crate::graphql::mutations::user_errors::{UserError, id_or_key, refused};
use crate::graphql::objects::Goal;

/// A goal by natural key: plan slug (may be left out while there is one
/// plan), the measure's code (or, for a measure without a code, its title)
/// and the goal's position within the measure (from 1).
#[derive(InputObject, Debug, Clone)]
pub struct GoalKeyInput {
    pub plan: Option<String>,
    /// The measure's code (`1.2`).
    pub measure: Option<String>,
    /// The measure's exact title, for a measure without a code.
    pub measure_title: Option<String>,
    pub position: i32,
}

impl GoalKeyInput {
    /// The reference; errors name `key.measure`.
    pub fn into_ref(self) -> Result<GoalRef, FieldError> {
        let measure = measure_key(self.measure, self.measure_title, "measure", "measureTitle")
            .map_err(|e| e.under(&["key"]))?;
        Ok(GoalRef::Key {
            plan: self.plan,
            measure,
            position: self.position,
        })
    }
}

/// The goal an input names by `id` or `key`.
pub fn goal_ref(id: Option<&ID>, key: Option<GoalKeyInput>) -> Result<GoalRef, Vec<UserError>> {
    id_or_key(id, key, |id| Ok(GoalRef::Id(id)), GoalKeyInput::into_ref)
        .and_then(|r| r)
        .map_err(refused)
}

/// The measure a create input names by `measureId` or `measure` (its key).
pub fn parent_measure_ref(
    measure_id: Option<&ID>,
    measure: Option<MeasureKeyInput>,
) -> Result<MeasureRef, Vec<UserError>> {
    id_or_key(
        measure_id,
        measure,
        |id| Ok(MeasureRef::Id(id)),
        MeasureKeyInput::into_ref,
    )
    .and_then(|r| r)
    .map_err(|err| {
        refused(
            err.renamed("id", &["measureId"])
                .renamed("key", &["measure"]),
        )
    })
}

#[derive(InputObject)]
pub struct CreateGoalInput {
    pub client_mutation_id: Option<String>,
    /// The measure, by ID; or give `measure` (not both).
    pub measure_id: Option<ID>,
    /// The measure, by plan slug and code; or give `measureId` (not both).
    pub measure: Option<MeasureKeyInput>,
    pub text: String,
    /// Group heading in the plan ("Personal", "Kurzfristig", …).
    pub category: Option<String>,
    /// The plan's German timing phrase: "2020", "bis Ende 2020",
    /// "ab Mitte 2021", "2021 ff.", …; left out: no timing.
    pub timing: Option<String>,
    #[graphql(default_with = "GoalStatus::Open")]
    pub status: GoalStatus,
    /// Place among the measure's goals (from 1; must be free); after the
    /// last goal when left out.
    pub position: Option<i32>,
    /// `INTERNAL` (the default: a draft) or `PUBLIC` (published at once).
    #[graphql(default_with = "Visibility::Internal")]
    pub visibility: Visibility,
}

/// Names the goal by `id` or `key`; fields left out are kept.
#[derive(InputObject)]
pub struct UpdateGoalInput {
    pub client_mutation_id: Option<String>,
    pub id: Option<ID>,
    pub key: Option<GoalKeyInput>,
    /// The version the change is based on; refused when the goal has
    /// changed since (`VERSION_CONFLICT`).
    pub expected_version: i32,
    pub text: Option<String>,
    /// `null` removes the category.
    pub category: MaybeUndefined<String>,
    /// A German timing phrase as in the plan; `null` removes the timing.
    pub timing: MaybeUndefined<String>,
    pub status: Option<GoalStatus>,
    /// A new place among the measure's goals; must be free.
    pub position: Option<i32>,
    /// `PUBLIC` publishes, `INTERNAL` withdraws from the public.
    pub visibility: Option<Visibility>,
}

#[derive(InputObject)]
pub struct SetGoalStatusInput {
    pub client_mutation_id: Option<String>,
    pub id: Option<ID>,
    pub key: Option<GoalKeyInput>,
    pub expected_version: i32,
    pub status: GoalStatus,
}

#[derive(InputObject)]
pub struct ArchiveGoalInput {
    pub client_mutation_id: Option<String>,
    pub id: Option<ID>,
    pub key: Option<GoalKeyInput>,
    pub expected_version: i32,
}

mutation_payload! {
    /// The outcome of a goal mutation: the goal as it is now, or the reasons
    /// nothing was changed.
    GoalPayload { goal: Goal(GoalRow) }
}

#[derive(Default)]
pub struct GoalMutations;

#[Object]
impl GoalMutations {
    /// Adds a goal to a measure (editors of its working group, admins).
    async fn create_goal(
        &self,
        ctx: &Context<'_>,
        input: CreateGoalInput,
    ) -> ApiResult<GoalPayload> {
        let actor = editor(ctx)?;
        let measure = parent_measure_ref(input.measure_id.as_ref(), input.measure);
        let new = measure.map(|measure| NewGoalInput {
            measure,
            text: input.text,
            category: input.category,
            timing: input.timing,
            status: input.status.into(),
            position: input.position,
            visibility: input.visibility.into(),
        });
        write(ctx, input.client_mutation_id, new, async |db, new| {
            goals::create(db, &actor, new).await
        })
        .await
    }

    /// Changes a goal's fields; those left out stay as they are.
    async fn update_goal(
        &self,
        ctx: &Context<'_>,
        input: UpdateGoalInput,
    ) -> ApiResult<GoalPayload> {
        let actor = editor(ctx)?;
        let target = goal_ref(input.id.as_ref(), input.key);
        let change = GoalPatch {
            text: input.text,
            category: patch(input.category),
            timing: patch(input.timing),
            status: input.status.map(Into::into),
            position: input.position,
            visibility: input.visibility.map(Into::into),
        };
        write(ctx, input.client_mutation_id, target, async |db, target| {
            goals::update(db, &actor, &target, input.expected_version, change).await
        })
        .await
    }

    /// Moves a goal to another status.
    async fn set_goal_status(
        &self,
        ctx: &Context<'_>,
        input: SetGoalStatusInput,
    ) -> ApiResult<GoalPayload> {
        let actor = editor(ctx)?;
        let target = goal_ref(input.id.as_ref(), input.key);
        let change = GoalPatch {
            status: Some(input.status.into()),
            ..GoalPatch::default()
        };
        write(ctx, input.client_mutation_id, target, async |db, target| {
            goals::update(db, &actor, &target, input.expected_version, change).await
        })
        .await
    }

    /// Archives a goal: it leaves lists, search and counts, keeps its
    /// history, and frees its position.
    async fn archive_goal(
        &self,
        ctx: &Context<'_>,
        input: ArchiveGoalInput,
    ) -> ApiResult<GoalPayload> {
        let actor = editor(ctx)?;
        let target = goal_ref(input.id.as_ref(), input.key);
        write(ctx, input.client_mutation_id, target, async |db, target| {
            goals::archive(db, &actor, &target, input.expected_version).await
        })
        .await
    }
}
