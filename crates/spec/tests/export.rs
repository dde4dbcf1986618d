//! Export: a snapshot of a live account written as a spec that loads back, with references
//! instead of ids and what a spec cannot express left out with a warning.

use brickform_spec::{
    Address, ExportOptions, Kind, LoadOptions, ResourceConfig, Source, export, load_sources,
};

/// An account with one of everything, wired the way the seed's PrivateLink flow wires it,
/// plus the shapes a spec cannot hold: a duplicate name, a workspace being deleted and a
/// reference to an object that is not listed.
const ACCOUNT: &str = r#"{
  "credentials": [
    {"credentials_id": "c-1", "credentials_name": "acme-cross-account",
     "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::123456789012:role/acme", "external_id": "acct"}},
     "account_id": "acct", "creation_time": 1},
    {"credentials_id": "c-2", "credentials_name": "acme-cross-account",
     "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::123456789012:role/other"}}}
  ],
  "storage_configurations": [
    {"storage_configuration_id": "s-1", "storage_configuration_name": "acme-root",
     "root_bucket_info": {"bucket_name": "acme-dbfs-root"}}
  ],
  "customer_managed_keys": [
    {"customer_managed_key_id": "k-1", "use_cases": ["STORAGE", "MANAGED_SERVICES"],
     "aws_key_info": {"key_arn": "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                      "key_alias": "alias/databricks", "key_region": "us-west-2",
                      "reuse_key_for_cluster_volumes": true}}
  ],
  "vpc_endpoints": [
    {"vpc_endpoint_id": "e-1", "vpc_endpoint_name": "acme-rest", "aws_vpc_endpoint_id": "vpce-0aaa1111bbbb2222c",
     "region": "us-west-2", "use_case": "WORKSPACE_ACCESS", "state": "available"},
    {"vpc_endpoint_id": "e-2", "vpc_endpoint_name": "acme-relay", "aws_vpc_endpoint_id": "vpce-0bbb3333cccc4444d",
     "region": "us-west-2", "use_case": "DATAPLANE_RELAY_ACCESS", "state": "available"}
  ],
  "networks": [
    {"network_id": "n-1", "network_name": "acme-vpc", "vpc_id": "vpc-0123456789abcdef0",
     "subnet_ids": ["subnet-0a1b2c3d", "subnet-0e4f5a6b"], "security_group_ids": ["sg-0123456789abcdef0"],
     "vpc_endpoints": {"rest_api": ["e-1"], "dataplane_relay": ["e-2", "e-gone"]},
     "vpc_status": "VALID", "workspace_id": 1001}
  ],
  "private_access_settings": [
    {"private_access_settings_id": "p-1", "private_access_settings_name": "acme-pas", "region": "us-west-2",
     "public_access_enabled": false, "private_access_level": "ENDPOINT", "allowed_vpc_endpoint_ids": ["e-1"]}
  ],
  "workspaces": [
    {"workspace_id": 1001, "workspace_name": "Acme Sales", "deployment_name": "acme-sales", "aws_region": "us-west-2",
     "credentials_id": "c-1", "storage_configuration_id": "s-1", "network_id": "n-1",
     "managed_services_customer_managed_key_id": "k-1", "storage_customer_managed_key_id": "k-1",
     "private_access_settings_id": "p-1", "pricing_tier": "ENTERPRISE",
     "custom_tags": {"Env": "Prod", "Cost Center": "42", "Template": "${not-a-variable}"},
     "workspace_status": "RUNNING"},
    {"workspace_id": 1002, "workspace_name": "old", "deployment_name": "acme-old", "aws_region": "us-west-2",
     "credentials_id": "c-1", "storage_configuration_id": "s-1", "workspace_status": "CANCELLING"}
  ]
}"#;

fn exported() -> brickform_spec::Exported {
    let snapshot = serde_json::from_str(ACCOUNT).unwrap();
    export(
        &snapshot,
        &ExportOptions {
            account_id: Some("0d5b1c6e-8d3c-4c6b-9a2a-1f0c3e9b8a77".to_owned()),
            origin: Some("from https://accounts.cloud.databricks.com".to_owned()),
        },
    )
}

#[test]
fn the_export_reads_like_a_hand_written_spec() {
    insta::assert_snapshot!(exported().text);
}

#[test]
fn the_export_loads_back_with_references_in_place_of_ids() {
    let exported = exported();
    let loaded = load_sources(
        &[Source::new("exported.yaml", &exported.text)],
        &LoadOptions::default(),
    )
    .unwrap_or_else(|failed| panic!("{failed:?}\n{}", exported.text));
    let spec = loaded.spec;
    assert_eq!(spec.resources().len(), exported.resources);
    assert_eq!(exported.resources, 8);
    assert_eq!(
        spec.account().id.as_deref(),
        Some("0d5b1c6e-8d3c-4c6b-9a2a-1f0c3e9b8a77")
    );

    let workspace = spec
        .resource(&Address::new(Kind::Workspace, "acme-sales"))
        .expect("the workspace is keyed by its name");
    let ResourceConfig::Workspace(workspace) = &workspace.config else {
        panic!("not a workspace: {workspace:?}");
    };
    assert_eq!(
        workspace.credentials,
        Some(Address::new(Kind::Credentials, "acme-cross-account"))
    );
    assert_eq!(
        workspace.storage_key,
        Some(Address::new(Kind::CustomerManagedKey, "databricks"))
    );
    assert_eq!(workspace.deployment_name.as_deref(), Some("acme-sales"));
    // Tags come back verbatim, including one that looks like an interpolation.
    assert_eq!(workspace.custom_tags["Template"], "${not-a-variable}");
    assert_eq!(workspace.custom_tags["Cost Center"], "42");

    let network = spec
        .resource(&Address::new(Kind::Network, "acme-vpc"))
        .unwrap();
    let ResourceConfig::Network(network) = &network.config else {
        panic!("not a network");
    };
    assert_eq!(
        network.dataplane_relay_endpoints,
        [Address::new(Kind::VpcEndpoint, "acme-relay")]
    );
}

#[test]
fn what_a_spec_cannot_hold_is_left_out_with_a_warning() {
    let warnings = exported().warnings;
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    assert!(warnings[0].contains("credential configuration c-2 has the same name as c-1"));
    assert!(warnings[1].contains("refers to e-gone"));
    assert!(warnings[2].contains("`old` (1002) is being deleted"));
}
