//! `api::graphql::portfolio`: the order and names of a count's buckets.

use masterplan_api::graphql::portfolio::{buckets, names};
use masterplan_domain::legend::SizeCategory;

#[test]
fn buckets_list_every_key_then_extras_then_unclassified() {
    let counts = vec![
        (Some("HIGH".to_owned()), 2),
        (None, 5),
        (Some("LOW".to_owned()), 1),
    ];
    let result = buckets(names(SizeCategory::ALL), counts);
    let pairs: Vec<(&str, i64)> = result.iter().map(|b| (b.key.as_str(), b.count)).collect();
    assert_eq!(
        pairs,
        [("LOW", 1), ("MEDIUM", 0), ("HIGH", 2), ("UNCLASSIFIED", 5)]
    );
}
