//! The GraphQL object types, one file each.

mod goal;
mod kpi;
mod kpi_trajectory;
mod kpi_value;
mod measure;
mod plan;
mod working_group;

pub use goal::{Goal, Timing};
pub use kpi::{Baseline, Kpi, KpiTarget, ValueCount};
pub use kpi_trajectory::{KpiTrajectory, trajectories};
pub use kpi_value::KpiValue;
pub use measure::{CostEstimate, Measure, PersonnelEstimate, PilotArea, RealizationPeriod};
pub use plan::{Legend, LegendThresholds, Plan};
pub use working_group::WorkingGroup;
