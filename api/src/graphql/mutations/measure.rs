//! Mutations of measures: create, update, set status, archive.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use masterplan_domain::validation::FieldError;
use masterplan_persistence::models::measure::MeasureRow;
use masterplan_persistence::writes::lookups::{MeasureKey, MeasureRef};
use masterplan_persistence::writes::measures::{
    self, Estimates, EstimatesPatch, MeasurePatch, NewMeasureInput,
};

use crate::error::ApiResult;
use crate::graphql::enums::{MeasureStatus, PeriodCategory, QuickWin, SizeCategory, Visibility};
use crate::graphql::mutations::access::editor;
use crate::graphql::mutations::payload::{mutation_payload, write};
use crate::graphql::mutations::user_errors::{UserError, id_or_key, refused};
use crate::graphql::objects::Measure;

/// A measure by natural key: plan slug (may be left out while there is one
/// plan) and either the measure's code or, for a measure without a code
/// ("DMS und E-Akte"), its title.
#[derive(InputObject, Debug, Clone)]
pub struct MeasureKeyInput {
    pub plan: Option<String>,
    /// The measure's code (`1.2`).
    pub code: Option<String>,
    /// The measure's exact title, for a measure without a code; found while
    /// no other live measure of the plan has the same title.
    pub title: Option<String>,
}

impl MeasureKeyInput {
    /// The reference; errors name `key.code`.
    pub fn into_ref(self) -> Result<MeasureRef, FieldError> {
        let measure =
            measure_key(self.code, self.title, "code", "title").map_err(|e| e.under(&["key"]))?;
        Ok(MeasureRef::Key {
            plan: self.plan,
            measure,
        })
    }
}

/// A measure within its plan by code or by title (exactly one); the error
/// names `code_field`.
pub fn measure_key(
    code: Option<String>,
    title: Option<String>,
    code_field: &str,
    title_field: &str,
) -> Result<MeasureKey, FieldError> {
    match (code, title) {
        (Some(code), None) => Ok(MeasureKey::Code(code)),
        (None, Some(title)) => Ok(MeasureKey::Title(title)),
        (Some(_), Some(_)) => Err(FieldError::invalid(
            &[code_field],
            format!(
                "name the measure either by `{code_field}` or by `{title_field}` \
                 (for a measure without a code), not both"
            ),
        )),
        (None, None) => Err(FieldError::invalid(
            &[code_field],
            format!(
                "name the measure: give `{code_field}`, or `{title_field}` for a measure \
                 without a code"
            ),
        )),
    }
}

/// The measure an input names by `id` or `key`.
pub fn measure_ref(
    id: Option<&ID>,
    key: Option<MeasureKeyInput>,
) -> Result<MeasureRef, Vec<UserError>> {
    id_or_key(
        id,
        key,
        |id| Ok(MeasureRef::Id(id)),
        MeasureKeyInput::into_ref,
    )
    .and_then(|r| r)
    .map_err(refused)
}

/// Estimates and explicit classifications. On update, a field left out is
/// kept and `null` clears it; a cleared category is derived from the legend again.
#[derive(InputObject, Debug, Clone, Default)]
pub struct EstimatesInput {
    pub cost_eur: MaybeUndefined<f64>,
    pub personnel_fte: MaybeUndefined<f64>,
    pub realization_months: MaybeUndefined<i32>,
    pub cost_category: MaybeUndefined<SizeCategory>,
    pub personnel_category: MaybeUndefined<SizeCategory>,
    pub period_category: MaybeUndefined<PeriodCategory>,
    pub quick_win: MaybeUndefined<QuickWin>,
}

/// `None` keeps, `Some(None)` clears, `Some(Some(v))` sets.
pub fn patch<T, U: From<T>>(value: MaybeUndefined<T>) -> Option<Option<U>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v.into())),
    }
}

impl EstimatesInput {
    fn into_patch(self) -> EstimatesPatch {
        EstimatesPatch {
            cost_eur: patch(self.cost_eur),
            personnel_fte: patch(self.personnel_fte),
            realization_months: patch(self.realization_months),
            cost_category: patch(self.cost_category),
            personnel_category: patch(self.personnel_category),
            period_category: patch(self.period_category),
            quick_win: patch(self.quick_win),
        }
    }

    fn into_estimates(self) -> Estimates {
        let p = self.into_patch();
        Estimates {
            cost_eur: p.cost_eur.flatten(),
            personnel_fte: p.personnel_fte.flatten(),
            realization_months: p.realization_months.flatten(),
            cost_category: p.cost_category.flatten(),
            personnel_category: p.personnel_category.flatten(),
            period_category: p.period_category.flatten(),
            quick_win: p.quick_win.flatten(),
        }
    }
}

