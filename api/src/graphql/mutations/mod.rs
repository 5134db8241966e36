//! The root `Mutation`: one `input` per mutation, a payload with the changed
//! object, `userErrors` and the echoed `clientMutationId`.

pub mod access;
pub mod goal;
pub mod kpi;
pub mod kpi_value;
pub mod measure;
pub mod payload;
pub mod plan;
pub mod user_errors;
pub mod working_group;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct Mutation(
    measure::MeasureMutations,
    goal::GoalMutations,
    kpi::KpiMutations,
    kpi_value::KpiValueMutations,
    working_group::WorkingGroupMutations,
    plan::PlanMutations,
    crate::graphql::webhooks::WebhookMutations,
);
