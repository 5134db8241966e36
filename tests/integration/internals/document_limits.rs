//! `api::document_limits`: the measure of a GraphQL document and the limits on it,
//! before it is parsed or executed.

use std::time::{Duration, Instant};

use masterplan_api::document_limits::{
    DocumentLimitError, DocumentLimits, DocumentMeasure, OperationKind, bracket_nesting,
};
use masterplan_api::error::ErrorCode;

/// The measure alone: what these tests look at.
fn check_document(
    query: &str,
    operation_name: Option<&str>,
    limits: &DocumentLimits,
) -> Result<DocumentMeasure, DocumentLimitError> {
    masterplan_api::document_limits::check_document(query, operation_name, limits)
        .map(|(measure, _)| measure)
}

fn check(query: &str) -> Result<DocumentMeasure, DocumentLimitError> {
    check_document(query, None, &DocumentLimits::default())
}

fn measure(
    kind: OperationKind,
    depth: usize,
    fields: usize,
    aliases: usize,
    root_fields: usize,
) -> DocumentMeasure {
    DocumentMeasure {
        kind,
        name: None,
        depth,
        fields,
        aliases,
        root_fields,
    }
}

/// `{ a { a { ... a } } }` with `depth` fields on the deepest path.
fn nested(depth: usize) -> String {
    format!("{{{}a{}}}", "a {".repeat(depth - 1), "}".repeat(depth - 1))
}

/// Fragments `F0..F{count-1}`, each spreading the next twice; the last selects two aliases.
fn exponential_fragments(count: usize) -> String {
    let mut document = String::new();
    for i in 0..count - 1 {
        document.push_str(&format!(
            "fragment F{i} on Query {{ ...F{next} ...F{next} }}\n",
            next = i + 1
        ));
    }
    document.push_str(&format!(
        "fragment F{} on Query {{ a: __typename b: __typename }}\n",
        count - 1
    ));
    document
}

#[test]
fn a_normal_query_passes_with_its_exact_measure() {
    let query = "{ measures(first: 100) { nodes { workingGroup { name } goals { text } kpis { name latestValue { value } values(first: 10) { nodes { value } } } relatedMeasures { code } } } }";
    assert_eq!(check(query), Ok(measure(OperationKind::Query, 6, 15, 0, 1)));
}

#[test]
fn fragments_and_inline_fragments_count_as_their_expansion() {
    let expanded = "{ a: measures { nodes { code title kpis { name } } } \
                    other: measures { nodes { code } } __typename x: __typename }";
    let fragmented = "query { a: measures { ...Page } other: measures { nodes { ... on Measure { code } } } \
                      ... on Query { __typename } ...Roots } \
                      fragment Page on MeasureConnection { nodes { ...Code title kpis { ...Kpi } } } \
                      fragment Code on Measure { code } \
                      fragment Kpi on Kpi { name } \
                      fragment Roots on Query { x: __typename }";
    let expected = measure(OperationKind::Query, 4, 11, 3, 4);
    assert_eq!(check(expanded), Ok(expected.clone()));
    assert_eq!(check(fragmented), Ok(expected));
}

#[test]
fn a_fragment_spread_many_times_counts_every_time() {
    let query = "{ a { ...F } b { ...F } ...F } fragment F on T { x y: z }";
    assert_eq!(check(query), Ok(measure(OperationKind::Query, 2, 8, 3, 4)));
}

#[test]
fn spreads_of_unknown_fragments_count_as_nothing() {
    assert_eq!(
        check("{ a ...Missing }"),
        Ok(measure(OperationKind::Query, 1, 1, 0, 1))
    );
}

#[test]
fn depth_twelve_passes_and_thirteen_is_too_deep() {
    assert_eq!(check(&nested(12)).map(|m| m.depth), Ok(12));
    assert_eq!(
        check(&nested(13)),
        Err(DocumentLimitError::TooDeep { depth: 13, max: 12 })
    );
}

#[test]
fn depth_counts_through_fragments() {
    let query = format!("{{ a {{ ...Deep }} }} fragment Deep on T {}", nested(12));
    assert_eq!(
        check(&query),
        Err(DocumentLimitError::TooDeep { depth: 13, max: 12 })
    );
}

#[test]
fn exponential_fragments_are_rejected_in_linear_time() {
    let query = format!("query {{ ...F0 }}\n{}", exponential_fragments(30));
    let started = Instant::now();
    let result = check(&query);
    let elapsed = started.elapsed();
    assert_eq!(
        result,
        Err(DocumentLimitError::TooManyFields {
            fields: 1 << 30,
            max: 2000
        })
    );
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
}

