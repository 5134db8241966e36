//! The one place the GraphQL schema is assembled, for the server, the tests
//! and the SDL export alike.

use std::sync::Arc;

use async_graphql::{Schema, SchemaBuilder};
use masterplan_persistence::Database;

use crate::change_feed::ChangeFeed;
use crate::control_characters::RefuseControlCharacters;
use crate::graphql::changes::Subscription;
use crate::graphql::mutations::Mutation;
use crate::graphql::query::Query;
use crate::limits::Limits;

pub type AppSchema = Schema<Query, Mutation, Subscription>;

fn builder(limits: &Limits) -> SchemaBuilder<Query, Mutation, Subscription> {
    // Depth is limited before async-graphql sees the document (document_limits),
    // where `ofType` chains of introspection do not count as depth.
    Schema::build(Query, Mutation::default(), Subscription)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(64)
        .limit_directives(16)
        .extension(RefuseControlCharacters)
        .extension(crate::operation_span::OperationSpan)
        .data(limits.clone())
}

pub fn build_schema(db: Database, limits: &Limits) -> AppSchema {
    builder(limits)
        .data(Arc::new(ChangeFeed::new(db.clone())))
        .data(db)
        .finish()
}

/// The SDL clients integrate against (committed as `schema.graphql`).
pub fn sdl() -> String {
    builder(&Limits::default()).finish().sdl()
}
