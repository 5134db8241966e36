//! Measures a GraphQL document and rejects abusive ones before async-graphql validates it:
//! its validation expands fragment spreads without memoizing and can take exponential time.

use std::collections::HashMap;

use async_graphql::parser::{
    self, Positioned,
    types::{
        DocumentOperations, ExecutableDocument, FragmentDefinition, OperationDefinition,
        OperationType, Selection,
    },
};
use async_graphql::{Name, parser::types::SelectionSet};

use crate::error::ErrorCode;

/// Beyond this bracket nesting no document is legitimate whatever `max_depth` says: the parser
/// already refuses more than 64 nested selection sets, and argument values nested this deep
/// only serve to exhaust the parser's stack (its value parsing recurses without a limit, and
/// pest's own stack guard is best-effort).
const MAX_BRACKET_NESTING: usize = 128;

/// Selection-set nesting that `async_graphql::parser::parse_query` refuses with
/// `RecursionLimitExceeded`.
const PARSER_MAX_NESTING: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentLimits {
    /// Deepest field nesting, fragments expanded (a root field is depth 1).
    pub max_depth: usize,
    /// Field selections in the chosen operation with every fragment spread expanded.
    pub max_fields: usize,
    /// Aliased fields, fragments expanded.
    pub max_aliases: usize,
    /// Fields of the operation's top-level selection set, fragments expanded.
    pub max_root_fields: usize,
    /// Fragment definitions in the document.
    pub max_fragments: usize,
    /// Operation definitions in the document.
    pub max_operations: usize,
    /// Nesting of introspection list fields (`types`, `fields`, `args`, …);
    /// the standard introspection query needs 3.
    pub max_introspection_lists: usize,
}

impl DocumentLimits {
    /// The defaults, also those of the command-line flags (`--max-depth` …).
    pub const DEFAULT: DocumentLimits = DocumentLimits {
        max_depth: 12,
        max_fields: 2000,
        max_aliases: 50,
        max_root_fields: 20,
        max_fragments: 100,
        max_operations: 20,
        max_introspection_lists: 3,
    };
}

impl Default for DocumentLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    Query,
    Mutation,
    Subscription,
}

impl OperationKind {
    /// The GraphQL keyword (`query`, `mutation`, `subscription`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Mutation => "mutation",
            Self::Subscription => "subscription",
        }
    }
}

impl From<OperationType> for OperationKind {
    fn from(ty: OperationType) -> Self {
        match ty {
            OperationType::Query => Self::Query,
            OperationType::Mutation => Self::Mutation,
            OperationType::Subscription => Self::Subscription,
        }
    }
}

/// The chosen operation's size with every fragment expanded; counts saturate at `usize::MAX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentMeasure {
    pub kind: OperationKind,
    /// The chosen operation's name, when it has one (for logs and traces).
    pub name: Option<String>,
    pub depth: usize,
    pub fields: usize,
    pub aliases: usize,
    pub root_fields: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentLimitError {
    #[error("the query could not be parsed: {0}")]
    Syntax(String),
    #[error("{}", operation_not_found_message(.0.as_deref()))]
    OperationNotFound(Option<String>),
    #[error("query depth {depth} exceeds the limit of {max}")]
    TooDeep { depth: usize, max: usize },
    #[error("the query selects {fields} fields once fragments are expanded; the limit is {max}")]
    TooManyFields { fields: usize, max: usize },
    #[error("the query uses {aliases} aliases once fragments are expanded; the limit is {max}")]
    TooManyAliases { aliases: usize, max: usize },
    #[error("the operation selects {fields} top-level fields; the limit is {max}")]
    TooManyRootFields { fields: usize, max: usize },
    #[error("the document defines {fragments} fragments; the limit is {max}")]
    TooManyFragments { fragments: usize, max: usize },
    #[error("the document defines {operations} operations; the limit is {max}")]
    TooManyOperations { operations: usize, max: usize },
    #[error("fragment \"{0}\" spreads itself, directly or through other fragments")]
    FragmentCycle(String),
    #[error(
        "introspection lists (types, fields, args, …) are nested {levels} deep; the limit is {max}"
    )]
    IntrospectionTooDeep { levels: usize, max: usize },
}

fn operation_not_found_message(name: Option<&str>) -> String {
    match name {
        Some(name) => format!("the document has no operation named \"{name}\""),
        None => "the document defines several operations; an operation name is required".into(),
    }
}

