//! `Viewer`: the caller as the API sees it.

use async_graphql::SimpleObject;

use crate::auth::Caller;
use crate::graphql::enums::Role;

/// Who is asking: a token's name and role, `anonymous`, or `public` (every
/// caller of a `--public-only` server); the last two read as `PUBLIC`.
#[derive(SimpleObject)]
pub struct Viewer {
    pub name: String,
    pub authenticated: bool,
    pub role: Role,
    /// Working groups an editor is restricted to; empty means all.
    pub working_groups: Vec<String>,
}

impl From<Caller> for Viewer {
    fn from(caller: Caller) -> Self {
        match caller {
            Caller::Anonymous | Caller::PublicZone => Viewer {
                name: caller.name().to_owned(),
                authenticated: false,
                role: Role::Public,
                working_groups: Vec::new(),
            },
            Caller::Token {
                name,
                role,
                working_groups,
            } => Viewer {
                name,
                authenticated: true,
                role: role.into(),
                working_groups,
            },
        }
    }
}
