//! Creating, changing and archiving measures.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::legend::{PeriodCategory, QuickWin, SizeCategory};
use masterplan_domain::status::MeasureStatus;
use masterplan_domain::validation::{
    self as rules, FieldError, MAX_LONG_TEXT_CHARS, MAX_NAME_CHARS, MAX_TITLE_CHARS,
};
use masterplan_domain::visibility::Visibility;

use crate::clock;
use crate::db::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::ids::{MeasureId, PlanId, WorkingGroupId};
use crate::models::measure::{self, DescribedMeasure, MeasureRow, PilotArea, search_text};
use crate::models::plan::{self, PlanRow};
use crate::models::search::measure_document;
use crate::models::working_group::{self, WorkingGroupRow};
use crate::schema::measures;
use crate::sql_types::{JsonText, TextEnum};
use crate::with_conn;
use crate::writes::audit_log::Changes;
use crate::writes::audited::{self, Archivable, Audited};
use crate::writes::lookups::{self, MeasureRef};
use crate::writes::search_index;
use crate::writes::{Actor, Problems, guarded_update, set_archived, set_given};

pub use masterplan_domain::legend::Estimates;

/// Changes to estimates: the outer `None` keeps a value, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EstimatesPatch {
    pub cost_eur: Option<Option<f64>>,
    pub personnel_fte: Option<Option<f64>>,
    pub realization_months: Option<Option<i32>>,
    pub cost_category: Option<Option<SizeCategory>>,
    pub personnel_category: Option<Option<SizeCategory>>,
    pub period_category: Option<Option<PeriodCategory>>,
    pub quick_win: Option<Option<QuickWin>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewMeasureInput {
    /// Plan slug; may be left out while there is one plan.
    pub plan: Option<String>,
    pub working_group: String,
    pub code: Option<String>,
    pub title: String,
    pub description: String,
    pub status: MeasureStatus,
    pub responsible_unit: Option<String>,
    pub partners: Vec<String>,
    /// Place in the plan's order; after the last measure when left out.
    pub position: Option<i32>,
    pub estimates: Estimates,
    pub visibility: Visibility,
}

/// An update: `None` keeps a field; for nullable fields `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeasurePatch {
    pub working_group: Option<String>,
    pub code: Option<Option<String>>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<MeasureStatus>,
    pub responsible_unit: Option<Option<String>>,
    pub partners: Option<Vec<String>>,
    pub position: Option<i32>,
    pub estimates: EstimatesPatch,
    pub visibility: Option<Visibility>,
}

/// What writes set on a measure, compared field by field for the audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureFields {
    pub working_group: String,
    pub code: Option<String>,
    pub title: String,
    pub description: String,
    pub status: MeasureStatus,
    pub responsible_unit: Option<String>,
    pub partners: Vec<String>,
    /// Set by plan loads only (no mutation edits pilot areas).
    pub pilot_areas: Vec<PilotArea>,
    pub position: i32,
    pub estimates: Estimates,
    pub visibility: Visibility,
}

/// The plan and working group a measure belongs to, and who writes.
pub struct MeasureScope {
    pub plan: PlanRow,
    pub group: WorkingGroupRow,
    pub actor: Actor,
}

