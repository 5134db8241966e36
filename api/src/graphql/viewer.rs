//! `Viewer`: the caller as the API sees it.

use async_graphql::SimpleObject;

use crate::auth::Caller;
use crate::graphql::enums::Role;

/// Who is asking: a token's name and role, or `anonymous` (who may read).
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
            Caller::Anonymous => Viewer {
                name: "anonymous".to_owned(),
                authenticated: false,
                role: Role::Reader,
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
