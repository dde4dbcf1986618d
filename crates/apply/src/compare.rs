//! Whether an existing object is the one a create request describes.
//!
//! When a create meets an object that already carries its natural key (a name conflict, or
//! the object a lost `POST` created), the applier adopts it only if every field the request
//! sets means the same on the live object. Values are compared *normalised*: lists whose order
//! carries no meaning as sets, omitted fields as the server's documented defaults
//! (`public_access_enabled` false, `private_access_level` `ACCOUNT`,
//! `reuse_key_for_cluster_volumes` true), enum spellings case-insensitively. Fields the server
//! fills in (ids, `key_region`, `pricing_tier` when not asked for) are not compared unless the
//! request sets them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use api_types::{
    CreateCredentialRequest, CreateCustomerManagedKeyRequest, CreateNetworkRequest,
    CreateStorageConfigurationRequest, CreateVpcEndpointRequest, CreateWorkspaceRequest,
    Credential, CustomerManagedKey, KeyUseCase, Network, PrivateAccessLevel, PrivateAccessSettings,
    PrivateAccessSettingsRequest, StorageConfiguration, UpdateWorkspaceRequest, VpcEndpoint,
    Workspace, WorkspaceStatus,
};
use client::Resource;
use serde::Serialize;

/// One field in which a live object differs from the object the spec describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldDifference {
    /// The wire name of the field, e.g. `role_arn` or `subnet_ids`.
    pub field: &'static str,
    /// The live value, rendered.
    pub live: String,
    /// The wanted value, rendered.
    pub wanted: String,
}

impl fmt::Display for FieldDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is `{}` in the account, `{}` in the spec",
            self.field, self.live, self.wanted
        )
    }
}

/// A kind whose live objects can be compared with its create request.
pub(crate) trait Compare: Resource {
    /// Every field the request sets that means something else on `live`.
    fn differences(request: &Self::Request, live: &Self) -> Vec<FieldDifference>;
}

/// Collects differences; values are compared by their rendering after normalisation.
#[derive(Default)]
struct Differences(Vec<FieldDifference>);

impl Differences {
    fn field(&mut self, field: &'static str, live: String, wanted: String) -> &mut Self {
        if live != wanted {
            self.0.push(FieldDifference {
                field,
                live,
                wanted,
            });
        }
        self
    }

    /// Compares only when the request sets the field: the server fills it in otherwise.
    fn requested(
        &mut self,
        field: &'static str,
        live: Option<String>,
        wanted: Option<String>,
    ) -> &mut Self {
        if let Some(wanted) = wanted {
            self.field(field, live.unwrap_or_else(unset), wanted);
        }
        self
    }

    fn finish(&mut self) -> Vec<FieldDifference> {
        std::mem::take(&mut self.0)
    }
}

fn unset() -> String {
    "(unset)".to_owned()
}

fn optional(value: Option<&str>) -> String {
    value
        .filter(|value| !value.is_empty())
        .map_or_else(unset, str::to_owned)
}

/// A list whose order carries no meaning, rendered sorted and without duplicates.
fn set<'a>(values: impl IntoIterator<Item = &'a String>) -> String {
    let sorted: BTreeSet<&str> = values.into_iter().map(String::as_str).collect();
    let items: Vec<&str> = sorted.into_iter().collect();
    format!("[{}]", items.join(", "))
}

fn tags(values: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = values
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    format!("{{{}}}", pairs.join(", "))
}

impl Compare for Credential {
    fn differences(request: &CreateCredentialRequest, live: &Credential) -> Vec<FieldDifference> {
        Differences::default()
            .field(
                "role_arn",
                optional(live.role_arn()),
                optional(request.role_arn()),
            )
            .finish()
    }
}

