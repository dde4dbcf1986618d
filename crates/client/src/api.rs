//! [`AccountApi`]: every endpoint of the provisioning API, as the planner and the applier
//! see it. [`crate::Client`] implements it over HTTP; tests implement it with scripted fakes.
//!
//! Two algorithms are written once, here, on top of the endpoints, so that a fake gets them
//! for free: [`AccountApi::snapshot`] (the seven list calls, concurrently) and
//! [`AccountApi::create_or_adopt`] (a `POST` that never creates a duplicate).

use std::future::Future;

use api_types::{
    CreateCredentialRequest, CreateCustomerManagedKeyRequest, CreateNetworkRequest,
    CreateStorageConfigurationRequest, CreateVpcEndpointRequest, CreateWorkspaceRequest,
    Credential, CustomerManagedKey, Network, PrivateAccessSettings, PrivateAccessSettingsRequest,
    Snapshot, StorageConfiguration, UpdateWorkspaceRequest, VpcEndpoint, Workspace,
};

use crate::error::{Action, ErrorKind, RequestContext};
use crate::resource::{Adoption, Created, NaturalKey, Resource};
use crate::retry::RetryPolicy;
use crate::{Error, Method};

/// The Databricks Account API's provisioning endpoints (`account-api.md` §1.2) for one
/// account. Every future is `Send`, so that an applier can spawn steps on tokio.
pub trait AccountApi: Send + Sync {
    /// The account every call targets.
    fn account_id(&self) -> &str;

