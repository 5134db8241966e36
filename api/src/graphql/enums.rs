//! GraphQL enums mirroring the domain's vocabularies: the domain stays free of
//! framework types, so each is declared here, and `remote` derives the
//! conversions both ways (a variant missing on either side fails to compile).

use async_graphql::Enum;

/// Where a measure stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "masterplan_domain::status::MeasureStatus")]
pub enum MeasureStatus {
    Planned,
    InProgress,
    Completed,
    OnHold,
    Cancelled,
}

/// Where a goal stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "masterplan_domain::status::GoalStatus")]
pub enum GoalStatus {
    Open,
    InProgress,
    Achieved,
    Missed,
    Dropped,
}

/// What a KPI's values mean: a count or amount, a percentage (0–100), or a
/// milestone (0 = not reached, 1 = reached).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "masterplan_domain::status::KpiValueType")]
pub enum KpiValueType {
    Number,
    Percent,
    Milestone,
}

/// Which way a KPI should move.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "masterplan_domain::status::KpiDirection")]
pub enum KpiDirection {
    Increase,
    Decrease,
    None,
}

/// Cost or personnel class by the plan's legend.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "masterplan_domain::legend::SizeCategory")]
pub enum SizeCategory {
    Low,
    Medium,
    High,
}

/// Realisation period class by the plan's legend.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "masterplan_domain::legend::PeriodCategory")]
pub enum PeriodCategory {
    Short,
    Medium,
    Long,
}

/// Quick-win potential: "short- to medium-term period and low resource needs".
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "masterplan_domain::legend::QuickWin")]
pub enum QuickWin {
    Yes,
    Partial,
    No,
    Unknown,
}

/// How a goal's timing phrase reads: due BY a date, FROM a date on, DURING a year, or NONE.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "masterplan_domain::timing::TimingKind")]
pub enum TimingKind {
    By,
    From,
    During,
    None,
}

/// Direction of the last two values of a KPI.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "masterplan_domain::kpi::Trend")]
pub enum Trend {
    Up,
    Down,
    Flat,
}

/// Whether a KPI will reach its next target: the latest value meets it
/// (`ACHIEVED`); the projection meets it (`ON_TRACK`), falls short within
/// the tolerance (`AT_RISK`) or beyond it, or the due date passed
/// (`OFF_TRACK`); no target (`NO_TARGET`); too few values (`NO_DATA`).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "masterplan_domain::trajectory::TrajectoryStatus")]
pub enum TrajectoryStatus {
    Achieved,
    OnTrack,
    AtRisk,
    OffTrack,
    NoTarget,
    NoData,
}

/// Calendar bucket of a KPI series.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "masterplan_domain::series::Interval")]
pub enum SeriesInterval {
    Month,
    Quarter,
    Year,
}

/// How a bucket's values become its value: the last one observed, their
/// sum, average or maximum.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "masterplan_domain::series::Aggregate")]
pub enum SeriesAggregate {
    Last,
    Sum,
    Avg,
    Max,
}

/// What an API token may do.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "masterplan_domain::status::Role")]
pub enum Role {
    Public,
    Reader,
    Editor,
    Admin,
}

/// Whether an object belongs to the published plan (`PUBLIC`) or is seen by
/// the city's staff only (`INTERNAL`). A goal or KPI of an internal measure
/// is internal whatever its own visibility.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "masterplan_domain::visibility::Visibility")]
pub enum Visibility {
    Public,
    Internal,
}

/// Sort direction.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "masterplan_persistence::page::Direction")]
pub enum OrderDirection {
    #[default]
    Asc,
    Desc,
}

/// Why a mutation's input was refused.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "masterplan_domain::validation::UserErrorCode")]
pub enum UserErrorCode {
    Validation,
    NotFound,
    VersionConflict,
    Duplicate,
}

/// What a change recorded in the audit trail did.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "masterplan_domain::audit::AuditAction")]
pub enum AuditAction {
    Create,
    Update,
    Archive,
    Delete,
    Import,
    Revoke,
}

/// What kind of object an audit entry is about.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "masterplan_domain::audit::AuditEntityType")]
pub enum AuditEntityType {
    Plan,
    WorkingGroup,
    Measure,
    Goal,
    Kpi,
    KpiValue,
    ApiToken,
}