impl Compare for StorageConfiguration {
    fn differences(
        request: &CreateStorageConfigurationRequest,
        live: &StorageConfiguration,
    ) -> Vec<FieldDifference> {
        Differences::default()
            .field(
                "bucket_name",
                optional(live.bucket_name()),
                optional(Some(&request.root_bucket_info.bucket_name)),
            )
            .field(
                "role_arn",
                optional(live.role_arn.as_deref()),
                optional(request.role_arn.as_deref()),
            )
            .finish()
    }
}

impl Compare for CustomerManagedKey {
    fn differences(
        request: &CreateCustomerManagedKeyRequest,
        live: &CustomerManagedKey,
    ) -> Vec<FieldDifference> {
        let live_info = live.aws_key_info.clone().unwrap_or_default();
        let wanted = &request.aws_key_info;
        let mut differences = Differences::default();
        differences
            .field(
                "key_arn",
                optional(Some(&live_info.key_arn)),
                optional(Some(&wanted.key_arn)),
            )
            .field(
                "use_cases",
                use_cases(&live.use_cases),
                use_cases(&request.use_cases),
            )
            .field(
                "key_alias",
                optional(live_info.key_alias.as_deref()),
                optional(wanted.key_alias.as_deref()),
            )
            .requested(
                "key_region",
                live_info.key_region,
                wanted.key_region.clone(),
            );
        // The flag only means something for a key that encrypts storage, and "omitted" means
        // true there.
        if request.use_cases.contains(&KeyUseCase::Storage) {
            differences.field(
                "reuse_key_for_cluster_volumes",
                live_info
                    .reuse_key_for_cluster_volumes
                    .unwrap_or(true)
                    .to_string(),
                wanted
                    .reuse_key_for_cluster_volumes
                    .unwrap_or(true)
                    .to_string(),
            );
        }
        differences.finish()
    }
}

fn use_cases(values: &[KeyUseCase]) -> String {
    let names: Vec<String> = values
        .iter()
        .map(|value| value.as_str().to_owned())
        .collect();
    set(&names)
}

impl Compare for VpcEndpoint {
    fn differences(request: &CreateVpcEndpointRequest, live: &VpcEndpoint) -> Vec<FieldDifference> {
        Differences::default()
            .field(
                "aws_vpc_endpoint_id",
                optional(Some(&live.aws_vpc_endpoint_id)),
                optional(Some(&request.aws_vpc_endpoint_id)),
            )
            .field(
                "region",
                optional(Some(&live.region)),
                optional(Some(&request.region)),
            )
            .finish()
    }
}

impl Compare for Network {
    fn differences(request: &CreateNetworkRequest, live: &Network) -> Vec<FieldDifference> {
        let live_endpoints = live.vpc_endpoints.clone().unwrap_or_default();
        let wanted_endpoints = request.vpc_endpoints.clone().unwrap_or_default();
        Differences::default()
            .field(
                "vpc_id",
                optional(Some(&live.vpc_id)),
                optional(Some(&request.vpc_id)),
            )
            .field(
                "subnet_ids",
                set(&live.subnet_ids),
                set(&request.subnet_ids),
            )
            .field(
                "security_group_ids",
                set(&live.security_group_ids),
                set(&request.security_group_ids),
            )
            .field(
                "vpc_endpoints.rest_api",
                set(&live_endpoints.rest_api),
                set(&wanted_endpoints.rest_api),
            )
            .field(
                "vpc_endpoints.dataplane_relay",
                set(&live_endpoints.dataplane_relay),
                set(&wanted_endpoints.dataplane_relay),
            )
            .finish()
    }
}

