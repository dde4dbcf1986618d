//! Customer-managed keys (`/customer-managed-keys`): KMS keys registered with Databricks.

use serde::{Deserialize, Serialize};

use crate::{KeyUseCase, is_zero};

/// A customer-managed key configuration as the server returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerManagedKey {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub customer_managed_key_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub use_cases: Vec<KeyUseCase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_key_info: Option<AwsKeyInfo>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub account_id: String,
    /// Epoch milliseconds.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub creation_time: i64,
}

impl CustomerManagedKey {
    /// The KMS key ARN, if the server returned one.
    pub fn key_arn(&self) -> Option<&str> {
        Some(self.aws_key_info.as_ref()?.key_arn.as_str())
    }
}

/// The AWS side of a key; used in requests and responses alike.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsKeyInfo {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key_arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_alias: Option<String>,
    /// Inferred by the server from the ARN when not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_region: Option<String>,
    /// Only meaningful with the `STORAGE` use case; the server treats "omitted" as `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reuse_key_for_cluster_volumes: Option<bool>,
}

/// Body of `POST /customer-managed-keys`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateCustomerManagedKeyRequest {
    #[serde(default)]
    pub use_cases: Vec<KeyUseCase>,
    #[serde(default)]
    pub aws_key_info: AwsKeyInfo,
}
