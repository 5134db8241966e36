//! Creating, changing and archiving goals.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use masterplan_domain::status::GoalStatus;
use masterplan_domain::timing::{Timing, TimingKind, parse_timing};
use masterplan_domain::validation::{
    self as rules, FieldError, MAX_NAME_CHARS, MAX_SHORT_TEXT_CHARS,
};
use masterplan_domain::visibility::Visibility;

use crate::clock;
use crate::db::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::ids::{GoalId, MeasureId};
use crate::load_rows::{LoadRows, first_row};
use crate::models::goal::GoalRow;
use crate::models::measure::MeasureRow;
use crate::models::search::goal_document;
use crate::schema::goals;
use crate::sql_types::TextEnum;
use crate::with_conn;
use crate::writes::audit_log::Changes;
use crate::writes::audited::{self, Archivable, Audited};
use crate::writes::lookups::{self, GoalRef, MeasureRef};
use crate::writes::measure_reach::{new_child_of, parent_of};
use crate::writes::search_index;
use crate::writes::{Actor, Problems, guarded_update, set_archived, set_given};

#[derive(Debug, Clone, PartialEq)]
pub struct NewGoalInput {
    pub measure: MeasureRef,
    pub text: String,
    pub category: Option<String>,
    /// The plan's German timing phrase ("bis Ende 2020"); `None`: no timing.
    pub timing: Option<String>,
    pub status: GoalStatus,
    /// Place among the measure's goals; after the last one when left out.
    pub position: Option<i32>,
    pub visibility: Visibility,
}

/// An update: `None` keeps a field; for nullable fields `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GoalPatch {
    pub text: Option<String>,
    pub category: Option<Option<String>>,
    pub timing: Option<Option<String>>,
    pub status: Option<GoalStatus>,
    pub position: Option<i32>,
    pub visibility: Option<Visibility>,
}

/// What writes set on a goal, compared field by field for the audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalFields {
    pub text: String,
    pub category: Option<String>,
    pub timing: Option<String>,
    pub status: GoalStatus,
    pub position: i32,
    pub visibility: Visibility,
}

#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = goals, treat_none_as_null = true)]
struct GoalColumns {
    position: i32,
    text: String,
    category: Option<String>,
    timing_phrase: Option<String>,
    #[diesel(serialize_as = TextEnum<TimingKind>)]
    timing_kind: TimingKind,
    starts_on: Option<NaiveDate>,
    due_on: Option<NaiveDate>,
    #[diesel(serialize_as = TextEnum<GoalStatus>)]
    status: GoalStatus,
    #[diesel(serialize_as = TextEnum<Visibility>)]
    visibility: Visibility,
}

impl GoalFields {
    /// Trims texts and turns blank optional texts into "none".
    pub fn normalised(mut self) -> Self {
        fn optional(text: Option<String>) -> Option<String> {
            text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
        }
        self.text = self.text.trim().to_owned();
        self.category = optional(self.category);
        self.timing = optional(self.timing);
        self
    }

    /// The parsed timing, or the reason the phrase is not understood.
    fn parsed_timing(&self) -> Result<Timing, String> {
        match &self.timing {
            Some(phrase) => parse_timing(phrase).map_err(|e| e.to_string()),
            None => Ok(Timing::none()),
        }
    }

    fn problems(&self) -> Problems {
        let mut problems = Problems::default();
        problems.check(
            &["text"],
            rules::required_text(&self.text, MAX_SHORT_TEXT_CHARS),
        );
        if let Some(category) = &self.category {
            problems.check(&["category"], rules::too_long(category, MAX_NAME_CHARS));
        }
        problems.check(&["timing"], self.parsed_timing().err());
        if self.position < 1 {
            problems.check(
                &["position"],
                Some(format!("must be 1 or more, got {}", self.position)),
            );
        }
        problems
    }

    /// The columns to store; call after [`GoalFields::problems`] found none.
    fn columns(&self) -> RepoResult<GoalColumns> {
        let timing = self
            .parsed_timing()
            .map_err(|e| RepoError::rejected(FieldError::invalid(&["timing"], e)))?;
        Ok(GoalColumns {
            position: self.position,
            text: self.text.clone(),
            category: self.category.clone(),
            timing_phrase: timing.phrase,
            timing_kind: timing.kind,
            starts_on: timing.starts_on,
            due_on: timing.due_on,
            status: self.status,
            visibility: self.visibility,
        })
    }
}

impl Audited for GoalFields {
    type Row = GoalRow;
    type Target = GoalRef;
    /// The measure the goal belongs to.
    type Scope = MeasureRow;
    type Patch = GoalPatch;

    type Id = GoalId;
    const NAME: &'static str = "goal";

    fn field_problems(&self) -> Problems {
        self.problems()
    }

    fn id(row: &GoalRow) -> GoalId {
        row.id
    }

    fn version(row: &GoalRow) -> i32 {
        row.version
    }

    async fn find(conn: &mut DbConn, target: &GoalRef) -> RepoResult<GoalRow> {
        lookups::goal(conn, target).await
    }

    async fn reach(conn: &mut DbConn, actor: &Actor, row: &GoalRow) -> RepoResult<MeasureRow> {
        Ok(parent_of(conn, actor, row.measure_id, "goal").await?.0)
    }

    async fn of(_conn: &mut DbConn, row: &GoalRow, _scope: &MeasureRow) -> RepoResult<Self> {
        Ok(GoalFields {
            text: row.text.clone(),
            category: row.category.clone(),
            timing: row.timing_phrase.clone(),
            status: row.status,
            position: row.position,
            visibility: row.visibility,
        })
    }