impl Compare for PrivateAccessSettings {
    fn differences(
        request: &PrivateAccessSettingsRequest,
        live: &PrivateAccessSettings,
    ) -> Vec<FieldDifference> {
        let level = |level: &Option<PrivateAccessLevel>| {
            level
                .as_ref()
                .unwrap_or(&PrivateAccessLevel::Account)
                .as_str()
                .to_ascii_uppercase()
        };
        Differences::default()
            .field(
                "region",
                optional(Some(&live.region)),
                optional(Some(&request.region)),
            )
            .field(
                "public_access_enabled",
                live.public_access_enabled.unwrap_or(false).to_string(),
                request.public_access_enabled.unwrap_or(false).to_string(),
            )
            .field(
                "private_access_level",
                level(&live.private_access_level),
                level(&request.private_access_level),
            )
            .field(
                "allowed_vpc_endpoint_ids",
                set(&live.allowed_vpc_endpoint_ids),
                set(&request.allowed_vpc_endpoint_ids),
            )
            .finish()
    }
}

impl Compare for Workspace {
    fn differences(request: &CreateWorkspaceRequest, live: &Workspace) -> Vec<FieldDifference> {
        let id = |value: &Option<String>| optional(value.as_deref());
        let upper = |value: Option<String>| value.map(|value| value.to_ascii_uppercase());
        let mut differences = Differences::default();
        differences
            .field(
                "workspace_name",
                optional(Some(&live.workspace_name)),
                optional(Some(&request.workspace_name)),
            )
            .field(
                "aws_region",
                optional(Some(&live.aws_region)),
                optional(Some(&request.aws_region)),
            )
            .field(
                "credentials_id",
                id(&live.credentials_id),
                id(&request.credentials_id),
            )
            .field(
                "storage_configuration_id",
                id(&live.storage_configuration_id),
                id(&request.storage_configuration_id),
            )
            .field("network_id", id(&live.network_id), id(&request.network_id))
            .field(
                "private_access_settings_id",
                id(&live.private_access_settings_id),
                id(&request.private_access_settings_id),
            )
            .field(
                "managed_services_customer_managed_key_id",
                id(&live.managed_services_customer_managed_key_id),
                id(&request.managed_services_customer_managed_key_id),
            )
            .field(
                "storage_customer_managed_key_id",
                id(&live.storage_customer_managed_key_id),
                id(&request.storage_customer_managed_key_id),
            )
            .field(
                "network_connectivity_config_id",
                id(&live.network_connectivity_config_id),
                id(&request.network_connectivity_config_id),
            )
            .field(
                "custom_tags",
                tags(&live.custom_tags),
                tags(&request.custom_tags),
            )
            .requested(
                "pricing_tier",
                upper(live.pricing_tier.as_ref().map(ToString::to_string)),
                upper(request.pricing_tier.as_ref().map(ToString::to_string)),
            )
            .requested(
                "compute_mode",
                upper(live.compute_mode.as_ref().map(ToString::to_string)),
                upper(request.compute_mode.as_ref().map(ToString::to_string)),
            );
        differences.finish()
    }
}

/// Whether every field `request` sets has its requested value on `live`, and `live` is not
/// `FAILED` (a redeploy that took effect is provisioning again): how a PATCH whose answer was
/// lost is recognised as done.
pub(crate) fn update_in_effect(request: &UpdateWorkspaceRequest, live: &Workspace) -> bool {
    let same = |wanted: &Option<String>, live: &Option<String>| {
        wanted.is_none()
            || wanted.as_deref().unwrap_or_default() == live.as_deref().unwrap_or_default()
    };
    let region = request
        .aws_region
        .as_ref()
        .is_none_or(|region| *region == live.aws_region);
    let tags = request
        .custom_tags
        .as_ref()
        .is_none_or(|tags| *tags == live.custom_tags);
    region
        && tags
        && same(&request.credentials_id, &live.credentials_id)
        && same(
            &request.storage_configuration_id,
            &live.storage_configuration_id,
        )
        && same(&request.network_id, &live.network_id)
        && same(
            &request.private_access_settings_id,
            &live.private_access_settings_id,
        )
        && same(
            &request.managed_services_customer_managed_key_id,
            &live.managed_services_customer_managed_key_id,
        )
        && same(
            &request.storage_customer_managed_key_id,
            &live.storage_customer_managed_key_id,
        )
        && same(
            &request.network_connectivity_config_id,
            &live.network_connectivity_config_id,
        )
        && live.workspace_status != Some(WorkspaceStatus::Failed)
}

