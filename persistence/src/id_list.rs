//! `column IN (ids)` as one bound parameter, so that the statement's text does
//! not depend on how many ids a batch holds.
//!
//! diesel's `eq_any` writes `= ANY($1)` (one array parameter) on PostgreSQL
//! but `IN (?, ?, …)` on SQLite, one placeholder per id: every batch size is
//! a different statement, which diesel does not cache, so SQLite parsed and
//! planned the DataLoaders' statements on every request (a tenth of the
//! reporting query's time in `sqlite3Prepare`). [`in_ids`] binds the ids as
//! one JSON array on SQLite (`IN (SELECT value FROM json_each(?))`, which
//! SQLite answers from the column's index) and as one array on PostgreSQL.

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::result::QueryResult;
use diesel::sql_types::{Array, BigInt, Bool, Text};
use diesel::sqlite::Sqlite;

use crate::ids::TableId;

/// `column IN (ids)`; see the module documentation.
#[derive(Debug, Clone)]
pub struct InIds<C> {
    column: C,
    ids: Vec<i64>,
    json: String,
}

/// `column` is one of `ids`.
pub fn in_ids<C, I>(column: C, ids: &[I]) -> InIds<C>
where
    C: Expression<SqlType = BigInt>,
    I: TableId,
{
    InIds {
        column,
        ids: ids.iter().map(|id| id.get()).collect(),
        json: json_array(ids),
    }
}

/// Ids as one JSON array (`[1,2,3]`), the one bound parameter that SQLite's
/// `json_each` (and PostgreSQL's `json_array_elements_text`) reads back.
pub fn json_array<I: TableId>(ids: &[I]) -> String {
    let ids: Vec<i64> = ids.iter().map(|id| id.get()).collect();
    serde_json::to_string(&ids).expect("a list of numbers is JSON")
}

impl<C: Expression> Expression for InIds<C> {
    type SqlType = Bool;
}

impl<C, QS> AppearsOnTable<QS> for InIds<C>
where
    C: AppearsOnTable<QS>,
    Self: Expression,
{
}

impl<C, QS> SelectableExpression<QS> for InIds<C>
where
    C: SelectableExpression<QS>,
    Self: AppearsOnTable<QS>,
{
}

impl<C: ValidGrouping<GB>, GB> ValidGrouping<GB> for InIds<C> {
    type IsAggregate = C::IsAggregate;
}

impl<C> QueryId for InIds<C> {
    type QueryId = ();
    // Cached by its SQL text, which is the same for any number of ids.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for InIds<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, String>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C: QueryFragment<Pg>> QueryFragment<Pg> for InIds<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<BigInt>, Vec<i64>>(&self.ids)?;
        out.push_sql(")");
        Ok(())
    }
}
