//! Authentication: discovery documents, the token endpoint, bearer checks, other accounts.

use std::time::Duration;

use serde_json::json;

use crate::support::{InProcess, TOKEN, config};

const CREDENTIALS_PATH: &str = "/api/2.0/accounts/00000000-0000-0000-0000-000000000001/credentials";

#[tokio::test]
async fn host_metadata_declares_an_account_host() {
    let emulator = InProcess::new();
    let reply = emulator
        .send("GET", "/.well-known/databricks-config", None, None)
        .await;
    assert_eq!(
        reply.ok(),
        json!({
            "oidc_endpoint": "http://emulator.test:8480/oidc/accounts/00000000-0000-0000-0000-000000000001",
            "account_id": "00000000-0000-0000-0000-000000000001",
            "cloud": "aws",
            "host_type": "ACCOUNT_HOST",
        })
    );
}

#[tokio::test]
async fn the_authorization_server_metadata_names_both_endpoints() {
    let emulator = InProcess::new();
    let path = "/oidc/accounts/00000000-0000-0000-0000-000000000001/.well-known/oauth-authorization-server";
    let metadata = emulator.send("GET", path, None, None).await.ok();
    let issuer = "http://emulator.test:8480/oidc/accounts/00000000-0000-0000-0000-000000000001";
    assert_eq!(metadata["issuer"], issuer);
    assert_eq!(metadata["token_endpoint"], format!("{issuer}/v1/token"));
    assert_eq!(
        metadata["authorization_endpoint"],
        format!("{issuer}/v1/authorize")
    );
    let other = "/oidc/accounts/99999999-0000-0000-0000-000000000000/.well-known/oauth-authorization-server";
    assert_eq!(emulator.send("GET", other, None, None).await.status, 404);
}

