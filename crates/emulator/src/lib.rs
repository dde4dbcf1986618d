//! A faithful local Databricks Account API (AWS provisioning), for development, CI and every
//! brickform test.
//!
//! It serves every endpoint of `shared/reference/account-api.md` §1.2 under
//! `/api/2.0/accounts/{account_id}/`, with OAuth M2M and static bearer tokens, the service's
//! validation rules and error bodies, the workspace lifecycle, SQLite state, fault injection
//! and request counters. The official Databricks SDKs work against it unchanged.
//!
//! ```no_run
//! # async fn example() -> Result<(), brickform_emulator::Error> {
//! let running = brickform_emulator::spawn(
//!     brickform_emulator::Config::default(),
//!     "127.0.0.1:0".parse().unwrap(),
//! )
//! .await?;
//! println!("{}", running.base_url()); // http://127.0.0.1:PORT
//! running.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Endpoints
//!
//! - `GET /.well-known/databricks-config`: host metadata (`host_type: ACCOUNT_HOST`), so that
//!   SDKs treat `http://127.0.0.1:PORT` as an account host.
//! - `GET /oidc/accounts/{account_id}/.well-known/oauth-authorization-server` (and
//!   `openid-configuration`), `POST /oidc/accounts/{account_id}/v1/token` (client credentials,
//!   client authenticated by HTTP Basic or in the form).
//! - The Account API: create, list, get and delete for the seven collections, `PUT` for
//!   private access settings, `PATCH` for workspaces. Every call needs a valid, unexpired bearer
//!   token (401 with a JSON body otherwise); a path naming another account gets 403.
//! - Admin, bearer token required: `POST`/`GET /__emulator/scenario`, `GET /__emulator/stats`,
//!   `POST /__emulator/reset`, `GET /__emulator/requests`.
//!
//! # Faults
//!
//! A scenario's fault answers the requests of one route (after `skip` of them pass, `times`
//! times) with a status and the JSON error document, with a `body` and `content_type` of its
//! choosing (truncated JSON, a login page, the wrong types; `body_repeat` makes it huge), or
//! by dropping the connection (status 0). With `after_commit` the request's work is done
//! first: the answer is lost, the change is not.
//!
//! # Lifecycle
//!
//! A workspace is `PROVISIONING` for the provisioning delay, then `RUNNING`, or `FAILED` when
//! its network uses a subnet, security group or VPC the scenario marks broken; the network is
//! then `BROKEN` with `error_messages`. Status is computed from stored timestamps when read
//! (see [`Clock`]), so it needs no background task and survives a restart. A `DELETE` shows
//! `CANCELLING` for the teardown delay, during which the workspace's objects stay in use and
//! its deployment name stays taken; then the workspace is gone.
//!
//! # Choices where the real service is unknown
//!
//! `shared/reference/account-api.md` marks some behaviour `[?]`; the emulator picks:
//!
//! - A referenced id that names no object (in a workspace, or in a private access settings'
//!   `allowed_vpc_endpoint_ids`) is 400 `INVALID_PARAMETER_VALUE`; an unknown id in the path
//!   is 404 `RESOURCE_DOES_NOT_EXIST`.
//! - A duplicate credentials name is 409 `RESOURCE_ALREADY_EXISTS`, as is a deployment name
//!   already used by a workspace that is not yet gone. Other configuration names are not
//!   unique (the SDKs' name lookups expect duplicates).
//! - Forbidden PATCHes, customer-managed keys in `us-west-1`, a network already used by
//!   another workspace, a subnet or security group already used by another network, and a
//!   private access settings' region that differs from the workspace's are 400
//!   `INVALID_PARAMETER_VALUE`, with a message naming the field and the rule.
//! - Deleting any object that a workspace (or a VPC endpoint that a network or private access
//!   settings) uses is 409 `INVALID_STATE`; so is a PATCH of a workspace that is
//!   `PROVISIONING` or being deleted.
//! - Without a deployment name prefix, `deployment_name` is used as given (lower-cased); only
//!   `EMPTY` is refused, with the real service's plain-text `MALFORMED_REQUEST`.
//! - A VPC endpoint's `use_case` is decided by the first list that names it: a network's
//!   `rest_api` or a private access settings' `allowed_vpc_endpoint_ids` make it
//!   `WORKSPACE_ACCESS`, a network's `dataplane_relay` makes it `DATAPLANE_RELAY_ACCESS`.
//!   Naming it later in a list of the other kind is the real service's plain-text
//!   `MALFORMED_REQUEST: vpc_endpoints malformed parameters: ...`.
//! - PATCH with an `update_mask` changes exactly the named fields (a named field missing from
//!   the body is a removal); without a mask, or with `*`, it applies every field the body
//!   carries. Unchanged values are no change. A `FAILED` workspace, or a `RUNNING` one in a
//!   Databricks-managed VPC, provisions again after a PATCH; a `RUNNING` workspace in a
//!   customer-managed VPC applies it in place and stays `RUNNING`.
//! - `pricing_tier` defaults to `ENTERPRISE`.
//!
//! **Architecture invariant:** depends on `api-types` only among brickform's crates, never on
//! `client`, `spec`, `plan` or `apply`: the emulator and the client agree on the wire through
//! the shared types alone.

mod admin;
mod api;
mod app;
mod auth;
mod clock;
mod config;
mod connection;
mod error;
mod lifecycle;
mod observe;
mod rules;
mod scenario;
mod server;
mod state;
mod store;

pub use api::API_ROUTES;
pub use app::app;
pub use clock::{Clock, ManualClock};
pub use config::{
    Config, DEFAULT_ACCOUNT_ID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, StateLocation,
};
pub use error::Error;
pub use scenario::{BrokenResources, Fault, Scenario, ScenarioError};
pub use server::{RunningEmulator, spawn, spawn_emulator};
pub use state::{Emulator, RequestRecord, Stats};