#[test]
fn expanded_counts_saturate_instead_of_overflowing() {
    let query = format!("query {{ ...F0 }}\n{}", exponential_fragments(99));
    let unlimited = DocumentLimits {
        max_depth: usize::MAX,
        max_fields: usize::MAX,
        max_aliases: usize::MAX,
        max_root_fields: usize::MAX,
        max_fragments: usize::MAX,
        max_operations: usize::MAX,
        max_introspection_lists: usize::MAX,
    };
    assert_eq!(
        check_document(&query, None, &unlimited),
        Ok(measure(
            OperationKind::Query,
            1,
            usize::MAX,
            usize::MAX,
            usize::MAX
        ))
    );
}

#[test]
fn an_abusive_sibling_operation_is_rejected_too() {
    // async-graphql validates every operation of the document, not only the chosen one.
    let query = format!(
        "query Good {{ a }}\nquery Evil {{ ...F0 }}\n{}",
        exponential_fragments(30)
    );
    assert!(matches!(
        check_document(&query, Some("Good"), &DocumentLimits::default()),
        Err(DocumentLimitError::TooManyFields { .. })
    ));
}

#[test]
fn fifty_aliases_pass_and_fifty_one_are_rejected() {
    let aliases = |n: usize| {
        let fields: Vec<String> = (0..n).map(|i| format!("a{i}: x")).collect();
        format!("{{ r {{ {} }} }}", fields.join(" "))
    };
    assert_eq!(check(&aliases(50)).map(|m| m.aliases), Ok(50));
    assert_eq!(
        check(&aliases(51)),
        Err(DocumentLimitError::TooManyAliases {
            aliases: 51,
            max: 50
        })
    );
}

#[test]
fn twenty_root_fields_pass_and_twenty_one_are_rejected() {
    let roots = |n: usize| {
        let fields: Vec<String> = (0..n).map(|i| format!("f{i}")).collect();
        format!("{{ {} }}", fields.join(" "))
    };
    assert_eq!(check(&roots(20)).map(|m| m.root_fields), Ok(20));
    assert_eq!(
        check(&roots(21)),
        Err(DocumentLimitError::TooManyRootFields {
            fields: 21,
            max: 20
        })
    );
    let through_fragments = "{ ...R ... on Query { ...R } } \
                             fragment R on Query { a b c d e f g h i j k }";
    assert_eq!(
        check(through_fragments),
        Err(DocumentLimitError::TooManyRootFields {
            fields: 22,
            max: 20
        })
    );
}

#[test]
fn fragment_cycles_are_rejected() {
    let mutual = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
    assert_eq!(
        check(mutual),
        Err(DocumentLimitError::FragmentCycle("A".into()))
    );
    let through_a_field = "{ ...A } fragment A on Query { x { ...A } }";
    assert_eq!(
        check(through_a_field),
        Err(DocumentLimitError::FragmentCycle("A".into()))
    );
}

#[test]
fn a_long_fragment_chain_does_not_recurse() {
    let n = 20_000;
    let mut query = String::from("{ ...F0 }\n");
    for i in 0..n - 1 {
        query.push_str(&format!("fragment F{i} on Query {{ ...F{} }}\n", i + 1));
    }
    query.push_str(&format!("fragment F{} on Query {{ a }}\n", n - 1));
    let limits = DocumentLimits {
        max_fragments: n,
        ..DocumentLimits::default()
    };
    // A thread with a small stack fails loudly if the walk recursed per fragment.
    let result = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || check_document(&query, None, &limits))
        .expect("spawn")
        .join()
        .expect("no stack overflow");
    assert_eq!(result.map(|m| m.fields), Ok(1));
}

#[test]
fn a_syntax_error_is_reported_as_such() {
    let error = check("{ a ").unwrap_err();
    assert!(matches!(error, DocumentLimitError::Syntax(_)), "{error:?}");
    assert_eq!(error.code(), ErrorCode::GraphqlParseFailed);
}

#[test]
fn the_operation_is_picked_by_name() {
    let query = "query One { a } query Two { b c }";
    let limits = DocumentLimits::default();
    assert_eq!(
        check_document(query, Some("Two"), &limits).map(|m| m.root_fields),
        Ok(2)
    );
    assert_eq!(
        check_document(query, Some("One"), &limits).map(|m| m.root_fields),
        Ok(1)
    );
    assert_eq!(
        check_document(query, None, &limits),
        Err(DocumentLimitError::OperationNotFound(None))
    );
    assert_eq!(
        check_document(query, Some("Three"), &limits),
        Err(DocumentLimitError::OperationNotFound(Some("Three".into())))
    );
    assert_eq!(
        check_document("query Only { a b }", None, &limits).map(|m| m.root_fields),
        Ok(2)
    );
    assert_eq!(
        check_document("{ a }", Some("Named"), &limits),
        Err(DocumentLimitError::OperationNotFound(Some("Named".into())))
    );
}

#[test]
fn the_operation_kind_is_reported() {
    let mutation = "mutation M { createMeasure(input: { code: \"M1\" }) { id } }";
    assert_eq!(check(mutation).map(|m| m.kind), Ok(OperationKind::Mutation));
    assert_eq!(
        check("subscription { changes { id } }").map(|m| m.kind),
        Ok(OperationKind::Subscription)
    );
}

