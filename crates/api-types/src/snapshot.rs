//! A snapshot of the account: the result of the seven list calls.

use serde::{Deserialize, Serialize};

use crate::{
    Credential, CustomerManagedKey, Network, PrivateAccessSettings, StorageConfiguration,
    VpcEndpoint, Workspace,
};

/// Every provisioning object of one account, as read by one list call per collection.
///
/// The planner takes this as plain data, so that it can be tested without any server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    #[serde(default)]
    pub credentials: Vec<Credential>,
    #[serde(default)]
    pub storage_configurations: Vec<StorageConfiguration>,
    #[serde(default)]
    pub customer_managed_keys: Vec<CustomerManagedKey>,
    #[serde(default)]
    pub vpc_endpoints: Vec<VpcEndpoint>,
    #[serde(default)]
    pub networks: Vec<Network>,
    #[serde(default)]
    pub private_access_settings: Vec<PrivateAccessSettings>,
    #[serde(default)]
    pub workspaces: Vec<Workspace>,
}

impl Snapshot {
    /// The total number of objects across all collections.
    pub fn len(&self) -> usize {
        self.credentials.len()
            + self.storage_configurations.len()
            + self.customer_managed_keys.len()
            + self.vpc_endpoints.len()
            + self.networks.len()
            + self.private_access_settings.len()
            + self.workspaces.len()
    }

    /// Whether the account holds no object at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
