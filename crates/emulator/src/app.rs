//! The router: the Account API behind its middleware, the admin endpoints, discovery and
//! OAuth, and JSON answers for unknown paths and methods.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};

use crate::api::{self, BODY_LIMIT};
use crate::error::ApiError;
use crate::observe::{log_requests, observe_api};
use crate::state::Emulator;
use crate::{admin, auth};

/// The emulator's router, for serving or for in-process tests with
/// `tower::ServiceExt::oneshot`.
///
/// In process there is no connection to cut, so a fault with status 0 answers 502 there
/// instead of dropping the connection.
pub fn app(emulator: Emulator) -> Router {
    // Route layers run innermost-last: observe (count, faults) wraps auth, which wraps the
    // account check, so every API request is counted whatever its fate.
    let api = api::routes()
        .route_layer(from_fn_with_state(
            emulator.clone(),
            auth::require_own_account,
        ))
        .route_layer(from_fn_with_state(emulator.clone(), auth::require_bearer))
        .route_layer(from_fn_with_state(emulator.clone(), observe_api));
    let admin =
        admin::routes().route_layer(from_fn_with_state(emulator.clone(), auth::require_bearer));
    Router::new()
        .merge(api)
        .merge(admin)
        .merge(auth::routes())
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(from_fn(log_requests))
        .with_state(emulator)
}

async fn no_such_endpoint(method: Method, uri: Uri) -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "ENDPOINT_NOT_FOUND",
        format!("No API found for '{method} {}'", uri.path()),
    )
    .into_response()
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "ENDPOINT_NOT_FOUND",
        format!("No API found for '{method} {}'", uri.path()),
    )
    .into_response()
}
