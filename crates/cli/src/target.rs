//! Which account a command talks to: the `--host`, `--account-id` and `--profile` flags,
//! resolved with the process environment and `~/.databrickscfg` into a ready client; or
//! `--local`, the embedded emulator.
//!
//! This is the one place where the process environment reaches the client library: the
//! library itself only ever sees an injected [`client::config::Environment`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use client::config::{self, Environment, ExplicitConfig, Source};
use client::{Client, Config, ConfigError, Secret};

/// Where `--local` keeps its state unless `--local-state` says otherwise, relative to the
/// current directory: running a command twice sees what the first run made.
pub(crate) const DEFAULT_LOCAL_STATE: &str = ".brickform/local.db";

/// Targeting flags, flattened into every command that talks to an account.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct TargetArgs {
    /// Use the embedded Account API emulator instead of a real account: no Databricks account
    /// needed. Its objects are kept in .brickform/local.db (see --local-state).
    #[arg(long, conflicts_with_all = ["host", "account_id", "profile"])]
    pub(crate) local: bool,
    /// With --local: the SQLite file holding the emulator's objects.
    #[arg(long, value_name = "PATH", requires = "local", default_value = DEFAULT_LOCAL_STATE)]
    pub(crate) local_state: PathBuf,
    /// With --local: how long a new workspace stays PROVISIONING before it is RUNNING.
    #[arg(long, value_name = "DURATION", requires = "local", default_value = "3s", value_parser = humantime::parse_duration)]
    pub(crate) local_provisioning_delay: Duration,
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
    /// The embedded emulator behind `--local`; it serves until the target is dropped.
    local: Option<LocalEmulator>,
}

/// The emulator `--local` runs in-process, and the state file it keeps.
struct LocalEmulator {
    running: emulator::RunningEmulator,
    state: PathBuf,
}

impl fmt::Debug for LocalEmulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalEmulator")
            .field("base_url", &self.running.base_url())
            .field("state", &self.state)
            .finish()
    }
}

impl Target {
    /// Where plans made through this target apply, as a plan records it and `apply PLANFILE`
    /// compares it. The embedded emulator listens on a new port each run, so `--local` is
    /// identified by its state file instead: `local:/abs/path/.brickform/local.db`.
    pub(crate) fn plan_target(&self) -> plan::PlanTarget {
        let host = match self.local_state() {
            Some(state) => format!("local:{}", state.display()),
            None => self
                .config
                .host
                .value
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
        };
        plan::PlanTarget {
            host,
            account_id: self.config.account_id.value.clone(),
        }
    }

    /// The account in words, for progress lines: `account ID at HOST`, or for `--local`
    /// `account ID in the embedded emulator (PATH)`.
    pub(crate) fn describe(&self) -> String {
        let account_id = &self.config.account_id.value;
        match self.local_state() {
            Some(state) => format!(
                "account {account_id} in the embedded emulator ({})",
                state.display()
            ),
            None => format!(
                "account {account_id} at {}",
                self.config.host.value.as_str().trim_end_matches('/')
            ),
        }
    }

    /// A spec that pins `account.id` is never planned or applied against another account.
    pub(crate) fn check_spec_account(&self, spec: &spec::Spec) -> miette::Result<()> {
        let account_id = &self.config.account_id.value;
        match &spec.account().id {
            Some(pinned) if pinned != account_id => Err(miette::miette!(
                help = "point brickform at that account (--profile, --account-id, \
                        DATABRICKS_ACCOUNT_ID), or change `account.id` in the spec",
                "the spec is for account {pinned}, but the target is account {account_id}"
            )),
            _ => Ok(()),
        }
    }

    /// The state file of the embedded emulator, when this is `--local`.
    pub(crate) fn local_state(&self) -> Option<&Path> {
        self.local.as_ref().map(|local| local.state.as_path())
    }

    /// The same target with a shorter total retry budget per call (never a longer one).
    pub(crate) fn with_retry_budget(self, budget: std::time::Duration) -> miette::Result<Target> {
        let config = Config {
            retry_timeout: self.config.retry_timeout.min(budget),
            ..self.config
        };
        let client = build(&config)?;
        Ok(Target {
            client,
            config,
            local: self.local,
        })
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

/// Resolves the flags, the environment and the config file into a client; with `--local`,
/// starts the embedded emulator and points the client at it.
pub(crate) async fn resolve(args: &TargetArgs) -> miette::Result<Target> {
    if args.local {
        return start_local(&args.local_state, args.local_provisioning_delay).await;
    }
    let explicit = ExplicitConfig {
        host: args.host.clone(),
        account_id: args.account_id.clone(),
        profile: args.profile.clone(),
    };
    let config = config::resolve(&explicit, &ProcessEnvironment).map_err(explain_config_error)?;
    let client = build(&config)?;
    Ok(Target {
        client,
        config,
        local: None,
    })
}

/// Starts the embedded emulator on a loopback port with its state in `state`, and a client
/// that talks to it with a token made up for this run.
async fn start_local(state: &Path, provisioning_delay: Duration) -> miette::Result<Target> {
    if let Some(parent) = state
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        fs_err::create_dir_all(parent).map_err(|error| {
            miette::miette!(
                help = "pass --local-state PATH to keep the state elsewhere",
                "{error}"
            )
        })?;
    }
    let token = local_token();
    let emulator_config = emulator::Config {
        tokens: vec![token.clone()],
        provisioning_delay,
        state: emulator::StateLocation::File(state.to_path_buf()),
        ..emulator::Config::default()
    };
    let running = emulator::spawn(emulator_config, ([127, 0, 0, 1], 0).into())
        .await
        .map_err(|error| {
            miette::Report::new(Explained {
                error,
                help: Some(format!(
                    "the embedded emulator keeps its state in {}; pass --local-state PATH to \
                     use another file",
                    state.display()
                )),
            })
        })?;
    let config = Config::with_token(
        &running.base_url(),
        running.account_id(),
        Secret::new(token),
        Source::Flag("--local"),
        &ProcessEnvironment,
    )
    .map_err(explain_config_error)?;
    let client = build(&config)?;
    Ok(Target {
        client,
        config,
        local: Some(LocalEmulator {
            running,
            state: std::path::absolute(state).unwrap_or_else(|_| state.to_path_buf()),
        }),
    })
}

/// A bearer token for one `--local` run: the emulator listens on loopback only, but other
/// local users must not be able to guess their way in.
fn local_token() -> String {
    use rand::RngExt;
    format!("local-{:032x}", rand::rng().random::<u128>())
}

/// How to configure an account, shown when nothing is configured.
pub(crate) const HOW_TO_CONFIGURE: &str = "set DATABRICKS_HOST (e.g. \
https://accounts.cloud.databricks.com), DATABRICKS_ACCOUNT_ID and credentials \
(DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET of a service principal), or name a \
~/.databrickscfg profile with --profile (a profile with auth_type = databricks-cli uses your \
`databricks auth login`); to try brickform without an account, add `--local` to run it \
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
