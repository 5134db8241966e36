//! Mutations of KPIs: create, update (with baseline and targets), archive.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use masterplan_domain::validation::FieldError;
use masterplan_persistence::models::kpi::KpiRow;
use masterplan_persistence::writes::kpis::{self, Baseline, KpiPatch, NewKpiInput, TargetInput};
use masterplan_persistence::writes::lookups::KpiRef;

use crate::error::ApiResult;
use crate::graphql::enums::{KpiDirection, KpiValueType, Visibility};
use crate::graphql::mutations::access::editor;
use crate::graphql::mutations::goal::parent_measure_ref;
use crate::graphql::mutations::measure::{MeasureKeyInput, measure_key, patch};
use crate::graphql::mutations::payload::{mutation_payload, write};
use crate::graphql::mutations::user_errors::{UserError, id_or_key, refused};
use crate::graphql::objects::Kpi;
use crate::graphql::scalars::Date;

/// A KPI by natural key: plan slug (may be left out while there is one
/// plan), the measure's code (or, for a measure without a code, its title)
/// and the KPI's name (unique per measure).
#[derive(InputObject, Debug, Clone)]
pub struct KpiKeyInput {
    pub plan: Option<String>,
    /// The measure's code (`1.2`).
    pub measure: Option<String>,
    /// The measure's exact title, for a measure without a code.
    pub measure_title: Option<String>,
    pub name: String,
}

impl KpiKeyInput {
    /// The reference; errors name the key's own fields (`measure`).
    pub fn into_ref(self) -> Result<KpiRef, FieldError> {
        let measure = measure_key(self.measure, self.measure_title, "measure", "measureTitle")?;
        Ok(KpiRef::Key {
            plan: self.plan,
            measure,
            name: self.name,
        })
    }
}

/// The KPI an input names by `id` or `key`.
pub fn kpi_ref(id: Option<&ID>, key: Option<KpiKeyInput>) -> Result<KpiRef, Vec<UserError>> {
    id_or_key(
        id,
        key,
        |id| Ok(KpiRef::Id(id)),
        |key| key.into_ref().map_err(|e| e.under(&["key"])),
    )
    .and_then(|r| r)
    .map_err(refused)
}

/// The value a KPI starts from; it must fit the KPI's value type.
#[derive(InputObject, Debug, Clone)]
#[graphql(name = "KpiBaselineInput")]
pub struct BaselineInput {
    pub value: f64,
    /// When the baseline held, if known.
    pub observed_on: Option<Date>,
    pub note: Option<String>,
}

impl From<BaselineInput> for Baseline {
    fn from(input: BaselineInput) -> Self {
        Baseline {
            value: input.value,
            observed_on: input.observed_on.map(|d| d.0),
            note: input.note,
        }
    }
}

/// A value the KPI should reach by a date; one target per date, and the
/// value must fit the KPI's value type.
#[derive(InputObject, Debug, Clone)]
#[graphql(name = "KpiTargetInput")]
pub struct TargetValueInput {
    pub value: f64,
    pub due_on: Date,
    pub note: Option<String>,
}

impl From<TargetValueInput> for TargetInput {
    fn from(input: TargetValueInput) -> Self {
        TargetInput {
            value: input.value,
            due_on: input.due_on.0,
            note: input.note,
        }
    }
}

fn targets(inputs: Vec<TargetValueInput>) -> Vec<TargetInput> {
    inputs.into_iter().map(Into::into).collect()
}

#[derive(InputObject)]
pub struct CreateKpiInput {
    pub client_mutation_id: Option<String>,
    /// The measure, by ID; or give `measure` (not both).
    pub measure_id: Option<ID>,
    /// The measure, by plan slug and code; or give `measureId` (not both).
    pub measure: Option<MeasureKeyInput>,
    /// Unique per measure, archived KPIs included.
    pub name: String,
    pub description: Option<String>,
    /// Unit of the values (`Anzahl`, `%`, `Tage`, …).
    pub unit: Option<String>,
    /// PERCENT values lie in 0–100, MILESTONE values are 0 or 1.
    #[graphql(default_with = "KpiValueType::Number")]
    pub value_type: KpiValueType,
    #[graphql(default_with = "KpiDirection::Increase")]
    pub direction: KpiDirection,
    pub baseline: Option<BaselineInput>,
    #[graphql(default)]
    pub targets: Vec<TargetValueInput>,
    /// `INTERNAL` (the default: a draft) or `PUBLIC` (published at once).
    #[graphql(default_with = "Visibility::Internal")]
    pub visibility: Visibility,
}

