//! Creating and changing plans (admins only; the API checks the role). A new
//! legend re-derives every measure's effective categories and quick win in
//! the same transaction; those derived columns are not fields anyone set, so
//! the measures keep their versions.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::legend::Legend;
use masterplan_domain::validation::{
    self as rules, FieldError, MAX_LONG_TEXT_CHARS, MAX_NAME_CHARS, MAX_TITLE_CHARS,
};

use crate::clock;
use crate::db::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::ids::PlanId;
use crate::load_rows::LoadRows;
use crate::models::measure::MeasureRow;
use crate::models::plan::{self, PlanRow};
use crate::schema::{measures, plans};
use crate::sql_types::TextEnum;
use crate::with_conn;
use crate::writes::audit_log::Changes;
use crate::writes::audited::{self, Audited};
use crate::writes::{Actor, Problems, guarded_update, set_given};

/// A plan named by id or by slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanRef {
    Id(PlanId),
    Slug(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewPlanInput {
    pub slug: String,
    pub title: String,
    pub organisation: String,
    pub published_on: Option<NaiveDate>,
    pub description: String,
    pub legend: Legend,
    pub legend_notes: Option<String>,
}

/// An update: `None` keeps a field; for nullable fields `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanPatch {
    /// A new slug (renames the plan's natural key).
    pub slug: Option<String>,
    pub title: Option<String>,
    pub organisation: Option<String>,
    pub published_on: Option<Option<NaiveDate>>,
    pub description: Option<String>,
    pub legend: Option<Legend>,
    pub legend_notes: Option<Option<String>>,
}

/// What writes set on a plan, compared field by field for the audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanFields {
    pub slug: String,
    pub title: String,
    pub organisation: String,
    pub published_on: Option<NaiveDate>,
    pub description: String,
    pub legend: Legend,
    pub legend_notes: Option<String>,
}

impl PlanFields {
    pub fn normalised(mut self) -> Self {
        self.slug = self.slug.trim().to_owned();
        self.title = self.title.trim().to_owned();
        self.organisation = self.organisation.trim().to_owned();
        self.legend_notes = self.legend_notes.filter(|n| !n.trim().is_empty());
        self
    }

    /// `slug_field` names the input that carries the slug (`slug` or `newSlug`).
    fn problems(&self, slug_field: &str) -> Problems {
        let mut problems = Problems::default();
        problems.check(&[slug_field], rules::slug_problem(&self.slug));
        problems.check(
            &["title"],
            rules::required_text(&self.title, MAX_TITLE_CHARS),
        );
        problems.check(
            &["organisation"],
            rules::required_text(&self.organisation, MAX_NAME_CHARS),
        );
        problems.check(
            &["description"],
            rules::too_long(&self.description, MAX_LONG_TEXT_CHARS),
        );
        if let Err(err) = self.legend.validate() {
            problems.push(FieldError::invalid(
                &["legend", err.field()],
                err.to_string(),
            ));
        }
        if let Some(notes) = &self.legend_notes {
            problems.check(
                &["legend", "notes"],
                rules::too_long(notes, MAX_LONG_TEXT_CHARS),
            );
        }
        problems
    }
}

impl Audited for PlanFields {
    type Row = PlanRow;
    type Target = PlanRef;
    type Scope = ();
    type Patch = PlanPatch;

    type Id = PlanId;
    const NAME: &'static str = "plan";

    fn field_problems(&self) -> Problems {
        self.problems("slug")
    }

    fn id(row: &PlanRow) -> PlanId {
        row.id
    }

    fn version(row: &PlanRow) -> i32 {
        row.version
    }

    async fn find(conn: &mut DbConn, target: &PlanRef) -> RepoResult<PlanRow> {
        find(conn, target).await
    }

    /// Plans are for admins, which the API checks.
    async fn reach(_conn: &mut DbConn, _actor: &Actor, _row: &PlanRow) -> RepoResult<()> {
        Ok(())
    }

