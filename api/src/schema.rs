//! The one place the GraphQL schema is assembled, for the server, the tests
//! and the SDL export alike.

use std::sync::Arc;

use async_graphql::{Schema, SchemaBuilder};
use masterplan_persistence::Database;

use crate::change_feed::ChangeFeed;
use crate::graphql::changes::Subscription;
use crate::graphql::mutations::Mutation;
use crate::graphql::query::Query;
use crate::limits::Limits;

pub type AppSchema = Schema<Query, Mutation, Subscription>;

fn builder(limits: &Limits) -> SchemaBuilder<Query, Mutation, Subscription> {
    // Depth is limited before async-graphql sees the document (document_limits),
    // where `ofType` chains of introspection do not count as depth. Control
    // characters are refused there too (`http::check`), not by an extension.
    Schema::build(Query, Mutation::default(), Subscription)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(64)
        .limit_directives(16)
        .data(limits.clone())
}

/// The served schema. `traced`: traces are exported, and their `graphql`
/// span gets the validator's complexity. That takes an extension, and with
/// any extension async-graphql resolves every field on a slower path (a
/// registry lookup and two boxed futures per field: about a quarter of the
/// reporting query's time), so a server that exports no traces has none.
pub fn build_schema(db: Database, limits: &Limits, traced: bool) -> AppSchema {
    let builder = builder(limits);
    let builder = if traced {
        builder.extension(crate::operation_span::OperationSpan)
    } else {
        builder
    };
    builder
        .data(Arc::new(ChangeFeed::new(db.clone())))
        .data(db)
        .finish()
}

/// The SDL clients integrate against (committed as `schema.graphql`).
pub fn sdl() -> String {
    builder(&Limits::default()).finish().sdl()
}
