//! Workspaces: create, read, the PATCH rules of `shared/reference/account-api.md` §3.2, and
//! asynchronous delete.

use std::collections::{BTreeMap, HashMap};

use api_types::{
    Collection, ComputeMode, CreateWorkspaceRequest, CustomerManagedKey, KeyUseCase, Network,
    PricingTier, PrivateAccessSettings, Workspace,
};
use axum::Json;
use axum::extract::{Path, Query, State};
use rusqlite::Connection;
use serde_json::{Map, Value};

use super::JsonBody;
use super::configurations::key_allows;
use crate::error::ApiError;
use crate::lifecycle::{Lifecycle, Phase, validate_network};
use crate::rules;
use crate::scenario::BrokenResources;
use crate::state::Emulator;
use crate::store::{self, Owner, WorkspaceRow};

/// A workspace field that references another object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Credentials,
    StorageConfiguration,
    Network,
    PrivateAccessSettings,
    ManagedServicesKey,
    StorageKey,
}

impl Slot {
    const ALL: [Slot; 6] = [
        Slot::Credentials,
        Slot::StorageConfiguration,
        Slot::Network,
        Slot::PrivateAccessSettings,
        Slot::ManagedServicesKey,
        Slot::StorageKey,
    ];

    fn field(self) -> &'static str {
        match self {
            Slot::Credentials => "credentials_id",
            Slot::StorageConfiguration => "storage_configuration_id",
            Slot::Network => "network_id",
            Slot::PrivateAccessSettings => "private_access_settings_id",
            Slot::ManagedServicesKey => "managed_services_customer_managed_key_id",
            Slot::StorageKey => "storage_customer_managed_key_id",
        }
    }

    fn from_field(field: &str) -> Option<Slot> {
        Slot::ALL.into_iter().find(|slot| slot.field() == field)
    }

    fn collection(self) -> Collection {
        match self {
            Slot::Credentials => Collection::Credentials,
            Slot::StorageConfiguration => Collection::StorageConfigurations,
            Slot::Network => Collection::Networks,
            Slot::PrivateAccessSettings => Collection::PrivateAccessSettings,
            Slot::ManagedServicesKey | Slot::StorageKey => Collection::CustomerManagedKeys,
        }
    }

    fn value(self, workspace: &Workspace) -> Option<&str> {
        match self {
            Slot::Credentials => workspace.credentials_id.as_deref(),
            Slot::StorageConfiguration => workspace.storage_configuration_id.as_deref(),
            Slot::Network => workspace.network_id.as_deref(),
            Slot::PrivateAccessSettings => workspace.private_access_settings_id.as_deref(),
            Slot::ManagedServicesKey => workspace
                .managed_services_customer_managed_key_id
                .as_deref(),
            Slot::StorageKey => workspace.storage_customer_managed_key_id.as_deref(),
        }
    }

    fn set(self, workspace: &mut Workspace, value: Option<String>) {
        let field = match self {
            Slot::Credentials => &mut workspace.credentials_id,
            Slot::StorageConfiguration => &mut workspace.storage_configuration_id,
            Slot::Network => &mut workspace.network_id,
            Slot::PrivateAccessSettings => &mut workspace.private_access_settings_id,
            Slot::ManagedServicesKey => &mut workspace.managed_services_customer_managed_key_id,
            Slot::StorageKey => &mut workspace.storage_customer_managed_key_id,
        };
        *field = value;
    }
}

/// The ids a workspace references, for the in-use index.
fn referenced_ids(workspace: &Workspace) -> Vec<&str> {
    Slot::ALL
        .into_iter()
        .filter_map(|slot| slot.value(workspace))
        .collect()
}

/// Fields a PATCH may never change: they define the workspace (replace it instead).
const IMMUTABLE_FIELDS: [&str; 5] = [
    "workspace_name",
    "deployment_name",
    "aws_region",
    "pricing_tier",
    "compute_mode",
];
/// Non-slot fields a PATCH may change, under the rules of [`check_change`].
const OTHER_UPDATABLE_FIELDS: [&str; 2] = ["custom_tags", "network_connectivity_config_id"];