    async fn of(_conn: &mut DbConn, row: &PlanRow, _scope: &()) -> RepoResult<Self> {
        Ok(PlanFields {
            slug: row.slug.clone(),
            title: row.title.clone(),
            organisation: row.organisation.clone(),
            published_on: row.published_on,
            description: row.description.clone(),
            legend: row.legend,
            legend_notes: row.legend_notes.clone(),
        })
    }

    fn apply(mut self, patch: PlanPatch) -> Self {
        set_given(&mut self.slug, patch.slug);
        set_given(&mut self.title, patch.title);
        set_given(&mut self.organisation, patch.organisation);
        set_given(&mut self.published_on, patch.published_on);
        set_given(&mut self.description, patch.description);
        set_given(&mut self.legend, patch.legend);
        set_given(&mut self.legend_notes, patch.legend_notes);
        self.normalised()
    }

    /// The slug is `slug` in a create input and `newSlug` in an update.
    async fn check(
        &self,
        conn: &mut DbConn,
        _scope: &(),
        _current: Option<&PlanRow>,
        old: Option<&Self>,
    ) -> RepoResult<()> {
        let slug_field = if old.is_some() { "newSlug" } else { "slug" };
        self.problems(slug_field).finish()?;
        if old.is_none_or(|old| old.slug != self.slug) {
            check_slug_free(conn, &self.slug, slug_field).await?;
        }
        Ok(())
    }

    async fn insert_row(&self, conn: &mut DbConn, _scope: &()) -> RepoResult<PlanId> {
        let now = clock::now();
        Ok(with_conn!(conn, c => diesel::insert_into(plans::table)
            .values(&plan::NewPlan {
                slug: &self.slug,
                title: &self.title,
                organisation: &self.organisation,
                published_on: self.published_on,
                description: &self.description,
                legend: self.legend.into(),
                legend_notes: self.legend_notes.as_deref(),
                created_at: now,
                updated_at: now,
            })
            .returning(plans::id)
            .get_result(c)
            .await)?)
    }

    /// A new legend re-derives the plan's measures' classes.
    async fn update_row(
        &self,
        conn: &mut DbConn,
        _scope: &(),
        current: &PlanRow,
        old: &Self,
    ) -> RepoResult<()> {
        guarded_update!(
            conn,
            plans,
            current,
            (
                (
                    plans::slug.eq(&self.slug),
                    plans::title.eq(&self.title),
                    plans::organisation.eq(&self.organisation),
                    plans::published_on.eq(self.published_on),
                    plans::description.eq(&self.description),
                    plans::legend_notes.eq(&self.legend_notes),
                ),
                plan::LegendColumns::from(self.legend),
            ),
            "plan"
        )?;
        if self.legend != old.legend {
            reclassify(conn, current.id, &self.legend).await?;
        }
        Ok(())
    }

    async fn load(conn: &mut DbConn, id: PlanId) -> RepoResult<PlanRow> {
        plan::by_ids(conn, &[id])
            .await?
            .pop()
            .ok_or_else(|| RepoError::Corrupt(format!("plan {id} vanished")))
    }

    async fn reindex(_conn: &mut DbConn, _row: &PlanRow, _scope: &()) -> RepoResult<()> {
        Ok(())
    }

    fn changes(&self, old: Option<&Self>) -> Changes {
        let mut c = Changes::default();
        c.record("slug", old.map(|o| &o.slug), &self.slug);
        c.record("title", old.map(|o| &o.title), &self.title);
        c.record(
            "organisation",
            old.map(|o| &o.organisation),
            &self.organisation,
        );
        c.record(
            "publishedOn",
            old.map(|o| &o.published_on),
            &self.published_on,
        );
        c.record(
            "description",
            old.map(|o| &o.description),
            &self.description,
        );
        let (l, ol) = (&self.legend, old.map(|o| &o.legend));
        c.record(
            "legend.costLowBelowEur",
            ol.map(|o| &o.cost_low_below_eur),
            &l.cost_low_below_eur,
        );
        c.record(
            "legend.costHighAboveEur",
            ol.map(|o| &o.cost_high_above_eur),
            &l.cost_high_above_eur,
        );
        c.record(
            "legend.personnelLowBelowFte",
            ol.map(|o| &o.personnel_low_below_fte),
            &l.personnel_low_below_fte,
        );
        c.record(
            "legend.personnelHighAboveFte",
            ol.map(|o| &o.personnel_high_above_fte),
            &l.personnel_high_above_fte,
        );
        c.record(
            "legend.periodShortBelowMonths",
            ol.map(|o| &o.period_short_below_months),
            &l.period_short_below_months,
        );
        c.record(
            "legend.periodLongAboveMonths",
            ol.map(|o| &o.period_long_above_months),
            &l.period_long_above_months,
        );
        c.record(
            "legend.notes",
            old.map(|o| &o.legend_notes),
            &self.legend_notes,
        );
        c
    }
}

