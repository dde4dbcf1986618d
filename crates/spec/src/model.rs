//! The validated model: what downstream crates see of a spec.
//!
//! Values of these types are only built by validation, so every `Spec` a consumer receives has
//! resolved variables, existing references of the right kind, no cycles and no duplicate
//! natural keys. Raw shapes live in `crate::raw` and never leave this crate.
//!
//! A resource marked `existing: true` is only looked up, never changed: validation requires
//! just its natural key (a name, or a key ARN and use cases), so its other fields may be empty.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use api_types::{Collection, KeyUseCase, PricingTier, PrivateAccessLevel};

/// The seven kinds of resource a spec declares, one per section.
///
/// The order of [`Kind::ALL`] is a valid dependency order: a resource only references resources
/// of kinds that come before its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Credentials,
    StorageConfiguration,
    CustomerManagedKey,
    VpcEndpoint,
    Network,
    PrivateAccessSettings,
    Workspace,
}

impl Kind {
    /// Every kind, in dependency order.
    pub const ALL: [Kind; 7] = [
        Kind::Credentials,
        Kind::StorageConfiguration,
        Kind::CustomerManagedKey,
        Kind::VpcEndpoint,
        Kind::Network,
        Kind::PrivateAccessSettings,
        Kind::Workspace,
    ];

    /// The spec section that declares resources of this kind, e.g. `storage_configurations`.
    pub fn section(self) -> &'static str {
        match self {
            Kind::Credentials => "credentials",
            Kind::StorageConfiguration => "storage_configurations",
            Kind::CustomerManagedKey => "customer_managed_keys",
            Kind::VpcEndpoint => "vpc_endpoints",
            Kind::Network => "networks",
            Kind::PrivateAccessSettings => "private_access_settings",
            Kind::Workspace => "workspaces",
        }
    }

    /// Parses a section name back into a kind.
    pub fn from_section(section: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.section() == section)
    }

    /// The Account API collection that holds objects of this kind.
    pub fn collection(self) -> Collection {
        match self {
            Kind::Credentials => Collection::Credentials,
            Kind::StorageConfiguration => Collection::StorageConfigurations,
            Kind::CustomerManagedKey => Collection::CustomerManagedKeys,
            Kind::VpcEndpoint => Collection::VpcEndpoints,
            Kind::Network => Collection::Networks,
            Kind::PrivateAccessSettings => Collection::PrivateAccessSettings,
            Kind::Workspace => Collection::Workspaces,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.section())
    }
}

/// A resource's address: `SECTION.KEY`, e.g. `workspaces.sales`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    pub kind: Kind,
    pub key: String,
}

impl Address {
    pub fn new(kind: Kind, key: impl Into<String>) -> Self {
        Address {
            kind,
            key: key.into(),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind.section(), self.key)
    }
}

/// The error of parsing an address that is not `SECTION.KEY` with a known section.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a resource address; expected SECTION.KEY, e.g. `workspaces.sales`")]
pub struct InvalidAddress(pub String);

impl FromStr for Address {
    type Err = InvalidAddress;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (section, key) = text
            .split_once('.')
            .ok_or_else(|| InvalidAddress(text.to_owned()))?;
        let kind = Kind::from_section(section).ok_or_else(|| InvalidAddress(text.to_owned()))?;
        if key.is_empty() {
            return Err(InvalidAddress(text.to_owned()));
        }
        Ok(Address::new(kind, key))
    }
}

/// Where something was declared: a file and a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Account-wide settings from the spec's `account:` section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSettings {
    /// The account id, when the spec pins it; otherwise it comes from the auth configuration.
    pub id: Option<String>,
    /// The account's deployment name prefix, used to compare prefixed deployment names.
    pub deployment_name_prefix: Option<String>,
}

/// Whether a resource should exist.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Ensure {
    #[default]
    Present,
    /// `ensure: absent`: delete the matching live object if it exists.
    Absent,
}

/// A resource's `lifecycle:` settings, with defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    /// Workspaces default to `true`; every other kind to `false`.
    pub prevent_destroy: bool,
    /// Spec field names whose live value is never compared, e.g. `custom_tags`.
    pub ignore_changes: Vec<String>,
}

/// One declared resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub address: Address,
    pub ensure: Ensure,
    /// `existing: true`: look the object up by its natural key, reference it, never change it.
    pub existing: bool,
    pub lifecycle: Lifecycle,
    pub config: ResourceConfig,
    /// Where the resource's key was declared.
    pub origin: Origin,
}

