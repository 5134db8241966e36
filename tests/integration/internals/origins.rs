//! `api::cli`: the origins a server may allow for browsers.

use masterplan_api::cli::parse_origin;

#[test]
fn origins_are_scheme_host_and_port_only() {
    assert_eq!(
        parse_origin("https://portal.dortmund.de/").unwrap(),
        "https://portal.dortmund.de"
    );
    assert!(parse_origin("http://localhost:5173").is_ok());
    assert!(parse_origin("portal.dortmund.de").is_err());
    assert!(parse_origin("https://portal.dortmund.de/widgets").is_err());
    assert!(parse_origin("https://").is_err());
}