impl DocumentLimitError {
    /// The `extensions.code` a GraphQL error response should carry for this rejection.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Syntax(_) => ErrorCode::GraphqlParseFailed,
            Self::OperationNotFound(_) => ErrorCode::OperationNotFound,
            Self::TooDeep { .. }
            | Self::TooManyFields { .. }
            | Self::TooManyAliases { .. }
            | Self::TooManyRootFields { .. }
            | Self::TooManyFragments { .. }
            | Self::TooManyOperations { .. }
            | Self::FragmentCycle(_)
            | Self::IntrospectionTooDeep { .. } => ErrorCode::QueryTooComplex,
        }
    }
}

/// Parses `query`, picks the operation GraphQL would run and measures it.
///
/// Every other operation of the document must respect the same limits, because async-graphql
/// validates (and expands fragments for) all operations, not only the one that is run.
/// The checks take time and memory linear in `query.len()`, and the inputs known to make the
/// parser itself superlinear (deep nesting, unterminated block strings) are refused before it
/// runs.
///
/// Returns the parsed document too, so that it can be handed to async-graphql
/// (`Request::set_parsed_query`) instead of being parsed a second time.
pub fn check_document(
    query: &str,
    operation_name: Option<&str>,
    limits: &DocumentLimits,
) -> Result<(DocumentMeasure, ExecutableDocument), DocumentLimitError> {
    // The parser recurses once per nesting level, so nesting is bounded before it runs.
    let nesting = bracket_nesting(query)?;
    let nesting_limit = limits
        .max_depth
        .saturating_mul(4)
        .saturating_add(16)
        .min(MAX_BRACKET_NESTING);
    if nesting > nesting_limit {
        return Err(DocumentLimitError::TooDeep {
            depth: nesting,
            max: limits.max_depth.min(nesting_limit),
        });
    }

    let document = parser::parse_query(query).map_err(|err| match err {
        parser::Error::RecursionLimitExceeded => DocumentLimitError::TooDeep {
            depth: nesting,
            max: limits.max_depth.min(PARSER_MAX_NESTING),
        },
        other => DocumentLimitError::Syntax(other.to_string()),
    })?;

    let fragments = document.fragments.len();
    if fragments > limits.max_fragments {
        return Err(DocumentLimitError::TooManyFragments {
            fragments,
            max: limits.max_fragments,
        });
    }
    let operations = document.operations.iter().len();
    if operations > limits.max_operations {
        return Err(DocumentLimitError::TooManyOperations {
            operations,
            max: limits.max_operations,
        });
    }

    let (chosen_name, chosen) = select_operation(&document.operations, operation_name)?;
    let mut measurer = Measurer {
        fragments: &document.fragments,
        memo: HashMap::new(),
    };
    let measure = measurer.measure(&chosen.node.selection_set.node)?;
    measure.check(limits)?;

    // The fragment memo is shared, so measuring the siblings adds at most their own size.
    for (_, operation) in document.operations.iter() {
        if !std::ptr::eq(operation, chosen) {
            measurer
                .measure(&operation.node.selection_set.node)?
                .check(limits)?;
        }
    }

    let measure = DocumentMeasure {
        kind: chosen.node.ty.into(),
        name: chosen_name.map(|n| n.to_string()),
        depth: measure.depth,
        fields: measure.fields,
        aliases: measure.aliases,
        root_fields: measure.root_fields,
    };
    Ok((measure, document))
}

fn select_operation<'a>(
    operations: &'a DocumentOperations,
    name: Option<&str>,
) -> Result<(Option<&'a Name>, &'a Positioned<OperationDefinition>), DocumentLimitError> {
    match (operations, name) {
        (DocumentOperations::Single(operation), None) => Ok((None, operation)),
        (DocumentOperations::Multiple(map), None) if map.len() == 1 => {
            let (name, operation) = map.iter().next().expect("map has one entry");
            Ok((Some(name), operation))
        }
        (DocumentOperations::Multiple(_), None) => Err(DocumentLimitError::OperationNotFound(None)),
        // An anonymous operation cannot be picked by name; async-graphql refuses it as well.
        (DocumentOperations::Single(_), Some(name)) => {
            Err(DocumentLimitError::OperationNotFound(Some(name.to_owned())))
        }
        (DocumentOperations::Multiple(map), Some(name)) => map
            .get_key_value(name)
            .map(|(name, operation)| (Some(name), operation))
            .ok_or_else(|| DocumentLimitError::OperationNotFound(Some(name.to_owned()))),
    }
}

