//! Network configurations (`/networks`): a customer-managed VPC.

use serde::{Deserialize, Serialize};

use crate::{ErrorType, VpcStatus, WarningType, is_zero};

/// A network configuration as the server returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub network_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub network_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub vpc_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnet_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_group_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_endpoints: Option<NetworkVpcEndpoints>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_status: Option<VpcStatus>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_messages: Vec<NetworkHealth>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warning_messages: Vec<NetworkWarning>,
    /// The workspace this network is attached to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<i64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub account_id: String,
    /// Epoch milliseconds.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub creation_time: i64,
}

/// PrivateLink back-end endpoints of a network: Databricks VPC endpoint ids, not AWS ids.
///
/// Both lists are always sent: the classic API generation declares them required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkVpcEndpoints {
    #[serde(default)]
    pub rest_api: Vec<String>,
    #[serde(default)]
    pub dataplane_relay: Vec<String>,
}

/// One entry of a network's `error_messages`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkHealth {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<ErrorType>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error_message: String,
}

/// One entry of a network's `warning_messages`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkWarning {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning_type: Option<WarningType>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub warning_message: String,
}

/// Body of `POST /networks`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateNetworkRequest {
    #[serde(default)]
    pub network_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub vpc_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnet_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_group_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_endpoints: Option<NetworkVpcEndpoints>,
}
