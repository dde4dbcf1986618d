//! Serde wire types of the Databricks Account API (AWS provisioning).
//!
//! This crate is the single definition of the API's JSON, shared by the client (which sends
//! requests and parses responses) and the emulator (which does the opposite). Neither of them
//! ever depends on the other: a wire bug in one shows up as a failure in the other.
//!
//! Conventions, all following `shared/reference/account-api.md` §2:
//!
//! - Unset fields are omitted when serialising (empty strings, empty lists and maps, `None`).
//! - Unknown fields are tolerated when parsing, so a newer server never breaks an older client.
//! - Enums carry an `Unknown(String)` variant that keeps a value this version does not know.
//! - `workspace_id` is an `i64`; every other id is a UUID string; `creation_time` is epoch
//!   milliseconds.
//!
//! **Architecture invariant:** no logic beyond parsing and naming, no IO, nothing async.

mod collection;
mod credentials;
mod enums;
mod error;
mod keys;
mod networks;
mod oauth;
mod private_access;
mod regions;
mod snapshot;
mod storage;
mod vpc_endpoints;
mod workspaces;

pub use collection::Collection;
pub use credentials::{AwsCredentials, CreateCredentialRequest, Credential, StsRole};
pub use enums::{
    ComputeMode, EndpointUseCase, ErrorType, KeyUseCase, PricingTier, PrivateAccessLevel,
    StorageMode, VpcStatus, WarningType, WorkspaceStatus,
};
pub use error::{ErrorBody, ErrorCode};
pub use keys::{AwsKeyInfo, CreateCustomerManagedKeyRequest, CustomerManagedKey};
pub use networks::{
    CreateNetworkRequest, Network, NetworkHealth, NetworkVpcEndpoints, NetworkWarning,
};
pub use oauth::{AuthorizationServerMetadata, HostMetadata, OAuthError, TokenResponse};
pub use private_access::{PrivateAccessSettings, PrivateAccessSettingsRequest};
pub use regions::{REGION_WITHOUT_CUSTOMER_MANAGED_KEYS, SUPPORTED_AWS_REGIONS};
pub use snapshot::Snapshot;
pub use storage::{CreateStorageConfigurationRequest, RootBucketInfo, StorageConfiguration};
pub use vpc_endpoints::{CreateVpcEndpointRequest, VpcEndpoint};
pub use workspaces::{CreateWorkspaceRequest, UpdateWorkspaceRequest, Workspace};

/// `skip_serializing_if` helper for integer fields whose zero value means "unset".
fn is_zero(value: &i64) -> bool {
    *value == 0
}
