//! Credential configurations (`/credentials`): the cross-account IAM role Databricks assumes.

use serde::{Deserialize, Serialize};

use crate::is_zero;

/// A credential configuration as the server returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub credentials_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub credentials_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_credentials: Option<AwsCredentials>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub account_id: String,
    /// Epoch milliseconds.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub creation_time: i64,
}

impl Credential {
    /// The IAM role ARN, if the server returned one.
    pub fn role_arn(&self) -> Option<&str> {
        let sts_role = self.aws_credentials.as_ref()?.sts_role.as_ref()?;
        Some(sts_role.role_arn.as_str())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsCredentials {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sts_role: Option<StsRole>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StsRole {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub role_arn: String,
    /// Always the Databricks account id; only returned by the classic API generation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

/// Body of `POST /credentials`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateCredentialRequest {
    #[serde(default)]
    pub credentials_name: String,
    #[serde(default)]
    pub aws_credentials: AwsCredentials,
}

impl CreateCredentialRequest {
    /// A request for a role ARN under a name.
    pub fn new(credentials_name: impl Into<String>, role_arn: impl Into<String>) -> Self {
        CreateCredentialRequest {
            credentials_name: credentials_name.into(),
            aws_credentials: AwsCredentials {
                sts_role: Some(StsRole {
                    role_arn: role_arn.into(),
                    external_id: None,
                }),
            },
        }
    }

    /// The IAM role ARN of the request, if any.
    pub fn role_arn(&self) -> Option<&str> {
        Some(self.aws_credentials.sts_role.as_ref()?.role_arn.as_str())
    }
}
