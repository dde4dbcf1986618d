//! The parse path end to end through the public API: a valid spec becomes a `Spec` with
//! resolved values, references, a deterministic order, a graph and a stable digest; files and
//! directories merge.

use std::path::PathBuf;

use brickform_spec::{
    Address, Environment, Kind, LoadOptions, ResourceConfig, Source, load_paths, load_sources,
};

const FULL: &str = include_str!("fixtures/full.yaml");

fn options() -> LoadOptions {
    LoadOptions {
        environment: Environment::from_pairs([("DATABRICKS_ACCOUNT_ID", "0000-acc")]),
        ..LoadOptions::default()
    }
}

fn address(text: &str) -> Address {
    text.parse().unwrap()
}

#[test]
fn the_design_example_loads_with_everything_resolved() {
    let loaded = load_sources(&[Source::new("full.yaml", FULL)], &options()).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let spec = &loaded.spec;
    assert_eq!(spec.account().id.as_deref(), Some("0000-acc"));
    assert_eq!(
        spec.account().deployment_name_prefix.as_deref(),
        Some("acme")
    );
    let order: Vec<String> = spec
        .resources()
        .iter()
        .map(|resource| resource.address.to_string())
        .collect();
    assert_eq!(
        order,
        [
            "credentials.main",
            "storage_configurations.root",
            "customer_managed_keys.kms",
            "vpc_endpoints.relay",
            "vpc_endpoints.rest",
            "networks.main",
            "private_access_settings.pl",
            "workspaces.sales",
        ]
    );
    let workspace = spec.resource(&address("workspaces.sales")).unwrap();
    let ResourceConfig::Workspace(config) = &workspace.config else {
        panic!("{workspace:?}")
    };
    assert_eq!(config.aws_region, "us-west-2");
    assert_eq!(config.network, Some(address("networks.main")));
    assert_eq!(
        config.storage_key,
        Some(address("customer_managed_keys.kms"))
    );
    assert!(workspace.lifecycle.prevent_destroy);
    assert_eq!(workspace.lifecycle.ignore_changes, ["custom_tags"]);
    assert_eq!((workspace.origin.line, workspace.origin.column), (40, 3));
    let ResourceConfig::VpcEndpoint(rest) = &spec
        .resource(&address("vpc_endpoints.rest"))
        .unwrap()
        .config
    else {
        panic!()
    };
    assert_eq!(rest.region, "us-west-2");
}

#[test]
fn the_graph_labels_references_with_their_field() {
    let loaded = load_sources(&[Source::new("full.yaml", FULL)], &options()).unwrap();
    let spec = &loaded.spec;
    let graph = spec.graph();
    assert_eq!(graph.node_count(), 8);
    let mut edges: Vec<String> = graph
        .raw_edges()
        .iter()
        .map(|edge| {
            format!(
                "{} -{}-> {}",
                graph[edge.source()],
                edge.weight,
                graph[edge.target()]
            )
        })
        .collect();
    edges.sort();
    assert_eq!(
        edges,
        [
            "networks.main -vpc_endpoints.dataplane_relay-> vpc_endpoints.relay",
            "networks.main -vpc_endpoints.rest_api-> vpc_endpoints.rest",
            "private_access_settings.pl -allowed_vpc_endpoints-> vpc_endpoints.rest",
            "workspaces.sales -credentials-> credentials.main",
            "workspaces.sales -managed_services_key-> customer_managed_keys.kms",
            "workspaces.sales -network-> networks.main",
            "workspaces.sales -private_access_settings-> private_access_settings.pl",
            "workspaces.sales -storage_configuration-> storage_configurations.root",
            "workspaces.sales -storage_key-> customer_managed_keys.kms",
        ]
    );
    let dependents: Vec<String> = spec
        .dependents(&address("vpc_endpoints.rest"))
        .iter()
        .map(|resource| resource.address.to_string())
        .collect();
    assert_eq!(dependents, ["networks.main", "private_access_settings.pl"]);
    // Node i is resource i.
    for (index, resource) in spec.resources().iter().enumerate() {
        assert_eq!(graph[petgraph_index(index)], resource.address);
    }
}

