//! How inputs combine: many mistakes at once, several files, variables from the spec, variable
//! files and `--var`, and the environment.

use brickform_spec::{
    Address, Code, Environment, LoadOptions, ResourceConfig, Severity, Source, load_sources, render,
};

fn region_of(loaded: &brickform_spec::Loaded, key: &str) -> String {
    let address: Address = format!("vpc_endpoints.{key}").parse().unwrap();
    match &loaded.spec.resource(&address).unwrap().config {
        ResourceConfig::VpcEndpoint(endpoint) => endpoint.region.clone(),
        other => panic!("{other:?}"),
    }
}

/// Ten different mistakes in one spec: ten diagnostics in one run, each at its line and column.
#[test]
fn ten_mistakes_yield_ten_diagnostics_at_the_right_places() {
    let yaml = "\
version: 1
credentials:
  main:
    name: acme-cross-account
    role_arn: arn:aws:iam::123:role/acme
    colour: blue
storage_configurations:
  root:
    name: acme-root
customer_managed_keys:
  kms:
    key_arn: arn:aws:kms:us-west-2:123456789012:key/abcd
    use_cases: [STORAGE]
networks:
  main:
    name: acme-vpc
    vpc_id: vpc-0123
    subnet_ids: [subnet-0a]
    security_group_ids: [sg-01]
workspaces:
  sales:
    workspace_name: sales
    deployment_name: abc_sales
    aws_region: us-west-3
    credentials: mian
    storage_configuration: root
    network: main
    managed_services_key: kms
    pricing_tier: GOLD
    custom_tags: ${var.tags}
";
    let failed =
        load_sources(&[Source::new("prod.yaml", yaml)], &LoadOptions::default()).unwrap_err();
    let found: Vec<(&str, u32, u32)> = failed
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let span = &diagnostic.primary.span;
            (diagnostic.code.as_str(), span.line, span.column)
        })
        .collect();
    assert_eq!(
        found,
        [
            ("E0401", 5, 15),  // a role ARN with a short account number
            ("E0101", 6, 5),   // unknown field `colour`
            ("E0103", 8, 3),   // a storage configuration without `bucket_name`
            ("E0408", 18, 17), // one subnet
            ("E0406", 23, 22), // `_` in a deployment name
            ("E0403", 24, 17), // an unsupported region
            ("E0201", 25, 18), // unknown credentials `mian`
            ("E0405", 28, 27), // a STORAGE-only key as the managed-services key
            ("E0104", 29, 19), // an unknown pricing tier
            ("E0102", 30, 18), // custom_tags is a string, not a mapping
        ]
    );
    assert_eq!(failed.error_count(), 10);
    insta::assert_snapshot!("ten_mistakes", failed.render());
}

const ENDPOINTS: &str = "\
version: 1
variables:
  region: us-west-2
  other: us-east-1
