//! VPC endpoint registrations (`/vpc-endpoints`): AWS interface endpoints known to Databricks.

use serde::{Deserialize, Serialize};

use crate::EndpointUseCase;

/// A VPC endpoint registration as the server returns it. It has no `creation_time`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpcEndpoint {
    /// The Databricks id, which networks and private access settings reference.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub vpc_endpoint_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub vpc_endpoint_name: String,
    /// The AWS id, `vpce-…`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub aws_vpc_endpoint_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub aws_account_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub aws_endpoint_service_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_case: Option<EndpointUseCase>,
    /// Copied from AWS, e.g. `available`, `pending`, `pendingAcceptance`, `rejected`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub state: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub account_id: String,
}

/// Body of `POST /vpc-endpoints`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateVpcEndpointRequest {
    #[serde(default)]
    pub vpc_endpoint_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub aws_vpc_endpoint_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
}
