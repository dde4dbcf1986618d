//! The seven collections of the provisioning API, named once.

use std::fmt;

/// One collection under `/api/2.0/accounts/{account_id}/`.
///
/// The order of [`Collection::ALL`] is the dependency order of the objects: every object only
/// references objects of collections that come before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Collection {
    Credentials,
    StorageConfigurations,
    CustomerManagedKeys,
    VpcEndpoints,
    Networks,
    PrivateAccessSettings,
    Workspaces,
}

impl Collection {
    /// Every collection, in dependency order.
    pub const ALL: [Collection; 7] = [
        Collection::Credentials,
        Collection::StorageConfigurations,
        Collection::CustomerManagedKeys,
        Collection::VpcEndpoints,
        Collection::Networks,
        Collection::PrivateAccessSettings,
        Collection::Workspaces,
    ];

    /// The URL path segment, e.g. `storage-configurations`.
    pub fn path_segment(self) -> &'static str {
        match self {
            Collection::Credentials => "credentials",
            Collection::StorageConfigurations => "storage-configurations",
            Collection::CustomerManagedKeys => "customer-managed-keys",
            Collection::VpcEndpoints => "vpc-endpoints",
            Collection::Networks => "networks",
            Collection::PrivateAccessSettings => "private-access-settings",
            Collection::Workspaces => "workspaces",
        }
    }

    /// The name of the id field of an object of this collection, e.g. `network_id`.
    pub fn id_field(self) -> &'static str {
        match self {
            Collection::Credentials => "credentials_id",
            Collection::StorageConfigurations => "storage_configuration_id",
            Collection::CustomerManagedKeys => "customer_managed_key_id",
            Collection::VpcEndpoints => "vpc_endpoint_id",
            Collection::Networks => "network_id",
            Collection::PrivateAccessSettings => "private_access_settings_id",
            Collection::Workspaces => "workspace_id",
        }
    }

    /// A singular human noun for messages, e.g. `storage configuration`.
    pub fn noun(self) -> &'static str {
        match self {
            Collection::Credentials => "credential configuration",
            Collection::StorageConfigurations => "storage configuration",
            Collection::CustomerManagedKeys => "customer-managed key",
            Collection::VpcEndpoints => "VPC endpoint",
            Collection::Networks => "network",
            Collection::PrivateAccessSettings => "private access settings",
            Collection::Workspaces => "workspace",
        }
    }

    /// The plural of [`Collection::noun`], e.g. `storage configurations`.
    pub fn plural_noun(self) -> String {
        match self {
            // "Settings" is already plural.
            Collection::PrivateAccessSettings => self.noun().to_owned(),
            _ => format!("{}s", self.noun()),
        }
    }

    /// Parses a path segment back into a collection.
    pub fn from_path_segment(segment: &str) -> Option<Collection> {
        Collection::ALL
            .into_iter()
            .find(|collection| collection.path_segment() == segment)
    }
}

impl fmt::Display for Collection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path_segment())
    }
}