/// Names the KPI by `id` or `key`; fields left out are kept.
#[derive(InputObject)]
pub struct UpdateKpiInput {
    pub client_mutation_id: Option<String>,
    pub id: Option<ID>,
    pub key: Option<KpiKeyInput>,
    /// The version the change is based on; refused when the KPI has changed
    /// since (`VERSION_CONFLICT`).
    pub expected_version: i32,
    pub name: Option<String>,
    /// `null` removes the description.
    pub description: MaybeUndefined<String>,
    /// `null` removes the unit.
    pub unit: MaybeUndefined<String>,
    /// Refused when recorded values, the baseline or the targets would not
    /// fit the new type.
    pub value_type: Option<KpiValueType>,
    pub direction: Option<KpiDirection>,
    /// `null` removes the baseline.
    pub baseline: MaybeUndefined<BaselineInput>,
    /// When given, replaces all targets.
    pub targets: Option<Vec<TargetValueInput>>,
    /// `PUBLIC` publishes, `INTERNAL` withdraws from the public.
    pub visibility: Option<Visibility>,
}

#[derive(InputObject)]
pub struct ArchiveKpiInput {
    pub client_mutation_id: Option<String>,
    pub id: Option<ID>,
    pub key: Option<KpiKeyInput>,
    pub expected_version: i32,
}

mutation_payload! {
    /// The outcome of a KPI mutation: the KPI as it is now, or the reasons
    /// nothing was changed.
    KpiPayload { kpi: Kpi(KpiRow) }
}

#[derive(Default)]
pub struct KpiMutations;

#[Object]
impl KpiMutations {
    /// Adds a KPI with its baseline and targets to a measure (editors of its
    /// working group, admins).
    async fn create_kpi(&self, ctx: &Context<'_>, input: CreateKpiInput) -> ApiResult<KpiPayload> {
        let actor = editor(ctx)?;
        let measure = parent_measure_ref(input.measure_id.as_ref(), input.measure);
        let new = measure.map(|measure| NewKpiInput {
            measure,
            name: input.name,
            description: input.description,
            unit: input.unit,
            value_type: input.value_type.into(),
            direction: input.direction.into(),
            baseline: input.baseline.map(Into::into),
            targets: targets(input.targets),
            visibility: input.visibility.into(),
        });
        write(ctx, input.client_mutation_id, new, async |db, new| {
            kpis::create(db, &actor, new).await
        })
        .await
    }

    /// Changes a KPI's fields; those left out stay as they are.
    async fn update_kpi(&self, ctx: &Context<'_>, input: UpdateKpiInput) -> ApiResult<KpiPayload> {
        let actor = editor(ctx)?;
        let target = kpi_ref(input.id.as_ref(), input.key);
        let change = KpiPatch {
            name: input.name,
            description: patch(input.description),
            unit: patch(input.unit),
            value_type: input.value_type.map(Into::into),
            direction: input.direction.map(Into::into),
            baseline: patch(input.baseline),
            targets: input.targets.map(targets),
            visibility: input.visibility.map(Into::into),
        };
        write(ctx, input.client_mutation_id, target, async |db, target| {
            kpis::update(db, &actor, &target, input.expected_version, change).await
        })
        .await
    }

    /// Archives a KPI: it leaves lists, search and counts and keeps its
    /// values and history; its name stays taken.
    async fn archive_kpi(
        &self,
        ctx: &Context<'_>,
        input: ArchiveKpiInput,
    ) -> ApiResult<KpiPayload> {
        let actor = editor(ctx)?;
        let target = kpi_ref(input.id.as_ref(), input.key);
        write(ctx, input.client_mutation_id, target, async |db, target| {
            kpis::archive(db, &actor, &target, input.expected_version).await
        })
        .await
    }
}
