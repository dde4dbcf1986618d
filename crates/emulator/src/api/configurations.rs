//! The immutable configuration objects without derived fields: credentials, storage
//! configurations, customer-managed keys and VPC endpoint registrations.
//!
//! Each is created, listed, read and deleted; none can be updated. A delete is refused while
//! anything uses the object.

use api_types::{
    AwsCredentials, AwsKeyInfo, Collection, CreateCredentialRequest,
    CreateCustomerManagedKeyRequest, CreateStorageConfigurationRequest, CreateVpcEndpointRequest,
    Credential, CustomerManagedKey, KeyUseCase, RootBucketInfo, StorageConfiguration, StsRole,
    VpcEndpoint,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::Value;

use super::{JsonBody, json_array, new_id, refuse_if_used};
use crate::error::ApiError;
use crate::rules;
use crate::state::Emulator;
use crate::store;

type ObjectPath = Path<(String, String)>;

async fn list(emulator: &Emulator, collection: Collection) -> Result<Response, ApiError> {
    let bodies = emulator
        .store()
        .read(move |db| store::list_object_bodies(db, collection))
        .await?;
    Ok(json_array(&bodies))
}

async fn get(
    emulator: &Emulator,
    collection: Collection,
    id: String,
) -> Result<Json<Value>, ApiError> {
    emulator
        .store()
        .read(move |db| {
            store::get_object(db, collection, &id)?
                .ok_or_else(|| ApiError::not_found(collection, &id))
        })
        .await
        .map(Json)
}

async fn delete(
    emulator: &Emulator,
    collection: Collection,
    id: String,
) -> Result<Json<Value>, ApiError> {
    emulator
        .store()
        .write(emulator.now_ms(), move |db| {
            let object: Value = store::get_object(db, collection, &id)?
                .ok_or_else(|| ApiError::not_found(collection, &id))?;
            refuse_if_used(db, collection, &id)?;
            store::delete_object(db, collection, &id)?;
            Ok(object)
        })
        .await
        .map(Json)
}

// ---------------------------------------------------------------------------------------------
// Credentials.

pub(super) async fn create_credential(
    State(emulator): State<Emulator>,
    JsonBody(request): JsonBody<CreateCredentialRequest>,
) -> Result<Json<Credential>, ApiError> {
    rules::configuration_name("credentials_name", &request.credentials_name)?;
    let role_arn = request.role_arn().unwrap_or_default().to_owned();
    rules::iam_role_arn("aws_credentials.sts_role.role_arn", &role_arn)?;
    let credential = Credential {
        credentials_id: new_id(),
        credentials_name: request.credentials_name,
        aws_credentials: Some(AwsCredentials {
            sts_role: Some(StsRole {
                role_arn,
                // "Always your Databricks account ID" (classic API generation).
                external_id: Some(emulator.account_id().to_owned()),
            }),
        }),
        account_id: emulator.account_id().to_owned(),
        creation_time: emulator.now_ms(),
    };
    emulator
        .store()
        .write(emulator.now_ms(), move |db| {
            // Checked inside the write transaction: no other create can slip in between.
            if store::credentials_name_exists(db, &credential.credentials_name)? {
                return Err(ApiError::already_exists(format!(
                    "Credential configuration name {} already exists in this account. Try again with a unique name.",
                    credential.credentials_name
                )));
            }
            store::insert_object(
                db,
                Collection::Credentials,
                &credential.credentials_id,
                &credential.credentials_name,
                &credential,
            )?;
            Ok(credential)
        })
        .await
        .map(Json)
}

pub(super) async fn list_credentials(
    State(emulator): State<Emulator>,
) -> Result<Response, ApiError> {
    list(&emulator, Collection::Credentials).await
}

pub(super) async fn get_credential(
    State(emulator): State<Emulator>,
    Path((_, id)): ObjectPath,
) -> Result<Json<Value>, ApiError> {
    get(&emulator, Collection::Credentials, id).await
}

pub(super) async fn delete_credential(
    State(emulator): State<Emulator>,
    Path((_, id)): ObjectPath,
) -> Result<Json<Value>, ApiError> {
    delete(&emulator, Collection::Credentials, id).await
}

// ---------------------------------------------------------------------------------------------
// Storage configurations.

pub(super) async fn create_storage_configuration(
    State(emulator): State<Emulator>,
    JsonBody(request): JsonBody<CreateStorageConfigurationRequest>,
) -> Result<Json<StorageConfiguration>, ApiError> {
    rules::configuration_name(
        "storage_configuration_name",
        &request.storage_configuration_name,
    )?;
    rules::bucket_name(&request.root_bucket_info.bucket_name)?;
    let role_arn = request.role_arn.filter(|arn| !arn.is_empty());
    if let Some(role_arn) = &role_arn {
        rules::iam_role_arn("role_arn", role_arn)?;
    }
    let storage_configuration = StorageConfiguration {
        storage_configuration_id: new_id(),
        storage_configuration_name: request.storage_configuration_name,
        root_bucket_info: Some(RootBucketInfo {
            bucket_name: request.root_bucket_info.bucket_name,
        }),
        role_arn,
        account_id: emulator.account_id().to_owned(),
        creation_time: emulator.now_ms(),
    };
    emulator
        .store()
        .write(emulator.now_ms(), move |db| {
            store::insert_object(
                db,
                Collection::StorageConfigurations,
                &storage_configuration.storage_configuration_id,
                &storage_configuration.storage_configuration_name,
                &storage_configuration,
            )?;
            Ok(storage_configuration)
        })
        .await
        .map(Json)
}

pub(super) async fn list_storage_configurations(
    State(emulator): State<Emulator>,
) -> Result<Response, ApiError> {
    list(&emulator, Collection::StorageConfigurations).await
}

pub(super) async fn get_storage_configuration(
    State(emulator): State<Emulator>,
    Path((_, id)): ObjectPath,
) -> Result<Json<Value>, ApiError> {
    get(&emulator, Collection::StorageConfigurations, id).await
}

pub(super) async fn delete_storage_configuration(
    State(emulator): State<Emulator>,
    Path((_, id)): ObjectPath,
) -> Result<Json<Value>, ApiError> {
    delete(&emulator, Collection::StorageConfigurations, id).await
}

// ---------------------------------------------------------------------------------------------
// Customer-managed keys.

pub(super) async fn create_customer_managed_key(
    State(emulator): State<Emulator>,
    JsonBody(request): JsonBody<CreateCustomerManagedKeyRequest>,
) -> Result<Json<CustomerManagedKey>, ApiError> {
    if request.use_cases.is_empty() {
        return Err(ApiError::invalid(
            "use_cases is required: MANAGED_SERVICES, STORAGE or both",
        ));
    }
    for (index, use_case) in request.use_cases.iter().enumerate() {
        if !use_case.is_known() {
            return Err(ApiError::invalid(format!(
                "use_cases value `{use_case}` is not one of MANAGED_SERVICES, STORAGE"
            )));
        }
        if request.use_cases[..index].contains(use_case) {
            return Err(ApiError::invalid(format!(
                "use_cases lists `{use_case}` twice"
            )));
        }
    }
    let key_info = request.aws_key_info;
    if key_info.key_arn.is_empty() {
        return Err(ApiError::invalid("aws_key_info.key_arn is required"));
    }
    let arn_region = rules::kms_key_arn(&key_info.key_arn)?;
    if let Some(key_region) = key_info
        .key_region
        .as_deref()
        .filter(|region| !region.is_empty())
        && key_region != arn_region
    {
        return Err(ApiError::invalid(format!(
            "aws_key_info.key_region `{key_region}` does not match the region of key ARN `{}` ({arn_region})",
            key_info.key_arn
        )));
    }
    let key = CustomerManagedKey {
        customer_managed_key_id: new_id(),
        use_cases: request.use_cases,
        aws_key_info: Some(AwsKeyInfo {
            key_arn: key_info.key_arn,
            key_alias: key_info.key_alias.filter(|alias| !alias.is_empty()),
            key_region: Some(arn_region),
            reuse_key_for_cluster_volumes: key_info.reuse_key_for_cluster_volumes,
        }),
        account_id: emulator.account_id().to_owned(),
        creation_time: emulator.now_ms(),
    };
    emulator
        .store()
        .write(emulator.now_ms(), move |db| {
            let name = key.key_arn().unwrap_or_default().to_owned();
            store::insert_object(
                db,
                Collection::CustomerManagedKeys,
                &key.customer_managed_key_id,
                &name,
                &key,
            )?;
            Ok(key)
        })
        .await
        .map(Json)
}

pub(super) async fn list_customer_managed_keys(
    State(emulator): State<Emulator>,
) -> Result<Response, ApiError> {
    list(&emulator, Collection::CustomerManagedKeys).await
}

pub(super) async fn get_customer_managed_key(
    State(emulator): State<Emulator>,
    Path((_, id)): ObjectPath,
) -> Result<Json<Value>, ApiError> {
    get(&emulator, Collection::CustomerManagedKeys, id).await
}

pub(super) async fn delete_customer_managed_key(
    State(emulator): State<Emulator>,
    Path((_, id)): ObjectPath,
) -> Result<Json<Value>, ApiError> {
    delete(&emulator, Collection::CustomerManagedKeys, id).await
}

/// Whether a key's use cases allow a workspace slot.
pub(super) fn key_allows(key: &CustomerManagedKey, use_case: &KeyUseCase) -> bool {
    key.use_cases.contains(use_case)
}

// ---------------------------------------------------------------------------------------------
// VPC endpoint registrations.

pub(super) async fn create_vpc_endpoint(
    State(emulator): State<Emulator>,
    JsonBody(request): JsonBody<CreateVpcEndpointRequest>,
) -> Result<Json<VpcEndpoint>, ApiError> {
    rules::configuration_name("vpc_endpoint_name", &request.vpc_endpoint_name)?;
    let aws_id = &request.aws_vpc_endpoint_id;
    let aws_id_is_valid = aws_id
        .strip_prefix("vpce-")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()));
    if aws_id.is_empty() {
        return Err(ApiError::invalid("aws_vpc_endpoint_id is required"));
    }
    if !aws_id_is_valid {
        return Err(ApiError::invalid(format!(
            "aws_vpc_endpoint_id `{aws_id}` is not an AWS VPC endpoint id (vpce-...)"
        )));
    }
    rules::region("region", &request.region)?;
    // The endpoint service (and so `use_case`) is only known once a network or private access
    // settings use the endpoint; see the crate documentation.
    let vpc_endpoint = VpcEndpoint {
        vpc_endpoint_id: new_id(),
        vpc_endpoint_name: request.vpc_endpoint_name,
        aws_vpc_endpoint_id: request.aws_vpc_endpoint_id,
        region: request.region,
        state: "available".to_owned(),
        account_id: emulator.account_id().to_owned(),
        ..VpcEndpoint::default()
    };
    emulator
        .store()
        .write(emulator.now_ms(), move |db| {
            store::insert_object(
                db,
                Collection::VpcEndpoints,
                &vpc_endpoint.vpc_endpoint_id,
                &vpc_endpoint.vpc_endpoint_name,
                &vpc_endpoint,
            )?;
            Ok(vpc_endpoint)
        })
        .await
        .map(Json)
}

pub(super) async fn list_vpc_endpoints(
    State(emulator): State<Emulator>,
) -> Result<Response, ApiError> {
    list(&emulator, Collection::VpcEndpoints).await
}

pub(super) async fn get_vpc_endpoint(
    State(emulator): State<Emulator>,
    Path((_, id)): ObjectPath,
) -> Result<Json<Value>, ApiError> {
    get(&emulator, Collection::VpcEndpoints, id).await
}

pub(super) async fn delete_vpc_endpoint(
    State(emulator): State<Emulator>,
    Path((_, id)): ObjectPath,
) -> Result<Json<Value>, ApiError> {
    delete(&emulator, Collection::VpcEndpoints, id).await
}