/// The columns writes set, derived data (effective classes, search text) included.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = measures, treat_none_as_null = true)]
struct MeasureColumns {
    working_group_id: WorkingGroupId,
    code: Option<String>,
    title: String,
    description: String,
    position: i32,
    #[diesel(serialize_as = TextEnum<MeasureStatus>)]
    status: MeasureStatus,
    responsible_unit: Option<String>,
    #[diesel(serialize_as = JsonText<Vec<String>>)]
    partners: Vec<String>,
    #[diesel(serialize_as = JsonText<Vec<PilotArea>>)]
    pilot_areas: Vec<PilotArea>,
    cost_estimate_eur: Option<f64>,
    personnel_estimate_fte: Option<f64>,
    realization_months: Option<i32>,
    #[diesel(serialize_as = TextEnum<Option<SizeCategory>>)]
    cost_category_override: Option<SizeCategory>,
    #[diesel(serialize_as = TextEnum<Option<SizeCategory>>)]
    personnel_category_override: Option<SizeCategory>,
    #[diesel(serialize_as = TextEnum<Option<PeriodCategory>>)]
    period_category_override: Option<PeriodCategory>,
    #[diesel(serialize_as = TextEnum<Option<QuickWin>>)]
    quick_win_override: Option<QuickWin>,
    #[diesel(serialize_as = TextEnum<Option<SizeCategory>>)]
    cost_category: Option<SizeCategory>,
    #[diesel(serialize_as = TextEnum<Option<SizeCategory>>)]
    personnel_category: Option<SizeCategory>,
    #[diesel(serialize_as = TextEnum<Option<PeriodCategory>>)]
    period_category: Option<PeriodCategory>,
    #[diesel(serialize_as = TextEnum<QuickWin>)]
    quick_win: QuickWin,
    search_text: String,
    #[diesel(serialize_as = TextEnum<Visibility>)]
    visibility: Visibility,
}

/// An optional class as the audit entry shows it.
fn text<T: ToString>(value: Option<T>) -> Option<String> {
    value.map(|v| v.to_string())
}

impl MeasureFields {
    fn of_row(described: &DescribedMeasure, group: &WorkingGroupRow) -> RepoResult<Self> {
        let row = &described.measure;
        Ok(MeasureFields {
            working_group: group.code.clone(),
            code: row.code.clone(),
            title: row.title.clone(),
            description: described.description.clone(),
            status: row.status,
            responsible_unit: row.responsible_unit.clone(),
            partners: row.partners.clone(),
            pilot_areas: row.pilot_areas.clone(),
            position: row.position,
            estimates: row.estimates(),
            visibility: row.visibility,
        })
    }

    /// Trims texts and turns blank optional texts into "none".
    pub fn normalised(mut self) -> Self {
        self.title = self.title.trim().to_owned();
        self.code = self
            .code
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        self.responsible_unit = self
            .responsible_unit
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty());
        self.partners = self
            .partners
            .into_iter()
            .map(|p| p.trim().to_owned())
            .collect();
        self
    }

    fn problems(&self) -> Problems {
        let mut problems = Problems::default();
        problems.check(
            &["title"],
            rules::required_text(&self.title, MAX_TITLE_CHARS),
        );
        problems.check(
            &["description"],
            rules::too_long(&self.description, MAX_LONG_TEXT_CHARS),
        );
        if let Some(code) = &self.code {
            problems.check(&["code"], rules::measure_code_problem(code));
        }
        if let Some(unit) = &self.responsible_unit {
            problems.check(&["responsibleUnit"], rules::too_long(unit, MAX_NAME_CHARS));
        }
        for (i, partner) in self.partners.iter().enumerate() {
            let at = i.to_string();
            problems.check(
                &["partners", &at],
                rules::required_text(partner, MAX_NAME_CHARS),
            );
        }
        if self.position < 1 {
            problems.check(
                &["position"],
                Some(format!("must be 1 or more, got {}", self.position)),
            );
        }
        let e = &self.estimates;
        if let Some(eur) = e.cost_eur {
            problems.check(&["estimates", "costEur"], rules::estimate_problem(eur));
        }
        if let Some(fte) = e.personnel_fte {
            problems.check(&["estimates", "personnelFte"], rules::estimate_problem(fte));
        }
        if let Some(months) = e.realization_months {
            problems.check(
                &["estimates", "realizationMonths"],
                rules::estimate_problem(months.into()),
            );
        }
        problems
    }

    fn columns(&self, plan: &PlanRow, working_group_id: WorkingGroupId) -> MeasureColumns {
        let e = &self.estimates;
        let class = plan.legend.classify(e);
        MeasureColumns {
            working_group_id,
            code: self.code.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            position: self.position,
            status: self.status,
            responsible_unit: self.responsible_unit.clone(),
            partners: self.partners.clone(),
            pilot_areas: self.pilot_areas.clone(),
            cost_estimate_eur: e.cost_eur,
            personnel_estimate_fte: e.personnel_fte,
            realization_months: e.realization_months,
            cost_category_override: e.cost_category,
            personnel_category_override: e.personnel_category,
            period_category_override: e.period_category,
            quick_win_override: e.quick_win,
            cost_category: class.cost,
            personnel_category: class.personnel,
            period_category: class.period,
            quick_win: class.quick_win,
            search_text: search_text(self.code.as_deref(), &self.title, &self.description),
            visibility: self.visibility,
        }
    }

    /// The working group the fields name: the scope's, or (after an update
    /// moved the measure) another of the plan, within the actor's reach.
    async fn group(&self, conn: &mut DbConn, scope: &MeasureScope) -> RepoResult<WorkingGroupRow> {
        if self.working_group == scope.group.code {
            return Ok(scope.group.clone());
        }
        let group =
            lookups::working_group(conn, scope.plan.id, &self.working_group, &["workingGroup"])
                .await?;
        scope.actor.may_change_group(&group.code)?;
        Ok(group)
    }
}