/// The kind-specific fields of a resource, with variables resolved and references by address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceConfig {
    Credentials(CredentialsConfig),
    StorageConfiguration(StorageConfigurationConfig),
    CustomerManagedKey(CustomerManagedKeyConfig),
    VpcEndpoint(VpcEndpointConfig),
    Network(NetworkConfig),
    PrivateAccessSettings(PrivateAccessSettingsConfig),
    Workspace(WorkspaceConfig),
}

/// `credentials.KEY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialsConfig {
    /// `credentials_name` on the wire.
    pub name: String,
    pub role_arn: String,
}

/// `storage_configurations.KEY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageConfigurationConfig {
    /// `storage_configuration_name` on the wire.
    pub name: String,
    pub bucket_name: String,
    pub role_arn: Option<String>,
}

/// `customer_managed_keys.KEY`. Its natural key is `key_arn` plus `use_cases`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerManagedKeyConfig {
    pub key_arn: String,
    pub key_alias: Option<String>,
    /// Sorted and without duplicates.
    pub use_cases: Vec<KeyUseCase>,
    pub reuse_key_for_cluster_volumes: Option<bool>,
}

/// `vpc_endpoints.KEY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpcEndpointConfig {
    /// `vpc_endpoint_name` on the wire.
    pub name: String,
    pub aws_vpc_endpoint_id: String,
    pub region: String,
}

/// `networks.KEY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkConfig {
    /// `network_name` on the wire.
    pub name: String,
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    /// References to `vpc_endpoints.*` resources, replaced by their ids on the wire.
    pub rest_api_endpoints: Vec<Address>,
    pub dataplane_relay_endpoints: Vec<Address>,
}

/// `private_access_settings.KEY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateAccessSettingsConfig {
    /// `private_access_settings_name` on the wire.
    pub name: String,
    pub region: String,
    pub public_access_enabled: Option<bool>,
    pub private_access_level: Option<PrivateAccessLevel>,
    /// References to `vpc_endpoints.*` resources (`allowed_vpc_endpoint_ids` on the wire).
    pub allowed_vpc_endpoints: Vec<Address>,
}

/// `workspaces.KEY`. Its natural key is `deployment_name` (account prefix taken into account)
/// when set, else `workspace_name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceConfig {
    pub workspace_name: String,
    /// As written in the spec, without the account prefix; the API lower-cases it.
    pub deployment_name: Option<String>,
    pub aws_region: String,
    pub credentials: Option<Address>,
    pub storage_configuration: Option<Address>,
    pub network: Option<Address>,
    pub managed_services_key: Option<Address>,
    pub storage_key: Option<Address>,
    pub private_access_settings: Option<Address>,
    pub pricing_tier: Option<PricingTier>,
    pub custom_tags: BTreeMap<String, String>,
}

impl Resource {
    /// Every reference this resource makes, with the spec field it is made from
    /// (e.g. `("network", networks.main)`, `("vpc_endpoints.rest_api", vpc_endpoints.rest)`).
    pub fn references(&self) -> Vec<(&'static str, &Address)> {
        let mut references = Vec::new();
        match &self.config {
            ResourceConfig::Network(network) => {
                for address in &network.rest_api_endpoints {
                    references.push(("vpc_endpoints.rest_api", address));
                }
                for address in &network.dataplane_relay_endpoints {
                    references.push(("vpc_endpoints.dataplane_relay", address));
                }
            }
            ResourceConfig::PrivateAccessSettings(settings) => {
                for address in &settings.allowed_vpc_endpoints {
                    references.push(("allowed_vpc_endpoints", address));
                }
            }
            ResourceConfig::Workspace(workspace) => {
                let slots = [
                    ("credentials", &workspace.credentials),
                    ("storage_configuration", &workspace.storage_configuration),
                    ("network", &workspace.network),
                    ("managed_services_key", &workspace.managed_services_key),
                    ("storage_key", &workspace.storage_key),
                    (
                        "private_access_settings",
                        &workspace.private_access_settings,
                    ),
                ];
                for (field, address) in slots {
                    if let Some(address) = address {
                        references.push((field, address));
                    }
                }
            }
            ResourceConfig::Credentials(_)
            | ResourceConfig::StorageConfiguration(_)
            | ResourceConfig::CustomerManagedKey(_)
            | ResourceConfig::VpcEndpoint(_) => {}
        }
        references
    }
}

// Kinds and addresses appear in plan files and JSON output by their spec spelling
// (`workspaces`, `workspaces.sales`), so they serialise as those strings.

impl serde::Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.section())
    }
}

impl<'de> serde::Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let section = String::deserialize(deserializer)?;
        Kind::from_section(&section)
            .ok_or_else(|| serde::de::Error::custom(format!("`{section}` is not a spec section")))
    }
}

impl serde::Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
