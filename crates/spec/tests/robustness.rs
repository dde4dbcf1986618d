//! The loader never panics, whatever it is fed, and every diagnostic it returns points inside
//! the text it names: arbitrary bytes, arbitrary YAML, YAML built from the spec's own
//! vocabulary so that generated input reaches deep into validation, a complete valid spec
//! broken by random edits (structured but wrong), and specs split over two files.

use brickform_spec::{Diagnostic, LoadOptions, Source, Sources, load_sources};
use proptest::prelude::*;

fn assert_spans_inside(diagnostics: &[Diagnostic], sources: &Sources) {
    for diagnostic in diagnostics {
        let labels = std::iter::once(&diagnostic.primary).chain(&diagnostic.secondary);
        for label in labels {
            let span = &label.span;
            let text = sources.text(span.source);
            assert_eq!(&*span.file, sources.name(span.source));
            assert!(
                span.start <= span.end && span.end <= text.len(),
                "{diagnostic:?}"
            );
            assert!(
                text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                "{diagnostic:?}"
            );
            assert!(span.line >= 1 && span.column >= 1, "{diagnostic:?}");
            assert!(
                (span.end_line, span.end_column) >= (span.line, span.column),
                "{diagnostic:?}"
            );
        }
    }
}

fn load_and_check(text: &str) {
    load_files_and_check(&[Source::new("fuzz.yaml", text)]);
}

fn load_files_and_check(sources: &[Source]) {
    let options = LoadOptions {
        variables: vec![("region".to_owned(), "us-west-2".to_owned())],
        ..LoadOptions::default()
    };
    match load_sources(sources, &options) {
        Ok(loaded) => assert_spans_inside(&loaded.warnings, &loaded.sources),
        Err(failed) => {
            assert!(failed.error_count() > 0);
            assert_spans_inside(&failed.diagnostics, &failed.sources);
            // Rendering must not panic either.
            let _ = failed.render();
        }
    }
}

/// A YAML value built from spec words, as flow or block text.
fn yaml_value(depth: u32) -> BoxedStrategy<String> {
    let scalar = prop_oneof![
        Just("main".to_owned()),
        Just("us-west-2".to_owned()),
        Just("us-west-1".to_owned()),
        Just("\"${var.region}\"".to_owned()),
        Just("${env.HOME}".to_owned()),
        Just("${nope".to_owned()),
        Just("arn:aws:iam::123456789012:role/x".to_owned()),
        Just("arn:aws:kms:us-west-2:123456789012:key/abc".to_owned()),
        Just("[MANAGED_SERVICES, STORAGE]".to_owned()),
        Just("[subnet-0a, subnet-0b]".to_owned()),
        Just("true".to_owned()),
        Just("1".to_owned()),
        Just("~".to_owned()),
        Just("absent".to_owned()),
        Just("\"ñandú ☃\"".to_owned()),
        "[a-z_]{0,8}",
    ]
    .boxed();
    if depth == 0 {
        return scalar;
    }
    let key = prop_oneof![
        Just("version"),
        Just("credentials"),
        Just("workspaces"),
        Just("networks"),
        Just("vpc_endpoints"),
        Just("private_access_settings"),
        Just("customer_managed_keys"),
        Just("storage_configurations"),
        Just("variables"),
        Just("account"),
        Just("main"),
        Just("name"),
        Just("role_arn"),
        Just("aws_region"),
        Just("region"),
        Just("network"),
        Just("credentials"),
        Just("storage_configuration"),
        Just("managed_services_key"),
        Just("storage_key"),
        Just("subnet_ids"),
        Just("security_group_ids"),
        Just("use_cases"),
        Just("key_arn"),
        Just("lifecycle"),
        Just("ignore_changes"),
        Just("ensure"),
        Just("existing"),
        Just("deployment_name"),
        Just("allowed_vpc_endpoints"),
        Just("public_access_enabled"),
        Just("rest_api"),
        Just("<<"),
        Just("x-base"),
    ];
    let inner = yaml_value(depth - 1);
    prop_oneof![
        2 => scalar,
        1 => prop::collection::vec((key, inner.clone()), 0..5).prop_map(|entries| {
            let body: Vec<String> = entries.into_iter().map(|(key, value)| format!("{key}: {value}")).collect();
            format!("{{{}}}", body.join(", "))
        }),
        1 => prop::collection::vec(inner, 0..4).prop_map(|items| format!("[{}]", items.join(", "))),
    ]
    .boxed()
}