    fn apply(mut self, patch: GoalPatch) -> Self {
        set_given(&mut self.text, patch.text);
        set_given(&mut self.category, patch.category);
        set_given(&mut self.timing, patch.timing);
        set_given(&mut self.status, patch.status);
        set_given(&mut self.position, patch.position);
        set_given(&mut self.visibility, patch.visibility);
        self.normalised()
    }

    async fn check(
        &self,
        conn: &mut DbConn,
        measure: &MeasureRow,
        current: Option<&GoalRow>,
        old: Option<&Self>,
    ) -> RepoResult<()> {
        self.problems().finish()?;
        if old.is_none_or(|old| old.position != self.position) {
            check_position_free(conn, measure.id, self.position, current.map(|c| c.id)).await?;
        }
        Ok(())
    }

    async fn insert_row(&self, conn: &mut DbConn, measure: &MeasureRow) -> RepoResult<GoalId> {
        let columns = self.columns()?;
        let now = clock::now();
        Ok(with_conn!(conn, c => diesel::insert_into(goals::table)
            .values((
                goals::measure_id.eq(measure.id),
                columns,
                goals::created_at.eq(now),
                goals::updated_at.eq(now),
            ))
            .returning(goals::id)
            .get_result(c)
            .await)?)
    }

    async fn update_row(
        &self,
        conn: &mut DbConn,
        _measure: &MeasureRow,
        current: &GoalRow,
        _old: &Self,
    ) -> RepoResult<()> {
        let columns = self.columns()?;
        guarded_update!(conn, goals, current, columns, "goal")
    }

    async fn load(conn: &mut DbConn, id: GoalId) -> RepoResult<GoalRow> {
        Ok(with_conn!(conn, c => c.load_rows(
            goals::table.find(id).select(GoalRow::as_select()).into_boxed()
        )
        .await)
        .and_then(first_row)?)
    }

    async fn reindex(conn: &mut DbConn, row: &GoalRow, measure: &MeasureRow) -> RepoResult<()> {
        let text = goal_document(&row.text, row.category.as_deref());
        search_index::reindex(conn, measure.plan_id, row.id, &text).await
    }

    fn changes(&self, old: Option<&Self>) -> Changes {
        let mut c = Changes::default();
        c.record("text", old.map(|o| &o.text), &self.text);
        c.record("category", old.map(|o| &o.category), &self.category);
        c.record("timing", old.map(|o| &o.timing), &self.timing);
        c.record(
            "status",
            old.map(|o| o.status.as_str()).as_ref(),
            &self.status.as_str(),
        );
        c.record("position", old.map(|o| &o.position), &self.position);
        c.record(
            "visibility",
            old.map(|o| o.visibility.as_str()).as_ref(),
            &self.visibility.as_str(),
        );
        c
    }
}

impl Archivable for GoalFields {
    async fn archive_row(conn: &mut DbConn, row: &GoalRow, at: NaiveDateTime) -> RepoResult<()> {
        set_archived!(conn, goals, row, at)
    }
}

/// Refuses a position that another (not archived) goal of the measure holds:
/// the position is part of a goal's natural key.
async fn check_position_free(
    conn: &mut DbConn,
    measure_id: MeasureId,
    position: i32,
    except: Option<GoalId>,
) -> RepoResult<()> {
    let holders: Vec<GoalId> = with_conn!(conn, c => goals::table
        .filter(goals::measure_id.eq(measure_id))
        .filter(goals::position.eq(position))
        .filter(goals::archived_at.is_null())
        .select(goals::id)
        .load(c)
        .await)?;
    if holders.iter().any(|id| Some(*id) != except) {
        Err(RepoError::rejected(FieldError::duplicate(
            &["position"],
            format!(
                "another goal of this measure is at position {position}; move that goal first, \
                 or leave the position out to add the goal after the last one"
            ),
        )))
    } else {
        Ok(())
    }
}

async fn next_position(conn: &mut DbConn, measure_id: MeasureId) -> RepoResult<i32> {
    let max: Option<i32> = with_conn!(conn, c => goals::table
        .filter(goals::measure_id.eq(measure_id))
        .filter(goals::archived_at.is_null())
        .select(diesel::dsl::max(goals::position))
        .first(c)
        .await)?;
    Ok(max.unwrap_or(0) + 1)
}

/// Adds a goal to a measure.
pub async fn create(conn: &mut DbConn, actor: &Actor, input: NewGoalInput) -> RepoResult<GoalRow> {
    audited::create::<GoalFields>(conn, actor, async |conn| {
        let (measure, _) = new_child_of(conn, actor, &input.measure).await?;
        let position = match input.position {
            Some(position) => position,
            None => next_position(conn, measure.id).await?,
        };
        let fields = GoalFields {
            text: input.text,
            category: input.category,
            timing: input.timing,
            status: input.status,
            position,
            visibility: input.visibility,
        }
        .normalised();
        Ok((measure, fields))
    })
    .await
}

/// Applies `patch` when `expected_version` is current. A patch that changes
/// nothing leaves the goal (and its version) as it is.
pub async fn update(
    conn: &mut DbConn,
    actor: &Actor,
    target: &GoalRef,
    expected_version: i32,
    patch: GoalPatch,
) -> RepoResult<GoalRow> {
    audited::update::<GoalFields>(conn, actor, target, expected_version, patch).await
}

/// Archives a goal: it leaves lists, search and counts but stays in the
/// database and its history; its position becomes free.
pub async fn archive(
    conn: &mut DbConn,
    actor: &Actor,
    target: &GoalRef,
    expected_version: i32,
) -> RepoResult<GoalRow> {
    audited::archive::<GoalFields>(conn, actor, target, expected_version).await
}
