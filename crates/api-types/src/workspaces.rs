//! Workspaces (`/workspaces`): the only object with a lifecycle and an in-place update.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{ComputeMode, PricingTier, StorageMode, WorkspaceStatus, is_zero};

/// A workspace as the server returns it.
///
/// There is no `workspace_url` on the wire: clients derive it from `deployment_name`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    #[serde(default, skip_serializing_if = "is_zero")]
    pub workspace_id: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub workspace_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub deployment_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub aws_region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_configuration_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_access_settings_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_services_customer_managed_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_customer_managed_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_connectivity_config_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing_tier: Option<PricingTier>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_status: Option<WorkspaceStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_status_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_mode: Option<ComputeMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_mode: Option<StorageMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub account_id: String,
    /// Epoch milliseconds.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub creation_time: i64,
}

/// Body of `POST /workspaces` (the AWS-relevant fields).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateWorkspaceRequest {
    #[serde(default)]
    pub workspace_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_name: Option<String>,
    #[serde(default)]
    pub aws_region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_configuration_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_access_settings_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_services_customer_managed_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_customer_managed_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_connectivity_config_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing_tier: Option<PricingTier>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_mode: Option<ComputeMode>,
}

/// Body of `PATCH /workspaces/{workspace_id}`: a flat, partial workspace.
///
/// Only the fields that are `Some` are sent; [`UpdateWorkspaceRequest::mask_fields`] names them
/// for the `update_mask` query parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateWorkspaceRequest {
    /// Only accepted on `FAILED` workspaces by the classic API generation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_configuration_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_access_settings_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_services_customer_managed_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_customer_managed_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_connectivity_config_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_tags: Option<BTreeMap<String, String>>,
}

impl UpdateWorkspaceRequest {
    /// The wire names of the fields this request sets, sorted, as `update_mask` lists them.
    pub fn mask_fields(&self) -> Vec<&'static str> {
        let candidates = [
            ("aws_region", self.aws_region.is_some()),
            ("credentials_id", self.credentials_id.is_some()),
            ("custom_tags", self.custom_tags.is_some()),
            (
                "managed_services_customer_managed_key_id",
                self.managed_services_customer_managed_key_id.is_some(),
            ),
            (
                "network_connectivity_config_id",
                self.network_connectivity_config_id.is_some(),
            ),
            ("network_id", self.network_id.is_some()),
            (
                "private_access_settings_id",
                self.private_access_settings_id.is_some(),
            ),
            (
                "storage_configuration_id",
                self.storage_configuration_id.is_some(),
            ),
            (
                "storage_customer_managed_key_id",
                self.storage_customer_managed_key_id.is_some(),
            ),
        ];
        candidates
            .into_iter()
            .filter_map(|(name, is_set)| is_set.then_some(name))
            .collect()
    }

    /// Whether the request sets no field at all.
    pub fn is_empty(&self) -> bool {
        self.mask_fields().is_empty()
    }
}
