//! The GraphQL schema's types and resolvers.

pub mod audit;
pub mod changes;
pub mod context;
pub mod enums;
pub mod filters;
pub mod instant;
pub mod mutations;
pub mod node;
pub mod objects;
pub mod paging;
pub mod plans;
pub mod portfolio;
pub mod query;
pub mod scalars;
pub mod search;
pub mod totals;
pub mod trajectory_filter;
pub mod viewer;
pub mod webhooks;
