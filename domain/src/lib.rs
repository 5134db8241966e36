//! The masterplan's own rules, free of I/O and frameworks: entities' vocabularies,
//! the legend's classification, the quick-win rule, German timing phrases, KPI
//! progress and trajectories, and the check of a plan file.

pub mod audit;
pub mod goal;
pub mod kpi;
pub mod kpi_value_rules;
pub mod legend;
pub mod plan_check;
pub mod plan_file;
pub mod plan_reading;
pub mod search;
pub mod series;
pub mod status;
pub mod timing;
pub mod trajectory;
pub mod validation;
pub mod visibility;