#[cfg(test)]
mod tests {
    use api_types::{AwsKeyInfo, NetworkVpcEndpoints, PricingTier, RootBucketInfo};

    use super::*;

    #[test]
    fn credentials_differ_only_in_their_role() {
        let request = CreateCredentialRequest::new("acme", "arn:aws:iam::1:role/acme");
        let mut live = Credential {
            credentials_id: "c-1".to_owned(),
            credentials_name: "acme".to_owned(),
            aws_credentials: Some(request.aws_credentials.clone()),
            ..Credential::default()
        };
        assert_eq!(Credential::differences(&request, &live), []);
        live.aws_credentials = None;
        assert_eq!(
            Credential::differences(&request, &live),
            [FieldDifference {
                field: "role_arn",
                live: "(unset)".to_owned(),
                wanted: "arn:aws:iam::1:role/acme".to_owned(),
            }]
        );
    }

    #[test]
    fn network_lists_compare_as_sets_and_missing_endpoints_as_empty() {
        let request = CreateNetworkRequest {
            network_name: "acme-vpc".to_owned(),
            vpc_id: "vpc-1".to_owned(),
            subnet_ids: vec!["subnet-b".to_owned(), "subnet-a".to_owned()],
            security_group_ids: vec!["sg-1".to_owned()],
            vpc_endpoints: Some(NetworkVpcEndpoints::default()),
        };
        let live = Network {
            network_id: "n-1".to_owned(),
            network_name: "acme-vpc".to_owned(),
            vpc_id: "vpc-1".to_owned(),
            subnet_ids: vec!["subnet-a".to_owned(), "subnet-b".to_owned()],
            security_group_ids: vec!["sg-1".to_owned()],
            ..Network::default()
        };
        assert_eq!(Network::differences(&request, &live), []);
        let other = Network {
            subnet_ids: vec!["subnet-a".to_owned(), "subnet-c".to_owned()],
            ..live
        };
        let differences = Network::differences(&request, &other);
        assert_eq!(differences.len(), 1);
        assert_eq!(
            differences[0].to_string(),
            "`subnet_ids` is `[subnet-a, subnet-c]` in the account, `[subnet-a, subnet-b]` in the spec"
        );
    }

    #[test]
    fn omitted_settings_mean_the_servers_defaults() {
        let request = PrivateAccessSettingsRequest {
            private_access_settings_name: "acme-pas".to_owned(),
            region: "us-west-2".to_owned(),
            public_access_enabled: Some(false),
            private_access_level: None,
            allowed_vpc_endpoint_ids: Vec::new(),
        };
        let live = PrivateAccessSettings {
            private_access_settings_id: "p-1".to_owned(),
            private_access_settings_name: "acme-pas".to_owned(),
            region: "us-west-2".to_owned(),
            public_access_enabled: None,
            private_access_level: Some(PrivateAccessLevel::Account),
            ..PrivateAccessSettings::default()
        };
        assert_eq!(PrivateAccessSettings::differences(&request, &live), []);

        let key_request = CreateCustomerManagedKeyRequest {
            use_cases: vec![KeyUseCase::Storage],
            aws_key_info: AwsKeyInfo {
                key_arn: "arn:aws:kms:us-west-2:1:key/k".to_owned(),
                ..AwsKeyInfo::default()
            },
        };
        let key = CustomerManagedKey {
            customer_managed_key_id: "k-1".to_owned(),
            use_cases: vec![KeyUseCase::Storage],
            aws_key_info: Some(AwsKeyInfo {
                key_region: Some("us-west-2".to_owned()),
                reuse_key_for_cluster_volumes: Some(true),
                ..key_request.aws_key_info.clone()
            }),
            ..CustomerManagedKey::default()
        };
        assert_eq!(CustomerManagedKey::differences(&key_request, &key), []);
        let no_reuse = CustomerManagedKey {
            aws_key_info: Some(AwsKeyInfo {
                reuse_key_for_cluster_volumes: Some(false),
                ..key.aws_key_info.clone().unwrap()
            }),
            ..key
        };
        assert_eq!(
            CustomerManagedKey::differences(&key_request, &no_reuse)[0].field,
            "reuse_key_for_cluster_volumes"
        );
    }