async fn token_request(
    emulator: &InProcess,
    account_id: &str,
    authorization: Option<&str>,
    form: &str,
) -> crate::support::Reply {
    use axum::body::Body;
    use axum::http::{Request, header};
    use tower::ServiceExt;

    let mut request = Request::builder()
        .method("POST")
        .uri(format!("/oidc/accounts/{account_id}/v1/token"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(authorization) = authorization {
        request = request.header(header::AUTHORIZATION, authorization);
    }
    let request = request.body(Body::from(form.to_owned())).unwrap();
    let response = brickform_emulator::app(emulator.emulator.clone())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    crate::support::Reply {
        status,
        headers,
        json: serde_json::from_str(&text).unwrap_or_default(),
        text,
    }
}

fn basic(client_id: &str, client_secret: &str) -> String {
    use base64::Engine;
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{client_secret}"));
    format!("Basic {encoded}")
}

const ACCOUNT: &str = "00000000-0000-0000-0000-000000000001";

#[tokio::test]
async fn client_credentials_issue_a_token_that_the_api_accepts() {
    let emulator = InProcess::new();
    let reply = token_request(
        &emulator,
        ACCOUNT,
        Some(&basic("brickform-local", "brickform-local-secret")),
        "grant_type=client_credentials&scope=all-apis",
    )
    .await;
    assert_eq!(reply.headers["cache-control"], "no-store");
    let token = reply.ok();
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 3600);
    assert_eq!(token["scope"], "all-apis");
    let access_token = token["access_token"].as_str().unwrap();
    let listed = emulator
        .send("GET", CREDENTIALS_PATH, None, Some(access_token))
        .await;
    assert_eq!(listed.ok(), json!([]));
    // The emulator remembers what it issued, and only that: not the static test token.
    assert_eq!(emulator.emulator.issued_tokens(), [access_token]);
    assert_eq!(emulator.emulator.stats().token_requests, 1);
    assert_eq!(
        emulator.emulator.stats().total,
        1,
        "tokens are not API calls"
    );
}

#[tokio::test]
async fn the_client_may_also_authenticate_in_the_form() {
    let emulator = InProcess::new();
    let reply = token_request(
        &emulator,
        ACCOUNT,
        None,
        "grant_type=client_credentials&client_id=brickform-local&client_secret=brickform-local-secret",
    )
    .await;
    assert!(reply.ok()["access_token"].is_string());
}

#[tokio::test]
async fn wrong_clients_grants_and_accounts_get_oauth_errors() {
    let emulator = InProcess::new();
    let wrong_secret = token_request(
        &emulator,
        ACCOUNT,
        Some(&basic("brickform-local", "nope")),
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(wrong_secret.status, 401);
    assert_eq!(wrong_secret.json["error"], "invalid_client");
    assert!(
        !wrong_secret.text.contains("nope"),
        "the secret is never echoed"
    );

    let no_client = token_request(&emulator, ACCOUNT, None, "grant_type=client_credentials").await;
    assert_eq!(no_client.status, 401);

    let wrong_grant = token_request(
        &emulator,
        ACCOUNT,
        Some(&basic("brickform-local", "brickform-local-secret")),
        "grant_type=password",
    )
    .await;
    assert_eq!(wrong_grant.status, 400);
    assert_eq!(wrong_grant.json["error"], "unsupported_grant_type");

    let other_account = token_request(
        &emulator,
        "99999999-0000-0000-0000-000000000000",
        Some(&basic("brickform-local", "brickform-local-secret")),
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(other_account.status, 401);
    assert_eq!(emulator.emulator.stats().token_requests, 4);
}

#[tokio::test]
async fn api_calls_without_a_valid_token_get_401_with_a_json_body() {
    let emulator = InProcess::new();
    let missing = emulator.send("GET", CREDENTIALS_PATH, None, None).await;
    missing.error(401, "UNAUTHENTICATED", "Credential was not sent");
    assert_eq!(missing.headers["www-authenticate"], "Bearer");
    let unknown = emulator
        .send("GET", CREDENTIALS_PATH, None, Some("forged"))
        .await;
    unknown.error(401, "UNAUTHENTICATED", "Invalid access token");
    assert!(!unknown.text.contains("forged"), "tokens are never echoed");
    // Admin endpoints are guarded the same way.
    let admin = emulator.send("GET", "/__emulator/stats", None, None).await;
    admin.error(401, "UNAUTHENTICATED", "Credential was not sent");
    let with_token = emulator
        .send("GET", CREDENTIALS_PATH, None, Some(TOKEN))
        .await;
    assert_eq!(with_token.status, 200);
}

#[tokio::test]
async fn issued_tokens_expire_after_their_lifetime() {
    let emulator = InProcess::with_config(brickform_emulator::Config {
        token_ttl: Duration::from_secs(2),
        ..config()
    });
    let reply = token_request(
        &emulator,
        ACCOUNT,
        Some(&basic("brickform-local", "brickform-local-secret")),
        "grant_type=client_credentials",
    )
    .await;
    let token = reply.ok();
    assert_eq!(token["expires_in"], 2);
    let access_token = token["access_token"].as_str().unwrap();
    emulator.clock.advance(Duration::from_millis(1_999));
    let before = emulator
        .send("GET", CREDENTIALS_PATH, None, Some(access_token))
        .await;
    assert_eq!(before.status, 200);
    emulator.clock.advance(Duration::from_millis(1));
    let after = emulator
        .send("GET", CREDENTIALS_PATH, None, Some(access_token))
        .await;
    after.error(401, "UNAUTHENTICATED", "expired");
}

#[tokio::test]
async fn another_accounts_path_gets_403_and_no_data() {
    let emulator = InProcess::new();
    emulator.credentials("acme-credentials").await;
    let reply = emulator
        .call(
            "GET",
            "/api/2.0/accounts/99999999-0000-0000-0000-000000000000/credentials",
            None,
        )
        .await;
    reply.error(
        403,
        "PERMISSION_DENIED",
        "99999999-0000-0000-0000-000000000000",
    );
    assert!(!reply.text.contains("acme-credentials"));
    let create = emulator
        .call(
            "POST",
            "/api/2.0/accounts/99999999-0000-0000-0000-000000000000/credentials",
            Some(crate::support::credentials_body("sneaky")),
        )
        .await;
    assert_eq!(create.status, 403);
    let listed = emulator.api("GET", "/credentials", None).await.ok();
    assert_eq!(listed.as_array().unwrap().len(), 1, "nothing was created");
}

#[tokio::test]
async fn unknown_paths_and_methods_get_json_errors() {
    let emulator = InProcess::new();
    let path = emulator.call("GET", "/api/2.0/nothing-here", None).await;
    path.error(404, "ENDPOINT_NOT_FOUND", "GET /api/2.0/nothing-here");
    let method = emulator.api("PUT", "/credentials", Some(json!({}))).await;
    assert_eq!(method.status, 405, "{}", method.text);
    assert_eq!(method.json["error_code"], "ENDPOINT_NOT_FOUND");
}
