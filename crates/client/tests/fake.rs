//! `AccountApi` is implementable by a scripted in-memory fake, and the algorithms written on
//! top of the endpoints (`snapshot`, `create_or_adopt`) work on any implementation, spawned
//! on tokio as an applier would.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use api_types::{
    Collection, CreateCredentialRequest, CreateCustomerManagedKeyRequest, CreateNetworkRequest,
    CreateStorageConfigurationRequest, CreateVpcEndpointRequest, CreateWorkspaceRequest,
    Credential, CustomerManagedKey, Network, PrivateAccessSettings, PrivateAccessSettingsRequest,
    Snapshot, StorageConfiguration, UpdateWorkspaceRequest, VpcEndpoint, Workspace,
};
use brickform_client::{
    AccountApi, Action, Adoption, Error, ErrorKind, Method, NaturalKey, RequestContext, Resource,
    RetryPolicy, StatusCode,
};

/// What the next credential `POST` does.
enum Script {
    /// The server creates the object, then the answer is lost.
    CommitThenFail,
    /// The server refuses with 503 and does nothing.
    Unavailable,
}

#[derive(Default)]
struct Fake {
    account: Mutex<Snapshot>,
    script: Mutex<VecDeque<Script>>,
    calls: Mutex<Vec<String>>,
}

fn error(action: Action, collection: Collection, method: Method, kind: ErrorKind) -> Error {
    Error::new(
        RequestContext {
            action,
            collection,
            object: None,
            method,
            path: format!("/api/2.0/accounts/fake/{}", collection.path_segment()),
        },
        kind,
    )
}

fn not_found(collection: Collection) -> Error {
    let kind = ErrorKind::Api {
        status: StatusCode::NOT_FOUND,
        body: None,
        retry_after: None,
    };
    error(Action::Get, collection, Method::GET, kind)
}

impl Fake {
    fn record(&self, call: &str) {
        self.calls.lock().unwrap().push(call.to_owned());
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    fn list<T: Clone>(&self, call: &str, pick: impl Fn(&Snapshot) -> &Vec<T>) -> Vec<T> {
        self.record(call);
        pick(&self.account.lock().unwrap()).clone()
    }
}

type Answer<T> = Result<T, Error>;

impl AccountApi for Fake {
    fn account_id(&self) -> &str {
        "fake"
    }

    fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            no_delay: true,
            ..RetryPolicy::default()
        }
    }

    async fn list_credentials(&self) -> Answer<Vec<Credential>> {
        Ok(self.list("list credentials", |account| &account.credentials))
    }

    async fn get_credential(&self, _: &str) -> Answer<Credential> {
        Err(not_found(Collection::Credentials))
    }

    async fn create_credential(&self, request: &CreateCredentialRequest) -> Answer<Credential> {
        self.record("create credentials");
        let step = self.script.lock().unwrap().pop_front();
        if let Some(Script::Unavailable) = step {
            let kind = ErrorKind::Api {
                status: StatusCode::SERVICE_UNAVAILABLE,
                body: None,
                retry_after: None,
            };
            return Err(error(
                Action::Create,
                Collection::Credentials,
                Method::POST,
                kind,
            ));
        }
        let credential = Credential {
            credentials_id: format!("c-{}", self.calls().len()),
            credentials_name: request.credentials_name.clone(),
            ..Credential::default()
        };
        self.account
            .lock()
            .unwrap()
            .credentials
            .push(credential.clone());
        match step {
            Some(Script::CommitThenFail) => {
                let kind = ErrorKind::Transport {
                    source: "connection reset by peer".into(),
                };
                Err(error(
                    Action::Create,
                    Collection::Credentials,
                    Method::POST,
                    kind,
                ))
            }
            _ => Ok(credential),
        }
    }

    async fn delete_credential(&self, _: &str) -> Answer<()> {
        Ok(())
    }

    async fn list_storage_configurations(&self) -> Answer<Vec<StorageConfiguration>> {
        Ok(self.list("list storage", |account| &account.storage_configurations))
    }

    async fn get_storage_configuration(&self, _: &str) -> Answer<StorageConfiguration> {
        Err(not_found(Collection::StorageConfigurations))
    }

    async fn create_storage_configuration(
        &self,
        _: &CreateStorageConfigurationRequest,
    ) -> Answer<StorageConfiguration> {
        Ok(StorageConfiguration::default())
    }

    async fn delete_storage_configuration(&self, _: &str) -> Answer<()> {
        Ok(())
    }

    async fn list_customer_managed_keys(&self) -> Answer<Vec<CustomerManagedKey>> {
        Ok(self.list("list keys", |account| &account.customer_managed_keys))
    }

    async fn get_customer_managed_key(&self, _: &str) -> Answer<CustomerManagedKey> {
        Err(not_found(Collection::CustomerManagedKeys))
    }

    async fn create_customer_managed_key(
        &self,
        _: &CreateCustomerManagedKeyRequest,
    ) -> Answer<CustomerManagedKey> {
        Ok(CustomerManagedKey::default())
    }

    async fn delete_customer_managed_key(&self, _: &str) -> Answer<()> {
        Ok(())
    }

    async fn list_vpc_endpoints(&self) -> Answer<Vec<VpcEndpoint>> {
        Ok(self.list("list vpc endpoints", |account| &account.vpc_endpoints))
    }

    async fn get_vpc_endpoint(&self, _: &str) -> Answer<VpcEndpoint> {
        Err(not_found(Collection::VpcEndpoints))
    }

    async fn create_vpc_endpoint(&self, _: &CreateVpcEndpointRequest) -> Answer<VpcEndpoint> {
        Ok(VpcEndpoint::default())
    }

    async fn delete_vpc_endpoint(&self, _: &str) -> Answer<()> {
        Ok(())
    }

    async fn list_networks(&self) -> Answer<Vec<Network>> {
        Ok(self.list("list networks", |account| &account.networks))
    }

    async fn get_network(&self, _: &str) -> Answer<Network> {
        Err(not_found(Collection::Networks))
    }

    async fn create_network(&self, _: &CreateNetworkRequest) -> Answer<Network> {
        Ok(Network::default())
    }

    async fn delete_network(&self, _: &str) -> Answer<()> {
        Ok(())
    }

    async fn list_private_access_settings(&self) -> Answer<Vec<PrivateAccessSettings>> {
        Ok(self.list("list pas", |account| &account.private_access_settings))
    }

    async fn get_private_access_settings(&self, _: &str) -> Answer<PrivateAccessSettings> {
        Err(not_found(Collection::PrivateAccessSettings))
    }

    async fn create_private_access_settings(
        &self,
        _: &PrivateAccessSettingsRequest,
    ) -> Answer<PrivateAccessSettings> {
        Ok(PrivateAccessSettings::default())
    }

    async fn replace_private_access_settings(
        &self,
        _: &str,
        _: &PrivateAccessSettingsRequest,
    ) -> Answer<PrivateAccessSettings> {
        Ok(PrivateAccessSettings::default())
    }

    async fn delete_private_access_settings(&self, _: &str) -> Answer<()> {
        Ok(())
    }

    async fn list_workspaces(&self) -> Answer<Vec<Workspace>> {
        Ok(self.list("list workspaces", |account| &account.workspaces))
    }

    async fn get_workspace(&self, _: i64) -> Answer<Workspace> {
        Err(not_found(Collection::Workspaces))
    }

    async fn create_workspace(&self, _: &CreateWorkspaceRequest) -> Answer<Workspace> {
        Ok(Workspace::default())
    }

    async fn update_workspace(&self, _: i64, _: &UpdateWorkspaceRequest) -> Answer<Workspace> {
        Ok(Workspace::default())
    }

    async fn delete_workspace(&self, _: i64) -> Answer<()> {
        Ok(())
    }
}