pub(super) async fn create(
    State(emulator): State<Emulator>,
    JsonBody(request): JsonBody<CreateWorkspaceRequest>,
) -> Result<Json<Workspace>, ApiError> {
    rules::workspace_name(&request.workspace_name)?;
    rules::region("aws_region", &request.aws_region)?;
    rules::custom_tags(&request.custom_tags)?;
    if let Some(pricing_tier) = &request.pricing_tier
        && !pricing_tier.is_known()
    {
        return Err(ApiError::invalid(format!(
            "pricing_tier `{pricing_tier}` is not one of {}",
            known(PricingTier::KNOWN)
        )));
    }
    if let Some(compute_mode) = &request.compute_mode
        && !compute_mode.is_known()
    {
        return Err(ApiError::invalid(format!(
            "compute_mode `{compute_mode}` is not one of {}",
            known(ComputeMode::KNOWN)
        )));
    }
    let is_serverless = request.compute_mode == Some(ComputeMode::Serverless);
    let mut workspace = Workspace {
        workspace_name: request.workspace_name,
        aws_region: request.aws_region,
        credentials_id: non_empty(request.credentials_id),
        storage_configuration_id: non_empty(request.storage_configuration_id),
        network_id: non_empty(request.network_id),
        private_access_settings_id: non_empty(request.private_access_settings_id),
        managed_services_customer_managed_key_id: non_empty(
            request.managed_services_customer_managed_key_id,
        ),
        storage_customer_managed_key_id: non_empty(request.storage_customer_managed_key_id),
        network_connectivity_config_id: non_empty(request.network_connectivity_config_id),
        // The account's tier when the request does not choose; customer-managed keys and
        // PrivateLink need Enterprise.
        pricing_tier: Some(request.pricing_tier.unwrap_or(PricingTier::Enterprise)),
        custom_tags: request.custom_tags,
        storage_mode: request.compute_mode.as_ref().map(|mode| match mode {
            ComputeMode::Serverless => api_types::StorageMode::DefaultStorage,
            _ => api_types::StorageMode::CustomerHosted,
        }),
        compute_mode: request.compute_mode,
        account_id: emulator.account_id().to_owned(),
        creation_time: emulator.now_ms(),
        ..Workspace::default()
    };
    if !is_serverless {
        for slot in [Slot::Credentials, Slot::StorageConfiguration] {
            if slot.value(&workspace).is_none() {
                return Err(ApiError::invalid(format!(
                    "{} is required unless compute_mode is SERVERLESS",
                    slot.field()
                )));
            }
        }
    }
    let requested_name = rules::deployment_name(
        request.deployment_name.as_deref(),
        emulator.config().deployment_name_prefix.as_deref(),
    )?;
    let now_ms = emulator.now_ms();
    let ready_at = now_ms.saturating_add(emulator.provisioning_delay_ms());
    let broken = emulator.scenario_snapshot().broken;
    emulator
        .store()
        .write(now_ms, move |db| {
            for slot in Slot::ALL {
                check_slot(db, &workspace, slot, None, now_ms)?;
            }
            workspace.deployment_name = match requested_name {
                Some(name) => {
                    if let Some(holder) = store::deployment_name_holder(db, &name)? {
                        return Err(ApiError::already_exists(format!(
                            "deployment_name `{name}` is already used by workspace {holder}; deployment names are unique across all workspaces that are not deleted"
                        )));
                    }
                    name
                }
                None => generated_deployment_name(db)?,
            };
            workspace.workspace_id = new_workspace_id(db)?;
            let row = WorkspaceRow {
                lifecycle: Lifecycle {
                    ready_at,
                    failure: provisioning_outcome(db, &workspace, &broken)?,
                    deleted_at: None,
                    gone_at: None,
                },
                workspace,
                was_running: false,
            };
            store::insert_workspace(db, &row)?;
            store::add_refs(
                db,
                &Owner::Workspace(row.workspace.workspace_id),
                referenced_ids(&row.workspace),
            )?;
            Ok(render(&row, now_ms))
        })
        .await
        .map(Json)
}

