//! Planning and rendering time: `cargo bench -p brickform-plan --bench plan`.
//!
//! The spec has groups of eight resources (credentials, storage configuration, key, two VPC
//! endpoints, network, private access settings, workspace). The account holds all of them with
//! a realistic amount of change: one workspace in ten has new tags, one credentials object in
//! twenty was renamed (create, repoint, delete the previous one). Planning covers matching,
//! diffing, the rule table, deletions and the step DAG; loading the spec and fetching the
//! account are not part of it. Rendering uses the worst case: 1,000 resources all created, so
//! every resource is a block of the text.

use api_types::Snapshot;
use brickform_plan::{Plan, PlanOptions, PlanTarget, render_json, render_markdown, render_text};
use serde_json::{Value, json};
use spec::{LoadOptions, Source, Spec, load_sources};

fn main() {
    divan::main();
}

fn spec_text(groups: usize, renamed_every: usize) -> String {
    let mut sections: [String; 7] = Default::default();
    for index in 0..groups {
        let suffix = if renamed_every > 0 && index % renamed_every == 0 {
            "-v2"
        } else {
            ""
        };
        sections[0].push_str(&format!(
            "  c{index}:\n    name: creds-{index}{suffix}\n    role_arn: arn:aws:iam::123456789012:role/r{index}\n"
        ));
        sections[1].push_str(&format!(
            "  s{index}:\n    name: storage-{index}\n    bucket_name: bucket-{index}\n"
        ));
        sections[2].push_str(&format!(
            "  k{index}:\n    key_arn: arn:aws:kms:us-west-2:123456789012:key/{index:08x}\n    use_cases: [MANAGED_SERVICES, STORAGE]\n"
        ));
        sections[3].push_str(&format!(
            "  r{index}: {{ name: rest-{index}, aws_vpc_endpoint_id: vpce-{index:x}a, region: us-west-2 }}\n  d{index}: {{ name: relay-{index}, aws_vpc_endpoint_id: vpce-{index:x}b, region: us-west-2 }}\n"
        ));
        sections[4].push_str(&format!(
            "  n{index}:\n    name: network-{index}\n    vpc_id: vpc-{index:x}\n    subnet_ids: [subnet-{index:x}a, subnet-{index:x}b]\n    security_group_ids: [sg-{index:x}]\n    vpc_endpoints: {{ rest_api: [r{index}], dataplane_relay: [d{index}] }}\n"
        ));
        sections[5].push_str(&format!(
            "  p{index}:\n    name: pas-{index}\n    region: us-west-2\n    private_access_level: ENDPOINT\n    allowed_vpc_endpoints: [r{index}]\n"
        ));
        let team = if index % 10 == 0 { "changed" } else { "data" };
        sections[6].push_str(&format!(
            "  w{index}:\n    workspace_name: Workspace {index}\n    deployment_name: ws-{index}\n    aws_region: us-west-2\n    credentials: c{index}\n    storage_configuration: s{index}\n    network: n{index}\n    managed_services_key: k{index}\n    storage_key: k{index}\n    private_access_settings: p{index}\n    custom_tags: {{ Team: {team} }}\n"
        ));
    }
    let headers = [
        "credentials",
        "storage_configurations",
        "customer_managed_keys",
        "vpc_endpoints",
        "networks",
        "private_access_settings",
        "workspaces",
    ];
    let mut text = String::from("version: 1\naccount:\n  deployment_name_prefix: acme\n");
    for (header, body) in headers.iter().zip(sections) {
        text.push_str(header);
        text.push_str(":\n");
        text.push_str(&body);
    }
    text
}