/// What an applier does: run a step on a spawned task, generic over the API.
async fn spawned_create<A: AccountApi + 'static>(
    api: Arc<A>,
    request: CreateCredentialRequest,
) -> Result<brickform_client::Created<Credential>, Error> {
    tokio::spawn(async move {
        let key = Credential::requested_key(&request);
        api.create_or_adopt::<Credential>(&request, &key).await
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_commit_then_failure_is_adopted_on_a_spawned_task() {
    let fake = Arc::new(Fake::default());
    fake.script
        .lock()
        .unwrap()
        .push_back(Script::CommitThenFail);
    let request = CreateCredentialRequest::new("acme", "arn:aws:iam::1:role/r");
    let created = spawned_create(fake.clone(), request).await.unwrap();
    assert_eq!(created.adoption, Some(Adoption::AfterUncertainCreate));
    assert_eq!(fake.account.lock().unwrap().credentials.len(), 1);
    assert_eq!(fake.calls(), ["create credentials", "list credentials"]);
}

#[tokio::test]
async fn an_unavailable_server_is_listed_then_retried() {
    let fake = Arc::new(Fake::default());
    fake.script.lock().unwrap().push_back(Script::Unavailable);
    let request = CreateCredentialRequest::new("acme", "arn:aws:iam::1:role/r");
    let created = spawned_create(fake.clone(), request).await.unwrap();
    assert_eq!(created.adoption, None);
    assert_eq!(
        fake.calls(),
        [
            "create credentials",
            "list credentials",
            "create credentials"
        ]
    );
    assert_eq!(fake.account.lock().unwrap().credentials.len(), 1);
}

#[tokio::test]
async fn a_snapshot_lists_each_collection_once() {
    let fake = Arc::new(Fake::default());
    let snapshot = tokio::spawn({
        let fake = fake.clone();
        async move { fake.snapshot().await }
    })
    .await
    .unwrap()
    .unwrap();
    assert!(snapshot.is_empty());
    let mut calls = fake.calls();
    calls.sort();
    assert_eq!(
        calls,
        [
            "list credentials",
            "list keys",
            "list networks",
            "list pas",
            "list storage",
            "list vpc endpoints",
            "list workspaces"
        ]
    );
    assert!(
        NaturalKey::Name("acme".to_owned())
            .to_string()
            .contains("acme")
    );
}