pub(super) async fn list(
    State(emulator): State<Emulator>,
) -> Result<Json<Vec<Workspace>>, ApiError> {
    let now_ms = emulator.now_ms();
    emulator
        .store()
        .read(move |db| {
            Ok(store::list_workspaces(db, now_ms)?
                .iter()
                .map(|row| render(row, now_ms))
                .collect())
        })
        .await
        .map(Json)
}

pub(super) async fn get(
    State(emulator): State<Emulator>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Workspace>, ApiError> {
    let workspace_id = parse_workspace_id(&id)?;
    let now_ms = emulator.now_ms();
    emulator
        .store()
        .read(move |db| {
            let row = store::get_workspace(db, workspace_id, now_ms)?
                .ok_or_else(|| ApiError::not_found(Collection::Workspaces, &id))?;
            Ok(render(&row, now_ms))
        })
        .await
        .map(Json)
}

/// `DELETE`: the workspace shows `CANCELLING` and keeps its objects in use until the teardown
/// delay has passed; then it is gone.
pub(super) async fn delete(
    State(emulator): State<Emulator>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Workspace>, ApiError> {
    let workspace_id = parse_workspace_id(&id)?;
    let now_ms = emulator.now_ms();
    let gone_at = now_ms.saturating_add(emulator.teardown_delay_ms());
    emulator
        .store()
        .write(now_ms, move |db| {
            let mut row = store::get_workspace(db, workspace_id, now_ms)?
                .ok_or_else(|| ApiError::not_found(Collection::Workspaces, &id))?;
            if row.lifecycle.deleted_at.is_none() {
                row.lifecycle.deleted_at = Some(now_ms);
                row.lifecycle.gone_at = Some(gone_at);
                store::update_workspace(db, &row)?;
            }
            Ok(render(&row, now_ms))
        })
        .await
        .map(Json)
}

/// `PATCH`, with or without `?update_mask=`.
///
/// With a mask, exactly the named fields change, and a named field missing from the body is
/// being removed. Without one (or with `*`), every field the body carries is applied. A field
/// whose value does not change is no change at all, so a client may send back the workspace it
/// read.
pub(super) async fn update(
    State(emulator): State<Emulator>,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Json<Workspace>, ApiError> {
    let workspace_id = parse_workspace_id(&id)?;
    let touched = touched_fields(&body, query.get("update_mask").map(String::as_str))?;
    let now_ms = emulator.now_ms();
    let ready_at = now_ms.saturating_add(emulator.provisioning_delay_ms());
    let broken = emulator.scenario_snapshot().broken;
    let prefix = emulator.config().deployment_name_prefix.clone();
    emulator
        .store()
        .write(now_ms, move |db| {
            let mut row = store::get_workspace(db, workspace_id, now_ms)?
                .ok_or_else(|| ApiError::not_found(Collection::Workspaces, &id))?;
            let current = row.workspace.clone();
            let mut next = current.clone();
            for (field, value) in &touched {
                apply_field(&mut next, field, value.as_ref(), prefix.as_deref())?;
            }
            let phase = row.lifecycle.phase(now_ms);
            // A PATCH of a FAILED workspace is "update workspace and redeploy": it provisions
            // again even when no field changes, which is how the seed's recovery works once
            // the AWS side (a subnet, a security group) has been fixed.
            if next == current && !matches!(phase, Phase::Failed(_)) {
                return Ok(render(&row, now_ms));
            }
            match phase {
                Phase::Running | Phase::Failed(_) => {}
                Phase::Provisioning => {
                    return Err(ApiError::invalid_state(format!(
                        "workspace {workspace_id} is PROVISIONING; it can be updated once it is RUNNING or FAILED"
                    )));
                }
                Phase::Cancelling | Phase::Gone => {
                    return Err(ApiError::invalid_state(format!(
                        "workspace {workspace_id} is being deleted"
                    )));
                }
            }
            let is_running = phase == Phase::Running;
            check_change(&current, &next, is_running, row.was_running)?;
            for slot in Slot::ALL {
                check_slot(db, &next, slot, Some(workspace_id), now_ms)?;
            }
            // A failed workspace, or one in a Databricks-managed VPC, provisions again; a
            // running workspace in a customer-managed VPC applies the change in place.
            let reprovisions = !is_running || current.network_id.is_none();
            if reprovisions {
                row.lifecycle.ready_at = ready_at;
                row.lifecycle.failure = provisioning_outcome(db, &next, &broken)?;
            }
            row.was_running |= is_running;
            row.workspace = next;
            store::update_workspace(db, &row)?;
            let owner = Owner::Workspace(workspace_id);
            store::remove_refs(db, &owner)?;
            store::add_refs(db, &owner, referenced_ids(&row.workspace))?;
            Ok(render(&row, now_ms))
        })
        .await
        .map(Json)
}

/// The fields a PATCH touches, with their new value (`None` = removed).
fn touched_fields(
    body: &Map<String, Value>,
    update_mask: Option<&str>,
) -> Result<Vec<(String, Option<Value>)>, ApiError> {
    let is_patchable = |field: &str| {
        Slot::from_field(field).is_some()
            || OTHER_UPDATABLE_FIELDS.contains(&field)
            || IMMUTABLE_FIELDS.contains(&field)
    };
    let value_of = |field: &str| body.get(field).filter(|value| !value.is_null()).cloned();
    let mask: Vec<&str> = update_mask
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|field| !field.is_empty())
        .collect();
    if mask.is_empty() || mask.contains(&"*") {
        return Ok(body
            .keys()
            .filter(|field| is_patchable(field))
            .filter_map(|field| value_of(field).map(|value| (field.clone(), Some(value))))
            .collect());
    }
    let mut touched = Vec::new();
    for field in mask {
        // Client-owned and only meaningful on GCP; accepted and ignored.
        if field == "expected_workspace_status" {
            continue;
        }
        if !is_patchable(field) {
            return Err(ApiError::invalid(format!(
                "update_mask names `{field}`, which is not an updatable workspace field"
            )));
        }
        touched.push((field.to_owned(), value_of(field)));
    }
    Ok(touched)
}

/// Writes one touched field into `next`; immutable fields only when they do not change.
fn apply_field(
    next: &mut Workspace,
    field: &str,
    value: Option<&Value>,
    prefix: Option<&str>,
) -> Result<(), ApiError> {
    let text = |value: Option<&Value>| -> Result<Option<String>, ApiError> {
        match value {
            None => Ok(None),
            Some(Value::String(text)) if text.is_empty() => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(other) => Err(ApiError::invalid(format!(
                "{field} must be a string, not {other}"
            ))),
        }
    };
    if let Some(slot) = Slot::from_field(field) {
        slot.set(next, text(value)?);
        return Ok(());
    }
    match field {
        "network_connectivity_config_id" => next.network_connectivity_config_id = text(value)?,
        "custom_tags" => {
            let tags: BTreeMap<String, String> = match value {
                None => BTreeMap::new(),
                Some(value) => serde_json::from_value(value.clone()).map_err(|_| {
                    ApiError::invalid(format!("custom_tags must be a map of strings, not {value}"))
                })?,
            };
            // An empty map changes nothing: custom tags can be modified, never all removed.
            if !tags.is_empty() {
                rules::custom_tags(&tags)?;
                next.custom_tags = tags;
            }
        }
        immutable => {
            let requested = text(value)?.unwrap_or_default();
            let current = match immutable {
                "workspace_name" => next.workspace_name.clone(),
                "deployment_name" => next.deployment_name.clone(),
                "aws_region" => next.aws_region.clone(),
                "pricing_tier" => next
                    .pricing_tier
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                // A workspace created without a compute mode is a classic (HYBRID) one.
                _ => next
                    .compute_mode
                    .as_ref()
                    .map_or_else(|| "HYBRID".to_owned(), ToString::to_string),
            };
            let prefixed = rules::deployment_name(Some(&requested), prefix)
                .ok()
                .flatten()
                .unwrap_or_default();
            let is_unchanged = requested.eq_ignore_ascii_case(&current)
                || (immutable == "deployment_name" && prefixed == current);
            if !is_unchanged {
                return Err(ApiError::invalid(format!(
                    "{immutable} cannot be changed by an update (from `{current}` to `{requested}`); create a new workspace instead"
                )));
            }
        }
    }
    Ok(())
}

/// The PATCH rules of a RUNNING or FAILED workspace (`shared/reference/account-api.md` §3.2).
fn check_change(
    current: &Workspace,
    next: &Workspace,
    is_running: bool,
    was_running: bool,
) -> Result<(), ApiError> {
    let status = if is_running { "RUNNING" } else { "FAILED" };
    for slot in Slot::ALL {
        let before = slot.value(current);
        let after = slot.value(next);
        if before == after {
            continue;
        }
        let field = slot.field();
        let Some(after) = after else {
            let why = match slot {
                Slot::Network => "a workspace cannot go back to a Databricks-managed VPC",
                Slot::PrivateAccessSettings => {
                    "private access settings can be added or changed, never removed"
                }
                Slot::StorageKey | Slot::ManagedServicesKey => {
                    "an encryption key can be added or rotated, never removed"
                }
                Slot::Credentials | Slot::StorageConfiguration => "every workspace needs one",
            };
            return Err(ApiError::invalid(format!(
                "{field} cannot be removed from a workspace: {why}"
            )));
        };
        match slot {
            Slot::StorageConfiguration if is_running => {
                return Err(ApiError::invalid(format!(
                    "{field} can only be changed while the workspace is FAILED; it is {status} (to `{after}`)"
                )));
            }
            Slot::Network if is_running && before.is_none() => {
                return Err(ApiError::invalid(format!(
                    "{field} can be set on a RUNNING workspace only if it already uses a customer-managed VPC; this one uses a Databricks-managed VPC (to `{after}`)"
                )));
            }
            Slot::StorageKey if before.is_some() && (is_running || was_running) => {
                return Err(ApiError::invalid(format!(
                    "{field} cannot be replaced once set on a workspace that has been RUNNING (from `{}` to `{after}`)",
                    before.unwrap_or_default()
                )));
            }
            _ => {}
        }
    }
    if current.network_connectivity_config_id.is_some()
        && next.network_connectivity_config_id.is_none()
    {
        return Err(ApiError::invalid(
            "network_connectivity_config_id can be changed, not removed",
        ));
    }
    Ok(())
}

/// Checks that a slot's object exists and may serve this workspace.
fn check_slot(
    db: &Connection,
    workspace: &Workspace,
    slot: Slot,
    this_workspace: Option<i64>,
    now_ms: i64,
) -> Result<(), ApiError> {
    let Some(id) = slot.value(workspace) else {
        return Ok(());
    };
    let field = slot.field();
    let missing = || ApiError::unknown_reference(field, slot.collection(), id);
    match slot {
        Slot::Credentials | Slot::StorageConfiguration => {
            store::get_object::<Value>(db, slot.collection(), id)?.ok_or_else(missing)?;
        }
        Slot::Network => {
            store::get_object::<Network>(db, Collection::Networks, id)?.ok_or_else(missing)?;
            if let Some((user, _)) = store::network_attachment(db, id, now_ms)?
                && Some(user) != this_workspace
            {
                return Err(ApiError::invalid(format!(
                    "{field} `{id}` is already used by workspace {user}; a network configuration serves at most one workspace"
                )));
            }
        }
        Slot::PrivateAccessSettings => {
            let settings: PrivateAccessSettings =
                store::get_object(db, Collection::PrivateAccessSettings, id)?
                    .ok_or_else(missing)?;
            if settings.region != workspace.aws_region {
                return Err(ApiError::invalid(format!(
                    "{field} `{id}` names private access settings for region {}, which cannot serve a workspace in {}",
                    settings.region, workspace.aws_region
                )));
            }
        }
        Slot::ManagedServicesKey | Slot::StorageKey => {
            if workspace.aws_region == api_types::REGION_WITHOUT_CUSTOMER_MANAGED_KEYS {
                return Err(ApiError::invalid(format!(
                    "{field} `{id}`: customer-managed keys cannot be used in {}",
                    api_types::REGION_WITHOUT_CUSTOMER_MANAGED_KEYS
                )));
            }
            let key: CustomerManagedKey =
                store::get_object(db, Collection::CustomerManagedKeys, id)?.ok_or_else(missing)?;
            let use_case = if slot == Slot::StorageKey {
                KeyUseCase::Storage
            } else {
                KeyUseCase::ManagedServices
            };
            if !key_allows(&key, &use_case) {
                let use_cases: Vec<String> =
                    key.use_cases.iter().map(ToString::to_string).collect();
                return Err(ApiError::invalid(format!(
                    "{field} `{id}` names a key whose use_cases [{}] do not include {use_case}",
                    use_cases.join(", ")
                )));
            }
        }
    }
    Ok(())
}

/// How the provisioning that starts now will end: failed if the network uses a broken
/// resource.
fn provisioning_outcome(
    db: &Connection,
    workspace: &Workspace,
    broken: &BrokenResources,
) -> Result<Option<crate::lifecycle::Failure>, ApiError> {
    let Some(network_id) = &workspace.network_id else {
        return Ok(None);
    };
    if broken.is_empty() {
        return Ok(None);
    }
    let network: Option<Network> = store::get_object(db, Collection::Networks, network_id)?;
    Ok(network.and_then(|network| validate_network(&network, broken)))
}

/// The workspace as the API shows it at `now_ms`.
fn render(row: &WorkspaceRow, now_ms: i64) -> Workspace {
    let mut workspace = row.workspace.clone();
    let (status, message) = row.lifecycle.phase(now_ms).status();
    workspace.workspace_status = Some(status);
    workspace.workspace_status_message = Some(message);
    workspace
}

fn parse_workspace_id(id: &str) -> Result<i64, ApiError> {
    match id.parse::<i64>() {
        Ok(workspace_id) if workspace_id > 0 => Ok(workspace_id),
        _ => Err(ApiError::invalid(format!(
            "workspace_id `{id}` is not a positive integer"
        ))),
    }
}

/// A fresh 16-digit workspace id, like the real ones.
fn new_workspace_id(db: &Connection) -> Result<i64, ApiError> {
    loop {
        let random = uuid::Uuid::new_v4().as_u128();
        let workspace_id =
            1_000_000_000_000_000 + i64::try_from(random % 8_000_000_000_000_000).unwrap_or(0);
        if !store::workspace_id_exists(db, workspace_id)? {
            return Ok(workspace_id);
        }
    }
}

/// `dbc-xxxxxxxx-xxxx`, the server's pattern when a request names no deployment.
fn generated_deployment_name(db: &Connection) -> Result<String, ApiError> {
    loop {
        let hex = uuid::Uuid::new_v4().simple().to_string();
        let name = format!("dbc-{}-{}", &hex[..8], &hex[8..12]);
        if store::deployment_name_holder(db, &name)?.is_none() {
            return Ok(name);
        }
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|text| !text.is_empty())
}

fn known<T: ToString>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
