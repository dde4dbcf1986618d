//! Storage configurations (`/storage-configurations`): the workspace's root S3 bucket.

use serde::{Deserialize, Serialize};

use crate::is_zero;

/// A storage configuration as the server returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageConfiguration {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub storage_configuration_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub storage_configuration_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_bucket_info: Option<RootBucketInfo>,
    /// Optional IAM role for the workspace catalog (current API generation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub account_id: String,
    /// Epoch milliseconds.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub creation_time: i64,
}

impl StorageConfiguration {
    /// The root bucket's name, if the server returned one.
    pub fn bucket_name(&self) -> Option<&str> {
        Some(self.root_bucket_info.as_ref()?.bucket_name.as_str())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootBucketInfo {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub bucket_name: String,
}

/// Body of `POST /storage-configurations`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateStorageConfigurationRequest {
    #[serde(default)]
    pub storage_configuration_name: String,
    #[serde(default)]
    pub root_bucket_info: RootBucketInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
}