fn petgraph_index(index: usize) -> petgraph::graph::NodeIndex {
    petgraph::graph::NodeIndex::new(index)
}

#[test]
fn the_order_does_not_depend_on_declaration_order() {
    let forward = "version: 1\nvpc_endpoints:\n  b: {name: bbbb, aws_vpc_endpoint_id: vpce-0b, region: us-east-1}\n  a: {name: aaaa, aws_vpc_endpoint_id: vpce-0a, region: us-east-1}\ncredentials:\n  z: {name: zzzz, role_arn: \"arn:aws:iam::123456789012:role/z\"}\n";
    let loaded = load_sources(&[Source::new("a.yaml", forward)], &LoadOptions::default()).unwrap();
    let order: Vec<String> = loaded
        .spec
        .resources()
        .iter()
        .map(|resource| resource.address.to_string())
        .collect();
    assert_eq!(
        order,
        ["credentials.z", "vpc_endpoints.a", "vpc_endpoints.b"]
    );
}

#[test]
fn the_digest_ignores_layout_but_not_values() {
    let base = load_sources(&[Source::new("full.yaml", FULL)], &options()).unwrap();
    let reformatted = FULL
        .replace("# references", "# refs")
        .replace("  rest:  {", "  rest: {");
    let same = load_sources(&[Source::new("other-name.yaml", reformatted)], &options()).unwrap();
    assert_eq!(base.spec.digest(), same.spec.digest());
    assert_eq!(base.spec.digest().len(), 64);

    let mut overridden = options();
    overridden
        .variables
        .push(("region".to_owned(), "eu-west-1".to_owned()));
    let changed = load_sources(
        &[Source::new(
            "full.yaml",
            FULL.replace("kms:us-west-2", "kms:eu-west-1"),
        )],
        &overridden,
    )
    .unwrap();
    assert_ne!(base.spec.digest(), changed.spec.digest());
    let tagged = load_sources(
        &[Source::new(
            "full.yaml",
            FULL.replace("Env: Prod", "Env: Dev"),
        )],
        &options(),
    )
    .unwrap();
    assert_ne!(base.spec.digest(), tagged.spec.digest());
}

#[test]
fn directories_merge_their_yaml_files_in_name_order() {
    let directory = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| fs_err::write(directory.path().join(name), text).unwrap();
    write(
        "20-workspaces.yml",
        "version: 1\nworkspaces:\n  sales:\n    workspace_name: sales\n    aws_region: us-east-1\n    credentials: main\n    storage_configuration: root\n",
    );
    write(
        "10-base.yaml",
        "version: 1\ncredentials:\n  main: {name: main-creds, role_arn: \"arn:aws:iam::123456789012:role/x\"}\nstorage_configurations:\n  root: {name: root-bucket, bucket_name: acme-root}\n",
    );
    write("notes.txt", "not a spec");
    let loaded = load_paths(&[directory.path().to_path_buf()], &LoadOptions::default()).unwrap();
    let workspace = loaded.spec.resource(&address("workspaces.sales")).unwrap();
    assert!(
        workspace.origin.file.ends_with("20-workspaces.yml"),
        "{}",
        workspace.origin.file
    );
    let names: Vec<&str> = loaded
        .sources
        .ids()
        .map(|id| loaded.sources.name(id))
        .collect();
    assert_eq!(names.len(), 2);
    assert!(
        names[0].ends_with("10-base.yaml") && names[1].ends_with("20-workspaces.yml"),
        "{names:?}"
    );
    assert_eq!(
        loaded
            .spec
            .resources()
            .iter()
            .filter(|resource| resource.address.kind == Kind::Workspace)
            .count(),
        1
    );
}

#[test]
fn io_errors_name_the_path() {
    let missing = PathBuf::from("/definitely/not/here.yaml");
    let error = load_paths(&[missing], &LoadOptions::default()).unwrap_err();
    assert!(
        error.to_string().contains("/definitely/not/here.yaml"),
        "{error}"
    );
    let empty = tempfile::tempdir().unwrap();
    let error = load_paths(&[empty.path().to_path_buf()], &LoadOptions::default()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("holds no `*.yaml` or `*.yml` file"),
        "{error}"
    );
}
