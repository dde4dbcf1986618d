//! Private access settings: the PrivateLink access policy of the workspaces in one region.
//! The only configuration object with an update: `PUT` replaces it whole.

use api_types::{Collection, EndpointUseCase, PrivateAccessSettings, PrivateAccessSettingsRequest};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use rusqlite::Connection;

use super::networks::{EndpointProblem, bind_endpoint};
use super::{JsonBody, json_array, new_id, refuse_if_used};
use crate::error::ApiError;
use crate::rules;
use crate::state::Emulator;
use crate::store::{self, Owner};

pub(super) async fn create(
    State(emulator): State<Emulator>,
    JsonBody(request): JsonBody<PrivateAccessSettingsRequest>,
) -> Result<Json<PrivateAccessSettings>, ApiError> {
    check_request(&request)?;
    let settings = settings_from(request, new_id(), emulator.account_id());
    emulator
        .store()
        .write(emulator.now_ms(), move |db| {
            bind_allowed_endpoints(db, &settings)?;
            store::insert_object(
                db,
                Collection::PrivateAccessSettings,
                &settings.private_access_settings_id,
                &settings.private_access_settings_name,
                &settings,
            )?;
            Ok(settings)
        })
        .await
        .map(Json)
}

/// `PUT`: a full overwrite, applied to every workspace that uses the settings.
pub(super) async fn replace(
    State(emulator): State<Emulator>,
    Path((_, id)): Path<(String, String)>,
    JsonBody(request): JsonBody<PrivateAccessSettingsRequest>,
) -> Result<Json<PrivateAccessSettings>, ApiError> {
    check_request(&request)?;
    let settings = settings_from(request, id, emulator.account_id());
    let now_ms = emulator.now_ms();
    emulator
        .store()
        .write(now_ms, move |db| {
            let id = &settings.private_access_settings_id;
            if store::get_object::<PrivateAccessSettings>(db, Collection::PrivateAccessSettings, id)?
                .is_none()
            {
                return Err(ApiError::not_found(Collection::PrivateAccessSettings, id));
            }
            for user in store::users_of(db, id)? {
                let Owner::Workspace(workspace_id) = user else {
                    continue;
                };
                if let Some(row) = store::get_workspace(db, workspace_id, now_ms)?
                    && row.workspace.aws_region != settings.region
                {
                    return Err(ApiError::invalid(format!(
                        "region `{}` would not serve workspace {workspace_id}, which uses these private access settings in {}",
                        settings.region, row.workspace.aws_region
                    )));
                }
            }
            store::remove_refs(db, &Owner::PrivateAccessSettings(id.clone()))?;
            bind_allowed_endpoints(db, &settings)?;
            store::update_object(
                db,
                Collection::PrivateAccessSettings,
                id,
                &settings.private_access_settings_name,
                &settings,
            )?;
            Ok(settings)
        })
        .await
        .map(Json)
}

pub(super) async fn list(State(emulator): State<Emulator>) -> Result<Response, ApiError> {
    let bodies = emulator
        .store()
        .read(|db| store::list_object_bodies(db, Collection::PrivateAccessSettings))
        .await?;
    Ok(json_array(&bodies))
}

pub(super) async fn get(
    State(emulator): State<Emulator>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<PrivateAccessSettings>, ApiError> {
    emulator
        .store()
        .read(move |db| {
            store::get_object(db, Collection::PrivateAccessSettings, &id)?
                .ok_or_else(|| ApiError::not_found(Collection::PrivateAccessSettings, &id))
        })
        .await
        .map(Json)
}

pub(super) async fn delete(
    State(emulator): State<Emulator>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<PrivateAccessSettings>, ApiError> {
    emulator
        .store()
        .write(emulator.now_ms(), move |db| {
            let settings: PrivateAccessSettings =
                store::get_object(db, Collection::PrivateAccessSettings, &id)?
                    .ok_or_else(|| ApiError::not_found(Collection::PrivateAccessSettings, &id))?;
            refuse_if_used(db, Collection::PrivateAccessSettings, &id)?;
            store::remove_refs(db, &Owner::PrivateAccessSettings(id.clone()))?;
            store::delete_object(db, Collection::PrivateAccessSettings, &id)?;
            Ok(settings)
        })
        .await
        .map(Json)
}

fn check_request(request: &PrivateAccessSettingsRequest) -> Result<(), ApiError> {
    rules::configuration_name(
        "private_access_settings_name",
        &request.private_access_settings_name,
    )?;
    rules::region("region", &request.region)?;
    if let Some(level) = &request.private_access_level
        && !level.is_known()
    {
        return Err(ApiError::invalid(format!(
            "private_access_level `{level}` is not one of ACCOUNT, ENDPOINT"
        )));
    }
    for (index, endpoint_id) in request.allowed_vpc_endpoint_ids.iter().enumerate() {
        if request.allowed_vpc_endpoint_ids[..index].contains(endpoint_id) {
            return Err(ApiError::invalid(format!(
                "allowed_vpc_endpoint_ids lists `{endpoint_id}` twice"
            )));
        }
    }
    Ok(())
}

fn settings_from(
    request: PrivateAccessSettingsRequest,
    id: String,
    account_id: &str,
) -> PrivateAccessSettings {
    PrivateAccessSettings {
        private_access_settings_id: id,
        private_access_settings_name: request.private_access_settings_name,
        region: request.region,
        public_access_enabled: request.public_access_enabled,
        private_access_level: request.private_access_level,
        allowed_vpc_endpoint_ids: request.allowed_vpc_endpoint_ids,
        account_id: account_id.to_owned(),
    }
}

/// Checks every allowed endpoint (it exists, it is in the settings' region, it is a front-end
/// endpoint) and records that the settings use it.
fn bind_allowed_endpoints(
    db: &Connection,
    settings: &PrivateAccessSettings,
) -> Result<(), ApiError> {
    for endpoint_id in &settings.allowed_vpc_endpoint_ids {
        let endpoint = match bind_endpoint(db, endpoint_id, &EndpointUseCase::WorkspaceAccess)? {
            Ok(endpoint) => endpoint,
            Err(EndpointProblem::Missing) => {
                return Err(ApiError::unknown_reference(
                    "allowed_vpc_endpoint_ids",
                    Collection::VpcEndpoints,
                    endpoint_id,
                ));
            }
            Err(problem @ EndpointProblem::WrongUseCase(_)) => {
                return Err(ApiError::invalid(
                    problem.describe(endpoint_id, "allowed_vpc_endpoint_ids"),
                ));
            }
        };
        if endpoint.region != settings.region {
            return Err(ApiError::invalid(format!(
                "VPC endpoint {endpoint_id} is in region {}, but the private access settings are for region {}",
                endpoint.region, settings.region
            )));
        }
    }
    store::add_refs(
        db,
        &Owner::PrivateAccessSettings(settings.private_access_settings_id.clone()),
        settings.allowed_vpc_endpoint_ids.iter().map(String::as_str),
    )
}
