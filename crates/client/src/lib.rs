//! Typed async client for the Databricks Account API (AWS provisioning).
//!
//! - [`config::resolve`] finds the host, the account id and the credentials exactly as the
//!   Databricks SDKs do: flags, then `DATABRICKS_*` variables, then a `~/.databrickscfg`
//!   profile, each value remembering where it came from.
//! - [`Client`] implements [`AccountApi`], one method per endpoint, with `pat`, `oauth-m2m`
//!   and `databricks-cli` authentication, a client-side rate limit, per-request timeouts and
//!   retries that honour `Retry-After` within a total budget.
//! - A `POST` is never resent blindly once it may have reached the server:
//!   [`AccountApi::create_or_adopt`] lists the collection and adopts the object if the lost
//!   request created it.
//! - [`Error`] says which call failed and why, and classifies the failure
//!   ([`Error::is_not_found`], [`Error::is_conflict`], [`Error::is_retryable`],
//!   [`Error::is_throttled`], [`Error::is_ambiguous`]).
//! - Tokens and secrets live in [`Secret`], whose `Debug` and `Display` print `***`; logs show
//!   method, URL, status, timing and attempt, never headers or bodies.
//!
//! **Architecture invariant:** knows the API, not the spec or the plan: it does not depend on
//! `spec`, `plan`, `apply` or `emulator`. It never reads the process environment: callers
//! inject one ([`config::Environment`]).

mod api;
mod auth;
mod client;
pub mod config;
mod error;
mod rate_limit;
mod resource;
mod retry;
mod secret;

pub use api::AccountApi;
pub use auth::AuthError;
pub use client::{BuildError, Client, ClientBuilder, USER_AGENT, install_crypto_provider};
pub use config::{AuthConfig, AuthType, Config, ConfigError, ExplicitConfig, Source, Sourced};
pub use error::{Action, Error, ErrorKind, RequestContext};
pub use reqwest::{Method, StatusCode};
pub use resource::{Adoption, Created, NaturalKey, Resource};
pub use retry::RetryPolicy;
pub use secret::Secret;
