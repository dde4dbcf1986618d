//! One case per rule of the spec language: each feeds a small spec through the loader and
//! snapshots the rendered diagnostics (spans, carets and help included), exactly as
//! `brickform validate` prints them. The snapshot files also record the input.

use brickform_spec::{Environment, LoadOptions, Source, load_sources, render};

/// A valid base: credentials, storage, a key, two endpoints, a network, settings, a workspace.
const BASE: &str = "\
version: 1
credentials:
  main:
    name: acme-cross-account
    role_arn: arn:aws:iam::123456789012:role/acme-databricks
storage_configurations:
  root:
    name: acme-root
    bucket_name: acme-dbfs-root
customer_managed_keys:
  kms:
    key_arn: arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    use_cases: [MANAGED_SERVICES]
vpc_endpoints:
  rest: { name: acme-rest, aws_vpc_endpoint_id: vpce-0aaa, region: us-west-2 }
  relay: { name: acme-relay, aws_vpc_endpoint_id: vpce-0bbb, region: us-west-2 }
";

/// Renders what `validate` would print for `yaml`: every diagnostic, or "valid" and warnings.
fn validate(yaml: &str) -> String {
    let options = LoadOptions {
        environment: Environment::from_pairs([("DATABRICKS_ACCOUNT_ID", "0000")]),
        ..LoadOptions::default()
    };
    match load_sources(&[Source::new("spec.yaml", yaml)], &options) {
        Ok(loaded) => {
            let mut out = format!("valid: {} resources\n", loaded.spec.resources().len());
            for warning in &loaded.warnings {
                out.push('\n');
                out.push_str(&render(warning, &loaded.sources, false));
            }
            out
        }
        Err(failed) => failed.render(),
    }
}

#[track_caller]
fn check(name: &str, yaml: &str) {
    let rendered = validate(yaml);
    insta::with_settings!({
        description => yaml,
        omit_expression => true,
        prepend_module_to_snapshot => false,
        snapshot_path => "snapshots/rules",
    }, {
        insta::assert_snapshot!(name, rendered);
    });
}

fn with_base(rest: &str) -> String {
    format!("{BASE}{rest}")
}

const WORKSPACE: &str = "\
workspaces:
  sales:
    workspace_name: sales
    aws_region: us-west-2
    credentials: main
    storage_configuration: root
";

#[test]
fn base_is_valid() {
    check("base_is_valid", &with_base(WORKSPACE));
}

#[test]
fn yaml_syntax_error() {
    check(
        "yaml_syntax_error",
        "version: 1\ncredentials:\n  main: {name: acme, role_arn: [x\n",
    );
}

#[test]
fn duplicate_yaml_key() {
    check(
        "duplicate_yaml_key",
        "version: 1\ncredentials:\n  main:\n    name: acme-one\n    name: acme-two\n    role_arn: arn:aws:iam::123456789012:role/x\n",
    );
}

#[test]
fn unsupported_yaml_tag() {
    check(
        "unsupported_yaml_tag",
        "version: 1\ncredentials:\n  main:\n    name: !secret acme-one\n    role_arn: arn:aws:iam::123456789012:role/x\n",
    );
}

#[test]
fn empty_file() {
    check("empty_file", "# nothing here yet\n");
}

#[test]
fn unknown_field_suggests_the_closest() {
    check(
        "unknown_field",
        &with_base(
            "workspaces:\n  sales:\n    workspace_name: sales\n    aws_regoin: us-west-2\n    credentials: main\n    storage_configuration: root\n    colour: blue\n",
        ),
    );
}

#[test]
fn unknown_section() {
    check("unknown_section", "version: 1\nworkspace:\n  sales: {}\n");
}

#[test]
fn wrong_types() {
    check(
        "wrong_types",
        "version: 1\nnetworks:\n  main:\n    name: acme-vpc\n    vpc_id: vpc-0123\n    subnet_ids: subnet-0a\n    security_group_ids: [sg-01]\nprivate_access_settings:\n  pl:\n    name: acme-pas\n    region: us-west-2\n    public_access_enabled: \"false\"\nworkspaces:\n  sales: [a, b]\n",
    );
}

