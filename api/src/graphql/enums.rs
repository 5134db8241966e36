//! GraphQL enums mirroring the domain's vocabularies (the domain stays free of
//! framework types, so each is declared here once and converted both ways).

use async_graphql::Enum;
use masterplan_domain::{kpi, legend, status, timing, validation};

macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident => $domain:path { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant),+ }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                use $domain as D;
                match value { $(D::$variant => $name::$variant),+ }
            }
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                use $domain as D;
                match value { $($name::$variant => D::$variant),+ }
            }
        }
    };
}

mirror_enum!(
    /// Where a measure stands.
    MeasureStatus => status::MeasureStatus { Planned, InProgress, Completed, OnHold, Cancelled }
);
mirror_enum!(
    /// Where a goal stands.
    GoalStatus => status::GoalStatus { Open, InProgress, Achieved, Missed, Dropped }
);
mirror_enum!(
    /// What a KPI's values mean: a count or amount, a percentage (0–100), or a
    /// milestone (0 = not reached, 1 = reached).
    KpiValueType => status::KpiValueType { Number, Percent, Milestone }
);
mirror_enum!(
    /// Which way a KPI should move.
    KpiDirection => status::KpiDirection { Increase, Decrease, None }
);
mirror_enum!(
    /// Cost or personnel class by the plan's legend.
    SizeCategory => legend::SizeCategory { Low, Medium, High }
);
mirror_enum!(
    /// Realisation period class by the plan's legend.
    PeriodCategory => legend::PeriodCategory { Short, Medium, Long }
);
mirror_enum!(
    /// Quick-win potential: "short- to medium-term period and low resource needs".
    QuickWin => legend::QuickWin { Yes, Partial, No, Unknown }
);
mirror_enum!(
    /// How a goal's timing phrase reads: due BY a date, FROM a date on, DURING a year, or NONE.
    TimingKind => timing::TimingKind { By, From, During, None }
);
mirror_enum!(
    /// Direction of the last two values of a KPI.
    Trend => kpi::Trend { Up, Down, Flat }
);

mirror_enum!(
    /// Calendar bucket of a KPI series.
    SeriesInterval => masterplan_domain::series::Interval { Month, Quarter, Year }
);
mirror_enum!(
    /// How a bucket's values become its value: the last one observed, their
    /// sum, average or maximum.
    SeriesAggregate => masterplan_persistence::models::kpi_values::Aggregate { Last, Sum, Avg, Max }
);

mirror_enum!(
    /// What an API token may do.
    Role => status::Role { Reader, Editor, Admin }
);

/// Sort direction.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderDirection {
    #[default]
    Asc,
    Desc,
}

impl From<OrderDirection> for masterplan_persistence::page::Direction {
    fn from(value: OrderDirection) -> Self {
        match value {
            OrderDirection::Asc => Self::Asc,
            OrderDirection::Desc => Self::Desc,
        }
    }
}

mirror_enum!(
    /// Why a mutation's input was refused.
    UserErrorCode => validation::UserErrorCode { Validation, NotFound, VersionConflict, Duplicate }
);

mirror_enum!(
    /// What a change recorded in the audit trail did.
    AuditAction => masterplan_domain::audit::AuditAction { Create, Update, Archive, Delete, Import, Revoke }
);
mirror_enum!(
    /// What kind of object an audit entry is about.
    AuditEntityType => masterplan_domain::audit::AuditEntityType {
        Plan, WorkingGroup, Measure, Goal, Kpi, KpiValue, ApiToken
    }
);