/// Deepest nesting of `{` and `[` outside strings and comments, found without parsing.
///
/// Strings are lexed like async-graphql's grammar does, so that no bracket the parser would
/// descend into can hide inside what this scan takes for a string. The one exception is a
/// `"""` that never closes, which the GraphQL lexer rejects: the grammar instead backtracks to
/// read it as `""` and a new string, and rescans to the end for every such `"""`, which takes
/// quadratic time (seconds for 100 KB), so it is refused here as a syntax error.
pub fn bracket_nesting(text: &str) -> Result<usize, DocumentLimitError> {
    // Bytes are enough: UTF-8 continuation bytes never equal an ASCII delimiter.
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut level = 0usize;
    let mut deepest = 0usize;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'{' | b'[' => {
                level += 1;
                deepest = deepest.max(level);
                i += 1;
            }
            b'}' | b']' => {
                // Unbalanced closers are the parser's to report; they must not hide openers.
                level = level.saturating_sub(1);
                i += 1;
            }
            b'#' => {
                i = bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n' || b == b'\r')
                    .map_or(bytes.len(), |offset| i + offset);
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i = block_string_end(bytes, i + 3).ok_or_else(|| {
                    let (line, column) = line_and_column(text, i);
                    DocumentLimitError::Syntax(format!(
                        "unterminated block string starting at line {line}, column {column}"
                    ))
                })?;
            }
            b'"' => i = string_end(bytes, i + 1),
            _ => i += 1,
        }
    }
    Ok(deepest)
}

/// Index just past the `"""` that closes a block string whose content starts at `start`.
fn block_string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(b"\\\"\"\"") {
            i += 4;
        } else if rest.starts_with(b"\"\"\"") {
            return Some(i + 3);
        } else {
            i += 1;
        }
    }
    None
}

/// One-based line and column (in characters) of the byte `offset` of `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// Index just past the `"` that closes a string whose content starts at `start`.
///
/// A line break ends the scan of the string without consuming it: the parser fails there, and
/// scanning the rest as plain text can only find more brackets, never fewer.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'"' => return i + 1,
            b'\\' => i += 2,
            b'\n' | b'\r' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Size of a selection set with fragments expanded, relative to that selection set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Summary {
    fields: usize,
    aliases: usize,
    depth: usize,
    /// Fields at this selection set's own level, i.e. without descending into fields.
    root_fields: usize,
    /// Nesting of introspection list fields.
    introspection_lists: usize,
}

/// Introspection fields that return lists. Nested in each other they multiply
/// the response (`fields { type { fields { type { fields … } } } }`), and
/// async-graphql weighs introspection fields at 1 whatever they return, so
/// their nesting is limited on its own.
const INTROSPECTION_LISTS: &[&str] = &[
    "types",
    "fields",
    "args",
    "inputFields",
    "interfaces",
    "possibleTypes",
    "enumValues",
    "directives",
];

impl Summary {
    /// `ofType` unwraps a list or non-null type: it returns one type and its
    /// chain ends after a few wrappers, so it does not count as depth. The
    /// standard introspection query nests it 7–8 times.
    fn add_field(&mut self, aliased: bool, name: &str, children: &Summary) {
        let deeper = usize::from(name != "ofType");
        let list = usize::from(INTROSPECTION_LISTS.contains(&name));
        self.fields = self
            .fields
            .saturating_add(1)
            .saturating_add(children.fields);
        self.aliases = self
            .aliases
            .saturating_add(usize::from(aliased))
            .saturating_add(children.aliases);
        self.depth = self.depth.max(children.depth.saturating_add(deeper));
        self.root_fields = self.root_fields.saturating_add(1);
        self.introspection_lists = self
            .introspection_lists
            .max(children.introspection_lists.saturating_add(list));
    }

    /// Inline fragments and fragment spreads add their fields at the level they appear.
    fn add_fragment(&mut self, fragment: &Summary) {
        self.fields = self.fields.saturating_add(fragment.fields);
        self.aliases = self.aliases.saturating_add(fragment.aliases);
        self.depth = self.depth.max(fragment.depth);
        self.root_fields = self.root_fields.saturating_add(fragment.root_fields);
        self.introspection_lists = self.introspection_lists.max(fragment.introspection_lists);
    }

