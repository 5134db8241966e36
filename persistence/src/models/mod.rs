//! Rows and reads, one module per entity; every write is in
//! [`crate::writes`].

pub mod audit;
pub mod changes;
pub mod goal;
pub mod kpi;
pub mod kpi_values;
pub mod measure;
pub mod plan;
pub mod plan_at;
pub mod portfolio;
pub mod rewind;
pub mod search;
pub mod token;
pub mod visible;
pub mod webhooks;
pub mod working_group;
