//! Checks of the values that writes bring in, shared by the API's mutations
//! and the plan file check: each returns the problem's message, or `None`.
//! [`FieldError`] is what a rejected write reports, per input field.

use crate::status::text_enum;

text_enum!(
    /// Why a write was refused (the `code` of a GraphQL `userErrors` entry;
    /// not the `extensions.code` of a top-level error, which is the API's own).
    UserErrorCode {
        Validation => "VALIDATION",
        NotFound => "NOT_FOUND",
        VersionConflict => "VERSION_CONFLICT",
        Duplicate => "DUPLICATE",
    }
);

/// One reason a write was refused, naming the input field it is about as a
/// path of input names (e.g. `["values", "3", "value"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: Vec<String>,
    pub message: String,
    pub code: UserErrorCode,
    /// For `VERSION_CONFLICT`: the version the object has now.
    pub current_version: Option<i32>,
}

impl FieldError {
    pub fn new(code: UserErrorCode, field: &[&str], message: impl Into<String>) -> Self {
        Self {
            field: field.iter().map(|f| (*f).to_owned()).collect(),
            message: message.into(),
            code,
            current_version: None,
        }
    }

    pub fn invalid(field: &[&str], message: impl Into<String>) -> Self {
        Self::new(UserErrorCode::Validation, field, message)
    }

    pub fn not_found(field: &[&str], message: impl Into<String>) -> Self {
        Self::new(UserErrorCode::NotFound, field, message)
    }

    pub fn duplicate(field: &[&str], message: impl Into<String>) -> Self {
        Self::new(UserErrorCode::Duplicate, field, message)
    }

    pub fn version_conflict(what: &str, expected: i32, current: i32) -> Self {
        Self {
            current_version: Some(current),
            ..Self::new(
                UserErrorCode::VersionConflict,
                &["expectedVersion"],
                format!(
                    "the {what} was changed by someone else: expected version {expected}, \
                     it is at version {current}; reload it and apply your change again"
                ),
            )
        }
    }

    /// The same error about another field: a path starting with `from` starts
    /// with `to` instead (e.g. `id` → `values.3.kpiId`).
    pub fn renamed(mut self, from: &str, to: &[&str]) -> Self {
        if self.field.first().is_some_and(|f| f == from) {
            self.field.splice(0..1, to.iter().map(|t| (*t).to_owned()));
        }
        self
    }

    /// The same error one level deeper: `values` + `["3", "value"]`.
    pub fn under(mut self, prefix: &[&str]) -> Self {
        let mut field: Vec<String> = prefix.iter().map(|p| (*p).to_owned()).collect();
        field.append(&mut self.field);
        self.field = field;
        self
    }
}

pub const MAX_SLUG_CHARS: usize = 64;
pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_CODE_CHARS: usize = 16;
pub const MAX_SHORT_TEXT_CHARS: usize = 500;
pub const MAX_NOTE_CHARS: usize = 2_000;
pub const MAX_LONG_TEXT_CHARS: usize = 50_000;

/// A required text: not blank, at most `max` characters.
pub fn required_text(value: &str, max: usize) -> Option<String> {
    let chars = value.trim().chars().count();
    if chars == 0 {
        Some("must not be empty".to_owned())
    } else {
        too_long(value, max)
    }
}

/// An optional text's length and characters (blank is allowed: it clears
/// the field). Control characters are refused (PostgreSQL cannot store NUL,
/// and none belongs in a plan); texts that may be long (notes, descriptions:
/// [`MAX_NOTE_CHARS`] and more) may hold tabs and line breaks.
pub fn too_long(value: &str, max: usize) -> Option<String> {
    let chars = value.chars().count();
    if chars > max {
        return Some(format!("must be at most {max} characters, has {chars}"));
    }
    let multiline = max >= MAX_NOTE_CHARS;
    value
        .chars()
        .find(|c| c.is_control() && !(multiline && is_line_space(*c)))
        .map(|c| {
            format!(
                "must not contain the control character U+{:04X}{}",
                u32::from(c),
                if multiline {
                    ""
                } else {
                    " (line breaks and tabs included)"
                }
            )
        })
}

