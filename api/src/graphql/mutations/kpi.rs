//! TEMPORARY: the KPI key input and reference, until the KPI mutations
//! (built in parallel) replace this file with the full one.

use async_graphql::{ID, InputObject};
use masterplan_persistence::writes::refs::KpiRef;

use crate::graphql::mutations::user_errors::{UserError, id_or_key, refused};
use crate::ids::NodeType;

/// A KPI by natural key: plan slug (may be left out while there is one
/// plan), measure code and KPI name (unique per measure).
#[derive(InputObject, Debug, Clone)]
pub struct KpiKeyInput {
    pub plan: Option<String>,
    pub measure: String,
    pub name: String,
}

/// The KPI an input names by `id` or `key`.
pub fn kpi_ref(id: Option<&ID>, key: Option<KpiKeyInput>) -> Result<KpiRef, Vec<UserError>> {
    id_or_key(id, key, NodeType::Kpi, KpiRef::Id, |key| KpiRef::Key {
        plan: key.plan,
        measure: key.measure,
        name: key.name,
    })
    .map_err(refused)
}
