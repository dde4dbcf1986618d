//! `brickform emulator`: serve the local Account API emulator until SIGINT or SIGTERM.
//!
//! stdout gets exactly one line, `listening on http://HOST:PORT`, so that scripts can start
//! it on port 0 and read where it went; everything else is logging on stderr.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use emulator::{Config, Scenario, StateLocation};
use miette::{IntoDiagnostic, WrapErr};

use crate::exit::ExitStatus;
use crate::printer::Printer;

const EXAMPLES: &str = "\
Examples:
  # An in-memory account on a fixed port; Ctrl-C stops it.
  brickform emulator

  # Any free port, state kept in a file, quick workspaces, a broken subnet:
  brickform emulator --listen 127.0.0.1:0 --state emulator.db \\
      --provisioning-delay 2s --scenario scenario.yaml

  # Then, with the Databricks CLI or SDKs:
  DATABRICKS_HOST=http://127.0.0.1:8480 \\
  DATABRICKS_ACCOUNT_ID=00000000-0000-0000-0000-000000000001 \\
  DATABRICKS_CLIENT_ID=brickform-local DATABRICKS_CLIENT_SECRET=brickform-local-secret ...

A scenario file (the shape of POST /__emulator/scenario):
  broken: { subnets: [subnet-0bad], security_groups: [], vpcs: [] }
  latency_ms: 50
  rate_limit: 20
  faults:
    - { route: POST /workspaces, status: 503, times: 2, retry_after: 1 }
    - { route: \"GET /workspaces/{workspace_id}\", status: 0, skip: 3 }";

/// Arguments of `brickform emulator`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct EmulatorArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8480")]
    listen: SocketAddr,
    /// SQLite file that keeps the account across restarts (created if missing); in memory
    /// when omitted.
    #[arg(long, value_name = "PATH")]
    state: Option<PathBuf>,
    /// The account the emulator serves.
    #[arg(long, value_name = "UUID", default_value = emulator::DEFAULT_ACCOUNT_ID, value_parser = parse_account_id)]
    account_id: String,
    /// Client id of the OAuth M2M service principal.
    #[arg(long, value_name = "ID", default_value = emulator::DEFAULT_CLIENT_ID)]
    client_id: String,
    /// Client secret of the OAuth M2M service principal.
    #[arg(
        long,
        value_name = "SECRET",
        env = "BRICKFORM_EMULATOR_CLIENT_SECRET",
        hide_env_values = true,
        default_value = emulator::DEFAULT_CLIENT_SECRET
    )]
    client_secret: String,
    /// A static bearer token to accept (repeatable), like a personal access token.
    #[arg(long = "token", value_name = "TOKEN")]
    tokens: Vec<String>,
    /// How long a workspace stays PROVISIONING, e.g. `5s`, `1m`.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = humantime::parse_duration)]
    provisioning_delay: Duration,
    /// How long a deleted workspace stays visible and keeps its objects in use.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = humantime::parse_duration)]
    teardown_delay: Duration,
    /// The account's deployment name prefix: a workspace's `name` becomes `PREFIX-name`.
    #[arg(long, value_name = "PREFIX")]
    deployment_name_prefix: Option<String>,
    /// YAML scenario: broken resources, latency, rate limit and faults.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Lifetime of the OAuth access tokens the emulator issues.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = humantime::parse_duration)]
    token_ttl: Duration,
}

fn parse_account_id(value: &str) -> Result<String, String> {
    let groups: Vec<&str> = value.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|group| group.len()).collect();
    let is_uuid = lengths == [8, 4, 4, 4, 12]
        && groups
            .iter()
            .all(|group| group.bytes().all(|b| b.is_ascii_hexdigit()));
    if is_uuid {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(format!("`{value}` is not a UUID"))
    }
}

pub(crate) async fn run(args: EmulatorArgs, printer: &Printer) -> miette::Result<ExitStatus> {
    let scenario = match &args.scenario {
        Some(path) => {
            let text = fs_err::read_to_string(path).into_diagnostic()?;
            Scenario::from_yaml(&text)
                .into_diagnostic()
                .wrap_err_with(|| format!("invalid scenario file `{}`", path.display()))?
        }
        None => Scenario::default(),
    };
    let config = Config {
        account_id: args.account_id,
        client_id: args.client_id,
        client_secret: args.client_secret,
        tokens: args.tokens,
        provisioning_delay: args.provisioning_delay,
        teardown_delay: args.teardown_delay,
        deployment_name_prefix: args.deployment_name_prefix,
        state: args
            .state
            .map_or(StateLocation::Memory, StateLocation::File),
        scenario,
        token_ttl: args.token_ttl,
    };
    let running = emulator::spawn(config, args.listen)
        .await
        .into_diagnostic()?;
    printer.data_line(&format!("listening on {}", running.base_url()));
    shutdown_signal().await;
    tracing::info!("stopping the emulator");
    running.shutdown().await;
    Ok(ExitStatus::Success)
}

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scenario_example_in_the_help_parses() {
        let (_, example) = EXAMPLES
            .split_once("(the shape of POST /__emulator/scenario):\n")
            .unwrap();
        let scenario = Scenario::from_yaml(example).unwrap();
        assert_eq!(scenario.broken.subnets, ["subnet-0bad"]);
        assert_eq!(scenario.faults.len(), 2);
        assert_eq!(scenario.faults[1].route, "GET /workspaces/{workspace_id}");
        assert_eq!(scenario.rate_limit, Some(20.0));
    }

    #[test]
    fn account_ids_must_be_uuids() {
        assert_eq!(
            parse_account_id("0D5B1C6E-8D3C-4C6B-9A2A-1F0C3E9B8A77").unwrap(),
            "0d5b1c6e-8d3c-4c6b-9a2a-1f0c3e9b8a77"
        );
        assert!(parse_account_id("acme").is_err());
        assert!(parse_account_id("0d5b1c6e-8d3c-4c6b-9a2a-1f0c3e9b8a7g").is_err());
    }
}