#[test]
fn too_many_fragments_or_operations_are_rejected() {
    let fragments: String = (0..101)
        .map(|i| format!("fragment F{i} on Query {{ a }}\n"))
        .collect();
    assert_eq!(
        check(&format!("{{ a }}\n{fragments}")),
        Err(DocumentLimitError::TooManyFragments {
            fragments: 101,
            max: 100
        })
    );
    let operations: String = (0..21).map(|i| format!("query Q{i} {{ a }}\n")).collect();
    assert_eq!(
        check_document(&operations, Some("Q0"), &DocumentLimits::default()),
        Err(DocumentLimitError::TooManyOperations {
            operations: 21,
            max: 20
        })
    );
}

#[test]
fn a_pathologically_deep_document_is_rejected_before_parsing() {
    let depth = 100_000;
    let braces = format!("{}{}", "{a".repeat(depth), "}".repeat(depth));
    let lists = format!("{{ a(x: {}1{}) }}", "[".repeat(depth), "]".repeat(depth));
    for query in [braces, lists] {
        let started = Instant::now();
        assert!(matches!(
            check(&query),
            Err(DocumentLimitError::TooDeep { max: 12, .. })
        ));
        assert!(started.elapsed() < Duration::from_secs(1));
    }
    let unclosed = "{a".repeat(depth);
    assert!(matches!(
        check(&unclosed),
        Err(DocumentLimitError::TooDeep { depth: 100_000, .. })
    ));
}

#[test]
fn brackets_in_strings_and_comments_do_not_count_as_nesting() {
    let many = "{[".repeat(200);
    let query = format!(
        "# {many}\n{{ a(s: \"{many}\\\"{many}\", b: \"\"\"{many}\\\"\"\"{many}\"\"\") # {many}\n}}"
    );
    assert_eq!(check(&query), Ok(measure(OperationKind::Query, 1, 1, 0, 1)));
}

#[test]
fn an_unterminated_block_string_is_a_syntax_error_found_in_linear_time() {
    // Each `"""` below fails to close, and the parser rescans to the end for every one.
    let query = format!("{{ f(x: [\"\"\" {}]) }}", "\"\"\\\"\"\"".repeat(20_000));
    let started = Instant::now();
    assert_eq!(
        check(&query),
        Err(DocumentLimitError::Syntax(
            "unterminated block string starting at line 1, column 9".into()
        ))
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    let second_line = "{ a\n  b(x: \"\"\"never closed \\\"\"\") }";
    assert_eq!(
        check(second_line),
        Err(DocumentLimitError::Syntax(
            "unterminated block string starting at line 2, column 8".into()
        ))
    );
}

#[test]
fn escaped_and_unclosed_block_strings_are_scanned_in_linear_time() {
    for unit in ["\\\"\"\"", "\"\"\"\"", "\"\"\"\"\"", "\"\\\"\"\"x"] {
        let text = format!("{{ a(x: [\"\"\"{}]) }}", unit.repeat(250_000));
        let started = Instant::now();
        let _ = bracket_nesting(&text);
        assert!(started.elapsed() < Duration::from_secs(1), "{unit}");
    }
}

#[test]
fn errors_have_codes_and_precise_messages() {
    let too_deep = DocumentLimitError::TooDeep { depth: 14, max: 12 };
    assert_eq!(too_deep.code(), ErrorCode::QueryTooComplex);
    assert_eq!(
        too_deep.to_string(),
        "query depth 14 exceeds the limit of 12"
    );
    let too_many = DocumentLimitError::TooManyFields {
        fields: 5321,
        max: 2000,
    };
    assert_eq!(
        too_many.to_string(),
        "the query selects 5321 fields once fragments are expanded; the limit is 2000"
    );
    assert_eq!(
        DocumentLimitError::OperationNotFound(Some("Q".into())).to_string(),
        "the document has no operation named \"Q\""
    );
    assert_eq!(
        DocumentLimitError::OperationNotFound(None).code(),
        ErrorCode::OperationNotFound
    );
    assert_eq!(
        DocumentLimitError::FragmentCycle("A".into()).code(),
        ErrorCode::QueryTooComplex
    );
}

#[test]
fn of_type_chains_do_not_count_as_depth_but_introspection_lists_do() {
    let of_types = "{ __type(name: \"Measure\") { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } }";
    let measured = check_document(of_types, None, &DocumentLimits::default()).unwrap();
    assert_eq!(measured.depth, 4);
    let lists = "{ __schema { types { fields { args { type { fields { name } } } } } } }";
    assert_eq!(
        check_document(lists, None, &DocumentLimits::default()),
        Err(DocumentLimitError::IntrospectionTooDeep { levels: 4, max: 3 })
    );
}
