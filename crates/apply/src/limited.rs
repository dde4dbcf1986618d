//! [`Limited`]: an [`AccountApi`] that holds a semaphore permit for each request, and only
//! for the request.
//!
//! `--parallelism N` bounds the API requests in flight, not the steps. Wrapping the API rather
//! than the steps is what lets a workspace that waits for `RUNNING` hold no slot: its wait is a
//! sleep between the watcher's list calls, and only those calls take a permit. Everything
//! written on top of the endpoints (`create_or_adopt`'s listing, `snapshot`) goes through the
//! same permits because it calls the wrapped methods.

use std::sync::Arc;

use api_types::{
    CreateCredentialRequest, CreateCustomerManagedKeyRequest, CreateNetworkRequest,
    CreateStorageConfigurationRequest, CreateVpcEndpointRequest, CreateWorkspaceRequest,
    Credential, CustomerManagedKey, Network, PrivateAccessSettings, PrivateAccessSettingsRequest,
    StorageConfiguration, UpdateWorkspaceRequest, VpcEndpoint, Workspace,
};
use client::{AccountApi, Error, RetryPolicy};
use tokio::sync::{Semaphore, SemaphorePermit};

/// An API whose requests wait for one of `parallelism` permits.
pub(crate) struct Limited<A> {
    inner: Arc<A>,
    permits: Semaphore,
}

impl<A> Limited<A> {
    pub(crate) fn new(inner: Arc<A>, parallelism: usize) -> Limited<A> {
        Limited {
            inner,
            permits: Semaphore::new(parallelism.max(1)),
        }
    }

    async fn permit(&self) -> Option<SemaphorePermit<'_>> {
        // The semaphore is never closed, so this only returns `None` in theory; a request then
        // simply goes unbounded rather than failing.
        self.permits.acquire().await.ok()
    }
}

/// Forwards each listed method to the inner API while holding a permit.
macro_rules! limited {
    ($( fn $name:ident(&self $(, $argument:ident: $type:ty)*) -> $output:ty; )*) => {
        $(
            async fn $name(&self $(, $argument: $type)*) -> Result<$output, Error> {
                let _permit = self.permit().await;
                self.inner.$name($($argument),*).await
            }
        )*
    };
}

impl<A: AccountApi> AccountApi for Limited<A> {
    fn account_id(&self) -> &str {
        self.inner.account_id()
    }

    fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry_policy()
    }

    limited! {
        fn list_credentials(&self) -> Vec<Credential>;
        fn get_credential(&self, id: &str) -> Credential;
        fn create_credential(&self, request: &CreateCredentialRequest) -> Credential;
        fn delete_credential(&self, id: &str) -> ();
        fn list_storage_configurations(&self) -> Vec<StorageConfiguration>;
        fn get_storage_configuration(&self, id: &str) -> StorageConfiguration;
        fn create_storage_configuration(
            &self,
            request: &CreateStorageConfigurationRequest
        ) -> StorageConfiguration;
        fn delete_storage_configuration(&self, id: &str) -> ();
        fn list_customer_managed_keys(&self) -> Vec<CustomerManagedKey>;
        fn get_customer_managed_key(&self, id: &str) -> CustomerManagedKey;
        fn create_customer_managed_key(
            &self,
            request: &CreateCustomerManagedKeyRequest
        ) -> CustomerManagedKey;
        fn delete_customer_managed_key(&self, id: &str) -> ();
        fn list_vpc_endpoints(&self) -> Vec<VpcEndpoint>;
        fn get_vpc_endpoint(&self, id: &str) -> VpcEndpoint;
        fn create_vpc_endpoint(&self, request: &CreateVpcEndpointRequest) -> VpcEndpoint;
        fn delete_vpc_endpoint(&self, id: &str) -> ();
        fn list_networks(&self) -> Vec<Network>;
        fn get_network(&self, id: &str) -> Network;
        fn create_network(&self, request: &CreateNetworkRequest) -> Network;
        fn delete_network(&self, id: &str) -> ();
        fn list_private_access_settings(&self) -> Vec<PrivateAccessSettings>;
        fn get_private_access_settings(&self, id: &str) -> PrivateAccessSettings;
        fn create_private_access_settings(
            &self,
            request: &PrivateAccessSettingsRequest
        ) -> PrivateAccessSettings;
        fn replace_private_access_settings(
            &self,
            id: &str,
            request: &PrivateAccessSettingsRequest
        ) -> PrivateAccessSettings;
        fn delete_private_access_settings(&self, id: &str) -> ();
        fn list_workspaces(&self) -> Vec<Workspace>;
        fn get_workspace(&self, id: i64) -> Workspace;
        fn create_workspace(&self, request: &CreateWorkspaceRequest) -> Workspace;
        fn update_workspace(&self, id: i64, request: &UpdateWorkspaceRequest) -> Workspace;
        fn delete_workspace(&self, id: i64) -> ();
    }
}