/// Refuses a slug another plan already has.
async fn check_slug_free(conn: &mut DbConn, slug: &str, field: &str) -> RepoResult<()> {
    match plan::find_by_slug(conn, slug).await? {
        None => Ok(()),
        Some(_) => Err(RepoError::rejected(FieldError::duplicate(
            &[field],
            format!("another plan has the slug {slug:?}"),
        ))),
    }
}

/// The plan a reference names. Errors name `id` or `slug`.
pub async fn find(conn: &mut DbConn, target: &PlanRef) -> RepoResult<PlanRow> {
    let found = match target {
        PlanRef::Id(id) => plan::by_ids(conn, &[*id]).await?.pop(),
        PlanRef::Slug(slug) => plan::find_by_slug(conn, slug).await?,
    };
    found.ok_or_else(|| {
        RepoError::rejected(match target {
            PlanRef::Id(_) => FieldError::not_found(&["id"], "no plan has this ID"),
            PlanRef::Slug(slug) => {
                FieldError::not_found(&["slug"], format!("no plan has the slug {slug:?}"))
            }
        })
    })
}

pub async fn create(conn: &mut DbConn, actor: &Actor, input: NewPlanInput) -> RepoResult<PlanRow> {
    audited::create::<PlanFields>(conn, actor, async |_| {
        let fields = PlanFields {
            slug: input.slug,
            title: input.title,
            organisation: input.organisation,
            published_on: input.published_on,
            description: input.description,
            legend: input.legend,
            legend_notes: input.legend_notes,
        }
        .normalised();
        Ok(((), fields))
    })
    .await
}

/// Applies `patch` when `expected_version` is current; a patch that changes
/// nothing leaves the plan (and its version) as it is.
pub async fn update(
    conn: &mut DbConn,
    actor: &Actor,
    target: &PlanRef,
    expected_version: i32,
    patch: PlanPatch,
) -> RepoResult<PlanRow> {
    audited::update::<PlanFields>(conn, actor, target, expected_version, patch).await
}

/// Re-derives the effective categories and quick win of every measure of the
/// plan (archived ones too) under `legend`; writes only those that change.
async fn reclassify(conn: &mut DbConn, plan_id: PlanId, legend: &Legend) -> RepoResult<()> {
    let rows: Vec<MeasureRow> = with_conn!(conn, c => c.load_rows(
        measures::table
            .filter(measures::plan_id.eq(plan_id))
            .select(MeasureRow::as_select())
            .into_boxed()
    )
    .await)?;
    for row in rows {
        let class = legend.classify(&row.estimates());
        let derived = (class.cost, class.personnel, class.period, class.quick_win);
        let stored = (
            row.cost_category,
            row.personnel_category,
            row.period_category,
            row.quick_win,
        );
        if derived == stored {
            continue;
        }
        with_conn!(conn, c => diesel::update(measures::table.find(row.id))
            .set((
                measures::cost_category.eq(TextEnum(derived.0)),
                measures::personnel_category.eq(TextEnum(derived.1)),
                measures::period_category.eq(TextEnum(derived.2)),
                measures::quick_win.eq(TextEnum(derived.3)),
            ))
            .execute(c)
            .await)?;
    }
    Ok(())
}
