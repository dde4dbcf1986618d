//! The desired object of a spec resource, as the create request that would make it.
//!
//! References become ids: the live id of the object a referenced resource ends up with, or a
//! `(known after apply: ADDRESS)` placeholder when that object is created by the plan. The same
//! request is the body of a create step, the `after` of a new object, and (normalised) the
//! desired side of every comparison.

use api_types::{
    AwsCredentials, AwsKeyInfo, CreateCredentialRequest, CreateCustomerManagedKeyRequest,
    CreateNetworkRequest, CreateStorageConfigurationRequest, CreateVpcEndpointRequest,
    CreateWorkspaceRequest, NetworkVpcEndpoints, PrivateAccessSettingsRequest, RootBucketInfo,
    StsRole,
};
use serde_json::Value;
use spec::{Address, ResourceConfig};

use crate::model::CreateRequest;

/// The reserved `deployment_name` that means "the account prefix alone".
const EMPTY_DEPLOYMENT_NAME: &str = "EMPTY";

/// The deployment name the server stores for a requested one: `PREFIX-name`, the prefix alone
/// for `EMPTY`, lower-cased.
pub(crate) fn stored_deployment_name(requested: &str, prefix: Option<&str>) -> String {
    let stored = match prefix {
        Some(prefix) if requested == EMPTY_DEPLOYMENT_NAME => prefix.to_owned(),
        Some(prefix) => format!("{prefix}-{requested}"),
        None => requested.to_owned(),
    };
    stored.to_ascii_lowercase()
}

/// The create request of a resource, with references resolved by `id_of`.
pub(crate) fn create_request(
    config: &ResourceConfig,
    id_of: &dyn Fn(&Address) -> String,
) -> CreateRequest {
    let ids = |addresses: &[Address]| addresses.iter().map(id_of).collect::<Vec<_>>();
    let optional_id = |address: &Option<Address>| address.as_ref().map(id_of);
    match config {
        ResourceConfig::Credentials(config) => {
            CreateRequest::Credentials(CreateCredentialRequest {
                credentials_name: config.name.clone(),
                aws_credentials: AwsCredentials {
                    sts_role: Some(StsRole {
                        role_arn: config.role_arn.clone(),
                        external_id: None,
                    }),
                },
            })
        }
        ResourceConfig::StorageConfiguration(config) => {
            CreateRequest::StorageConfiguration(CreateStorageConfigurationRequest {
                storage_configuration_name: config.name.clone(),
                root_bucket_info: RootBucketInfo {
                    bucket_name: config.bucket_name.clone(),
                },
                role_arn: config.role_arn.clone(),
            })
        }
        ResourceConfig::CustomerManagedKey(config) => {
            CreateRequest::CustomerManagedKey(CreateCustomerManagedKeyRequest {
                use_cases: config.use_cases.clone(),
                aws_key_info: AwsKeyInfo {
                    key_arn: config.key_arn.clone(),
                    key_alias: config.key_alias.clone(),
                    key_region: None,
                    reuse_key_for_cluster_volumes: config.reuse_key_for_cluster_volumes,
                },
            })
        }
        ResourceConfig::VpcEndpoint(config) => {
            CreateRequest::VpcEndpoint(CreateVpcEndpointRequest {
                vpc_endpoint_name: config.name.clone(),
                aws_vpc_endpoint_id: config.aws_vpc_endpoint_id.clone(),
                region: config.region.clone(),
            })
        }
        ResourceConfig::Network(config) => {
            let has_endpoints = !config.rest_api_endpoints.is_empty()
                || !config.dataplane_relay_endpoints.is_empty();
            CreateRequest::Network(CreateNetworkRequest {
                network_name: config.name.clone(),
                vpc_id: config.vpc_id.clone(),
                subnet_ids: config.subnet_ids.clone(),
                security_group_ids: config.security_group_ids.clone(),
                vpc_endpoints: has_endpoints.then(|| NetworkVpcEndpoints {
                    rest_api: ids(&config.rest_api_endpoints),
                    dataplane_relay: ids(&config.dataplane_relay_endpoints),
                }),
            })
        }
        ResourceConfig::PrivateAccessSettings(config) => {
            CreateRequest::PrivateAccessSettings(PrivateAccessSettingsRequest {
                private_access_settings_name: config.name.clone(),
                region: config.region.clone(),
                public_access_enabled: config.public_access_enabled,
                private_access_level: config.private_access_level.clone(),
                allowed_vpc_endpoint_ids: ids(&config.allowed_vpc_endpoints),
            })
        }
        ResourceConfig::Workspace(config) => CreateRequest::Workspace(CreateWorkspaceRequest {
            workspace_name: config.workspace_name.clone(),
            deployment_name: config.deployment_name.clone(),
            aws_region: config.aws_region.clone(),
            credentials_id: optional_id(&config.credentials),
            storage_configuration_id: optional_id(&config.storage_configuration),
            network_id: optional_id(&config.network),
            private_access_settings_id: optional_id(&config.private_access_settings),
            managed_services_customer_managed_key_id: optional_id(&config.managed_services_key),
            storage_customer_managed_key_id: optional_id(&config.storage_key),
            network_connectivity_config_id: None,
            pricing_tier: config.pricing_tier.clone(),
            custom_tags: config.custom_tags.clone(),
            compute_mode: None,
        }),
    }
}

/// The JSON body of a create request (without the `kind` tag of the plan format).
pub(crate) fn request_body(request: &CreateRequest) -> Value {
    let result = match request {
        CreateRequest::Credentials(body) => serde_json::to_value(body),
        CreateRequest::StorageConfiguration(body) => serde_json::to_value(body),
        CreateRequest::CustomerManagedKey(body) => serde_json::to_value(body),
        CreateRequest::VpcEndpoint(body) => serde_json::to_value(body),
        CreateRequest::Network(body) => serde_json::to_value(body),
        CreateRequest::PrivateAccessSettings(body) => serde_json::to_value(body),
        CreateRequest::Workspace(body) => serde_json::to_value(body),
    };
    result.expect("requests serialise to JSON")
}

/// The object a create request makes, as the server will show it: the request body with the
/// deployment name as stored (account prefix applied, lower-cased).
pub(crate) fn desired_object(request: &CreateRequest, prefix: Option<&str>) -> Value {
    let mut body = request_body(request);
    if let CreateRequest::Workspace(workspace) = request
        && let Some(requested) = &workspace.deployment_name
    {
        body["deployment_name"] = Value::String(stored_deployment_name(requested, prefix));
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_names_take_the_prefix_and_empty_means_the_prefix_alone() {
        assert_eq!(stored_deployment_name("Sales", Some("acme")), "acme-sales");
        assert_eq!(stored_deployment_name("EMPTY", Some("acme")), "acme");
        assert_eq!(stored_deployment_name("sales", None), "sales");
    }
}