impl Audited for MeasureFields {
    type Row = DescribedMeasure;
    type Target = MeasureRef;
    type Scope = MeasureScope;
    type Patch = MeasurePatch;

    type Id = MeasureId;
    const NAME: &'static str = "measure";

    fn field_problems(&self) -> Problems {
        self.problems()
    }

    fn id(row: &DescribedMeasure) -> MeasureId {
        row.measure.id
    }

    fn version(row: &DescribedMeasure) -> i32 {
        row.measure.version
    }

    async fn find(conn: &mut DbConn, target: &MeasureRef) -> RepoResult<DescribedMeasure> {
        let found = lookups::measure(conn, target).await?;
        measure::described(conn, found.id).await
    }

    async fn reach(
        conn: &mut DbConn,
        actor: &Actor,
        described: &DescribedMeasure,
    ) -> RepoResult<MeasureScope> {
        let row = &described.measure;
        let group = group_of(conn, row.working_group_id).await?;
        actor.may_change_group(&group.code)?;
        let plan = plan_of(conn, row.plan_id).await?;
        Ok(MeasureScope {
            plan,
            group,
            actor: actor.clone(),
        })
    }

    async fn of(
        _conn: &mut DbConn,
        row: &DescribedMeasure,
        scope: &MeasureScope,
    ) -> RepoResult<Self> {
        Self::of_row(row, &scope.group)
    }

    fn apply(mut self, patch: MeasurePatch) -> Self {
        set_given(&mut self.working_group, patch.working_group);
        set_given(&mut self.code, patch.code);
        set_given(&mut self.title, patch.title);
        set_given(&mut self.description, patch.description);
        set_given(&mut self.status, patch.status);
        set_given(&mut self.responsible_unit, patch.responsible_unit);
        set_given(&mut self.partners, patch.partners);
        set_given(&mut self.position, patch.position);
        set_given(&mut self.visibility, patch.visibility);
        let (e, p) = (&mut self.estimates, patch.estimates);
        set_given(&mut e.cost_eur, p.cost_eur);
        set_given(&mut e.personnel_fte, p.personnel_fte);
        set_given(&mut e.realization_months, p.realization_months);
        set_given(&mut e.cost_category, p.cost_category);
        set_given(&mut e.personnel_category, p.personnel_category);
        set_given(&mut e.period_category, p.period_category);
        set_given(&mut e.quick_win, p.quick_win);
        self.normalised()
    }

