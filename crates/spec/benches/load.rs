//! Parse and validate time for generated specs of 100 to 10,000 resources:
//! `cargo bench -p brickform-spec --bench load`.
//!
//! Each workspace comes with its own credentials, storage configuration, key, two VPC
//! endpoints, network and private access settings (eight resources, every reference kind), so
//! the cost of every stage (YAML, decoding, interpolation, references, cross-checks, graph,
//! digest) grows with the spec.

use brickform_spec::{LoadOptions, Source, load_sources};

fn main() {
    divan::main();
}

/// A valid spec with `resources` resources (rounded down to a multiple of eight).
fn generate(resources: usize) -> String {
    let mut text = String::from("version: 1\nvariables:\n  region: us-west-2\n");
    let groups = resources / 8;
    let mut sections: [String; 7] = Default::default();
    let headers = [
        "credentials",
        "storage_configurations",
        "customer_managed_keys",
        "vpc_endpoints",
        "networks",
        "private_access_settings",
        "workspaces",
    ];
    for index in 0..groups {
        sections[0].push_str(&format!(
            "  c{index}:\n    name: creds-{index}\n    role_arn: arn:aws:iam::123456789012:role/r{index}\n"
        ));
        sections[1].push_str(&format!(
            "  s{index}:\n    name: storage-{index}\n    bucket_name: bucket-{index}\n"
        ));
        sections[2].push_str(&format!(
            "  k{index}:\n    key_arn: arn:aws:kms:us-west-2:123456789012:key/{index:08x}\n    use_cases: [MANAGED_SERVICES, STORAGE]\n"
        ));
        sections[3].push_str(&format!(
            "  r{index}: {{ name: rest-{index}, aws_vpc_endpoint_id: vpce-{index:x}a, region: \"${{var.region}}\" }}\n  d{index}: {{ name: relay-{index}, aws_vpc_endpoint_id: vpce-{index:x}b, region: \"${{var.region}}\" }}\n"
        ));
        sections[4].push_str(&format!(
            "  n{index}:\n    name: network-{index}\n    vpc_id: vpc-{index:x}\n    subnet_ids: [subnet-{index:x}a, subnet-{index:x}b]\n    security_group_ids: [sg-{index:x}]\n    vpc_endpoints: {{ rest_api: [r{index}], dataplane_relay: [d{index}] }}\n"
        ));
        sections[5].push_str(&format!(
            "  p{index}:\n    name: pas-{index}\n    region: \"${{var.region}}\"\n    private_access_level: ENDPOINT\n    allowed_vpc_endpoints: [r{index}]\n"
        ));
        sections[6].push_str(&format!(
            "  w{index}:\n    workspace_name: workspace {index}\n    deployment_name: ws-{index}\n    aws_region: \"${{var.region}}\"\n    credentials: c{index}\n    storage_configuration: s{index}\n    network: n{index}\n    managed_services_key: k{index}\n    storage_key: k{index}\n    private_access_settings: p{index}\n    custom_tags: {{ team: t{index}, env: prod }}\n"
        ));
    }
    for (header, body) in headers.iter().zip(&sections) {
        text.push_str(header);
        text.push_str(":\n");
        text.push_str(body);
    }
    text
}

#[divan::bench(args = [100, 1_000, 5_000, 10_000], sample_count = 10)]
fn parse_and_validate(bencher: divan::Bencher, resources: usize) {
    let sources = [Source::new("bench.yaml", generate(resources))];
    let options = LoadOptions::default();
    let loaded = load_sources(&sources, &options).expect("the generated spec is valid");
    assert_eq!(loaded.spec.resources().len(), resources / 8 * 8);
    bencher.bench(|| load_sources(&sources, &options).expect("the generated spec is valid"));
}
