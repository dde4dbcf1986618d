//! Network configurations: a customer-managed VPC, its subnets, security groups and
//! PrivateLink back-end endpoints.
//!
//! `vpc_status`, `error_messages` and `workspace_id` are derived, when read, from the workspace
//! that uses the network (see [`crate::lifecycle`]).

use api_types::{
    Collection, CreateNetworkRequest, EndpointUseCase, Network, VpcEndpoint, VpcStatus,
};
use axum::Json;
use axum::extract::{Path, State};
use rusqlite::Connection;

use super::{JsonBody, new_id, refuse_if_used};
use crate::error::ApiError;
use crate::lifecycle::Phase;
use crate::rules;
use crate::state::Emulator;
use crate::store::{self, Attachment, NetworkResource, Owner};

pub(super) async fn create(
    State(emulator): State<Emulator>,
    JsonBody(request): JsonBody<CreateNetworkRequest>,
) -> Result<Json<Network>, ApiError> {
    rules::configuration_name("network_name", &request.network_name)?;
    if request.vpc_id.is_empty() {
        return Err(ApiError::invalid("vpc_id is required"));
    }
    distinct("subnet_ids", &request.subnet_ids)?;
    distinct("security_group_ids", &request.security_group_ids)?;
    if request.subnet_ids.len() < 2 {
        return Err(ApiError::invalid(format!(
            "subnet_ids must list at least 2 subnets, not {} ({})",
            request.subnet_ids.len(),
            request.subnet_ids.join(", ")
        )));
    }
    if !(1..=5).contains(&request.security_group_ids.len()) {
        return Err(ApiError::invalid(format!(
            "security_group_ids must list 1 to 5 security groups, not {}",
            request.security_group_ids.len()
        )));
    }
    let network = Network {
        network_id: new_id(),
        network_name: request.network_name,
        vpc_id: request.vpc_id,
        subnet_ids: request.subnet_ids,
        security_group_ids: request.security_group_ids,
        vpc_endpoints: request.vpc_endpoints,
        account_id: emulator.account_id().to_owned(),
        creation_time: emulator.now_ms(),
        ..Network::default()
    };
    emulator
        .store()
        .write(emulator.now_ms(), move |db| {
            claim(
                db,
                &network,
                NetworkResource::Subnet,
                &network.subnet_ids,
                "subnet",
            )?;
            claim(
                db,
                &network,
                NetworkResource::SecurityGroup,
                &network.security_group_ids,
                "security group",
            )?;
            if let Some(vpc_endpoints) = &network.vpc_endpoints {
                let lists = [
                    (
                        "rest_api",
                        &vpc_endpoints.rest_api,
                        EndpointUseCase::WorkspaceAccess,
                    ),
                    (
                        "dataplane_relay",
                        &vpc_endpoints.dataplane_relay,
                        EndpointUseCase::DataplaneRelayAccess,
                    ),
                ];
                for (list_name, endpoint_ids, use_case) in lists {
                    for endpoint_id in endpoint_ids {
                        if let Err(problem) = bind_endpoint(db, endpoint_id, &use_case)? {
                            return Err(ApiError::malformed(format!(
                                "vpc_endpoints malformed parameters: {}",
                                problem.describe(endpoint_id, list_name)
                            )));
                        }
                    }
                    store::add_refs(
                        db,
                        &Owner::Network(network.network_id.clone()),
                        endpoint_ids.iter().map(String::as_str),
                    )?;
                }
            }
            store::insert_object(
                db,
                Collection::Networks,
                &network.network_id,
                &network.network_name,
                &network,
            )?;
            Ok(with_health(network, None, 0))
        })
        .await
        .map(Json)
}

pub(super) async fn list(State(emulator): State<Emulator>) -> Result<Json<Vec<Network>>, ApiError> {
    let now_ms = emulator.now_ms();
    emulator
        .store()
        .read(move |db| {
            Ok(store::list_networks_with_attachments(db, now_ms)?
                .into_iter()
                .map(|(network, attachment)| with_health(network, attachment, now_ms))
                .collect())
        })
        .await
        .map(Json)
}

