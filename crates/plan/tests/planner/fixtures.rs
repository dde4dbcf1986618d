//! Shared fixtures of the planner's tests: a spec describing one PrivateLink workspace with
//! every kind of object, and the live account in which that spec is fully applied.

use brickform_plan::{Plan, PlanFailure, PlanOptions, PlanTarget};
use serde_json::{Value, json};
use spec::{Environment, LoadOptions, Source, Spec, load_sources};

/// The spec: credentials, storage, a key, two endpoints, a network, access settings and a
/// workspace that uses all of them.
pub(crate) const SPEC: &str = "\
version: 1
account:
  deployment_name_prefix: acme
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
    key_alias: alias/databricks
    use_cases: [MANAGED_SERVICES, STORAGE]
vpc_endpoints:
  rest: { name: acme-rest, aws_vpc_endpoint_id: vpce-0aaa, region: us-west-2 }
  relay: { name: acme-relay, aws_vpc_endpoint_id: vpce-0bbb, region: us-west-2 }
networks:
  main:
    name: acme-vpc
    vpc_id: vpc-0123
    subnet_ids: [subnet-0a, subnet-0b]
    security_group_ids: [sg-01]
    vpc_endpoints: { rest_api: [rest], dataplane_relay: [relay] }
private_access_settings:
  pl:
    name: acme-pas
    region: us-west-2
    public_access_enabled: false
    private_access_level: ENDPOINT
    allowed_vpc_endpoints: [rest]
workspaces:
  sales:
    workspace_name: ABCSales
    deployment_name: sales
    aws_region: us-west-2
    credentials: main
    storage_configuration: root
    network: main
    managed_services_key: kms
    storage_key: kms
    private_access_settings: pl
    pricing_tier: ENTERPRISE
    custom_tags: { Env: Prod }
";

pub(crate) const ACCOUNT: &str = "0d1c0de0-0000-4000-8000-00000000acc7";

/// The account with `SPEC` applied: the workspace is RUNNING.
pub(crate) fn live() -> Value {
    json!({
        "credentials": [{
            "credentials_id": "cred-0001",
            "credentials_name": "acme-cross-account",
            "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::123456789012:role/acme-databricks", "external_id": ACCOUNT}},
            "account_id": ACCOUNT,
            "creation_time": 1_700_000_000_000_i64
        }],
        "storage_configurations": [{
            "storage_configuration_id": "stor-0001",
            "storage_configuration_name": "acme-root",
            "root_bucket_info": {"bucket_name": "acme-dbfs-root"},
            "account_id": ACCOUNT,
            "creation_time": 1_700_000_000_000_i64
        }],
        "customer_managed_keys": [{
            "customer_managed_key_id": "key-0001",
            "use_cases": ["STORAGE", "MANAGED_SERVICES"],
            "aws_key_info": {
                "key_arn": "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                "key_alias": "alias/databricks",
                "key_region": "us-west-2"
            },
            "account_id": ACCOUNT,
            "creation_time": 1_700_000_000_000_i64
        }],
        "vpc_endpoints": [
            {"vpc_endpoint_id": "vpce-reg-rest", "vpc_endpoint_name": "acme-rest", "aws_vpc_endpoint_id": "vpce-0aaa", "region": "us-west-2", "use_case": "WORKSPACE_ACCESS", "state": "available", "account_id": ACCOUNT},
            {"vpc_endpoint_id": "vpce-reg-relay", "vpc_endpoint_name": "acme-relay", "aws_vpc_endpoint_id": "vpce-0bbb", "region": "us-west-2", "use_case": "DATAPLANE_RELAY_ACCESS", "state": "available", "account_id": ACCOUNT}
        ],
        "networks": [{
            "network_id": "net-0001",
            "network_name": "acme-vpc",
            "vpc_id": "vpc-0123",
            "subnet_ids": ["subnet-0b", "subnet-0a"],
            "security_group_ids": ["sg-01"],
            "vpc_endpoints": {"rest_api": ["vpce-reg-rest"], "dataplane_relay": ["vpce-reg-relay"]},
            "vpc_status": "VALID",
            "workspace_id": 1001,
            "account_id": ACCOUNT,
            "creation_time": 1_700_000_000_000_i64
        }],
        "private_access_settings": [{
            "private_access_settings_id": "pas-0001",
            "private_access_settings_name": "acme-pas",
            "region": "us-west-2",
            "public_access_enabled": false,
            "private_access_level": "ENDPOINT",
            "allowed_vpc_endpoint_ids": ["vpce-reg-rest"],
            "account_id": ACCOUNT
        }],
        "workspaces": [{
            "workspace_id": 1001,
            "workspace_name": "ABCSales",
            "deployment_name": "acme-sales",
            "aws_region": "us-west-2",
            "credentials_id": "cred-0001",
            "storage_configuration_id": "stor-0001",
            "network_id": "net-0001",
            "managed_services_customer_managed_key_id": "key-0001",
            "storage_customer_managed_key_id": "key-0001",
            "private_access_settings_id": "pas-0001",
            "pricing_tier": "ENTERPRISE",
            "custom_tags": {"Env": "Prod"},
            "workspace_status": "RUNNING",
            "workspace_status_message": "Workspace is running.",
            "account_id": ACCOUNT,
            "creation_time": 1_700_000_000_000_i64
        }]
    })
}

pub(crate) fn load(yaml: &str) -> Spec {
    let options = LoadOptions {
        environment: Environment::from_pairs([("UNUSED", "")]),
        ..LoadOptions::default()
    };
    load_sources(&[Source::new("spec.yaml", yaml)], &options)
        .unwrap()
        .spec
}

pub(crate) fn target() -> PlanTarget {
    PlanTarget {
        host: "https://accounts.cloud.databricks.com".to_owned(),
        account_id: ACCOUNT.to_owned(),
    }
}

/// Plans `yaml` against the account `live`.
pub(crate) fn make_plan(
    yaml: &str,
    live: &Value,
    options: PlanOptions,
) -> Result<Plan, PlanFailure> {
    let spec = load(yaml);
    let snapshot = serde_json::from_value(live.clone()).unwrap();
    brickform_plan::plan(&spec, &snapshot, target(), options)
}