#[test]
fn missing_required_fields() {
    check(
        "missing_required_fields",
        "version: 1\ncredentials:\n  main:\n    name: acme-cross-account\n    role_arn:\nworkspaces:\n  sales:\n    workspace_name: sales\n",
    );
}

#[test]
fn missing_version() {
    check(
        "missing_version",
        "credentials:\n  main: {name: acme-one, role_arn: \"arn:aws:iam::123456789012:role/x\"}\n",
    );
}

#[test]
fn unsupported_version() {
    check("unsupported_version", "version: 2\n");
}

#[test]
fn invalid_enum_values() {
    check(
        "invalid_enum_values",
        "version: 1\ncustomer_managed_keys:\n  kms:\n    key_arn: arn:aws:kms:us-west-2:123456789012:key/abcd\n    use_cases: [MANAGED_SERVICE]\n  none:\n    key_arn: arn:aws:kms:us-west-2:123456789012:key/ef01\n    use_cases: []\nworkspaces:\n  sales:\n    workspace_name: sales\n    aws_region: us-west-2\n    credentials: main\n    storage_configuration: root\n    pricing_tier: enterprise\n    ensure: gone\ncredentials:\n  main: {name: acme-main, role_arn: \"arn:aws:iam::123456789012:role/x\"}\nstorage_configurations:\n  root: {name: acme-root, bucket_name: acme-root}\n",
    );
}

#[test]
fn invalid_resource_key() {
    check(
        "invalid_resource_key",
        "version: 1\ncredentials:\n  main.v2:\n    name: acme-one\n    role_arn: arn:aws:iam::123456789012:role/x\n",
    );
}

#[test]
fn dangling_reference_lists_the_keys() {
    check(
        "dangling_reference",
        &with_base(
            "workspaces:\n  sales:\n    workspace_name: sales\n    aws_region: us-west-2\n    credentials: mian\n    storage_configuration: root\n",
        ),
    );
}

#[test]
fn reference_to_the_wrong_kind() {
    check(
        "wrong_kind_reference",
        &with_base(
            "workspaces:\n  sales:\n    workspace_name: sales\n    aws_region: us-west-2\n    credentials: main\n    storage_configuration: credentials.main\n    network: rest\n",
        ),
    );
}

#[test]
fn qualified_references_resolve() {
    check(
        "qualified_reference",
        &with_base(
            "workspaces:\n  sales:\n    workspace_name: sales\n    aws_region: us-west-2\n    credentials: credentials.main\n    storage_configuration: storage_configurations.root\n",
        ),
    );
}

#[test]
fn absent_resource_still_referenced() {
    check("absent_but_referenced", &with_base("workspaces:\n  sales:\n    workspace_name: sales\n    aws_region: us-west-2\n    credentials: main\n    storage_configuration: root\n    managed_services_key: kms\n").replace("    use_cases: [MANAGED_SERVICES]\n", "    use_cases: [MANAGED_SERVICES]\n    ensure: absent\n"));
}

#[test]
fn absent_and_existing_resources_need_only_their_identity() {
    check(
        "absent_and_existing_need_identity",
        "version: 1\ncredentials:\n  old:\n    name: acme-old\n    ensure: absent\n  shared:\n    name: shared-role\n    existing: true\nworkspaces:\n  legacy:\n    deployment_name: legacy\n    existing: true\n  nameless:\n    existing: true\n",
    );
}

#[test]
fn existing_and_absent_conflict() {
    check(
        "existing_and_absent",
        "version: 1\ncredentials:\n  old:\n    name: acme-old\n    existing: true\n    ensure: absent\n",
    );
}

#[test]
fn duplicate_names_within_a_kind() {
    check(
        "duplicate_names",
        "version: 1\ncredentials:\n  main:\n    name: acme-cross-account\n    role_arn: arn:aws:iam::123456789012:role/one\n  second:\n    name: acme-cross-account\n    role_arn: arn:aws:iam::123456789012:role/two\ncustomer_managed_keys:\n  a: {key_arn: \"arn:aws:kms:us-west-2:123456789012:key/abcd\", use_cases: [STORAGE, MANAGED_SERVICES]}\n  b: {key_arn: \"arn:aws:kms:us-west-2:123456789012:key/abcd\", use_cases: [MANAGED_SERVICES, STORAGE]}\n  c: {key_arn: \"arn:aws:kms:us-west-2:123456789012:key/abcd\", use_cases: [STORAGE]}\n",
    );
}