/// A block-style document with spec sections, values from [`yaml_value`].
fn spec_document() -> impl Strategy<Value = String> {
    let section = prop_oneof![
        Just("credentials"),
        Just("storage_configurations"),
        Just("customer_managed_keys"),
        Just("vpc_endpoints"),
        Just("networks"),
        Just("private_access_settings"),
        Just("workspaces"),
        Just("variables"),
        Just("account"),
        Just("colour"),
    ];
    let resource = prop::collection::vec(("[a-z]{1,5}", yaml_value(2)), 0..4);
    prop::collection::vec((section, resource), 0..6).prop_map(|sections| {
        let mut text = String::from("version: 1\n");
        for (section, resources) in sections {
            text.push_str(section);
            text.push_str(":\n");
            for (key, value) in resources {
                text.push_str(&format!("  {key}: {value}\n"));
            }
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        load_and_check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        load_and_check(&text);
    }

    #[test]
    fn arbitrary_yaml_values_never_panic(value in yaml_value(3)) {
        load_and_check(&value);
        load_and_check(&format!("version: 1\nworkspaces:\n  sales: {value}\n"));
    }

    #[test]
    fn generated_specs_never_panic(text in spec_document()) {
        load_and_check(&text);
    }
}

/// The language reference's complete example, every kind and field in use, with a literal
/// account id: the starting point that the edits below break.
fn valid_spec() -> String {
    include_str!("fixtures/full.yaml").replace(
        "${env.DATABRICKS_ACCOUNT_ID}",
        "\"00000000-0000-0000-0000-000000000001\"",
    )
}

#[test]
fn the_spec_that_the_edits_break_is_valid() {
    let options = LoadOptions {
        variables: vec![("region".to_owned(), "us-west-2".to_owned())],
        ..LoadOptions::default()
    };
    let loaded = load_sources(&[Source::new("full.yaml", valid_spec())], &options);
    assert!(
        loaded.is_ok(),
        "{:?}",
        loaded.err().map(|failed| failed.render())
    );
}

/// One edit of a text: what a hurried hand does to a YAML file.
#[derive(Debug, Clone)]
enum Edit {
    Truncate(prop::sample::Index),
    DeleteLine(prop::sample::Index),
    DuplicateLine(prop::sample::Index),
    SwapLines(prop::sample::Index, prop::sample::Index),
    /// Two spaces more (true) or fewer (false) at the start of a line.
    Indent(prop::sample::Index, bool),
    /// The value after a line's first `: ` becomes another.
    ReplaceValue(prop::sample::Index, String),
    Insert(prop::sample::Index, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    let index = any::<prop::sample::Index>;
    let value = prop_oneof![
        Just("main".to_owned()),
        Just("nope".to_owned()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        Just("~".to_owned()),
        Just("-1".to_owned()),
        Just("true".to_owned()),
        Just("us-west-1".to_owned()),
        Just("\"${var.missing}\"".to_owned()),
        Just("arn:aws:iam::1:role/x".to_owned()),
        Just("[MANAGED_SERVICES]".to_owned()),
        Just("[subnet-0a]".to_owned()),
        Just("{ prevent_destroy: maybe }".to_owned()),
        Just("ABC_Sales!".to_owned()),
        Just("\"ñandú ☃\"".to_owned()),
        Just("&anchor x".to_owned()),
        Just("*anchor".to_owned()),
        "\\PC{0,12}",
    ];
    prop_oneof![
        index().prop_map(Edit::Truncate),
        index().prop_map(Edit::DeleteLine),
        index().prop_map(Edit::DuplicateLine),
        (index(), index()).prop_map(|(first, second)| Edit::SwapLines(first, second)),
        (index(), any::<bool>()).prop_map(|(line, deeper)| Edit::Indent(line, deeper)),
        (index(), value).prop_map(|(line, value)| Edit::ReplaceValue(line, value)),
        (index(), "\\PC{0,6}|[:\\-\\[\\]{}#&*!|>'\"\\n\\t ]{1,3}")
            .prop_map(|(at, text)| Edit::Insert(at, text)),
    ]
}

fn apply_edit(text: &str, edit: &Edit) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let boundary = |index: &prop::sample::Index| {
        let mut at = index.index(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    match edit {
        Edit::Truncate(at) => return text[..boundary(at)].to_owned(),
        Edit::Insert(at, inserted) => {
            let at = boundary(at);
            return format!("{}{inserted}{}", &text[..at], &text[at..]);
        }
        Edit::DeleteLine(line) => {
            lines.remove(line.index(lines.len()));
        }
        Edit::DuplicateLine(line) => {
            let line = line.index(lines.len());
            lines.insert(line, lines[line].clone());
        }
        Edit::SwapLines(first, second) => {
            let (first, second) = (first.index(lines.len()), second.index(lines.len()));
            lines.swap(first, second);
        }
        Edit::Indent(line, deeper) => {
            let count = lines.len();
            let line = &mut lines[line.index(count)];
            if *deeper {
                line.insert_str(0, "  ");
            } else if let Some(rest) = line.strip_prefix("  ") {
                *line = rest.to_owned();
            }
        }
        Edit::ReplaceValue(line, value) => {
            let count = lines.len();
            let line = &mut lines[line.index(count)];
            if let Some(colon) = line.find(": ") {
                line.replace_range(colon + 2.., value);
            }
        }
    }
    lines.join("\n") + "\n"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn a_valid_spec_broken_by_random_edits_never_panics(edits in prop::collection::vec(edit(), 1..4)) {
        let text = edits.iter().fold(valid_spec(), |text, edit| apply_edit(&text, edit));
        load_and_check(&text);
    }

    #[test]
    fn a_spec_split_over_two_files_never_panics(
        split in any::<prop::sample::Index>(),
        repeated in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 0..3),
    ) {
        // Two files of one directory: the second repeats a line of the first (a key defined
        // twice, or a section header), so that diagnostics point into both.
        let text = edits.iter().fold(valid_spec(), |text, edit| apply_edit(&text, edit));
        let lines: Vec<&str> = text.lines().collect();
        let at = split.index(lines.len() + 1);
        let mut second: Vec<&str> = lines[at..].to_vec();
        if let Some(line) = lines.get(repeated.index(lines.len().max(1))) {
            second.insert(0, line);
        }
        load_files_and_check(&[
            Source::new("a.yaml", lines[..at].join("\n")),
            Source::new("b.yaml", second.join("\n")),
        ]);
    }
}