fn is_line_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r')
}

/// The first control character other than tab and line breaks in a text
/// (the rule for every string argument of a request).
pub fn control_character(value: &str) -> Option<char> {
    value.chars().find(|c| c.is_control() && !is_line_space(*c))
}

/// A plan slug: lowercase letters a-z, digits and `-`.
pub fn slug_problem(slug: &str) -> Option<String> {
    if slug.is_empty() {
        Some("must not be empty".to_owned())
    } else if !slug
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Some(format!(
            "{slug:?} may contain only lowercase letters a-z, digits and '-'"
        ))
    } else if slug.len() > MAX_SLUG_CHARS {
        Some(format!(
            "must be at most {MAX_SLUG_CHARS} characters, has {}",
            slug.len()
        ))
    } else {
        None
    }
}

/// Digits separated by dots ("1.2", "1.10"); a single number ("7") is allowed
/// for plans that do not nest their measures.
pub fn is_measure_code(code: &str) -> bool {
    code.len() <= MAX_CODE_CHARS
        && code
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

pub fn measure_code_problem(code: &str) -> Option<String> {
    (!is_measure_code(code)).then(|| {
        format!("{code:?} is not a measure code; expected digits separated by dots, like \"1.2\"")
    })
}

/// A working group's code ("I", "IV", "A1"): letters and digits.
pub fn working_group_code_problem(code: &str) -> Option<String> {
    if code.is_empty() {
        Some("must not be empty".to_owned())
    } else if code.len() > MAX_CODE_CHARS || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Some(format!(
            "{code:?} is not a working group code; use up to {MAX_CODE_CHARS} letters and digits, like \"III\""
        ))
    } else {
        None
    }
}

/// An estimate (euros, FTE, months) cannot be negative or infinite.
pub fn estimate_problem(value: f64) -> Option<String> {
    if !value.is_finite() {
        Some(format!("must be a finite number, got {value}"))
    } else if value < 0.0 {
        Some(format!("must not be negative, got {value}"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_and_line_breaks_only_in_long_texts() {
        assert!(
            too_long("Bürger\u{0}portal", MAX_TITLE_CHARS)
                .unwrap()
                .contains("U+0000")
        );
        assert!(
            required_text("zwei\nZeilen", MAX_TITLE_CHARS)
                .unwrap()
                .contains("U+000A")
        );
        assert!(too_long("zwei\nZeilen\tund Tab", MAX_LONG_TEXT_CHARS).is_none());
        assert!(too_long("Glocke\u{7}", MAX_NOTE_CHARS).is_some());
        assert_eq!(control_character("a\u{0}"), Some('\u{0}'));
        assert_eq!(control_character("a\nb\t"), None);
    }

    #[test]
    fn texts() {
        assert!(required_text("  ", 10).is_some());
        assert!(required_text("Bürgerportal", 12).is_none());
        assert!(required_text("Bürgerportal", 11).is_some());
        assert!(too_long("", 0).is_none());
    }

    #[test]
    fn codes_and_slugs() {
        assert!(is_measure_code("1.10"));
        assert!(!is_measure_code("1."));
        assert!(!is_measure_code("1.a"));
        assert!(slug_problem("masterplan-2026").is_none());
        assert!(slug_problem("Masterplan").is_some());
        assert!(working_group_code_problem("IV").is_none());
        assert!(working_group_code_problem("I V").is_some());
    }

    #[test]
    fn estimates() {
        assert!(estimate_problem(0.0).is_none());
        assert!(estimate_problem(-1.0).is_some());
        assert!(estimate_problem(f64::NAN).is_some());
    }

    #[test]
    fn nested_fields() {
        let err = FieldError::invalid(&["value"], "bad").under(&["values", "3"]);
        assert_eq!(err.field, ["values", "3", "value"]);
    }
}
