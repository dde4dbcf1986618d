//! OAuth and host-discovery documents.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Answer of `POST /oidc/accounts/{account_id}/v1/token` (client credentials grant).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default = "bearer")]
    pub token_type: String,
    /// Lifetime in seconds. The Python SDK requires it; we treat its absence as one hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

fn bearer() -> String {
    "Bearer".to_owned()
}

// The access token is a secret: it must not reach logs through a `{:?}`.
impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"***")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish()
    }
}

/// An OAuth error (RFC 6749 §5.2), e.g. `{"error":"invalid_client"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthError {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// `GET /oidc/accounts/{account_id}/.well-known/oauth-authorization-server`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationServerMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grant_types_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub token_endpoint_auth_methods_supported: Vec<String>,
}

/// `GET /.well-known/databricks-config`: how the Databricks SDKs learn what a host is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostMetadata {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub oidc_endpoint: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cloud: String,
    /// `ACCOUNT_HOST`, `WORKSPACE_HOST` or `UNIFIED_HOST`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub host_type: String,
}