#[derive(InputObject)]
pub struct CreateMeasureInput {
    pub client_mutation_id: Option<String>,
    /// Plan slug; may be left out while there is one plan.
    pub plan: Option<String>,
    /// Code of the working group (e.g. `III`).
    pub working_group: String,
    /// Unique per plan, digits separated by dots (`3.7`).
    pub code: Option<String>,
    pub title: String,
    /// Markdown.
    #[graphql(default)]
    pub description: String,
    #[graphql(default_with = "MeasureStatus::Planned")]
    pub status: MeasureStatus,
    pub responsible_unit: Option<String>,
    #[graphql(default)]
    pub partners: Vec<String>,
    /// Place in the plan's order; after the last measure when left out.
    pub position: Option<i32>,
    pub estimates: Option<EstimatesInput>,
    /// `INTERNAL` (the default: a draft) or `PUBLIC` (published at once).
    #[graphql(default_with = "Visibility::Internal")]
    pub visibility: Visibility,
}

/// Names the measure by `id` or `key`; fields left out are kept.
#[derive(InputObject)]
pub struct UpdateMeasureInput {
    pub client_mutation_id: Option<String>,
    pub id: Option<ID>,
    pub key: Option<MeasureKeyInput>,
    /// The version the change is based on; refused when the measure has
    /// changed since (`VERSION_CONFLICT`).
    pub expected_version: i32,
    pub working_group: Option<String>,
    /// `null` removes the code.
    pub code: MaybeUndefined<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<MeasureStatus>,
    pub responsible_unit: MaybeUndefined<String>,
    pub partners: Option<Vec<String>>,
    pub position: Option<i32>,
    pub estimates: Option<EstimatesInput>,
    /// `PUBLIC` publishes, `INTERNAL` withdraws from the public.
    pub visibility: Option<Visibility>,
}

#[derive(InputObject)]
pub struct SetMeasureStatusInput {
    pub client_mutation_id: Option<String>,
    pub id: Option<ID>,
    pub key: Option<MeasureKeyInput>,
    pub expected_version: i32,
    pub status: MeasureStatus,
}

#[derive(InputObject)]
pub struct ArchiveMeasureInput {
    pub client_mutation_id: Option<String>,
    pub id: Option<ID>,
    pub key: Option<MeasureKeyInput>,
    pub expected_version: i32,
}

mutation_payload! {
    /// The outcome of a measure mutation: the measure as it is now, or the
    /// reasons nothing was changed.
    MeasurePayload { measure: Measure(MeasureRow) }
}

#[derive(Default)]
pub struct MeasureMutations;

#[Object]
impl MeasureMutations {
    /// Adds a measure to a plan (editors of its working group, admins).
    async fn create_measure(
        &self,
        ctx: &Context<'_>,
        input: CreateMeasureInput,
    ) -> ApiResult<MeasurePayload> {
        let actor = editor(ctx)?;
        let new = NewMeasureInput {
            plan: input.plan,
            working_group: input.working_group,
            code: input.code,
            title: input.title,
            description: input.description,
            status: input.status.into(),
            responsible_unit: input.responsible_unit,
            partners: input.partners,
            position: input.position,
            estimates: input.estimates.unwrap_or_default().into_estimates(),
            visibility: input.visibility.into(),
        };
        write(ctx, input.client_mutation_id, Ok(new), async |db, new| {
            measures::create(db, &actor, new).await
        })
        .await
    }

    /// Changes a measure's fields; those left out stay as they are.
    async fn update_measure(
        &self,
        ctx: &Context<'_>,
        input: UpdateMeasureInput,
    ) -> ApiResult<MeasurePayload> {
        let actor = editor(ctx)?;
        let target = measure_ref(input.id.as_ref(), input.key);
        let change = MeasurePatch {
            working_group: input.working_group,
            code: patch(input.code),
            title: input.title,
            description: input.description,
            status: input.status.map(Into::into),
            responsible_unit: patch(input.responsible_unit),
            partners: input.partners,
            position: input.position,
            estimates: input.estimates.unwrap_or_default().into_patch(),
            visibility: input.visibility.map(Into::into),
        };
        write(ctx, input.client_mutation_id, target, async |db, target| {
            measures::update(db, &actor, &target, input.expected_version, change).await
        })
        .await
    }

    /// Moves a measure to another status.
    async fn set_measure_status(
        &self,
        ctx: &Context<'_>,
        input: SetMeasureStatusInput,
    ) -> ApiResult<MeasurePayload> {
        let actor = editor(ctx)?;
        let target = measure_ref(input.id.as_ref(), input.key);
        let change = MeasurePatch {
            status: Some(input.status.into()),
            ..MeasurePatch::default()
        };
        write(ctx, input.client_mutation_id, target, async |db, target| {
            measures::update(db, &actor, &target, input.expected_version, change).await
        })
        .await
    }

    /// Archives a measure: it leaves lists, search and counts, with its goals
    /// and KPIs, and keeps its history.
    async fn archive_measure(
        &self,
        ctx: &Context<'_>,
        input: ArchiveMeasureInput,
    ) -> ApiResult<MeasurePayload> {
        let actor = editor(ctx)?;
        let target = measure_ref(input.id.as_ref(), input.key);
        write(ctx, input.client_mutation_id, target, async |db, target| {
            measures::archive(db, &actor, &target, input.expected_version).await
        })
        .await
    }
}
