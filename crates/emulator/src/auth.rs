//! Authentication: host discovery, OAuth M2M (client credentials) and bearer tokens.
//!
//! Discovery documents build their URLs from the request's `Host`, so they are right whatever
//! address a client used to reach the emulator.

use std::collections::HashMap;

use api_types::{AuthorizationServerMetadata, HostMetadata, OAuthError, TokenResponse};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;

use crate::error::ApiError;
use crate::state::{Emulator, TokenCheck};

/// Discovery and token routes; none of them needs a token.
pub(crate) fn routes() -> Router<Emulator> {
    Router::new()
        .route("/.well-known/databricks-config", get(host_metadata))
        .route(
            "/oidc/accounts/{account_id}/.well-known/oauth-authorization-server",
            get(authorization_server_metadata),
        )
        .route(
            "/oidc/accounts/{account_id}/.well-known/openid-configuration",
            get(authorization_server_metadata),
        )
        .route("/oidc/accounts/{account_id}/v1/token", post(token))
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// `GET /.well-known/databricks-config`: tells the Databricks SDKs this is an account host.
async fn host_metadata(State(emulator): State<Emulator>, headers: HeaderMap) -> Json<HostMetadata> {
    Json(HostMetadata {
        oidc_endpoint: format!(
            "{}/oidc/accounts/{}",
            base_url(&headers),
            emulator.account_id()
        ),
        account_id: emulator.account_id().to_owned(),
        workspace_id: None,
        cloud: "aws".to_owned(),
        host_type: "ACCOUNT_HOST".to_owned(),
    })
}

async fn authorization_server_metadata(
    State(emulator): State<Emulator>,
    Path(account_id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<AuthorizationServerMetadata>, ApiError> {
    if account_id != emulator.account_id() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "RESOURCE_DOES_NOT_EXIST",
            format!("account {account_id} does not exist"),
        ));
    }
    let issuer = format!("{}/oidc/accounts/{account_id}", base_url(&headers));
    Ok(Json(AuthorizationServerMetadata {
        authorization_endpoint: format!("{issuer}/v1/authorize"),
        token_endpoint: format!("{issuer}/v1/token"),
        issuer,
        grant_types_supported: vec!["client_credentials".to_owned()],
        token_endpoint_auth_methods_supported: vec![
            "client_secret_basic".to_owned(),
            "client_secret_post".to_owned(),
        ],
    }))
}

fn oauth_error(status: StatusCode, error: &str, description: impl Into<String>) -> Response {
    let mut response = (
        status,
        Json(OAuthError {
            error: error.to_owned(),
            error_description: Some(description.into()),
        }),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Basic"),
        );
    }
    response
}

/// `POST /oidc/accounts/{account_id}/v1/token`: the client credentials grant, with the client
/// authenticated by HTTP Basic (or, as the metadata also allows, in the form).
async fn token(
    State(emulator): State<Emulator>,
    Path(account_id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Response {
    emulator.count_token_request();
    let Ok(Form(form)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the token request must be an application/x-www-form-urlencoded form",
        );
    };
    let grant_type = form
        .get("grant_type")
        .map(String::as_str)
        .unwrap_or_default();
    if grant_type != "client_credentials" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("grant_type `{grant_type}` is not supported; use client_credentials"),
        );
    }
    let client = basic_credentials(&headers).or_else(|| {
        Some((
            form.get("client_id")?.clone(),
            form.get("client_secret")?.clone(),
        ))
    });
    let Some((client_id, client_secret)) = client else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication is required (HTTP Basic with the client id and secret)",
        );
    };
    let config = emulator.config();
    if account_id != config.account_id
        || client_id != config.client_id
        || client_secret != config.client_secret
    {
        tracing::info!(client_id = %client_id, account_id = %account_id, "refused a token request");
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            format!(
                "client `{client_id}` is unknown in account {account_id} or its secret is wrong"
            ),
        );
    }
    match emulator.issue_token().await {
        Ok((access_token, ttl)) => {
            let mut response = Json(TokenResponse {
                access_token,
                token_type: "Bearer".to_owned(),
                expires_in: Some(i64::try_from(ttl.as_secs().max(1)).unwrap_or(i64::MAX)),
                scope: Some(
                    form.get("scope")
                        .cloned()
                        .unwrap_or_else(|| "all-apis".to_owned()),
                ),
            })
            .into_response();
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            response
        }
        Err(error) => error.into_response(),
    }
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (client_id, client_secret) = decoded.split_once(':')?;
    Some((client_id.to_owned(), client_secret.to_owned()))
}

/// Middleware: a valid, unexpired bearer token or 401 with a JSON error body.
pub(crate) async fn require_bearer(
    State(emulator): State<Emulator>,
    request: Request,
    next: Next,
) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let message = match token.map(|token| emulator.check_token(token)) {
        Some(TokenCheck::Valid) => return next.run(request).await,
        Some(TokenCheck::Expired) => "Invalid access token: the token has expired.",
        Some(TokenCheck::Unknown) => "Invalid access token.",
        None => "Credential was not sent or was of an unsupported type for this API.",
    };
    ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message).into_response()
}

/// Middleware: the path's account must be this emulator's account; another account's path
/// gets 403 and never data.
pub(crate) async fn require_own_account(
    State(emulator): State<Emulator>,
    Path(params): Path<HashMap<String, String>>,
    request: Request,
    next: Next,
) -> Response {
    match params.get("account_id") {
        Some(account_id) if account_id != emulator.account_id() => ApiError::new(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            format!("this principal has no access to account {account_id}"),
        )
        .into_response(),
        _ => next.run(request).await,
    }
}
