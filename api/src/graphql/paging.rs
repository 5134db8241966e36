//! Relay paging arguments: checked page sizes, opaque cursors, and the window
//! of rows a page covers.

use async_graphql::connection::{Connection, CursorType, Edge, OpaqueCursor};
use async_graphql::{ObjectType, OutputType};
use masterplan_persistence::page::Window;
use serde::{Serialize, de::DeserializeOwned};

use crate::error::{ApiError, ApiResult};
use crate::limits::Limits;

/// `first`/`after`/`last`/`before` as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// Page direction and size after validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageSize {
    First(i64),
    Last(i64),
}

pub fn page_size(args: &PageArgs, limits: &Limits) -> ApiResult<PageSize> {
    let check = |name: &str, n: i32| {
        if n < 0 || n > limits.max_page_size {
            Err(ApiError::bad_input(format!(
                "`{name}` must be between 0 and {}, got {n}",
                limits.max_page_size
            )))
        } else {
            Ok(i64::from(n))
        }
    };
    match (args.first, args.last) {
        (Some(_), Some(_)) => Err(ApiError::bad_input(
            "pass either `first` or `last`, not both",
        )),
        (Some(first), None) => check("first", first).map(PageSize::First),
        (None, Some(last)) => check("last", last).map(PageSize::Last),
        (None, None) => Ok(PageSize::First(i64::from(limits.default_page_size))),
    }
}

pub fn decode_cursor<T: Serialize + DeserializeOwned + Send + Sync>(
    name: &str,
    cursor: Option<&str>,
) -> ApiResult<Option<T>> {
    cursor
        .map(|text| {
            OpaqueCursor::<T>::decode_cursor(text)
                .map(|c| c.0)
                .map_err(|_| ApiError::bad_input(format!("`{name}` is not a cursor of this list")))
        })
        .transpose()
}

pub fn encode_cursor<T: Serialize + DeserializeOwned + Send + Sync>(value: T) -> String {
    OpaqueCursor(value).encode_cursor()
}

/// The rows of an offset-paged list that a page covers. Cursors carry row
/// offsets; `total` is needed only for `last` without `before`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetPage {
    /// Rows to fetch: one more than the page holds when that tells whether a
    /// next page exists.
    pub fetch: Window,
    pub page_len: i64,
    pub has_previous_page: bool,
    /// Known without looking at the fetched rows (for `last`).
    pub has_next_page: Option<bool>,
}

impl OffsetPage {
    pub fn plan(args: &PageArgs, limits: &Limits, total: Option<i64>) -> ApiResult<OffsetPage> {
        let size = page_size(args, limits)?;
        let after: Option<i64> = decode_cursor("after", args.after.as_deref())?;
        let before: Option<i64> = decode_cursor("before", args.before.as_deref())?;
        let start = after.map_or(0, |a| a.saturating_add(1)).max(0);
        match size {
            PageSize::First(n) => {
                let end = before.map(|b| b.max(start));
                let page_len = end.map_or(n, |e| n.min(e - start));
                Ok(OffsetPage {
                    fetch: Window {
                        offset: start,
                        limit: page_len + 1,
                    },
                    page_len,
                    has_previous_page: start > 0,
                    has_next_page: None,
                })
            }
            PageSize::Last(n) => {
                let end = match (before, total) {
                    (Some(b), _) => b.max(start),
                    (None, Some(total)) => total.max(start),
                    // Callers count first when `needs_total` says so.
                    (None, None) => return Err(ApiError::internal()),
                };
                let from = (end - n).max(start);
                Ok(OffsetPage {
                    fetch: Window {
                        offset: from,
                        limit: end - from,
                    },
                    page_len: end - from,
                    has_previous_page: from > 0,
                    has_next_page: Some(before.is_some() || total.is_some_and(|t| end < t)),
                })
            }
        }
    }

    /// Whether the list must be counted before [`OffsetPage::plan`] can place a `last` page.
    pub fn needs_total(args: &PageArgs) -> bool {
        args.last.is_some() && args.before.is_none()
    }
}

/// A connection whose cursors are row offsets.
pub type OffsetConnection<Node, Extra> = Connection<OpaqueCursor<i64>, Node, Extra>;

/// Builds the connection of an offset page from the rows fetched for it.
/// Whether a connection's rows are asked for (`nodes`, `edges` or
/// `pageInfo`); a request for `totalCount` alone reads no rows.
pub fn rows_wanted(ctx: &async_graphql::Context<'_>) -> bool {
    let selection = ctx.look_ahead();
    ["nodes", "edges", "pageInfo"]
        .into_iter()
        .any(|field| selection.field(field).exists())
}

/// Whether the connection's nodes (under `nodes` or `edges { node }`)
/// select `field`.
pub fn node_field_wanted(ctx: &async_graphql::Context<'_>, field: &str) -> bool {
    let selection = ctx.look_ahead();
    selection.field("nodes").field(field).exists()
        || selection.field("edges").field("node").field(field).exists()
}

pub fn offset_connection<Row, Node, Extra>(
    page: OffsetPage,
    mut rows: Vec<Row>,
    extra: Extra,
    to_node: impl Fn(Row) -> Node,
) -> OffsetConnection<Node, Extra>
where
    Node: OutputType,
    Extra: ObjectType,
{
    let more = rows.len() as i64 > page.page_len;
    rows.truncate(usize::try_from(page.page_len).unwrap_or(0));
    let has_next = page.has_next_page.unwrap_or(more);
    let mut connection =
        Connection::with_additional_fields(page.has_previous_page, has_next, extra);
    connection.edges.extend(
        rows.into_iter()
            .enumerate()
            .map(|(i, row)| Edge::new(OpaqueCursor(page.fetch.offset + i as i64), to_node(row))),
    );
    connection
}

/// The page of rows that are already in memory (ranked search hits, a
/// working group's share of a plan-wide list): the page and its rows, with
/// one row beyond the page when there is one, as [`offset_connection`] expects.
pub fn page_in_memory<T>(
    rows: Vec<T>,
    args: &PageArgs,
    limits: &Limits,
) -> ApiResult<(OffsetPage, Vec<T>)> {
    let total = rows.len() as i64;
    let page = OffsetPage::plan(args, limits, Some(total))?;
    let start = usize::try_from(page.fetch.offset).unwrap_or(usize::MAX);
    let fetched = rows
        .into_iter()
        .skip(start)
        .take(usize::try_from(page.fetch.limit).unwrap_or(usize::MAX))
        .collect();
    Ok((page, fetched))
}
