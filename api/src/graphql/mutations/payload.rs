//! The payload of a mutation of one object — the object as it is now, or the
//! `userErrors` that refused the change, and the echoed `clientMutationId` —
//! declared once for every object, and the write that fills it.

use async_graphql::Context;
use masterplan_persistence::{DbConn, RepoResult};

use crate::error::ApiResult;
use crate::graphql::context::conn;
use crate::graphql::mutations::user_errors::{UserError, settle};

/// A payload built from the changed object's row or the user errors.
pub trait MutationPayload: Sized {
    /// What the write returns: the row of the changed object.
    type Row;

    fn from_parts(
        row: Option<Self::Row>,
        user_errors: Vec<UserError>,
        client_mutation_id: Option<String>,
    ) -> Self;

    /// The payload of a write's outcome (see [`settle`]).
    fn new(outcome: Result<Self::Row, Vec<UserError>>, client_mutation_id: Option<String>) -> Self {
        match outcome {
            Ok(row) => Self::from_parts(Some(row), Vec::new(), client_mutation_id),
            Err(errors) => Self::from_parts(None, errors, client_mutation_id),
        }
    }
}

/// Declares a payload type `Name { field: Object(Row) }`: the GraphQL object
/// `Name` with the fields `field: Object`, `userErrors` and
/// `clientMutationId`, in that order; its doc comment becomes the description.
macro_rules! mutation_payload {
    ($(#[$attr:meta])* $name:ident { $field:ident: $object:ident($row:ty) }) => {
        $(#[$attr])*
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            pub $field: Option<$object>,
            pub user_errors: Vec<$crate::graphql::mutations::user_errors::UserError>,
            pub client_mutation_id: Option<String>,
        }

        impl $crate::graphql::mutations::payload::MutationPayload for $name {
            type Row = $row;

            fn from_parts(
                row: Option<$row>,
                user_errors: Vec<$crate::graphql::mutations::user_errors::UserError>,
                client_mutation_id: Option<String>,
            ) -> Self {
                $name {
                    $field: row.map(<$object>::live),
                    user_errors,
                    client_mutation_id,
                }
            }
        }
    };
}
pub(crate) use mutation_payload;

/// The payload of a write: the user errors when its arguments were refused
/// before it was tried (no connection is taken then), else what `write`
/// comes to with them on a connection of its own.
pub async fn write<P: MutationPayload, A>(
    ctx: &Context<'_>,
    client_mutation_id: Option<String>,
    args: Result<A, Vec<UserError>>,
    write: impl AsyncFnOnce(&mut DbConn, A) -> RepoResult<P::Row>,
) -> ApiResult<P> {
    let args = match args {
        Ok(args) => args,
        Err(errors) => return Ok(P::new(Err(errors), client_mutation_id)),
    };
    let mut conn = conn(ctx).await?;
    let outcome = settle(write(&mut conn, args).await)?;
    Ok(P::new(outcome, client_mutation_id))
}
