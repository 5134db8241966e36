//! The README's error table says what the server does: every
//! `extensions.code` there is, once, with the HTTP status the server sends
//! when it refuses a whole request with it.

use masterplan_api::error::ErrorCode;

/// `(code, status)` of each row of the README's error table.
fn table_rows() -> Vec<(String, u16)> {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("\n## Errors\n")
        .nth(1)
        .expect("a section \"## Errors\"");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter_map(|line| {
            let mut cells = line.strip_prefix("| `")?.split(" | ");
            let code = cells.next()?.strip_suffix('`')?.to_owned();
            let status = cells.next()?.parse().ok()?;
            Some((code, status))
        })
        .collect()
}

#[test]
fn the_readme_lists_every_error_code_with_its_http_status() {
    let rows = table_rows();
    let expected: Vec<(String, u16)> = ErrorCode::ALL
        .iter()
        .map(|code| (code.as_str().to_owned(), code.status().as_u16()))
        .collect();
    for row in &expected {
        assert!(rows.contains(row), "README lacks {row:?} (has {rows:?})");
    }
    assert_eq!(
        rows.len(),
        expected.len(),
        "README lists codes the server does not have: {rows:?}"
    );
}
