//! Shared helpers: a client pointed at a mock server, paths, and canned objects.

use std::time::Duration;

use brickform_client::{AuthConfig, Client, ClientBuilder, RetryPolicy, Secret};
use url::Url;
use wiremock::MockServer;

pub(crate) const ACCOUNT: &str = "0d5ad2e4-96f0-4d8a-9a1b-3c5d7e9f1a2b";
pub(crate) const TOKEN: &str = "dapi-static-token-7c1e";

/// The path of `suffix` under the account, e.g. `path("networks")`.
pub(crate) fn path(suffix: &str) -> String {
    format!("/api/2.0/accounts/{ACCOUNT}/{suffix}")
}

pub(crate) fn builder(server: &MockServer, auth: AuthConfig) -> ClientBuilder {
    ClientBuilder::new(Url::parse(&server.uri()).unwrap(), ACCOUNT, auth)
        .rate_limit(10_000.0)
        .no_retry_delay(true)
}

/// A `pat` client without retry delays and with a practically unlimited rate.
pub(crate) fn pat_client(server: &MockServer) -> Client {
    builder(server, pat()).build().unwrap()
}

pub(crate) fn pat() -> AuthConfig {
    AuthConfig::Pat {
        token: Secret::new(TOKEN),
    }
}

/// A policy whose budget allows a handful of backoff retries, without sleeping.
pub(crate) fn small_budget() -> RetryPolicy {
    RetryPolicy {
        budget: Duration::from_secs(4),
        no_delay: true,
        ..RetryPolicy::default()
    }
}

/// How many requests the server received for `method` on `path`.
pub(crate) async fn count(server: &MockServer, method: &str, path: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|request| request.method.as_str() == method && request.url.path() == path)
        .count()
}

pub(crate) fn network_json(id: &str, name: &str) -> serde_json::Value {
    serde_json::json!({
        "network_id": id,
        "network_name": name,
        "vpc_id": "vpc-0123",
        "subnet_ids": ["subnet-0a", "subnet-0b"],
        "security_group_ids": ["sg-01"],
        "vpc_status": "UNATTACHED",
        "account_id": ACCOUNT,
        "creation_time": 1_700_000_000_000_i64
    })
}

pub(crate) fn network_request(name: &str) -> api_types::CreateNetworkRequest {
    api_types::CreateNetworkRequest {
        network_name: name.to_owned(),
        vpc_id: "vpc-0123".to_owned(),
        subnet_ids: vec!["subnet-0a".to_owned(), "subnet-0b".to_owned()],
        security_group_ids: vec!["sg-01".to_owned()],
        vpc_endpoints: None,
    }
}
