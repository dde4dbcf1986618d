//! The three auth methods over HTTP: OAuth M2M (one token for concurrent requests, refresh
//! after expiry, a fresh token after a 401) and the Databricks CLI's token.

use std::time::Duration;

use brickform_client::{AccountApi, AuthConfig, AuthError, ErrorKind, Secret};
use serde_json::json;
use wiremock::matchers::{basic_auth, body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{self, ACCOUNT, builder, count};

pub(crate) const CLIENT_ID: &str = "sp-4f1c-client";
pub(crate) const CLIENT_SECRET: &str = "dose-secret-8d2e#;x";

pub(crate) fn m2m() -> AuthConfig {
    AuthConfig::OAuthM2m {
        client_id: CLIENT_ID.to_owned(),
        client_secret: Secret::new(CLIENT_SECRET),
    }
}

pub(crate) fn token_path() -> String {
    format!("/oidc/accounts/{ACCOUNT}/v1/token")
}

/// A token endpoint that issues `tokens` in order, each valid for `expires_in` seconds.
pub(crate) async fn token_endpoint(server: &MockServer, tokens: &[&str], expires_in: u64) {
    for (index, token) in tokens.iter().enumerate() {
        Mock::given(method("POST"))
            .and(path(token_path()))
            .and(basic_auth(CLIENT_ID, CLIENT_SECRET))
            .and(header("content-type", "application/x-www-form-urlencoded"))
            .and(body_string("grant_type=client_credentials&scope=all-apis"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": expires_in,
                "scope": "all-apis"
            })))
            .up_to_n_times(1)
            .with_priority(u8::try_from(index + 1).unwrap())
            .mount(server)
            .await;
    }
}

async fn networks_for_token(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path(support::path("networks")))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_share_one_token_request() {
    let server = MockServer::start().await;
    token_endpoint(&server, &["token-one", "token-two"], 3600).await;
    networks_for_token(&server, "token-one").await;
    let client = builder(&server, m2m()).build().unwrap();
    // Spawned tasks: this also shows the client's futures are `Send` and `'static`-spawnable.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let client = client.clone();
        tasks.spawn(async move { client.list_networks().await });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }
    assert_eq!(count(&server, "POST", &token_path()).await, 1);
    assert_eq!(count(&server, "GET", &support::path("networks")).await, 8);
}

#[tokio::test]
async fn an_expired_token_is_refreshed() {
    let server = MockServer::start().await;
    token_endpoint(&server, &["short-lived", "renewed"], 2).await;
    networks_for_token(&server, "short-lived").await;
    networks_for_token(&server, "renewed").await;
    let client = builder(&server, m2m()).build().unwrap();
    client.list_networks().await.unwrap();
    client.list_networks().await.unwrap();
    assert_eq!(count(&server, "POST", &token_path()).await, 1);
    // The token lives 2 s and is refreshed a quarter of its life early, at 1.5 s.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    client.list_networks().await.unwrap();
    assert_eq!(count(&server, "POST", &token_path()).await, 2);
    let requests = server.received_requests().await.unwrap();
    let last = requests.last().unwrap();
    assert_eq!(last.headers["authorization"], "Bearer renewed");
}

#[tokio::test]
async fn a_refused_token_is_replaced_once() {
    let server = MockServer::start().await;
    token_endpoint(&server, &["revoked", "fresh"], 3600).await;
    Mock::given(method("GET"))
        .and(path(support::path("networks")))
        .and(header("authorization", "Bearer revoked"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error_code": "UNAUTHENTICATED", "message": "Token is revoked"
        })))
        .mount(&server)
        .await;
    networks_for_token(&server, "fresh").await;
    let client = builder(&server, m2m()).build().unwrap();
    client.list_networks().await.unwrap();
    assert_eq!(count(&server, "POST", &token_path()).await, 2);
    assert_eq!(count(&server, "GET", &support::path("networks")).await, 2);
}

#[tokio::test]
async fn rejected_client_credentials_are_an_auth_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(token_path()))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client", "error_description": "Client authentication failed"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server, m2m()).build().unwrap();
    let error = client.list_networks().await.unwrap_err();
    assert!(error.is_unauthenticated());
    let ErrorKind::Auth { source } = error.kind() else {
        panic!("expected an auth error, got {error:?}");
    };
    assert!(matches!(source, AuthError::TokenRefused { .. }));
    assert_eq!(
        source.to_string(),
        format!(
            "the token endpoint {}{} refused the client credentials: 401 Unauthorized: invalid_client: Client authentication failed",
            server.uri(),
            token_path()
        )
    );
    assert_eq!(count(&server, "GET", &support::path("networks")).await, 0);
}

