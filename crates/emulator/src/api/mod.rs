//! The Account API endpoints (`shared/reference/account-api.md` §1.2), one module per
//! collection, and what they share: route templates, the JSON body extractor, list and delete
//! helpers.

mod configurations;
mod networks;
mod private_access;
mod workspaces;

use api_types::Collection;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rusqlite::Connection;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::Emulator;
use crate::store::{self, Owner};

/// Every Account API path starts with this.
pub(crate) const API_PREFIX: &str = "/api/2.0/accounts/{account_id}";

/// The largest request body accepted; beyond it the answer is 413.
pub(crate) const BODY_LIMIT: usize = 1024 * 1024;

/// Every Account API route as `METHOD /template` relative to [`API_PREFIX`]: the keys of the
/// request counters and of fault injection.
pub const API_ROUTES: &[&str] = &[
    "POST /credentials",
    "GET /credentials",
    "GET /credentials/{credentials_id}",
    "DELETE /credentials/{credentials_id}",
    "POST /storage-configurations",
    "GET /storage-configurations",
    "GET /storage-configurations/{storage_configuration_id}",
    "DELETE /storage-configurations/{storage_configuration_id}",
    "POST /customer-managed-keys",
    "GET /customer-managed-keys",
    "GET /customer-managed-keys/{customer_managed_key_id}",
    "DELETE /customer-managed-keys/{customer_managed_key_id}",
    "POST /vpc-endpoints",
    "GET /vpc-endpoints",
    "GET /vpc-endpoints/{vpc_endpoint_id}",
    "DELETE /vpc-endpoints/{vpc_endpoint_id}",
    "POST /networks",
    "GET /networks",
    "GET /networks/{network_id}",
    "DELETE /networks/{network_id}",
    "POST /private-access-settings",
    "GET /private-access-settings",
    "GET /private-access-settings/{private_access_settings_id}",
    "PUT /private-access-settings/{private_access_settings_id}",
    "DELETE /private-access-settings/{private_access_settings_id}",
    "POST /workspaces",
    "GET /workspaces",
    "GET /workspaces/{workspace_id}",
    "PATCH /workspaces/{workspace_id}",
    "DELETE /workspaces/{workspace_id}",
];

/// The Account API routes, with full paths.
pub(crate) fn routes() -> Router<Emulator> {
    let path = |relative: &str| format!("{API_PREFIX}{relative}");
    Router::new()
        .route(
            &path("/credentials"),
            post(configurations::create_credential).get(configurations::list_credentials),
        )
        .route(
            &path("/credentials/{credentials_id}"),
            get(configurations::get_credential).delete(configurations::delete_credential),
        )
        .route(
            &path("/storage-configurations"),
            post(configurations::create_storage_configuration)
                .get(configurations::list_storage_configurations),
        )
        .route(
            &path("/storage-configurations/{storage_configuration_id}"),
            get(configurations::get_storage_configuration)
                .delete(configurations::delete_storage_configuration),
        )
        .route(
            &path("/customer-managed-keys"),
            post(configurations::create_customer_managed_key)
                .get(configurations::list_customer_managed_keys),
        )
        .route(
            &path("/customer-managed-keys/{customer_managed_key_id}"),
            get(configurations::get_customer_managed_key)
                .delete(configurations::delete_customer_managed_key),
        )
        .route(
            &path("/vpc-endpoints"),
            post(configurations::create_vpc_endpoint).get(configurations::list_vpc_endpoints),
        )
        .route(
            &path("/vpc-endpoints/{vpc_endpoint_id}"),
            get(configurations::get_vpc_endpoint).delete(configurations::delete_vpc_endpoint),
        )
        .route(
            &path("/networks"),
            post(networks::create).get(networks::list),
        )
        .route(
            &path("/networks/{network_id}"),
            get(networks::get).delete(networks::delete),
        )
        .route(
            &path("/private-access-settings"),
            post(private_access::create).get(private_access::list),
        )
        .route(
            &path("/private-access-settings/{private_access_settings_id}"),
            get(private_access::get)
                .put(private_access::replace)
                .delete(private_access::delete),
        )
        .route(
            &path("/workspaces"),
            post(workspaces::create).get(workspaces::list),
        )
        .route(
            &path("/workspaces/{workspace_id}"),
            get(workspaces::get)
                .patch(workspaces::update)
                .delete(workspaces::delete),
        )
}

/// `METHOD /template` for a matched path, or `None` outside the Account API.
pub(crate) fn route_key(method: &axum::http::Method, matched_path: &str) -> Option<String> {
    let relative = matched_path.strip_prefix(API_PREFIX)?;
    Some(format!("{method} {relative}"))
}

/// A JSON request body. Unknown fields are ignored (the wire types allow them); an empty body
/// reads as `{}`; anything unparseable is the plain-text `MALFORMED_REQUEST` the real service
/// answers; a body over [`BODY_LIMIT`] is 413.
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "MALFORMED_REQUEST",
                        format!("request body is larger than {BODY_LIMIT} bytes"),
                    )
                } else {
                    ApiError::malformed(format!(
                        "Cannot parse request body: {}",
                        rejection.body_text()
                    ))
                }
            })?;
        let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        serde_json::from_slice(text)
            .map(JsonBody)
            .map_err(|error| ApiError::malformed(format!("Cannot parse request body: {error}")))
    }
}

/// A list answer built from stored JSON without decoding it: `[body,body,...]`.
pub(crate) fn json_array(bodies: &[String]) -> Response {
    let mut text =
        String::with_capacity(bodies.iter().map(|body| body.len() + 1).sum::<usize>() + 2);
    text.push('[');
    for (index, body) in bodies.iter().enumerate() {
        if index > 0 {
            text.push(',');
        }
        text.push_str(body);
    }
    text.push(']');
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// Refuses to delete an object that a workspace, network or private access settings use.
pub(crate) fn refuse_if_used(
    db: &Connection,
    collection: Collection,
    object_id: &str,
) -> Result<(), ApiError> {
    let users = store::users_of(db, object_id)?;
    let Some(user) = users.first() else {
        return Ok(());
    };
    let noun = collection.noun();
    Err(ApiError::invalid_state(match user {
        Owner::Workspace(workspace_id) => format!(
            "Unable to delete, {noun} {object_id} is being used by an active workspace {workspace_id}"
        ),
        Owner::Network(network_id) => format!(
            "Unable to delete, {noun} {object_id} is being used by network configuration {network_id}"
        ),
        Owner::PrivateAccessSettings(private_access_settings_id) => format!(
            "Unable to delete, {noun} {object_id} is being used by private access settings {private_access_settings_id}"
        ),
    }))
}

/// A fresh object id.
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