    async fn check(
        &self,
        conn: &mut DbConn,
        scope: &MeasureScope,
        current: Option<&DescribedMeasure>,
        old: Option<&Self>,
    ) -> RepoResult<()> {
        self.problems().finish()?;
        self.group(conn, scope).await?;
        let old_code = old.and_then(|o| o.code.as_ref());
        if let Some(code) = self.code.as_ref().filter(|c| Some(*c) != old_code) {
            check_code_free(conn, scope.plan.id, code, current.map(|c| c.measure.id)).await?;
        }
        Ok(())
    }

    async fn insert_row(&self, conn: &mut DbConn, scope: &MeasureScope) -> RepoResult<MeasureId> {
        let columns = self.columns(&scope.plan, scope.group.id);
        let now = clock::now();
        Ok(with_conn!(conn, c => diesel::insert_into(measures::table)
            .values((
                measures::plan_id.eq(scope.plan.id),
                columns,
                measures::created_at.eq(now),
                measures::updated_at.eq(now),
            ))
            .returning(measures::id)
            .get_result(c)
            .await)?)
    }

    async fn update_row(
        &self,
        conn: &mut DbConn,
        scope: &MeasureScope,
        current: &DescribedMeasure,
        _old: &Self,
    ) -> RepoResult<()> {
        let group = self.group(conn, scope).await?;
        let columns = self.columns(&scope.plan, group.id);
        guarded_update!(conn, measures, &current.measure, columns, "measure")
    }

    async fn load(conn: &mut DbConn, id: MeasureId) -> RepoResult<DescribedMeasure> {
        measure::described(conn, id).await
    }

    async fn reindex(
        conn: &mut DbConn,
        described: &DescribedMeasure,
        _scope: &MeasureScope,
    ) -> RepoResult<()> {
        let row = &described.measure;
        let text = measure_document(&row.title, row.code.as_deref(), &described.description);
        search_index::reindex(conn, row.plan_id, row.id, &text).await
    }

    fn changes(&self, old: Option<&Self>) -> Changes {
        let mut c = Changes::default();
        let (e, oe) = (&self.estimates, old.map(|o| &o.estimates));
        c.record(
            "workingGroup",
            old.map(|o| &o.working_group),
            &self.working_group,
        );
        c.record("code", old.map(|o| &o.code), &self.code);
        c.record("title", old.map(|o| &o.title), &self.title);
        c.record(
            "description",
            old.map(|o| &o.description),
            &self.description,
        );
        c.record(
            "status",
            old.map(|o| o.status.as_str()).as_ref(),
            &self.status.as_str(),
        );
        c.record(
            "responsibleUnit",
            old.map(|o| &o.responsible_unit),
            &self.responsible_unit,
        );
        c.record("partners", old.map(|o| &o.partners), &self.partners);
        c.record("position", old.map(|o| &o.position), &self.position);
        c.record(
            "visibility",
            old.map(|o| o.visibility.as_str()).as_ref(),
            &self.visibility.as_str(),
        );
        c.record("estimates.costEur", oe.map(|o| &o.cost_eur), &e.cost_eur);
        c.record(
            "estimates.personnelFte",
            oe.map(|o| &o.personnel_fte),
            &e.personnel_fte,
        );
        c.record(
            "estimates.realizationMonths",
            oe.map(|o| &o.realization_months),
            &e.realization_months,
        );
        c.record(
            "estimates.costCategory",
            oe.map(|o| text(o.cost_category)).as_ref(),
            &text(e.cost_category),
        );
        c.record(
            "estimates.personnelCategory",
            oe.map(|o| text(o.personnel_category)).as_ref(),
            &text(e.personnel_category),
        );
        c.record(
            "estimates.periodCategory",
            oe.map(|o| text(o.period_category)).as_ref(),
            &text(e.period_category),
        );
        c.record(
            "estimates.quickWin",
            oe.map(|o| text(o.quick_win)).as_ref(),
            &text(e.quick_win),
        );
        c
    }
}

impl Archivable for MeasureFields {
    async fn archive_row(
        conn: &mut DbConn,
        row: &DescribedMeasure,
        at: NaiveDateTime,
    ) -> RepoResult<()> {
        set_archived!(conn, measures, &row.measure, at)
    }
}

