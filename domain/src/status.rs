//! The closed vocabularies of the plan (statuses, KPI kinds), stored as text.

/// Declares an enum whose variants are stored and exchanged as SCREAMING_CASE
/// text (used here and in `legend`).
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::status::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::status::UnknownValue {
                        kind: stringify!($name),
                        value: s.to_owned(),
                        allowed: &[$($text),+],
                    }),
                }
            }
        }
    };
}

pub(crate) use text_enum;

/// A text that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {kind}; expected one of {}", allowed.join(", "))]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
    pub allowed: &'static [&'static str],
}

text_enum!(
    /// Where a measure stands.
    MeasureStatus {
        Planned => "PLANNED",
        InProgress => "IN_PROGRESS",
        Completed => "COMPLETED",
        OnHold => "ON_HOLD",
        Cancelled => "CANCELLED",
    }
);

text_enum!(
    /// Where a goal stands.
    GoalStatus {
        Open => "OPEN",
        InProgress => "IN_PROGRESS",
        Achieved => "ACHIEVED",
        Missed => "MISSED",
        Dropped => "DROPPED",
    }
);

text_enum!(
    /// What a KPI's values mean.
    KpiValueType {
        Number => "NUMBER",
        Percent => "PERCENT",
        Milestone => "MILESTONE",
    }
);

text_enum!(
    /// Which way a KPI should move.
    KpiDirection {
        Increase => "INCREASE",
        Decrease => "DECREASE",
        None => "NONE",
    }
);

text_enum!(
    /// What an API token may do: read the published plan only (a citizen
    /// portal); read everything; change measures, goals, KPIs and their
    /// values (optionally of listed working groups only); or everything.
    Role {
        Public => "PUBLIC",
        Reader => "READER",
        Editor => "EDITOR",
        Admin => "ADMIN",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for s in MeasureStatus::ALL {
            assert_eq!(s.as_str().parse::<MeasureStatus>().unwrap(), *s);
        }
        assert_eq!(
            "ACHIEVED".parse::<GoalStatus>().unwrap(),
            GoalStatus::Achieved
        );
    }

    #[test]
    fn unknown_text_names_the_allowed_values() {
        let err = "DONE".parse::<MeasureStatus>().unwrap_err();
        assert!(err.to_string().contains("PLANNED, IN_PROGRESS"), "{err}");
    }
}
