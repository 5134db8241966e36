//! One id type per table, so that a plan id can never be passed where a
//! measure id is meant: the compiler refuses the swap that a bare `i64` lets
//! through. Each wraps the `BigInt` id column; `DieselNewType` makes it read,
//! written, compared and bound like the `i64` it wraps on both backends.
//! Serialised transparently (as the bare number).
//!
//! Audit entries and search documents store an entity type and a bare id;
//! [`AuditSubject`] and [`Searched`] are the one conversion between the two.

use std::fmt;
use std::hash::Hash;

use diesel_derive_newtype::DieselNewType;
use masterplan_domain::audit::AuditEntityType;
use serde::{Deserialize, Serialize};

use crate::models::search::EntityType;

/// What all id types share, for code generic over them.
pub trait TableId: Copy + Eq + Hash + Ord + fmt::Display {
    fn new(id: i64) -> Self;
    /// The bare number, as stored.
    fn get(self) -> i64;
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord,
            Serialize, Deserialize, DieselNewType,
        )]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            pub const fn new(id: i64) -> Self {
                Self(id)
            }

            /// The bare number, as stored.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl TableId for $name {
            fn new(id: i64) -> Self {
                Self(id)
            }

            fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(PlanId);
id_type!(WorkingGroupId);
id_type!(MeasureId);
id_type!(GoalId);
id_type!(KpiId);
id_type!(KpiTargetId);
id_type!(KpiValueId);
id_type!(ApiTokenId);
id_type!(
    /// An audit entry's id: its place in the hash chain (1, 2, 3, …).
    AuditId
);
id_type!(WebhookId);
id_type!(WebhookDeliveryId);

/// What an audit entry is about, as the log stores it: a type and a bare id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subject {
    pub entity_type: AuditEntityType,
    pub entity_id: i64,
}

impl Subject {
    /// The id, typed by the entity type.
    pub fn id(self) -> SubjectId {
        let id = self.entity_id;
        match self.entity_type {
            AuditEntityType::Plan => SubjectId::Plan(PlanId(id)),
            AuditEntityType::WorkingGroup => SubjectId::WorkingGroup(WorkingGroupId(id)),
            AuditEntityType::Measure => SubjectId::Measure(MeasureId(id)),
            AuditEntityType::Goal => SubjectId::Goal(GoalId(id)),
            AuditEntityType::Kpi => SubjectId::Kpi(KpiId(id)),
            AuditEntityType::KpiValue => SubjectId::KpiValue(KpiValueId(id)),
            AuditEntityType::ApiToken => SubjectId::ApiToken(ApiTokenId(id)),
        }
    }
}

/// The id of what an audit entry is about, one variant per entity type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubjectId {
    Plan(PlanId),
    WorkingGroup(WorkingGroupId),
    Measure(MeasureId),
    Goal(GoalId),
    Kpi(KpiId),
    KpiValue(KpiValueId),
    ApiToken(ApiTokenId),
}

/// The id of an object audit entries are about.
pub trait AuditSubject: TableId {
    const ENTITY: AuditEntityType;

    fn subject(self) -> Subject {
        Subject {
            entity_type: Self::ENTITY,
            entity_id: self.get(),
        }
    }

    /// The id a subject names when it is of this type.
    fn of(subject: Subject) -> Option<Self> {
        (subject.entity_type == Self::ENTITY).then(|| Self::new(subject.entity_id))
    }
}

macro_rules! audit_subject {
    ($($name:ident => $entity:ident),+ $(,)?) => {$(
        impl AuditSubject for $name {
            const ENTITY: AuditEntityType = AuditEntityType::$entity;
        }
    )+};
}

audit_subject!(
    PlanId => Plan,
    WorkingGroupId => WorkingGroup,
    MeasureId => Measure,
    GoalId => Goal,
    KpiId => Kpi,
    KpiValueId => KpiValue,
    ApiTokenId => ApiToken,
);

impl<T: AuditSubject> From<T> for Subject {
    fn from(id: T) -> Self {
        id.subject()
    }
}

/// The id of an object that has a search document.
pub trait Searched: TableId {
    const DOCUMENT: EntityType;
}

impl Searched for MeasureId {
    const DOCUMENT: EntityType = EntityType::Measure;
}

impl Searched for GoalId {
    const DOCUMENT: EntityType = EntityType::Goal;
}

impl Searched for KpiId {
    const DOCUMENT: EntityType = EntityType::Kpi;
}