/// The account with the spec applied before its changes (original names and tags).
fn account(groups: usize) -> Snapshot {
    let mut live: Value = json!({
        "credentials": [], "storage_configurations": [], "customer_managed_keys": [],
        "vpc_endpoints": [], "networks": [], "private_access_settings": [], "workspaces": []
    });
    let push = |live: &mut Value, collection: &str, object: Value| {
        live[collection].as_array_mut().unwrap().push(object);
    };
    for index in 0..groups {
        push(
            &mut live,
            "credentials",
            json!({"credentials_id": format!("c-{index}"), "credentials_name": format!("creds-{index}"),
            "aws_credentials": {"sts_role": {"role_arn": format!("arn:aws:iam::123456789012:role/r{index}")}}}),
        );
        push(
            &mut live,
            "storage_configurations",
            json!({"storage_configuration_id": format!("s-{index}"), "storage_configuration_name": format!("storage-{index}"),
            "root_bucket_info": {"bucket_name": format!("bucket-{index}")}}),
        );
        push(
            &mut live,
            "customer_managed_keys",
            json!({"customer_managed_key_id": format!("k-{index}"), "use_cases": ["MANAGED_SERVICES", "STORAGE"],
            "aws_key_info": {"key_arn": format!("arn:aws:kms:us-west-2:123456789012:key/{index:08x}"), "key_region": "us-west-2"}}),
        );
        push(
            &mut live,
            "vpc_endpoints",
            json!({"vpc_endpoint_id": format!("r-{index}"), "vpc_endpoint_name": format!("rest-{index}"), "aws_vpc_endpoint_id": format!("vpce-{index:x}a"), "region": "us-west-2"}),
        );
        push(
            &mut live,
            "vpc_endpoints",
            json!({"vpc_endpoint_id": format!("d-{index}"), "vpc_endpoint_name": format!("relay-{index}"), "aws_vpc_endpoint_id": format!("vpce-{index:x}b"), "region": "us-west-2"}),
        );
        push(
            &mut live,
            "networks",
            json!({"network_id": format!("n-{index}"), "network_name": format!("network-{index}"), "vpc_id": format!("vpc-{index:x}"),
            "subnet_ids": [format!("subnet-{index:x}a"), format!("subnet-{index:x}b")], "security_group_ids": [format!("sg-{index:x}")],
            "vpc_endpoints": {"rest_api": [format!("r-{index}")], "dataplane_relay": [format!("d-{index}")]}, "vpc_status": "VALID", "workspace_id": 100_000 + index}),
        );
        push(
            &mut live,
            "private_access_settings",
            json!({"private_access_settings_id": format!("p-{index}"), "private_access_settings_name": format!("pas-{index}"),
            "region": "us-west-2", "private_access_level": "ENDPOINT", "allowed_vpc_endpoint_ids": [format!("r-{index}")]}),
        );
        push(
            &mut live,
            "workspaces",
            json!({"workspace_id": 100_000 + index, "workspace_name": format!("Workspace {index}"), "deployment_name": format!("acme-ws-{index}"),
            "aws_region": "us-west-2", "credentials_id": format!("c-{index}"), "storage_configuration_id": format!("s-{index}"), "network_id": format!("n-{index}"),
            "managed_services_customer_managed_key_id": format!("k-{index}"), "storage_customer_managed_key_id": format!("k-{index}"),
            "private_access_settings_id": format!("p-{index}"), "pricing_tier": "ENTERPRISE", "custom_tags": {"Team": "data"}, "workspace_status": "RUNNING"}),
        );
    }
    serde_json::from_value(live).unwrap()
}

fn load(text: &str) -> Spec {
    load_sources(&[Source::new("bench.yaml", text)], &LoadOptions::default())
        .unwrap()
        .spec
}

fn target() -> PlanTarget {
    PlanTarget {
        host: "https://accounts.cloud.databricks.com".to_owned(),
        account_id: "00000000-0000-4000-8000-000000000000".to_owned(),
    }
}

/// Match, diff, rules and steps for 100, 1,000 and 10,000 resources.
#[divan::bench(args = [100, 1_000, 10_000], sample_count = 10)]
fn plan(bencher: divan::Bencher, resources: usize) {
    let groups = resources / 8;
    let spec = load(&spec_text(groups, 20));
    let snapshot = account(groups);
    let planned = brickform_plan::plan(&spec, &snapshot, target(), PlanOptions::default()).unwrap();
    assert!(planned.summary.add > 0 && planned.summary.change > 0 && planned.summary.destroy > 0);
    bencher.bench(|| {
        brickform_plan::plan(&spec, &snapshot, target(), PlanOptions::default()).unwrap()
    });
}

fn created_plan() -> Plan {
    let spec = load(&spec_text(125, 0));
    brickform_plan::plan(
        &spec,
        &Snapshot::default(),
        target(),
        PlanOptions::default(),
    )
    .unwrap()
}

#[divan::bench(sample_count = 20)]
fn render_text_1000(bencher: divan::Bencher) {
    let plan = created_plan();
    bencher.bench(|| render_text(&plan, false));
}

#[divan::bench(sample_count = 20)]
fn render_json_1000(bencher: divan::Bencher) {
    let plan = created_plan();
    bencher.bench(|| render_json(&plan));
}

#[divan::bench(sample_count = 20)]
fn render_markdown_1000(bencher: divan::Bencher) {
    let plan = created_plan();
    bencher.bench(|| render_markdown(&plan));
}
