//! Refuses control characters in string arguments and variables before a
//! request runs: no lookup or write needs them, and PostgreSQL cannot even
//! receive NUL (it answered `INTERNAL`). Tab and line breaks stay allowed;
//! the write rules decide where texts may hold them.
//!
//! A plain check that `http::check` runs on the document it parsed, not an
//! async-graphql extension: any extension sends every field of every answer
//! through the executor's slower path (a registry lookup and two boxed
//! futures per field).

use async_graphql::parser::Positioned;
use async_graphql::parser::types::{Directive, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Pos, Variables};
// The parser's values (with variables) are the value crate's `Value`;
// async-graphql itself exports only the constant kind.
use async_graphql_value::{ConstValue, Value};
use masterplan_domain::validation::control_character;

/// A control character where a request may hold none.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{what} holds the control character U+{:04X}; strings may hold no control characters other than tab and line breaks",
    u32::from(*.character)
)]
pub struct ControlCharacter {
    /// Where it is, for people: "the variable $code", "the argument `plan` of `workingGroup`".
    pub what: String,
    pub character: char,
    /// Its place in the document; none for a variable's value.
    pub pos: Option<Pos>,
}

type Checked = Result<(), ControlCharacter>;

fn refusal(what: String, character: char, pos: Option<Pos>) -> ControlCharacter {
    ControlCharacter {
        what,
        character,
        pos,
    }
}

/// The first control character in the variables or the document, if any.
pub fn refuse(document: &ExecutableDocument, variables: &Variables) -> Checked {
    for (name, value) in variables.iter() {
        if let Some(c) = in_const(value) {
            return Err(refusal(format!("the variable ${name}"), c, None));
        }
    }
    check_document(document)
}

fn check_document(document: &ExecutableDocument) -> Checked {
    for (_, operation) in document.operations.iter() {
        for definition in &operation.node.variable_definitions {
            if let Some(c) = definition
                .node
                .default_value
                .as_ref()
                .and_then(|v| in_const(&v.node))
            {
                let what = format!("the default of ${}", definition.node.name.node);
                return Err(refusal(what, c, Some(definition.pos)));
            }
        }
        check_directives(&operation.node.directives)?;
        check_selections(&operation.node.selection_set)?;
    }
    for fragment in document.fragments.values() {
        check_directives(&fragment.node.directives)?;
        check_selections(&fragment.node.selection_set)?;
    }
    Ok(())
}

fn check_selections(set: &Positioned<SelectionSet>) -> Checked {
    for selection in &set.node.items {
        match &selection.node {
            Selection::Field(field) => {
                check_arguments(&field.node.name.node, &field.node.arguments)?;
                check_directives(&field.node.directives)?;
                check_selections(&field.node.selection_set)?;
            }
            Selection::InlineFragment(inline) => {
                check_directives(&inline.node.directives)?;
                check_selections(&inline.node.selection_set)?;
            }
            Selection::FragmentSpread(spread) => check_directives(&spread.node.directives)?,
        }
    }
    Ok(())
}

fn check_directives(directives: &[Positioned<Directive>]) -> Checked {
    for directive in directives {
        check_arguments(&directive.node.name.node, &directive.node.arguments)?;
    }
    Ok(())
}

fn check_arguments(owner: &Name, arguments: &[(Positioned<Name>, Positioned<Value>)]) -> Checked {
    for (name, value) in arguments {
        if let Some(c) = in_value(&value.node) {
            let what = format!("the argument `{}` of `{owner}`", name.node);
            return Err(refusal(what, c, Some(value.pos)));
        }
    }
    Ok(())
}

fn in_value(value: &Value) -> Option<char> {
    match value {
        Value::String(text) => control_character(text),
        Value::List(items) => items.iter().find_map(in_value),
        Value::Object(fields) => fields
            .iter()
            .find_map(|(key, v)| control_character(key).or_else(|| in_value(v))),
        _ => None,
    }
}

fn in_const(value: &ConstValue) -> Option<char> {
    match value {
        ConstValue::String(text) => control_character(text),
        ConstValue::List(items) => items.iter().find_map(in_const),
        ConstValue::Object(fields) => fields
            .iter()
            .find_map(|(key, v)| control_character(key).or_else(|| in_const(v))),
        _ => None,
    }
}
