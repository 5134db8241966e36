//! Mutations of plans (admins only): create, update. A changed legend
//! reclassifies the plan's measures at once.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use masterplan_domain::legend::Legend;
use masterplan_domain::validation::FieldError;
use masterplan_persistence::models::plan::PlanRow;
use masterplan_persistence::writes::plans::{self, NewPlanInput, PlanPatch, PlanRef};

use crate::error::ApiResult;
use crate::graphql::mutations::access::admin;
use crate::graphql::mutations::measure::patch;
use crate::graphql::mutations::payload::{mutation_payload, write};
use crate::graphql::mutations::user_errors::refused;
use crate::graphql::objects::{LegendThresholds, Plan};
use crate::graphql::scalars::Date;
use crate::ids::decode_as;

/// The thresholds that classify measures' estimates: LOW strictly below the
/// low threshold, HIGH strictly above the high one, MEDIUM in between.
#[derive(InputObject)]
pub struct LegendInput {
    #[graphql(flatten)]
    pub thresholds: LegendThresholds,
    /// The legend's text. On update, left out keeps it and `null` clears it.
    pub notes: MaybeUndefined<String>,
}

impl LegendInput {
    fn split(self) -> (Legend, MaybeUndefined<String>) {
        (self.thresholds.into(), self.notes)
    }
}

#[derive(InputObject)]
pub struct CreatePlanInput {
    pub client_mutation_id: Option<String>,
    /// Stable name: lowercase letters a-z, digits and `-`; unique.
    pub slug: String,
    pub title: String,
    pub organisation: String,
    pub published_on: Option<Date>,
    /// Markdown.
    #[graphql(default)]
    pub description: String,
    pub legend: LegendInput,
}

/// Names the plan by `id` or `slug` (exactly one); fields left out are kept.
#[derive(InputObject)]
pub struct UpdatePlanInput {
    pub client_mutation_id: Option<String>,
    pub id: Option<ID>,
    /// The plan's current slug.
    pub slug: Option<String>,
    /// The version the change is based on; refused when the plan has changed
    /// since (`VERSION_CONFLICT`).
    pub expected_version: i32,
    /// Renames the plan's slug.
    pub new_slug: Option<String>,
    pub title: Option<String>,
    pub organisation: Option<String>,
    /// `null` removes the date.
    pub published_on: MaybeUndefined<Date>,
    pub description: Option<String>,
    /// Replaces the thresholds (all of them); measures are reclassified.
    pub legend: Option<LegendInput>,
}

mutation_payload! {
    /// The outcome of a plan mutation: the plan as it is now, or the reasons
    /// nothing was changed.
    PlanPayload { plan: Plan(PlanRow) }
}

fn plan_ref(id: Option<ID>, slug: Option<String>) -> Result<PlanRef, FieldError> {
    match (id, slug) {
        (Some(id), None) => decode_as(&id).map(PlanRef::Id).ok_or_else(|| {
            FieldError::not_found(
                &["id"],
                format!("{:?} is not the ID of a Plan", id.as_str()),
            )
        }),
        (None, Some(slug)) => Ok(PlanRef::Slug(slug)),
        _ => Err(FieldError::invalid(
            &["id"],
            "give either `id` or `slug` (not both) to name the plan",
        )),
    }
}

#[derive(Default)]
pub struct PlanMutations;

#[Object]
impl PlanMutations {
    /// Adds an (empty) plan with its legend (admins).
    async fn create_plan(
        &self,
        ctx: &Context<'_>,
        input: CreatePlanInput,
    ) -> ApiResult<PlanPayload> {
        let actor = admin(ctx)?;
        let (legend, notes) = input.legend.split();
        let new = NewPlanInput {
            slug: input.slug,
            title: input.title,
            organisation: input.organisation,
            published_on: input.published_on.map(|d| d.0),
            description: input.description,
            legend,
            legend_notes: notes.take(),
        };
        write(ctx, input.client_mutation_id, Ok(new), async |db, new| {
            plans::create(db, &actor, new).await
        })
        .await
    }

    /// Changes a plan's fields or legend (admins); a new legend reclassifies
    /// every measure of the plan.
    async fn update_plan(
        &self,
        ctx: &Context<'_>,
        input: UpdatePlanInput,
    ) -> ApiResult<PlanPayload> {
        let actor = admin(ctx)?;
        let target = plan_ref(input.id, input.slug).map_err(refused);
        let (legend, legend_notes) = match input.legend.map(LegendInput::split) {
            Some((legend, notes)) => (Some(legend), patch(notes)),
            None => (None, None),
        };
        let change = PlanPatch {
            slug: input.new_slug,
            title: input.title,
            organisation: input.organisation,
            published_on: patch(input.published_on).map(|d: Option<Date>| d.map(|d| d.0)),
            description: input.description,
            legend,
            legend_notes,
        };
        write(ctx, input.client_mutation_id, target, async |db, target| {
            plans::update(db, &actor, &target, input.expected_version, change).await
        })
        .await
    }
}