    #[test]
    fn a_workspace_ignores_what_the_server_fills_in_unless_asked_for() {
        let request = CreateWorkspaceRequest {
            workspace_name: "Sales".to_owned(),
            deployment_name: Some("sales".to_owned()),
            aws_region: "us-west-2".to_owned(),
            credentials_id: Some("c-1".to_owned()),
            storage_configuration_id: Some("s-1".to_owned()),
            ..CreateWorkspaceRequest::default()
        };
        let live = Workspace {
            workspace_id: 7,
            workspace_name: "Sales".to_owned(),
            deployment_name: "sales".to_owned(),
            aws_region: "us-west-2".to_owned(),
            credentials_id: Some("c-1".to_owned()),
            storage_configuration_id: Some("s-1".to_owned()),
            pricing_tier: Some(PricingTier::Enterprise),
            ..Workspace::default()
        };
        assert_eq!(Workspace::differences(&request, &live), []);
        let premium = CreateWorkspaceRequest {
            pricing_tier: Some(PricingTier::Premium),
            credentials_id: Some("c-2".to_owned()),
            ..request
        };
        let fields: Vec<&str> = Workspace::differences(&premium, &live)
            .iter()
            .map(|difference| difference.field)
            .collect();
        assert_eq!(fields, ["credentials_id", "pricing_tier"]);
    }

    #[test]
    fn an_update_is_in_effect_when_every_field_it_sets_is_live_and_not_failed() {
        let request = UpdateWorkspaceRequest {
            credentials_id: Some("c-2".to_owned()),
            custom_tags: Some(BTreeMap::from([("Env".to_owned(), "Prod".to_owned())])),
            ..UpdateWorkspaceRequest::default()
        };
        let live = Workspace {
            workspace_id: 7,
            credentials_id: Some("c-2".to_owned()),
            network_id: Some("n-1".to_owned()),
            custom_tags: BTreeMap::from([("Env".to_owned(), "Prod".to_owned())]),
            workspace_status: Some(WorkspaceStatus::Running),
            ..Workspace::default()
        };
        assert!(update_in_effect(&request, &live));
        let old_credentials = Workspace {
            credentials_id: Some("c-1".to_owned()),
            ..live.clone()
        };
        assert!(!update_in_effect(&request, &old_credentials));
        let other_tags = Workspace {
            custom_tags: BTreeMap::new(),
            ..live.clone()
        };
        assert!(!update_in_effect(&request, &other_tags));
        // A redeploy that took effect is provisioning again, never still FAILED.
        let still_failed = Workspace {
            workspace_status: Some(WorkspaceStatus::Failed),
            ..live
        };
        assert!(!update_in_effect(&request, &still_failed));
    }

    #[test]
    fn storage_compares_bucket_and_role() {
        let request = CreateStorageConfigurationRequest {
            storage_configuration_name: "root".to_owned(),
            root_bucket_info: RootBucketInfo {
                bucket_name: "acme-root".to_owned(),
            },
            role_arn: None,
        };
        let live = StorageConfiguration {
            storage_configuration_id: "s-1".to_owned(),
            storage_configuration_name: "root".to_owned(),
            root_bucket_info: Some(RootBucketInfo {
                bucket_name: "other".to_owned(),
            }),
            ..StorageConfiguration::default()
        };
        assert_eq!(
            StorageConfiguration::differences(&request, &live)[0].field,
            "bucket_name"
        );
    }
}
