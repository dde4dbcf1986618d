//! The spec language: YAML text to a validated [`Spec`] and its resource graph.
//!
//! **Architecture invariant:** no async runtime, no network; the only IO is reading the files
//! the caller names.

mod model;

pub use model::{
    AccountSettings, Address, CredentialsConfig, CustomerManagedKeyConfig, Ensure, InvalidAddress,
    Kind, Lifecycle, NetworkConfig, Origin, PrivateAccessSettingsConfig, Resource, ResourceConfig,
    StorageConfigurationConfig, VpcEndpointConfig, WorkspaceConfig,
};
