//! Golden wire samples: every committed sample must parse and serialise back to the same JSON.
//!
//! A sample's file name says its type: `<type>.<case>.json`. A change to a wire type that
//! renames, drops or re-shapes a field makes its samples fail here, so wire changes are
//! reviewed on purpose. Samples under `tolerant/` carry fields or enum values we do not model;
//! they must parse, and what we keep of them is pinned by an insta snapshot.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use brickform_api_types::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Every type with samples, by its file-name prefix. Adding a wire type means adding it here.
const TYPES: &[&str] = &[
    "authorization_server_metadata",
    "create_credential_request",
    "create_customer_managed_key_request",
    "create_network_request",
    "create_storage_configuration_request",
    "create_vpc_endpoint_request",
    "create_workspace_request",
    "credential",
    "customer_managed_key",
    "error_body",
    "host_metadata",
    "network",
    "oauth_error",
    "private_access_settings",
    "private_access_settings_request",
    "storage_configuration",
    "token_response",
    "update_workspace_request",
    "vpc_endpoint",
    "workspace",
    "workspace_list",
];

fn reserialise<T: DeserializeOwned + Serialize>(text: &str) -> Result<serde_json::Value, String> {
    let parsed: T = serde_json::from_str(text).map_err(|error| error.to_string())?;
    serde_json::to_value(&parsed).map_err(|error| error.to_string())
}

fn reserialise_as(type_name: &str, text: &str) -> Result<serde_json::Value, String> {
    match type_name {
        "authorization_server_metadata" => reserialise::<AuthorizationServerMetadata>(text),
        "create_credential_request" => reserialise::<CreateCredentialRequest>(text),
        "create_customer_managed_key_request" => {
            reserialise::<CreateCustomerManagedKeyRequest>(text)
        }
        "create_network_request" => reserialise::<CreateNetworkRequest>(text),
        "create_storage_configuration_request" => {
            reserialise::<CreateStorageConfigurationRequest>(text)
        }
        "create_vpc_endpoint_request" => reserialise::<CreateVpcEndpointRequest>(text),
        "create_workspace_request" => reserialise::<CreateWorkspaceRequest>(text),
        "credential" => reserialise::<Credential>(text),
        "customer_managed_key" => reserialise::<CustomerManagedKey>(text),
        "error_body" => reserialise::<ErrorBody>(text),
        "host_metadata" => reserialise::<HostMetadata>(text),
        "network" => reserialise::<Network>(text),
        "oauth_error" => reserialise::<OAuthError>(text),
        "private_access_settings" => reserialise::<PrivateAccessSettings>(text),
        "private_access_settings_request" => reserialise::<PrivateAccessSettingsRequest>(text),
        "storage_configuration" => reserialise::<StorageConfiguration>(text),
        "token_response" => reserialise::<TokenResponse>(text),
        "update_workspace_request" => reserialise::<UpdateWorkspaceRequest>(text),
        "vpc_endpoint" => reserialise::<VpcEndpoint>(text),
        "workspace" => reserialise::<Workspace>(text),
        "workspace_list" => reserialise::<Vec<Workspace>>(text),
        other => Err(format!(
            "no wire type is registered for samples named `{other}.*`"
        )),
    }
}

fn samples(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("reading {}: {error}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == extension))
        .collect();
    paths.sort();
    paths
}

fn type_name(path: &Path) -> &str {
    let file_name = path.file_name().unwrap().to_str().unwrap();
    file_name.split('.').next().unwrap()
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

#[test]
fn every_json_sample_round_trips_unchanged() {
    let mut failures = Vec::new();
    for path in samples(&golden_dir(), "json") {
        let text = std::fs::read_to_string(&path).unwrap();
        let original: serde_json::Value = serde_json::from_str(&text).unwrap();
        match reserialise_as(type_name(&path), &text) {
            Ok(round_tripped) if round_tripped == original => {}
            Ok(round_tripped) => failures.push(format!(
                "{}: shape changed\n  sample:     {original}\n  serialised: {round_tripped}",
                path.display()
            )),
            Err(error) => failures.push(format!("{}: {error}", path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_wire_type_has_a_sample() {
    let covered: BTreeSet<String> = samples(&golden_dir(), "json")
        .iter()
        .map(|path| type_name(path).to_owned())
        .collect();
    let missing: Vec<&&str> = TYPES
        .iter()
        .filter(|name| !covered.contains(**name))
        .collect();
    assert!(
        missing.is_empty(),
        "wire types without a golden sample: {missing:?}"
    );
}

#[test]
fn plain_text_errors_parse_and_render_back() {
    let paths = samples(&golden_dir(), "txt");
    assert!(!paths.is_empty(), "no plain-text error samples found");
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let body = ErrorBody::parse(&text)
            .unwrap_or_else(|| panic!("{}: not recognised as an error body", path.display()));
        assert!(
            body.error_code.is("MALFORMED_REQUEST"),
            "{}",
            path.display()
        );
        assert_eq!(body.to_plain_text(), text, "{}", path.display());
    }
}

#[test]
fn tolerant_samples_parse_and_keep_what_we_model() {
    let dir = golden_dir().join("tolerant");
    let paths = samples(&dir, "json");
    assert!(!paths.is_empty(), "no tolerant samples found");
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let kept = reserialise_as(type_name(&path), &text)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let snapshot_name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        insta::assert_json_snapshot!(snapshot_name, kept);
    }
}

#[test]
fn workspace_update_mask_lists_exactly_the_fields_sent() {
    let text =
        std::fs::read_to_string(golden_dir().join("update_workspace_request.seed.json")).unwrap();
    let update: UpdateWorkspaceRequest = serde_json::from_str(&text).unwrap();
    assert_eq!(
        update.mask_fields(),
        [
            "aws_region",
            "credentials_id",
            "managed_services_customer_managed_key_id",
            "network_id",
            "storage_configuration_id",
            "storage_customer_managed_key_id",
        ]
    );
    assert!(UpdateWorkspaceRequest::default().is_empty());
}