    /// How [`AccountApi::create_or_adopt`] waits between attempts. Fakes usually return a
    /// policy with `no_delay` set.
    fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy::default()
    }

    fn list_credentials(&self) -> impl Future<Output = Result<Vec<Credential>, Error>> + Send;
    fn get_credential(&self, id: &str) -> impl Future<Output = Result<Credential, Error>> + Send;
    fn create_credential(
        &self,
        request: &CreateCredentialRequest,
    ) -> impl Future<Output = Result<Credential, Error>> + Send;
    fn delete_credential(&self, id: &str) -> impl Future<Output = Result<(), Error>> + Send;

    fn list_storage_configurations(
        &self,
    ) -> impl Future<Output = Result<Vec<StorageConfiguration>, Error>> + Send;
    fn get_storage_configuration(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<StorageConfiguration, Error>> + Send;
    fn create_storage_configuration(
        &self,
        request: &CreateStorageConfigurationRequest,
    ) -> impl Future<Output = Result<StorageConfiguration, Error>> + Send;
    fn delete_storage_configuration(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    fn list_customer_managed_keys(
        &self,
    ) -> impl Future<Output = Result<Vec<CustomerManagedKey>, Error>> + Send;
    fn get_customer_managed_key(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<CustomerManagedKey, Error>> + Send;
    fn create_customer_managed_key(
        &self,
        request: &CreateCustomerManagedKeyRequest,
    ) -> impl Future<Output = Result<CustomerManagedKey, Error>> + Send;
    fn delete_customer_managed_key(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    fn list_vpc_endpoints(&self) -> impl Future<Output = Result<Vec<VpcEndpoint>, Error>> + Send;
    fn get_vpc_endpoint(&self, id: &str)
    -> impl Future<Output = Result<VpcEndpoint, Error>> + Send;
    fn create_vpc_endpoint(
        &self,
        request: &CreateVpcEndpointRequest,
    ) -> impl Future<Output = Result<VpcEndpoint, Error>> + Send;
    fn delete_vpc_endpoint(&self, id: &str) -> impl Future<Output = Result<(), Error>> + Send;

    fn list_networks(&self) -> impl Future<Output = Result<Vec<Network>, Error>> + Send;
    fn get_network(&self, id: &str) -> impl Future<Output = Result<Network, Error>> + Send;
    fn create_network(
        &self,
        request: &CreateNetworkRequest,
    ) -> impl Future<Output = Result<Network, Error>> + Send;
    fn delete_network(&self, id: &str) -> impl Future<Output = Result<(), Error>> + Send;

    fn list_private_access_settings(
        &self,
    ) -> impl Future<Output = Result<Vec<PrivateAccessSettings>, Error>> + Send;
    fn get_private_access_settings(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<PrivateAccessSettings, Error>> + Send;
    fn create_private_access_settings(
        &self,
        request: &PrivateAccessSettingsRequest,
    ) -> impl Future<Output = Result<PrivateAccessSettings, Error>> + Send;
    /// `PUT`: overwrites the whole object.
    fn replace_private_access_settings(
        &self,
        id: &str,
        request: &PrivateAccessSettingsRequest,
    ) -> impl Future<Output = Result<PrivateAccessSettings, Error>> + Send;
    fn delete_private_access_settings(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    fn list_workspaces(&self) -> impl Future<Output = Result<Vec<Workspace>, Error>> + Send;
    fn get_workspace(&self, id: i64) -> impl Future<Output = Result<Workspace, Error>> + Send;
    fn create_workspace(
        &self,
        request: &CreateWorkspaceRequest,
    ) -> impl Future<Output = Result<Workspace, Error>> + Send;
    /// `PATCH` with `update_mask` naming exactly the fields `request` sets.
    fn update_workspace(
        &self,
        id: i64,
        request: &UpdateWorkspaceRequest,
    ) -> impl Future<Output = Result<Workspace, Error>> + Send;
    fn delete_workspace(&self, id: i64) -> impl Future<Output = Result<(), Error>> + Send;

    /// The whole account: exactly seven list calls, issued concurrently, no per-object `GET`.
    fn snapshot(&self) -> impl Future<Output = Result<Snapshot, Error>> + Send {
        async move {
            let (
                credentials,
                storage_configurations,
                customer_managed_keys,
                vpc_endpoints,
                networks,
                private_access_settings,
                workspaces,
            ) = tokio::try_join!(
                self.list_credentials(),
                self.list_storage_configurations(),
                self.list_customer_managed_keys(),
                self.list_vpc_endpoints(),
                self.list_networks(),
                self.list_private_access_settings(),
                self.list_workspaces(),
            )?;
            Ok(Snapshot {
                credentials,
                storage_configurations,
                customer_managed_keys,
                vpc_endpoints,
                networks,
                private_access_settings,
                workspaces,
            })
        }
    }

    /// Creates an object without ever creating it twice.
    ///
    /// A `POST` is not idempotent, so it is never resent blindly once it may have reached the
    /// server. After a failure whose outcome is unknown (timeout, reset, 5xx) or any other
    /// transient failure, the collection is listed: if an object with `key` now exists it is
    /// adopted, else the `POST` is retried after the server's `Retry-After` or a backoff,
    /// within the retry budget. A name-conflict answer ("already exists") is resolved the same
    /// way: the existing object is handed back, and whether its fields match is left to the
    /// caller. `key` is usually `R::requested_key(request)`, or [`NaturalKey::workspace`] for
    /// an account with a deployment-name prefix.
    fn create_or_adopt<R: Resource>(
        &self,
        request: &R::Request,
        key: &NaturalKey,
    ) -> impl Future<Output = Result<Created<R>, Error>> + Send
    where
        Self: Sized,
    {
        async move {
            let policy = self.retry_policy();
            let mut retry_state = policy.start();
            // Set once an attempt may have created the object, so that a later "already
            // exists" is recognised as our own earlier attempt.
            let mut uncertain = false;
            loop {
                let error = match R::create(self, request).await {
                    Ok(object) => {
                        return Ok(Created {
                            object,
                            adoption: None,
                        });
                    }
                    Err(error) => error,
                };
                let adoption = if error.is_already_exists() && !uncertain {
                    Adoption::AfterNameConflict
                } else if error.is_already_exists() || error.is_ambiguous() || error.is_retryable()
                {
                    uncertain = true;
                    Adoption::AfterUncertainCreate
                } else {
                    return Err(error);
                };
                if let Some(object) = find_by_key::<R, Self>(self, key).await? {
                    tracing::info!(
                        collection = %R::COLLECTION,
                        id = %object.id(),
                        key = %key,
                        reason = %error,
                        "adopted an existing object instead of creating it again"
                    );
                    return Ok(Created {
                        object,
                        adoption: Some(adoption),
                    });
                }
                if error.is_already_exists() {
                    // The server says the name is taken, yet no object carries our key: a
                    // name clash with an object of different identity. The caller decides.
                    return Err(error);
                }
                let Some(delay) = retry_state.next_delay(error.retry_after()) else {
                    return Err(error.with_retries(retry_state.retries()));
                };
                tracing::info!(
                    collection = %R::COLLECTION,
                    key = %key,
                    delay_ms = delay.as_millis() as u64,
                    reason = %error,
                    "the create did not take effect; retrying it"
                );
                retry_state.wait(delay).await;
            }
        }
    }
}

/// The one live object of kind `R` that carries `key`, if any.
async fn find_by_key<R: Resource, A: AccountApi>(
    api: &A,
    key: &NaturalKey,
) -> Result<Option<R>, Error> {
    let mut matches: Vec<R> = R::list(api)
        .await?
        .into_iter()
        .filter(|object| key.matches(object))
        .collect();
    match matches.len() {
        0 => Ok(None),
        1 => Ok(matches.pop()),
        _ => Err(Error::new(
            RequestContext {
                action: Action::List,
                collection: R::COLLECTION,
                object: None,
                method: Method::GET,
                path: format!(
                    "/api/2.0/accounts/{}/{}",
                    api.account_id(),
                    R::COLLECTION.path_segment()
                ),
            },
            ErrorKind::DuplicateNaturalKey {
                key: key.to_string(),
                ids: matches.iter().map(Resource::id).collect(),
            },
        )),
    }
}
