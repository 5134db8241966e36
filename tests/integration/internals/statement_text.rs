//! `persistence::statements`: statement texts recorded without their values.

use masterplan_persistence::statements::statement_text;

#[test]
fn parameter_values_are_cut_off() {
    assert_eq!(
        statement_text(r#"SELECT "id" FROM "api_tokens" WHERE "hash" = $1 -- binds: ["secret"]"#),
        r#"SELECT "id" FROM "api_tokens" WHERE "hash" = $1"#
    );
    assert_eq!(statement_text("BEGIN"), "BEGIN");
}
