//! The root `Mutation`: one `input` per mutation, a payload with the changed
//! object, `userErrors` and the echoed `clientMutationId`.

pub mod access;
pub mod goal;
pub mod kpi;
pub mod measure;
pub mod user_errors;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct Mutation(
    measure::MeasureMutations,
    goal::GoalMutations,
    kpi::KpiMutations,
);
