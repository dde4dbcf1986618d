//! The seven object kinds seen generically: their collection, id and natural key.
//!
//! Natural keys are how brickform recognises an object without a state file
//! (`shared/design.md` §3): a name for most kinds, the key ARN and use cases for keys, the
//! deployment name (else the workspace name) for workspaces. `create_or_adopt` uses them to
//! find an object a lost `POST` may have created.

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;

use api_types::{
    Collection, CreateCredentialRequest, CreateCustomerManagedKeyRequest, CreateNetworkRequest,
    CreateStorageConfigurationRequest, CreateVpcEndpointRequest, CreateWorkspaceRequest,
    Credential, CustomerManagedKey, KeyUseCase, Network, PrivateAccessSettings,
    PrivateAccessSettingsRequest, StorageConfiguration, VpcEndpoint, Workspace,
};

use crate::{AccountApi, Error};

/// What identifies an object across runs, independent of its server-generated id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NaturalKey {
    /// `credentials_name`, `storage_configuration_name`, `vpc_endpoint_name`, `network_name`
    /// or `private_access_settings_name`.
    Name(String),
    /// A customer-managed key: its KMS ARN and the set of its use cases.
    Key {
        key_arn: String,
        use_cases: BTreeSet<KeyUseCase>,
    },
    /// A workspace: its deployment name as the server stores it (account prefix applied),
    /// else, when none was requested, its workspace name.
    Workspace {
        deployment_name: Option<String>,
        workspace_name: String,
    },
}

impl NaturalKey {
    /// The key of the workspace `request` creates, in an account whose deployment names carry
    /// `deployment_name_prefix` (`acme` turns `sales` into `acme-sales`, and the reserved
    /// `EMPTY` into `acme`). The server lower-cases deployment names, so the key does too.
    pub fn workspace(
        request: &CreateWorkspaceRequest,
        deployment_name_prefix: Option<&str>,
    ) -> NaturalKey {
        let deployment_name = request.deployment_name.as_deref().map(|name| {
            let stored = match deployment_name_prefix {
                Some(prefix) if name == "EMPTY" => prefix.to_owned(),
                Some(prefix) => format!("{prefix}-{name}"),
                None => name.to_owned(),
            };
            stored.to_ascii_lowercase()
        });
        NaturalKey::Workspace {
            deployment_name,
            workspace_name: request.workspace_name.clone(),
        }
    }

    /// Whether `object` carries this key.
    pub fn matches<R: Resource>(&self, object: &R) -> bool {
        match (self, object.natural_key()) {
            (NaturalKey::Name(wanted), NaturalKey::Name(live)) => *wanted == live,
            (
                NaturalKey::Key { key_arn, use_cases },
                NaturalKey::Key {
                    key_arn: live_arn,
                    use_cases: live_use_cases,
                },
            ) => *key_arn == live_arn && *use_cases == live_use_cases,
            (
                NaturalKey::Workspace {
                    deployment_name: Some(wanted),
                    ..
                },
                NaturalKey::Workspace {
                    deployment_name: Some(live),
                    ..
                },
            ) => wanted.eq_ignore_ascii_case(&live),
            (
                NaturalKey::Workspace {
                    deployment_name: None,
                    workspace_name,
                },
                NaturalKey::Workspace {
                    workspace_name: live,
                    ..
                },
            ) => *workspace_name == live,
            _ => false,
        }
    }
}

impl fmt::Display for NaturalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NaturalKey::Name(name) => write!(f, "name `{name}`"),
            NaturalKey::Key { key_arn, use_cases } => {
                let use_cases: Vec<&str> = use_cases.iter().map(KeyUseCase::as_str).collect();
                write!(f, "key `{key_arn}` for {}", use_cases.join("+"))
            }
            NaturalKey::Workspace {
                deployment_name: Some(name),
                ..
            } => write!(f, "deployment name `{name}`"),
            NaturalKey::Workspace { workspace_name, .. } => {
                write!(f, "workspace name `{workspace_name}`")
            }
        }
    }
}

/// How [`AccountApi::create_or_adopt`] came by its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adoption {
    /// A create failed without a clear outcome, and the listing showed that it (or a
    /// concurrent run) had in fact created the object.
    AfterUncertainCreate,
    /// The server refused the create because the name exists; this is that object. Whether
    /// its fields match is the caller's decision.
    AfterNameConflict,
}

/// The result of [`AccountApi::create_or_adopt`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created<R> {
    pub object: R,
    /// `None` when this call created the object; else how an existing one was adopted.
    pub adoption: Option<Adoption>,
}