vpc_endpoints:
  a: { name: endpoint-a, aws_vpc_endpoint_id: vpce-0a, region: \"${var.region}\" }
  b: { name: endpoint-b, aws_vpc_endpoint_id: vpce-0b, region: \"${var.other}\" }
";

#[test]
fn variables_come_from_the_spec_then_files_then_the_command_line() {
    let source = Source::new("spec.yaml", ENDPOINTS);
    let defaults = load_sources(std::slice::from_ref(&source), &LoadOptions::default()).unwrap();
    assert_eq!(region_of(&defaults, "a"), "us-west-2");

    let options = LoadOptions {
        variable_files: vec![
            Source::new("one.yaml", "region: eu-west-1\nother: eu-west-2\n"),
            Source::new("two.yaml", "region: eu-central-1\n"),
        ],
        variables: vec![("other".to_owned(), "ap-south-1".to_owned())],
        ..LoadOptions::default()
    };
    let overridden = load_sources(std::slice::from_ref(&source), &options).unwrap();
    assert_eq!(region_of(&overridden, "a"), "eu-central-1");
    assert_eq!(region_of(&overridden, "b"), "ap-south-1");
    assert!(overridden.warnings.is_empty(), "{:?}", overridden.warnings);
}

#[test]
fn a_command_line_variable_nobody_uses_is_a_warning_at_its_flag() {
    let options = LoadOptions {
        variables: vec![("regoin".to_owned(), "eu-west-1".to_owned())],
        ..LoadOptions::default()
    };
    let loaded = load_sources(&[Source::new("spec.yaml", ENDPOINTS)], &options).unwrap();
    let rendered: Vec<String> = loaded
        .warnings
        .iter()
        .map(|warning| render(warning, &loaded.sources, false))
        .collect();
    insta::assert_snapshot!("unused_variable", rendered.join("\n"));
    assert_eq!(loaded.warnings[0].code, Code::UnusedVariable);
    assert_eq!(loaded.warnings[0].severity, Severity::Warning);
}

#[test]
fn errors_in_variable_files_point_into_them() {
    let options = LoadOptions {
        variable_files: vec![Source::new("vars.yaml", "region: [eu-west-1]\n")],
        ..LoadOptions::default()
    };
    let failed = load_sources(&[Source::new("spec.yaml", ENDPOINTS)], &options).unwrap_err();
    let diagnostic = &failed.diagnostics[0];
    assert_eq!(diagnostic.code, Code::WrongType);
    assert_eq!(&*diagnostic.primary.span.file, "vars.yaml");
    assert_eq!(
        (diagnostic.primary.span.line, diagnostic.primary.span.column),
        (1, 9)
    );
}

#[test]
fn the_environment_is_injected_and_never_read_from_the_process() {
    let yaml = "version: 1\naccount:\n  id: ${env.BRICKFORM_TEST_ACCOUNT}\n";
    let options = LoadOptions {
        environment: Environment::from_pairs([("BRICKFORM_TEST_ACCOUNT", "acc-42")]),
        ..LoadOptions::default()
    };
    let loaded = load_sources(&[Source::new("spec.yaml", yaml)], &options).unwrap();
    assert_eq!(loaded.spec.account().id.as_deref(), Some("acc-42"));
    let failed =
        load_sources(&[Source::new("spec.yaml", yaml)], &LoadOptions::default()).unwrap_err();
    assert_eq!(
        failed.diagnostics[0].code,
        Code::UndefinedEnvironmentVariable
    );
    assert_eq!(
        (
            failed.diagnostics[0].primary.span.line,
            failed.diagnostics[0].primary.span.column
        ),
        (3, 7)
    );
}

#[test]
fn files_merge_and_an_address_defined_twice_names_both_files() {
    let first = Source::new(
        "specs/a.yaml",
        "version: 1\ncredentials:\n  main:\n    name: acme-main\n    role_arn: arn:aws:iam::123456789012:role/a\n",
    );
    let second = Source::new(
        "specs/b.yaml",
        "version: 1\nvariables:\n  unused: x\ncredentials:\n  main:\n    name: acme-other\n    role_arn: arn:aws:iam::123456789012:role/b\n  extra:\n    name: acme-extra\n    role_arn: arn:aws:iam::123456789012:role/c\n",
    );
    let failed =
        load_sources(&[first.clone(), second.clone()], &LoadOptions::default()).unwrap_err();
    assert_eq!(failed.error_count(), 1);
    insta::assert_snapshot!("duplicate_address_across_files", failed.render());

    let third = Source::new(
        "specs/c.yaml",
        "version: 1\nvariables:\n  unused: y\naccount:\n  id: one\n",
    );
    let fourth = Source::new("specs/d.yaml", "version: 1\naccount:\n  id: two\n");
    let failed = load_sources(&[second, third, fourth], &LoadOptions::default()).unwrap_err();
    let codes: Vec<&str> = failed
        .diagnostics
        .iter()
        .map(|diagnostic| diagnostic.code.as_str())
        .collect();
    assert_eq!(codes, ["E0106", "E0106"], "{failed:?}");
}

#[test]
fn merged_files_resolve_references_in_any_order() {
    let workspaces = Source::new(
        "a-workspaces.yaml",
        "version: 1\nworkspaces:\n  sales: {workspace_name: sales, aws_region: us-east-1, credentials: main, storage_configuration: root}\n",
    );
    let base = Source::new(
        "b-base.yaml",
        "version: 1\ncredentials:\n  main: {name: acme-main, role_arn: \"arn:aws:iam::123456789012:role/a\"}\nstorage_configurations:\n  root: {name: acme-root, bucket_name: acme-root}\n",
    );
    let loaded = load_sources(&[workspaces, base], &LoadOptions::default()).unwrap();
    let last = loaded.spec.resources().last().unwrap();
    assert_eq!(last.address.to_string(), "workspaces.sales");
    assert_eq!(last.origin.file, "a-workspaces.yaml");
}
