//! Private access settings (`/private-access-settings`): the PrivateLink access policy.

use serde::{Deserialize, Serialize};

use crate::PrivateAccessLevel;

/// Private access settings as the server returns them. They have no `creation_time`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivateAccessSettings {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub private_access_settings_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub private_access_settings_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_access_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_access_level: Option<PrivateAccessLevel>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_vpc_endpoint_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub account_id: String,
}

/// Body of `POST /private-access-settings` and of the full-replace
/// `PUT /private-access-settings/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivateAccessSettingsRequest {
    #[serde(default)]
    pub private_access_settings_name: String,
    #[serde(default)]
    pub region: String,
    /// Sent even when `false`, as Terraform does: `false` is a deliberate choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_access_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_access_level: Option<PrivateAccessLevel>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_vpc_endpoint_ids: Vec<String>,
}
