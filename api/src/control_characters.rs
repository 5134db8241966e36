//! Refuses control characters in string arguments and variables before a
//! request runs: no lookup or write needs them, and PostgreSQL cannot even
//! receive NUL (it answered `INTERNAL`). Tab and line breaks stay allowed;
//! the write rules decide where texts may hold them.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::Positioned;
use async_graphql::parser::types::{Directive, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Pos, ServerResult, Variables};
// The parser's values (with variables) are the value crate's `Value`;
// async-graphql itself exports only the constant kind.
use async_graphql_value::{ConstValue, Value};
use masterplan_domain::validation::control_character;

use crate::error::ApiError;

/// The extension (`Schema::build(…).extension(RefuseControlCharacters)`).
pub struct RefuseControlCharacters;

impl ExtensionFactory for RefuseControlCharacters {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RefuseControlCharacters)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for RefuseControlCharacters {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        for (name, value) in variables.iter() {
            if let Some(c) = in_const(value) {
                return Err(refusal(&format!("the variable ${name}"), c, Pos::default()));
            }
        }
        let document = next.run(ctx, query, variables).await?;
        check_document(&document)?;
        Ok(document)
    }
}

fn refusal(what: &str, c: char, pos: Pos) -> async_graphql::ServerError {
    let message = format!(
        "{what} holds the control character U+{:04X}; strings may hold no control characters other than tab and line breaks",
        u32::from(c)
    );
    async_graphql::Error::from(ApiError::bad_input(message)).into_server_error(pos)
}

fn check_document(document: &ExecutableDocument) -> ServerResult<()> {
    for (_, operation) in document.operations.iter() {
        for definition in &operation.node.variable_definitions {
            if let Some(c) = definition
                .node
                .default_value
                .as_ref()
                .and_then(|v| in_const(&v.node))
            {
                let what = format!("the default of ${}", definition.node.name.node);
                return Err(refusal(&what, c, definition.pos));
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

fn check_selections(set: &Positioned<SelectionSet>) -> ServerResult<()> {
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

fn check_directives(directives: &[Positioned<Directive>]) -> ServerResult<()> {
    for directive in directives {
        check_arguments(&directive.node.name.node, &directive.node.arguments)?;
    }
    Ok(())
}

fn check_arguments(
    owner: &Name,
    arguments: &[(Positioned<Name>, Positioned<Value>)],
) -> ServerResult<()> {
    for (name, value) in arguments {
        if let Some(c) = in_value(&value.node) {
            let what = format!("the argument `{}` of `{owner}`", name.node);
            return Err(refusal(&what, c, value.pos));
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
