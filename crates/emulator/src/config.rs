//! The emulator's configuration: who the account is, how it authenticates, how slow it is.

use std::path::PathBuf;
use std::time::Duration;

use crate::scenario::Scenario;

/// The account id the emulator serves when none is given.
pub const DEFAULT_ACCOUNT_ID: &str = "00000000-0000-0000-0000-000000000001";
/// The OAuth M2M service principal's client id when none is given.
pub const DEFAULT_CLIENT_ID: &str = "brickform-local";
/// The OAuth M2M service principal's secret when none is given.
pub const DEFAULT_CLIENT_SECRET: &str = "brickform-local-secret";

/// Everything an emulator needs to start. [`Config::default`] gives the documented defaults of
/// `brickform emulator`.
#[derive(Clone)]
pub struct Config {
    /// The one account this emulator serves; paths naming another account are refused.
    pub account_id: String,
    /// The OAuth M2M service principal's client id.
    pub client_id: String,
    /// The OAuth M2M service principal's client secret.
    pub client_secret: String,
    /// Static bearer tokens accepted on every API and admin call (like personal access tokens).
    pub tokens: Vec<String>,
    /// How long a workspace stays `PROVISIONING` after a create or a re-provisioning PATCH.
    pub provisioning_delay: Duration,
    /// How long a deleted workspace stays visible (and keeps its objects in use).
    pub teardown_delay: Duration,
    /// The account's deployment name prefix: `name` is stored as `PREFIX-name`.
    pub deployment_name_prefix: Option<String>,
    /// Where the objects live.
    pub state: StateLocation,
    /// Broken AWS resources, latency, faults and rate limit at start.
    pub scenario: Scenario,
    /// Lifetime of an OAuth access token issued by the token endpoint.
    pub token_ttl: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            account_id: DEFAULT_ACCOUNT_ID.to_owned(),
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: DEFAULT_CLIENT_SECRET.to_owned(),
            tokens: Vec::new(),
            provisioning_delay: Duration::from_secs(5),
            teardown_delay: Duration::from_secs(2),
            deployment_name_prefix: None,
            state: StateLocation::Memory,
            scenario: Scenario::default(),
            token_ttl: Duration::from_secs(3600),
        }
    }
}

// Secrets must not reach logs through a `{:?}`.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("account_id", &self.account_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("tokens", &format_args!("[{} redacted]", self.tokens.len()))
            .field("provisioning_delay", &self.provisioning_delay)
            .field("teardown_delay", &self.teardown_delay)
            .field("deployment_name_prefix", &self.deployment_name_prefix)
            .field("state", &self.state)
            .field("scenario", &self.scenario)
            .field("token_ttl", &self.token_ttl)
            .finish()
    }
}

/// Where the emulator keeps its objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateLocation {
    /// An in-memory SQLite database: gone when the emulator stops.
    Memory,
    /// A SQLite file, created if missing, kept across restarts.
    File(PathBuf),
}