    fn check(&self, limits: &DocumentLimits) -> Result<(), DocumentLimitError> {
        if self.depth > limits.max_depth {
            return Err(DocumentLimitError::TooDeep {
                depth: self.depth,
                max: limits.max_depth,
            });
        }
        if self.fields > limits.max_fields {
            return Err(DocumentLimitError::TooManyFields {
                fields: self.fields,
                max: limits.max_fields,
            });
        }
        if self.aliases > limits.max_aliases {
            return Err(DocumentLimitError::TooManyAliases {
                aliases: self.aliases,
                max: limits.max_aliases,
            });
        }
        if self.root_fields > limits.max_root_fields {
            return Err(DocumentLimitError::TooManyRootFields {
                fields: self.root_fields,
                max: limits.max_root_fields,
            });
        }
        if self.introspection_lists > limits.max_introspection_lists {
            return Err(DocumentLimitError::IntrospectionTooDeep {
                levels: self.introspection_lists,
                max: limits.max_introspection_lists,
            });
        }
        Ok(())
    }
}

enum FragmentState {
    /// On the traversal stack: meeting it again means the fragment spreads itself.
    InProgress,
    Done(Summary),
}

/// How a finished selection set is added to the one that contains it.
enum Merge<'a> {
    Field { aliased: bool, name: &'a str },
    Fragment,
    NamedFragment(&'a str),
}

struct Frame<'a> {
    items: std::slice::Iter<'a, Positioned<Selection>>,
    summary: Summary,
    merge: Merge<'a>,
}

impl<'a> Frame<'a> {
    fn new(selection_set: &'a SelectionSet, merge: Merge<'a>) -> Self {
        Self {
            items: selection_set.items.iter(),
            summary: Summary::default(),
            merge,
        }
    }
}

struct Measurer<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    memo: HashMap<&'a str, FragmentState>,
}

impl<'a> Measurer<'a> {
    /// Post-order walk with an explicit stack, so that neither deep documents nor long
    /// fragment chains can exhaust the thread's stack; each fragment is walked once.
    fn measure(&mut self, root: &'a SelectionSet) -> Result<Summary, DocumentLimitError> {
        let mut stack = vec![Frame::new(root, Merge::Fragment)];
        while let Some(frame) = stack.last_mut() {
            let Some(selection) = frame.items.next() else {
                let finished = stack.pop().expect("the loop saw this frame");
                let Some(parent) = stack.last_mut() else {
                    return Ok(finished.summary);
                };
                match finished.merge {
                    Merge::Field { aliased, name } => {
                        parent.summary.add_field(aliased, name, &finished.summary)
                    }
                    Merge::Fragment => parent.summary.add_fragment(&finished.summary),
                    Merge::NamedFragment(name) => {
                        self.memo
                            .insert(name, FragmentState::Done(finished.summary));
                        parent.summary.add_fragment(&finished.summary);
                    }
                }
                continue;
            };
            let next = match &selection.node {
                Selection::Field(field) => {
                    let aliased = field.node.alias.is_some();
                    let name = field.node.name.node.as_str();
                    let children = &field.node.selection_set.node;
                    if children.items.is_empty() {
                        frame.summary.add_field(aliased, name, &Summary::default());
                        None
                    } else {
                        Some(Frame::new(children, Merge::Field { aliased, name }))
                    }
                }
                Selection::InlineFragment(inline) => {
                    Some(Frame::new(&inline.node.selection_set.node, Merge::Fragment))
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    // Unknown fragments are left to validation, which reports them by name.
                    match (self.fragments.get(name), self.memo.get(name)) {
                        (None, _) => None,
                        (Some(_), Some(FragmentState::Done(summary))) => {
                            frame.summary.add_fragment(summary);
                            None
                        }
                        (Some(_), Some(FragmentState::InProgress)) => {
                            return Err(DocumentLimitError::FragmentCycle(name.to_owned()));
                        }
                        (Some(definition), None) => {
                            self.memo.insert(name, FragmentState::InProgress);
                            Some(Frame::new(
                                &definition.node.selection_set.node,
                                Merge::NamedFragment(name),
                            ))
                        }
                    }
                }
            };
            stack.extend(next);
        }
        unreachable!("the root frame returns before the stack empties")
    }
}