/// Refuses a code that another measure of the plan (archived ones included)
/// already has.
async fn check_code_free(
    conn: &mut DbConn,
    plan_id: PlanId,
    code: &str,
    except: Option<MeasureId>,
) -> RepoResult<()> {
    let holders: Vec<(MeasureId, bool)> = with_conn!(conn, c => measures::table
        .filter(measures::plan_id.eq(plan_id))
        .filter(measures::code.eq(code))
        .select((measures::id, measures::archived_at.is_not_null()))
        .load(c)
        .await)?;
    match holders.into_iter().find(|(id, _)| Some(*id) != except) {
        None => Ok(()),
        Some((_, archived)) => Err(RepoError::rejected(FieldError::duplicate(
            &["code"],
            if archived {
                format!("{code:?} is the code of an archived measure of this plan")
            } else {
                format!("another measure of this plan has the code {code:?}")
            },
        ))),
    }
}

async fn plan_of(conn: &mut DbConn, plan_id: PlanId) -> RepoResult<PlanRow> {
    plan::by_ids(conn, &[plan_id])
        .await?
        .pop()
        .ok_or_else(|| RepoError::Corrupt(format!("plan {plan_id} is missing")))
}

async fn group_of(conn: &mut DbConn, group_id: WorkingGroupId) -> RepoResult<WorkingGroupRow> {
    working_group::by_ids(conn, &[group_id])
        .await?
        .pop()
        .ok_or_else(|| RepoError::Corrupt(format!("working group {group_id} is missing")))
}

async fn next_position(conn: &mut DbConn, plan_id: PlanId) -> RepoResult<i32> {
    let max: Option<i32> = with_conn!(conn, c => measures::table
        .filter(measures::plan_id.eq(plan_id))
        .select(diesel::dsl::max(measures::position))
        .first(c)
        .await)?;
    Ok(max.unwrap_or(0) + 1)
}

pub async fn create(
    conn: &mut DbConn,
    actor: &Actor,
    input: NewMeasureInput,
) -> RepoResult<MeasureRow> {
    let created = audited::create::<MeasureFields>(conn, actor, async |conn| {
        let plan = lookups::plan(conn, input.plan.as_deref(), &["plan"]).await?;
        let group =
            lookups::working_group(conn, plan.id, &input.working_group, &["workingGroup"]).await?;
        actor.may_change_group(&group.code)?;
        let position = match input.position {
            Some(position) => position,
            None => next_position(conn, plan.id).await?,
        };
        let fields = MeasureFields {
            working_group: group.code.clone(),
            code: input.code,
            title: input.title,
            description: input.description,
            status: input.status,
            responsible_unit: input.responsible_unit,
            partners: input.partners,
            pilot_areas: Vec::new(),
            position,
            estimates: input.estimates,
            visibility: input.visibility,
        }
        .normalised();
        let scope = MeasureScope {
            plan,
            group,
            actor: actor.clone(),
        };
        Ok((scope, fields))
    })
    .await?;
    Ok(created.measure)
}

/// Applies `patch` when `expected_version` is current. A patch that changes
/// nothing leaves the measure (and its version) as it is.
pub async fn update(
    conn: &mut DbConn,
    actor: &Actor,
    target: &MeasureRef,
    expected_version: i32,
    patch: MeasurePatch,
) -> RepoResult<MeasureRow> {
    let updated =
        audited::update::<MeasureFields>(conn, actor, target, expected_version, patch).await?;
    Ok(updated.measure)
}

/// Archives a measure: it leaves lists, search and counts (with its goals and
/// KPIs) but stays in the database and its history.
pub async fn archive(
    conn: &mut DbConn,
    actor: &Actor,
    target: &MeasureRef,
    expected_version: i32,
) -> RepoResult<MeasureRow> {
    let archived = audited::archive::<MeasureFields>(conn, actor, target, expected_version).await?;
    Ok(archived.measure)
}