pub(super) async fn get(
    State(emulator): State<Emulator>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Network>, ApiError> {
    let now_ms = emulator.now_ms();
    emulator
        .store()
        .read(move |db| {
            let network: Network = store::get_object(db, Collection::Networks, &id)?
                .ok_or_else(|| ApiError::not_found(Collection::Networks, &id))?;
            let attachment = store::network_attachment(db, &id, now_ms)?;
            Ok(with_health(network, attachment, now_ms))
        })
        .await
        .map(Json)
}

pub(super) async fn delete(
    State(emulator): State<Emulator>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Network>, ApiError> {
    emulator
        .store()
        .write(emulator.now_ms(), move |db| {
            let network: Network = store::get_object(db, Collection::Networks, &id)?
                .ok_or_else(|| ApiError::not_found(Collection::Networks, &id))?;
            refuse_if_used(db, Collection::Networks, &id)?;
            store::release_network_resources(db, &id)?;
            store::remove_refs(db, &Owner::Network(id.clone()))?;
            store::delete_object(db, Collection::Networks, &id)?;
            Ok(with_health(network, None, 0))
        })
        .await
        .map(Json)
}

/// Adds the fields derived from the workspace using the network.
pub(super) fn with_health(
    mut network: Network,
    attachment: Option<Attachment>,
    now_ms: i64,
) -> Network {
    network.vpc_status = Some(VpcStatus::Unattached);
    if let Some((workspace_id, lifecycle)) = attachment {
        let phase = lifecycle.phase(now_ms);
        if phase != Phase::Gone {
            let (vpc_status, error_messages) = phase.network_health();
            network.vpc_status = Some(vpc_status);
            network.error_messages = error_messages;
            network.workspace_id = Some(workspace_id);
        }
    }
    network
}

fn distinct(field: &str, values: &[String]) -> Result<(), ApiError> {
    for (index, value) in values.iter().enumerate() {
        if value.is_empty() {
            return Err(ApiError::invalid(format!("{field} contains an empty id")));
        }
        if values[..index].contains(value) {
            return Err(ApiError::invalid(format!("{field} lists `{value}` twice")));
        }
    }
    Ok(())
}

/// Records that `network` uses each resource, refusing one that another network already uses.
fn claim(
    db: &Connection,
    network: &Network,
    resource: NetworkResource,
    resource_ids: &[String],
    noun: &str,
) -> Result<(), ApiError> {
    for resource_id in resource_ids {
        if let Some(owner) = store::network_resource_owner(db, resource, resource_id)? {
            return Err(ApiError::invalid(format!(
                "{noun} `{resource_id}` is already used by network configuration {owner}; a {noun} cannot be used in two network configurations"
            )));
        }
        store::claim_network_resource(db, resource, resource_id, &network.network_id)?;
    }
    Ok(())
}

/// Why an endpoint cannot serve where it is listed.
pub(super) enum EndpointProblem {
    Missing,
    WrongUseCase(EndpointUseCase),
}

impl EndpointProblem {
    pub(super) fn describe(&self, endpoint_id: &str, list_name: &str) -> String {
        match self {
            EndpointProblem::Missing => format!("VPC Endpoint {endpoint_id} does not exist"),
            EndpointProblem::WrongUseCase(use_case) => format!(
                "VPC Endpoint {endpoint_id} with use_case {use_case} cannot be attached in {list_name} list"
            ),
        }
    }
}

/// Checks that an endpoint exists and can serve `use_case`, and fixes its use case on first
/// use: the emulator cannot see which Databricks endpoint service an AWS endpoint connects to,
/// so the first list that names it decides. The outer `Err` is a database failure.
pub(super) fn bind_endpoint(
    db: &Connection,
    endpoint_id: &str,
    use_case: &EndpointUseCase,
) -> Result<Result<VpcEndpoint, EndpointProblem>, ApiError> {
    let Some(mut endpoint) =
        store::get_object::<VpcEndpoint>(db, Collection::VpcEndpoints, endpoint_id)?
    else {
        return Ok(Err(EndpointProblem::Missing));
    };
    match &endpoint.use_case {
        Some(EndpointUseCase::GeneralAccess) => Ok(Ok(endpoint)),
        Some(bound) if bound == use_case => Ok(Ok(endpoint)),
        Some(bound) => Ok(Err(EndpointProblem::WrongUseCase(bound.clone()))),
        None => {
            endpoint.use_case = Some(use_case.clone());
            store::update_object(
                db,
                Collection::VpcEndpoints,
                endpoint_id,
                &endpoint.vpc_endpoint_name,
                &endpoint,
            )?;
            Ok(Ok(endpoint))
        }
    }
}
