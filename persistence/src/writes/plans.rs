//! Creating and changing plans (admins only; the API checks the role). A new
//! legend re-derives every measure's effective categories and quick win in
//! the same transaction; those derived columns are not fields anyone set, so
//! the measures keep their versions.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::audit::{AuditAction, AuditEntityType};
use masterplan_domain::legend::Legend;
use masterplan_domain::validation::{
    self as rules, FieldError, MAX_LONG_TEXT_CHARS, MAX_NAME_CHARS, MAX_TITLE_CHARS,
};

use crate::clock;
use crate::db::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::models::audit::{self, Changes};
use crate::models::measure::MeasureRow;
use crate::models::plan::{self, PlanRow};
use crate::schema::{measures, plans};
use crate::seed::classify;
use crate::sql_types::TextEnum;
use crate::with_conn;
use crate::writes::{Actor, Problems, check_version, set_given, updated_one};

/// A plan named by id or by slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanRef {
    Id(i64),
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

#[derive(Debug, Clone, PartialEq)]
struct Fields {
    slug: String,
    title: String,
    organisation: String,
    published_on: Option<NaiveDate>,
    description: String,
    legend: Legend,
    legend_notes: Option<String>,
}

impl Fields {
    fn of(row: &PlanRow) -> Self {
        Fields {
            slug: row.slug.clone(),
            title: row.title.clone(),
            organisation: row.organisation.clone(),
            published_on: row.published_on,
            description: row.description.clone(),
            legend: row.legend,
            legend_notes: row.legend_notes.clone(),
        }
    }

    fn apply(mut self, patch: PlanPatch) -> Self {
        set_given(&mut self.slug, patch.slug);
        set_given(&mut self.title, patch.title);
        set_given(&mut self.organisation, patch.organisation);
        set_given(&mut self.published_on, patch.published_on);
        set_given(&mut self.description, patch.description);
        set_given(&mut self.legend, patch.legend);
        set_given(&mut self.legend_notes, patch.legend_notes);
        self
    }

    fn normalised(mut self) -> Self {
        self.slug = self.slug.trim().to_owned();
        self.title = self.title.trim().to_owned();
        self.organisation = self.organisation.trim().to_owned();
        self.legend_notes = self.legend_notes.filter(|n| !n.trim().is_empty());
        self
    }

    /// `slug_field` names the input that carries the slug (`slug` or `newSlug`).
    fn check(&self, slug_field: &str) -> RepoResult<()> {
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
        problems.finish()
    }

    fn changes(&self, old: Option<&Fields>) -> Changes {
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

async fn load(conn: &mut DbConn, id: i64) -> RepoResult<PlanRow> {
    plan::by_ids(conn, &[id])
        .await?
        .pop()
        .ok_or_else(|| RepoError::Corrupt(format!("plan {id} vanished")))
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
    conn.write_transaction(async |conn| {
        let fields = Fields {
            slug: input.slug,
            title: input.title,
            organisation: input.organisation,
            published_on: input.published_on,
            description: input.description,
            legend: input.legend,
            legend_notes: input.legend_notes,
        }
        .normalised();
        fields.check("slug")?;
        check_slug_free(conn, &fields.slug, "slug").await?;
        let now = clock::now();
        let id: i64 = with_conn!(conn, c => diesel::insert_into(plans::table)
            .values(&plan::NewPlan {
                slug: &fields.slug,
                title: &fields.title,
                organisation: &fields.organisation,
                published_on: fields.published_on,
                description: &fields.description,
                legend: fields.legend.into(),
                legend_notes: fields.legend_notes.as_deref(),
                created_at: now,
                updated_at: now,
            })
            .returning(plans::id)
            .get_result(c)
            .await)?;
        audit::append(
            conn,
            &actor.name,
            AuditAction::Create,
            AuditEntityType::Plan,
            id,
            &fields.changes(None),
        )
        .await?;
        load(conn, id).await
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
    conn.write_transaction(async |conn| {
        let current = find(conn, target).await?;
        check_version("plan", expected_version, current.version)?;
        let old = Fields::of(&current);
        let new = old.clone().apply(patch).normalised();
        if new == old {
            return Ok(current);
        }
        new.check("newSlug")?;
        if new.slug != old.slug {
            check_slug_free(conn, &new.slug, "newSlug").await?;
        }
        let l = &new.legend;
        let updated = with_conn!(conn, c => diesel::update(
                plans::table
                    .find(current.id)
                    .filter(plans::version.eq(current.version)),
            )
            .set((
                (
                    plans::slug.eq(&new.slug),
                    plans::title.eq(&new.title),
                    plans::organisation.eq(&new.organisation),
                    plans::published_on.eq(new.published_on),
                    plans::description.eq(&new.description),
                    plans::legend_notes.eq(&new.legend_notes),
                ),
                (
                    plans::cost_low_below_eur.eq(l.cost_low_below_eur),
                    plans::cost_high_above_eur.eq(l.cost_high_above_eur),
                    plans::personnel_low_below_fte.eq(l.personnel_low_below_fte),
                    plans::personnel_high_above_fte.eq(l.personnel_high_above_fte),
                    plans::period_short_below_months.eq(l.period_short_below_months),
                    plans::period_long_above_months.eq(l.period_long_above_months),
                ),
                plans::version.eq(current.version + 1),
                plans::updated_at.eq(clock::now()),
            ))
            .execute(c)
            .await)?;
        updated_one(updated, "plan", current.id)?;
        if new.legend != old.legend {
            reclassify(conn, current.id, &new.legend).await?;
        }
        audit::append(
            conn,
            &actor.name,
            AuditAction::Update,
            AuditEntityType::Plan,
            current.id,
            &new.changes(Some(&old)),
        )
        .await?;
        load(conn, current.id).await
    })
    .await
}

/// Re-derives the effective categories and quick win of every measure of the
/// plan (archived ones too) under `legend`; writes only those that change.
async fn reclassify(conn: &mut DbConn, plan_id: i64, legend: &Legend) -> RepoResult<()> {
    let rows: Vec<MeasureRow> = with_conn!(conn, c => measures::table
        .filter(measures::plan_id.eq(plan_id))
        .select(MeasureRow::as_select())
        .load(c)
        .await)?;
    for row in rows {
        let class = classify(
            legend,
            row.cost_estimate_eur,
            row.personnel_estimate_fte,
            row.realization_months,
            (
                row.cost_category_override,
                row.personnel_category_override,
                row.period_category_override,
                row.quick_win_override,
            ),
        );
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
