//! Which account a command talks to: the `--host`, `--account-id` and `--profile` flags,
//! resolved with the process environment and `~/.databrickscfg` into a ready client.
//!
//! This is the one place where the process environment reaches the client library: the
//! library itself only ever sees an injected [`client::config::Environment`].

use std::fmt;

use client::config::{self, Environment, ExplicitConfig};
use client::{Client, Config, ConfigError};

/// Targeting flags, flattened into every command that talks to an account.
///
/// The embedded emulator will add `--local` here: it starts the emulator in-process and
/// points a [`Client`] at it through [`client::ClientBuilder`], bypassing [`resolve`].
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct TargetArgs {
    /// The account console host [default from DATABRICKS_HOST or the profile], e.g.
    /// https://accounts.cloud.databricks.com.
    #[arg(long, value_name = "URL")]
    pub(crate) host: Option<String>,
    /// The Databricks account id [default from DATABRICKS_ACCOUNT_ID or the profile].
    #[arg(long, value_name = "ID")]
    pub(crate) account_id: Option<String>,
    /// A profile of ~/.databrickscfg (or DATABRICKS_CONFIG_FILE) [default from
    /// DATABRICKS_CONFIG_PROFILE, else [__settings__] default_profile, else DEFAULT].
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
}

/// A resolved target: the client, and the configuration it was built from (with the source
/// of every value, for `auth check`).
#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) client: Client,
    pub(crate) config: Config,
}

impl Target {
    /// The same target with a shorter total retry budget per call (never a longer one).
    pub(crate) fn with_retry_budget(self, budget: std::time::Duration) -> miette::Result<Target> {
        let config = Config {
            retry_timeout: self.config.retry_timeout.min(budget),
            ..self.config
        };
        let client = build(&config)?;
        Ok(Target { client, config })
    }
}

fn build(config: &Config) -> miette::Result<Client> {
    Client::from_config(config).map_err(|error| miette::Report::new(Explained::plain(error)))
}

/// The process environment, read only when asked.
struct ProcessEnvironment;

impl Environment for ProcessEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// Resolves the flags, the environment and the config file into a client.
pub(crate) fn resolve(args: &TargetArgs) -> miette::Result<Target> {
    let explicit = ExplicitConfig {
        host: args.host.clone(),
        account_id: args.account_id.clone(),
        profile: args.profile.clone(),
    };
    let config = config::resolve(&explicit, &ProcessEnvironment).map_err(explain_config_error)?;
    let client = build(&config)?;
    Ok(Target { client, config })
}

/// How to configure an account, shown when nothing is configured.
pub(crate) const HOW_TO_CONFIGURE: &str = "set DATABRICKS_HOST (e.g. \
https://accounts.cloud.databricks.com), DATABRICKS_ACCOUNT_ID and credentials \
(DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET of a service principal), or name a \
~/.databrickscfg profile with --profile (a profile with auth_type = databricks-cli uses your \
`databricks auth login`); to try brickform without an account, `--local` will run it \
against the embedded emulator";

/// A configuration error, with a hint on how to fix it.
fn explain_config_error(error: ConfigError) -> miette::Report {
    let help = match &error {
        ConfigError::NotConfigured { .. } => Some(HOW_TO_CONFIGURE.to_owned()),
        ConfigError::MissingAccountId { .. } => Some(
            "pass --account-id, set DATABRICKS_ACCOUNT_ID, or add account_id to the profile"
                .to_owned(),
        ),
        ConfigError::InsecureHost { .. } => Some(
            "use the https:// URL of the account console; plain http:// is only accepted on \
             a loopback address (the local emulator)"
                .to_owned(),
        ),
        ConfigError::AmbiguousAuth { .. } => Some(
            "choose one with DATABRICKS_AUTH_TYPE (or auth_type in the profile): pat, \
             oauth-m2m or databricks-cli, or unset the other credentials"
                .to_owned(),
        ),
        _ => None,
    };
    miette::Report::new(Explained { error, help })
}

/// An error rendered with its own message and cause chain, plus an optional `help:` line.
#[derive(Debug)]
pub(crate) struct Explained<E> {
    pub(crate) error: E,
    pub(crate) help: Option<String>,
}

impl<E> Explained<E> {
    pub(crate) fn plain(error: E) -> Explained<E> {
        Explained { error, help: None }
    }
}

impl<E: fmt::Display> fmt::Display for Explained<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl<E: std::error::Error> std::error::Error for Explained<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}

impl<E: std::error::Error> miette::Diagnostic for Explained<E> {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }
}
