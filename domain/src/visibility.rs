//! Who may see an object: the published plan (`PUBLIC`) or only the city's
//! own staff (`INTERNAL`), and the audience a reader belongs to.

use crate::status::text_enum;

text_enum!(
    /// Whether an object belongs to the published plan. A goal or KPI of an
    /// internal measure is internal whatever its own visibility.
    Visibility {
        Public => "PUBLIC",
        Internal => "INTERNAL",
    }
);

/// Who reads: the public (anonymous callers, `PUBLIC` tokens, every caller
/// of a `--public-only` server) or staff (`READER` tokens and above).
///
/// The default is the public, so a read that forgets to say whom it serves
/// shows too little rather than too much.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Audience {
    #[default]
    Public,
    Internal,
}

impl Audience {
    /// Whether this audience sees an object of `visibility`.
    pub fn sees(self, visibility: Visibility) -> bool {
        self == Audience::Internal || visibility == Visibility::Public
    }

    /// Whether fields that are internal whatever the object's visibility
    /// (amounts in EUR and FTE, value notes and sources, history) are shown.
    pub fn sees_internal_fields(self) -> bool {
        self == Audience::Internal
    }

    pub fn is_public(self) -> bool {
        self == Audience::Public
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_sees_only_public_objects() {
        assert!(Audience::Public.sees(Visibility::Public));
        assert!(!Audience::Public.sees(Visibility::Internal));
        assert!(Audience::Internal.sees(Visibility::Internal));
        assert!(!Audience::Public.sees_internal_fields());
        assert_eq!(Audience::default(), Audience::Public);
    }

    #[test]
    fn visibility_round_trips_through_text() {
        for v in Visibility::ALL {
            assert_eq!(v.as_str().parse::<Visibility>().unwrap(), *v);
        }
        assert!("public".parse::<Visibility>().is_err());
    }
}
