//! The spec language: YAML text to a validated [`Spec`] and its resource graph.
//!
//! A spec is one or more YAML documents (files, or a directory of them) with a section per
//! kind of Account API object. Loading goes through four stages, each in its own module:
//!
//! 1. `yaml`: text to a node tree where every node knows its byte range;
//! 2. `raw`: the tree to raw shapes, reporting unknown fields and wrong types;
//! 3. `validate`: raw shapes to the [model](Resource), with interpolation,
//!    references and every rule of the language;
//! 4. `graph`: resources to a dependency-ordered [`Spec`].
//!
//! No stage stops at the first problem: [`load_sources`] returns every [`Diagnostic`] at once,
//! each with a stable [`Code`], a span and a help line. [`render()`] prints them like rustc.
//!
//! ```
//! use brickform_spec as spec;
//!
//! let source = spec::Source::new("spec.yaml", "version: 1\ncredentials:\n  main:\n    name: acme-cross-account\n    role_arn: arn:aws:iam::123456789012:role/acme\n");
//! let loaded = spec::load_sources(&[source], &spec::LoadOptions::default()).unwrap();
//! assert_eq!(loaded.spec.resources()[0].address.to_string(), "credentials.main");
//! ```
//!
//! **Architecture invariant:** no async runtime, no network; the only IO is reading the files
//! the caller names ([`load_paths`]), and the process environment is never read ([`Environment`]
//! is injected).

mod aws;
mod diagnostic;
mod export;
mod graph;
mod interpolate;
mod load;
mod model;
mod raw;
mod render;
mod schema;
mod source;
mod validate;
mod yaml;

pub use diagnostic::{Code, Diagnostic, Label, Severity};
pub use export::{ExportOptions, Exported, export};
pub use graph::{ResourceGraph, Spec};
pub use interpolate::Environment;
pub use load::{Failed, LoadError, LoadOptions, Loaded, counts, load_paths, load_sources};
pub use model::{
    AccountSettings, Address, CredentialsConfig, CustomerManagedKeyConfig, Ensure, InvalidAddress,
    Kind, Lifecycle, NetworkConfig, Origin, PrivateAccessSettingsConfig, Resource, ResourceConfig,
    StorageConfigurationConfig, VpcEndpointConfig, WorkspaceConfig,
};
pub use render::render;
pub use schema::{json_schema, json_schema_text};
pub use source::{Source, SourceId, Sources, Span};