/// One of the seven object kinds, for code that works on any of them.
pub trait Resource: Clone + Send + Sync + 'static {
    const COLLECTION: Collection;
    /// The body of the kind's `POST`.
    type Request: Send + Sync;

    /// The server-generated id, as it appears in paths.
    fn id(&self) -> String;

    /// The natural key of this live object.
    fn natural_key(&self) -> NaturalKey;

    /// The natural key of the object `request` would create. For workspaces in an account
    /// with a deployment-name prefix, use [`NaturalKey::workspace`] instead.
    fn requested_key(request: &Self::Request) -> NaturalKey;

    /// `POST` one object of this kind.
    fn create<A: AccountApi>(
        api: &A,
        request: &Self::Request,
    ) -> impl Future<Output = Result<Self, Error>> + Send;

    /// `GET` the whole collection.
    fn list<A: AccountApi>(api: &A) -> impl Future<Output = Result<Vec<Self>, Error>> + Send;
}

impl Resource for Credential {
    const COLLECTION: Collection = Collection::Credentials;
    type Request = CreateCredentialRequest;

    fn id(&self) -> String {
        self.credentials_id.clone()
    }

    fn natural_key(&self) -> NaturalKey {
        NaturalKey::Name(self.credentials_name.clone())
    }

    fn requested_key(request: &Self::Request) -> NaturalKey {
        NaturalKey::Name(request.credentials_name.clone())
    }

    fn create<A: AccountApi>(
        api: &A,
        request: &Self::Request,
    ) -> impl Future<Output = Result<Self, Error>> + Send {
        api.create_credential(request)
    }

    fn list<A: AccountApi>(api: &A) -> impl Future<Output = Result<Vec<Self>, Error>> + Send {
        api.list_credentials()
    }
}

impl Resource for StorageConfiguration {
    const COLLECTION: Collection = Collection::StorageConfigurations;
    type Request = CreateStorageConfigurationRequest;

    fn id(&self) -> String {
        self.storage_configuration_id.clone()
    }

    fn natural_key(&self) -> NaturalKey {
        NaturalKey::Name(self.storage_configuration_name.clone())
    }

    fn requested_key(request: &Self::Request) -> NaturalKey {
        NaturalKey::Name(request.storage_configuration_name.clone())
    }

    fn create<A: AccountApi>(
        api: &A,
        request: &Self::Request,
    ) -> impl Future<Output = Result<Self, Error>> + Send {
        api.create_storage_configuration(request)
    }

    fn list<A: AccountApi>(api: &A) -> impl Future<Output = Result<Vec<Self>, Error>> + Send {
        api.list_storage_configurations()
    }
}

impl Resource for CustomerManagedKey {
    const COLLECTION: Collection = Collection::CustomerManagedKeys;
    type Request = CreateCustomerManagedKeyRequest;

    fn id(&self) -> String {
        self.customer_managed_key_id.clone()
    }

    fn natural_key(&self) -> NaturalKey {
        NaturalKey::Key {
            key_arn: self.key_arn().unwrap_or_default().to_owned(),
            use_cases: self.use_cases.iter().cloned().collect(),
        }
    }

    fn requested_key(request: &Self::Request) -> NaturalKey {
        NaturalKey::Key {
            key_arn: request.aws_key_info.key_arn.clone(),
            use_cases: request.use_cases.iter().cloned().collect(),
        }
    }

    fn create<A: AccountApi>(
        api: &A,
        request: &Self::Request,
    ) -> impl Future<Output = Result<Self, Error>> + Send {
        api.create_customer_managed_key(request)
    }

    fn list<A: AccountApi>(api: &A) -> impl Future<Output = Result<Vec<Self>, Error>> + Send {
        api.list_customer_managed_keys()
    }
}

impl Resource for VpcEndpoint {
    const COLLECTION: Collection = Collection::VpcEndpoints;
    type Request = CreateVpcEndpointRequest;

    fn id(&self) -> String {
        self.vpc_endpoint_id.clone()
    }

    fn natural_key(&self) -> NaturalKey {
        NaturalKey::Name(self.vpc_endpoint_name.clone())
    }

    fn requested_key(request: &Self::Request) -> NaturalKey {
        NaturalKey::Name(request.vpc_endpoint_name.clone())
    }

    fn create<A: AccountApi>(
        api: &A,
        request: &Self::Request,
    ) -> impl Future<Output = Result<Self, Error>> + Send {
        api.create_vpc_endpoint(request)
    }

    fn list<A: AccountApi>(api: &A) -> impl Future<Output = Result<Vec<Self>, Error>> + Send {
        api.list_vpc_endpoints()
    }
}

impl Resource for Network {
    const COLLECTION: Collection = Collection::Networks;
    type Request = CreateNetworkRequest;

    fn id(&self) -> String {
        self.network_id.clone()
    }

