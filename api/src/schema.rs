//! The one place the GraphQL schema is assembled, for the server, the tests
//! and the SDL export alike.

use async_graphql::{EmptySubscription, Schema, SchemaBuilder};
use masterplan_persistence::Database;

use crate::control_characters::RefuseControlCharacters;
use crate::graphql::mutations::Mutation;
use crate::graphql::query::Query;
use crate::limits::Limits;

pub type AppSchema = Schema<Query, Mutation, EmptySubscription>;

fn builder(limits: &Limits) -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    // Depth is limited before async-graphql sees the document (document_limits),
    // where `ofType` chains of introspection do not count as depth.
    Schema::build(Query, Mutation::default(), EmptySubscription)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(64)
        .limit_directives(16)
        .extension(RefuseControlCharacters)
        .extension(crate::operation_span::OperationSpan)
        .data(limits.clone())
}

pub fn build_schema(db: Database, limits: &Limits) -> AppSchema {
    builder(limits).data(db).finish()
}

/// The SDL clients integrate against (committed as `schema.graphql`).
pub fn sdl() -> String {
    builder(&Limits::default()).finish().sdl()
}
