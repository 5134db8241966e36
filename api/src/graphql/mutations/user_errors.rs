//! `userErrors`: input problems as data in a mutation's payload, and the
//! conversion of a write's outcome into payload or GraphQL error.

use async_graphql::{ID, SimpleObject};
use masterplan_domain::validation::FieldError;
use masterplan_persistence::{RepoError, RepoResult};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::graphql::enums::UserErrorCode;
use crate::ids::{NodeId, decode_as, type_name};

/// A problem with a mutation's input; nothing was changed.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct UserError {
    /// Path to the input field, e.g. `["input", "values", "3", "value"]`.
    pub field: Vec<String>,
    pub message: String,
    pub code: UserErrorCode,
    /// For `VERSION_CONFLICT`: the object's version now.
    pub current_version: Option<i32>,
}

impl From<FieldError> for UserError {
    fn from(err: FieldError) -> Self {
        let mut field = vec!["input".to_owned()];
        field.extend(err.field);
        UserError {
            field,
            message: err.message,
            code: err.code.into(),
            current_version: err.current_version,
        }
    }
}

/// What a write came to: its result, or the user errors that refused it.
/// Refusals for the caller's reach become `FORBIDDEN` errors, failures
/// `INTERNAL` ones.
pub fn settle<T>(result: RepoResult<T>) -> ApiResult<Result<T, Vec<UserError>>> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(RepoError::Rejected(errors)) => {
            Ok(Err(errors.into_iter().map(UserError::from).collect()))
        }
        Err(RepoError::Forbidden(message)) => Err(ApiError::new(ErrorCode::Forbidden, message)),
        Err(other) => Err(other.into()),
    }
}

/// Exactly one of an object's `id` and natural `key`, resolved with `by_key`.
pub fn id_or_key<I: NodeId, K, R>(
    id: Option<&ID>,
    key: Option<K>,
    by_id: impl FnOnce(I) -> R,
    by_key: impl FnOnce(K) -> R,
) -> Result<R, FieldError> {
    let node_type = I::TYPE;
    match (id, key) {
        (Some(id), None) => decode_as::<I>(id).map(by_id).ok_or_else(|| {
            FieldError::not_found(
                &["id"],
                format!(
                    "{:?} is not the ID of a {}",
                    id.as_str(),
                    type_name(node_type)
                ),
            )
        }),
        (None, Some(key)) => Ok(by_key(key)),
        (Some(_), Some(_)) => Err(FieldError::invalid(
            &["id"],
            format!(
                "name the {} either by `id` or by `key`, not both",
                type_name(node_type)
            ),
        )),
        (None, None) => Err(FieldError::invalid(
            &["id"],
            format!("name the {}: give `id` or `key`", type_name(node_type)),
        )),
    }
}

/// One user error as a payload's list.
pub fn refused(err: FieldError) -> Vec<UserError> {
    vec![UserError::from(err)]
}