    fn natural_key(&self) -> NaturalKey {
        NaturalKey::Name(self.network_name.clone())
    }

    fn requested_key(request: &Self::Request) -> NaturalKey {
        NaturalKey::Name(request.network_name.clone())
    }

    fn create<A: AccountApi>(
        api: &A,
        request: &Self::Request,
    ) -> impl Future<Output = Result<Self, Error>> + Send {
        api.create_network(request)
    }

    fn list<A: AccountApi>(api: &A) -> impl Future<Output = Result<Vec<Self>, Error>> + Send {
        api.list_networks()
    }
}

impl Resource for PrivateAccessSettings {
    const COLLECTION: Collection = Collection::PrivateAccessSettings;
    type Request = PrivateAccessSettingsRequest;

    fn id(&self) -> String {
        self.private_access_settings_id.clone()
    }

    fn natural_key(&self) -> NaturalKey {
        NaturalKey::Name(self.private_access_settings_name.clone())
    }

    fn requested_key(request: &Self::Request) -> NaturalKey {
        NaturalKey::Name(request.private_access_settings_name.clone())
    }

    fn create<A: AccountApi>(
        api: &A,
        request: &Self::Request,
    ) -> impl Future<Output = Result<Self, Error>> + Send {
        api.create_private_access_settings(request)
    }

    fn list<A: AccountApi>(api: &A) -> impl Future<Output = Result<Vec<Self>, Error>> + Send {
        api.list_private_access_settings()
    }
}

impl Resource for Workspace {
    const COLLECTION: Collection = Collection::Workspaces;
    type Request = CreateWorkspaceRequest;

    fn id(&self) -> String {
        self.workspace_id.to_string()
    }

    fn natural_key(&self) -> NaturalKey {
        NaturalKey::Workspace {
            deployment_name: Some(self.deployment_name.clone()).filter(|name| !name.is_empty()),
            workspace_name: self.workspace_name.clone(),
        }
    }

    fn requested_key(request: &Self::Request) -> NaturalKey {
        NaturalKey::workspace(request, None)
    }

    fn create<A: AccountApi>(
        api: &A,
        request: &Self::Request,
    ) -> impl Future<Output = Result<Self, Error>> + Send {
        api.create_workspace(request)
    }

    fn list<A: AccountApi>(api: &A) -> impl Future<Output = Result<Vec<Self>, Error>> + Send {
        api.list_workspaces()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_by_arn_and_the_set_of_use_cases() {
        let request = CreateCustomerManagedKeyRequest {
            use_cases: vec![KeyUseCase::Storage, KeyUseCase::ManagedServices],
            aws_key_info: api_types::AwsKeyInfo {
                key_arn: "arn:aws:kms:us-west-2:1:key/k".to_owned(),
                ..Default::default()
            },
        };
        let mut live = CustomerManagedKey {
            customer_managed_key_id: "id".to_owned(),
            use_cases: vec![KeyUseCase::ManagedServices, KeyUseCase::Storage],
            aws_key_info: Some(request.aws_key_info.clone()),
            ..Default::default()
        };
        let key = CustomerManagedKey::requested_key(&request);
        assert!(key.matches(&live));
        live.use_cases = vec![KeyUseCase::Storage];
        assert!(!key.matches(&live));
        assert_eq!(
            key.to_string(),
            "key `arn:aws:kms:us-west-2:1:key/k` for MANAGED_SERVICES+STORAGE"
        );
    }

    #[test]
    fn workspaces_match_by_prefixed_deployment_name_else_by_name() {
        let request = CreateWorkspaceRequest {
            workspace_name: "Sales".to_owned(),
            deployment_name: Some("Sales".to_owned()),
            ..Default::default()
        };
        let live = Workspace {
            workspace_id: 7,
            workspace_name: "Other".to_owned(),
            deployment_name: "acme-sales".to_owned(),
            ..Default::default()
        };
        assert!(NaturalKey::workspace(&request, Some("acme")).matches(&live));
        assert!(!Workspace::requested_key(&request).matches(&live));
        let empty = CreateWorkspaceRequest {
            deployment_name: Some("EMPTY".to_owned()),
            ..request.clone()
        };
        let bare = Workspace {
            deployment_name: "acme".to_owned(),
            ..live.clone()
        };
        assert!(NaturalKey::workspace(&empty, Some("acme")).matches(&bare));
        let unnamed = CreateWorkspaceRequest {
            deployment_name: None,
            ..request
        };
        let by_name = Workspace {
            workspace_name: "Sales".to_owned(),
            deployment_name: "dbc-1f72af96-aeaf".to_owned(),
            ..live
        };
        assert!(Workspace::requested_key(&unnamed).matches(&by_name));
    }
}