#[cfg(unix)]
mod databricks_cli {
    use std::os::unix::fs::PermissionsExt;
    use std::path::{Path, PathBuf};

    use super::*;

    /// Writes an executable fake `databricks` that records its arguments and prints `stdout`
    /// (or fails with `stderr` when `exit` is not 0).
    pub(crate) fn fake_cli(dir: &Path, stdout: &str, stderr: &str, exit: i32) -> PathBuf {
        let script = dir.join("databricks");
        let args_file = dir.join("args");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\nprintf '%s' '{stdout}'\nprintf '%s' '{stderr}' >&2\nexit {exit}\n",
                args_file.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        script
    }

    fn recorded_args(dir: &Path) -> Vec<String> {
        std::fs::read_to_string(dir.join("args"))
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    #[tokio::test]
    async fn the_cli_token_is_used_and_asked_for_by_host_and_account() {
        let server = MockServer::start().await;
        networks_for_token(&server, "cli-token-9").await;
        let dir = tempfile::tempdir().unwrap();
        let output = r#"{"access_token": "cli-token-9", "token_type": "Bearer", "expiry": "2099-01-01T00:00:00.123456789Z"}"#;
        let cli = fake_cli(dir.path(), output, "", 0);
        let auth = AuthConfig::DatabricksCli {
            cli_path: Some(cli),
            profile: None,
        };
        let client = builder(&server, auth).build().unwrap();
        client.list_networks().await.unwrap();
        client.list_networks().await.unwrap();
        assert_eq!(
            recorded_args(dir.path()),
            [
                "auth",
                "token",
                "--host",
                server.uri().as_str(),
                "--account-id",
                ACCOUNT
            ]
        );
        assert_eq!(count(&server, "GET", &support::path("networks")).await, 2);
    }

    #[tokio::test]
    async fn a_profile_is_passed_by_name() {
        let server = MockServer::start().await;
        networks_for_token(&server, "cli-token-p").await;
        let dir = tempfile::tempdir().unwrap();
        let output = r#"{"access_token":"cli-token-p","token_type":"Bearer","expiry":"2099-01-01 00:00:00.5"}"#;
        let cli = fake_cli(dir.path(), output, "", 0);
        let auth = AuthConfig::DatabricksCli {
            cli_path: Some(cli),
            profile: Some(("acct".to_owned(), dir.path().join("cfg"))),
        };
        builder(&server, auth)
            .build()
            .unwrap()
            .list_networks()
            .await
            .unwrap();
        assert_eq!(
            recorded_args(dir.path()),
            ["auth", "token", "--profile", "acct"]
        );
    }

    #[tokio::test]
    async fn a_failing_or_missing_cli_is_explained() {
        let server = MockServer::start().await;
        let dir = tempfile::tempdir().unwrap();
        let cli = fake_cli(
            dir.path(),
            "",
            "Error: cannot load token: run databricks auth login",
            1,
        );
        let auth = AuthConfig::DatabricksCli {
            cli_path: Some(cli),
            profile: None,
        };
        let error = builder(&server, auth)
            .build()
            .unwrap()
            .list_networks()
            .await
            .unwrap_err();
        let ErrorKind::Auth { source } = error.kind() else {
            panic!("expected an auth error, got {error:?}");
        };
        let message = source.to_string();
        assert!(message.contains("auth token --host"), "{message}");
        assert!(
            message.ends_with("): Error: cannot load token: run databricks auth login"),
            "{message}"
        );

        let auth = AuthConfig::DatabricksCli {
            cli_path: Some(dir.path().join("not-installed")),
            profile: None,
        };
        let error = builder(&server, auth)
            .build()
            .unwrap()
            .list_networks()
            .await
            .unwrap_err();
        let ErrorKind::Auth { source } = error.kind() else {
            panic!("expected an auth error, got {error:?}");
        };
        assert!(matches!(source, AuthError::CliNotFound { .. }));
        assert!(
            source.to_string().contains("set DATABRICKS_CLI_PATH"),
            "{source}"
        );
        assert_eq!(server.received_requests().await.unwrap().len(), 0);
    }
}