#[test]
fn duplicate_workspace_deployment_names() {
    check(
        "duplicate_deployment_names",
        &with_base(
            "workspaces:\n  a: {workspace_name: a, deployment_name: sales, aws_region: us-west-2, credentials: main, storage_configuration: root}\n  b: {workspace_name: b, deployment_name: Sales, aws_region: us-west-2, credentials: main, storage_configuration: root}\n",
        ),
    );
}

#[test]
fn one_network_for_two_workspaces() {
    check(
        "shared_network",
        &with_base(
            "networks:\n  main:\n    name: acme-vpc\n    vpc_id: vpc-0123\n    subnet_ids: [subnet-0a, subnet-0b]\n    security_group_ids: [sg-01]\nworkspaces:\n  a: {workspace_name: a, aws_region: us-west-2, credentials: main, storage_configuration: root, network: main}\n  b: {workspace_name: b, aws_region: us-west-2, credentials: main, storage_configuration: root, network: main}\n",
        ),
    );
}

#[test]
fn undefined_variable() {
    check(
        "undefined_variable",
        "version: 1\nvariables:\n  region: us-west-2\n  bucket:\nstorage_configurations:\n  root:\n    name: acme-${var.regoin}\n    bucket_name: ${var.bucket}\n",
    );
}

#[test]
fn undefined_environment_variable() {
    check(
        "undefined_environment_variable",
        "version: 1\naccount:\n  id: ${env.DATABRICKS_ACOUNT_ID}\n",
    );
}

#[test]
fn malformed_interpolation() {
    check(
        "malformed_interpolation",
        "version: 1\ncredentials:\n  main:\n    name: acme-${region}\n    role_arn: arn:aws:iam::${var.account:role/x\n",
    );
}

#[test]
fn invalid_role_arn() {
    check(
        "invalid_role_arn",
        "version: 1\ncredentials:\n  main:\n    name: acme-one\n    role_arn: arn:aws:iam::1234:user/me\nstorage_configurations:\n  root:\n    name: acme-root\n    bucket_name: acme-root\n    role_arn: acme-role\n",
    );
}

#[test]
fn invalid_key_arn() {
    check(
        "invalid_key_arn",
        "version: 1\ncustomer_managed_keys:\n  kms:\n    key_arn: arn:aws:kms:us-west-2:123456789012:alias/databricks\n    use_cases: [STORAGE]\n",
    );
}

#[test]
fn unsupported_regions() {
    check("unsupported_region", &with_base("workspaces:\n  sales:\n    workspace_name: sales\n    aws_region: us-west-3\n    credentials: main\n    storage_configuration: root\n").replace("region: us-west-2 }\n  relay", "region: mars-north-1 }\n  relay"));
}

#[test]
fn customer_managed_key_in_us_west_1() {
    check(
        "key_in_us_west_1",
        &with_base(
            "workspaces:\n  sales:\n    workspace_name: sales\n    aws_region: us-west-1\n    credentials: main\n    storage_configuration: root\n    managed_services_key: kms\n",
        ),
    );
}

#[test]
fn key_use_cases_must_fit_the_slot() {
    check(
        "key_use_case_mismatch",
        &with_base(
            "workspaces:\n  sales:\n    workspace_name: sales\n    aws_region: us-west-2\n    credentials: main\n    storage_configuration: root\n    managed_services_key: kms\n    storage_key: kms\n",
        ),
    );
}

#[test]
fn key_region_must_match_the_workspace() {
    check(
        "key_region_mismatch",
        &with_base(
            "workspaces:\n  sales:\n    workspace_name: sales\n    aws_region: eu-west-1\n    credentials: main\n    storage_configuration: root\n    managed_services_key: kms\n",
        ),
    );
}

#[test]
fn deployment_name_rules() {
    check(
        "deployment_names",
        &with_base(
            "account:\n  deployment_name_prefix: acme\nworkspaces:\n  a: {workspace_name: a, deployment_name: abc_sales, aws_region: us-west-2, credentials: main, storage_configuration: root}\n  b: {workspace_name: b, deployment_name: -sales, aws_region: us-west-2, credentials: main, storage_configuration: root}\n  c: {workspace_name: c, deployment_name: sales-0123456789-0123456789-0123456789-0123456789-0123456789, aws_region: us-west-2, credentials: main, storage_configuration: root}\n  d: {workspace_name: d, deployment_name: ABCSales, aws_region: us-west-2, credentials: main, storage_configuration: root}\n  e: {workspace_name: e, deployment_name: EMPTY, aws_region: us-west-2, credentials: main, storage_configuration: root}\n",
        ),
    );
}

#[test]
fn private_access_settings_region_must_match() {
    check(
        "pas_region_mismatch",
        &with_base(
            "private_access_settings:\n  pl:\n    name: acme-pas\n    region: eu-west-1\nworkspaces:\n  sales:\n    workspace_name: sales\n    aws_region: us-west-2\n    credentials: main\n    storage_configuration: root\n    private_access_settings: pl\n",
        ),
    );
}

#[test]
fn endpoint_region_must_match() {
    check("endpoint_region_mismatch", &with_base("networks:\n  main:\n    name: acme-vpc\n    vpc_id: vpc-0123\n    subnet_ids: [subnet-0a, subnet-0b]\n    security_group_ids: [sg-01]\n    vpc_endpoints: { rest_api: [rest], dataplane_relay: [relay] }\nworkspaces:\n  sales:\n    workspace_name: sales\n    aws_region: us-west-2\n    credentials: main\n    storage_configuration: root\n    network: main\n").replace("aws_vpc_endpoint_id: vpce-0bbb, region: us-west-2", "aws_vpc_endpoint_id: vpce-0bbb, region: us-east-1"));
}

#[test]
fn networks_need_two_subnets_and_one_to_five_security_groups() {
    check(
        "network_counts",
        "version: 1\nnetworks:\n  one:\n    name: acme-one\n    vpc_id: vpc-0123\n    subnet_ids: [subnet-0a]\n    security_group_ids: []\n  two:\n    name: acme-two\n    vpc_id: vpc-0456\n    subnet_ids: [subnet-0c, subnet-0d]\n    security_group_ids: [sg-01, sg-02, sg-03, sg-04, sg-05, sg-06]\n",
    );
}

#[test]
fn ignore_changes_names_real_fields() {
    check(
        "ignore_changes",
        &with_base(
            "workspaces:\n  sales:\n    workspace_name: sales\n    aws_region: us-west-2\n    credentials: main\n    storage_configuration: root\n    lifecycle:\n      prevent_destroy: false\n      ignore_changes: [custom_tag, pricing_tier, name]\n",
        ),
    );
}

#[test]
fn name_lengths() {
    check("name_lengths", &with_base("workspaces:\n  sales:\n    workspace_name: \"\"\n    aws_region: us-west-2\n    credentials: main\n    storage_configuration: root\n    custom_tags: { \"\": x }\n").replace("name: acme-root", "name: abc"));
}

#[test]
fn public_access_off_without_endpoints_warns() {
    check(
        "no_private_endpoint",
        &with_base(
            "private_access_settings:\n  pl:\n    name: acme-pas\n    region: us-west-2\n    public_access_enabled: false\nworkspaces:\n  sales:\n    workspace_name: sales\n    aws_region: us-west-2\n    credentials: main\n    storage_configuration: root\n    private_access_settings: pl\n",
        ),
    );
}

#[test]
fn allowed_endpoints_without_endpoint_level_warn() {
    check(
        "ineffective_endpoint_list",
        &with_base(
            "private_access_settings:\n  pl:\n    name: acme-pas\n    region: us-west-2\n    allowed_vpc_endpoints: [rest]\n",
        ),
    );
}

#[test]
fn suspicious_aws_ids_warn() {
    check(
        "suspicious_aws_ids",
        "version: 1\nnetworks:\n  main:\n    name: acme-vpc\n    vpc_id: vpc-main\n    subnet_ids: [subnet-0a, subnet-private]\n    security_group_ids: [sg-web]\n",
    );
}

#[test]
fn aliases_and_merge_keys_work_in_specs() {
    check(
        "aliases_and_merge_keys",
        &with_base(
            "x-defaults: &defaults\n  aws_region: us-west-2\n  credentials: main\n  storage_configuration: root\nworkspaces:\n  sales:\n    <<: *defaults\n    workspace_name: sales\n",
        ),
    );
}
