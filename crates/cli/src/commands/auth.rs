//! `brickform auth check`: which host, account and credentials brickform would use, where
//! each came from, and whether they work (one cheap call: list credential configurations).
//!
//! The report goes to stdout; a failure is explained on stderr with a hint for its likely
//! cause. Secrets are never printed: only the auth type and, for OAuth, the client id.

use std::fmt::Write as _;

use client::{AccountApi, AuthConfig, AuthType, Config, Error, ErrorKind, Source};

use crate::exit::ExitStatus;
use crate::printer::Printer;
use crate::target::{self, Explained, TargetArgs};

/// How long `auth check` keeps retrying its one call.
const CHECK_RETRY_BUDGET: std::time::Duration = std::time::Duration::from_secs(20);

#[derive(Debug, clap::Args)]
pub(crate) struct AuthArgs {
    #[command(subcommand)]
    command: AuthCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AuthCommand {
    /// Show the account and credentials brickform would use, and try them.
    ///
    /// Resolves the configuration as the Databricks SDKs do (flags, then DATABRICKS_*
    /// variables, then a ~/.databrickscfg profile), prints where each value came from, and
    /// makes one read-only call to the account.
    #[command(after_help = "Examples:
  brickform auth check --profile acct
  DATABRICKS_HOST=https://accounts.cloud.databricks.com DATABRICKS_ACCOUNT_ID=... \\
    DATABRICKS_CLIENT_ID=... DATABRICKS_CLIENT_SECRET=... brickform auth check")]
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    target: TargetArgs,
}

pub(crate) async fn run(args: &AuthArgs, printer: &Printer) -> miette::Result<ExitStatus> {
    match &args.command {
        AuthCommand::Check(check) => run_check(check, printer).await,
    }
}

async fn run_check(args: &CheckArgs, printer: &Printer) -> miette::Result<ExitStatus> {
    let target = target::resolve(&args.target).await?;
    printer.data(&render_configuration(&target.config));
    if let Some(state) = target.local_state() {
        printer.data_line(&format!(
            "{:<11} {}  (the embedded emulator's objects)",
            "state:",
            state.display()
        ));
    }
    // A check should answer promptly: an unreachable host is reported after a short while,
    // not after the full retry budget of a real run.
    let target = target.with_retry_budget(CHECK_RETRY_BUDGET)?;
    match target.client.list_credentials().await {
        Ok(credentials) => {
            printer.data_line(&render_success(credentials.len()));
            Ok(ExitStatus::Success)
        }
        Err(error) => Err(explain(error, &target.config)),
    }
}

/// The resolved configuration, one value per line with its source.
fn render_configuration(config: &Config) -> String {
    let mut text = String::new();
    let host = config.host.value.as_str().trim_end_matches('/');
    let mut line = |label: &str, value: &str, source: &Source| {
        let _ = writeln!(text, "{label:<11} {value}  ({})", describe(source));
    };
    line("host:", host, &config.host.source);
    line(
        "account id:",
        &config.account_id.value,
        &config.account_id.source,
    );
    line(
        "auth type:",
        config.auth.value.auth_type().as_str(),
        &config.auth.source,
    );
    match &config.auth.value {
        AuthConfig::OAuthM2m { client_id, .. } => {
            let _ = writeln!(text, "{:<11} {client_id}", "client id:");
        }
        AuthConfig::DatabricksCli {
            cli_path: Some(path),
            ..
        } => {
            let _ = writeln!(text, "{:<11} {}", "cli:", path.display());
        }
        _ => {}
    }
    text
}

fn describe(source: &Source) -> String {
    match source {
        Source::Default => {
            "no credentials configured: the Databricks CLI's login, as the SDKs do".to_owned()
        }
        other => format!("from {other}"),
    }
}

fn render_success(credentials: usize) -> String {
    let noun = if credentials == 1 {
        "configuration"
    } else {
        "configurations"
    };
    format!("ok: the account answered; {credentials} credential {noun} visible")
}

/// The failed check, with a hint for the likely cause.
fn explain(error: Error, config: &Config) -> miette::Report {
    let help = hint(&error, config);
    miette::Report::new(Explained { error, help })
}

fn hint(error: &Error, config: &Config) -> Option<String> {
    let account_id = &config.account_id.value;
    let host = config.host.value.as_str().trim_end_matches('/');
    if let ErrorKind::Auth { source } = error.kind() {
        return match source {
            client::AuthError::CliNotFound { .. } => None,
            client::AuthError::CliFailed { .. } => Some(format!(
                "log in with `databricks auth login --host {host} --account-id {account_id}`"
            )),
            _ => Some(credentials_hint(
                config.auth.value.auth_type(),
                host,
                account_id,
            )),
        };
    }
    if error.status() == Some(client::StatusCode::UNAUTHORIZED) {
        return Some(credentials_hint(
            config.auth.value.auth_type(),
            host,
            account_id,
        ));
    }
    if error.is_permission_denied() || error.is_not_found() {
        return Some(format!(
            "either the account id `{account_id}` ({}) is wrong, or the identity is not an \
             account admin of it; find the id in the account console's user menu",
            describe(&config.account_id.source)
        ));
    }
    match error.kind() {
        ErrorKind::Connect { .. } | ErrorKind::Timeout { .. } => Some(format!(
            "{host} cannot be reached: check the host name, the network and any proxy"
        )),
        ErrorKind::HtmlPage { .. } => Some(
            "use the account console host, e.g. https://accounts.cloud.databricks.com, not a \
             workspace URL"
                .to_owned(),
        ),
        _ => None,
    }
}

fn credentials_hint(auth_type: AuthType, host: &str, account_id: &str) -> String {
    match auth_type {
        AuthType::Pat => "the token was refused: it is wrong, expired or revoked; account-level \
             automation should use a service principal (DATABRICKS_CLIENT_ID and \
             DATABRICKS_CLIENT_SECRET)"
            .to_owned(),
        AuthType::OAuthM2m => format!(
            "the client id or secret was refused for account `{account_id}`: check both, \
             whether the secret expired, and that the account id is right and the service \
             principal belongs to it"
        ),
        AuthType::DatabricksCli => format!(
            "the CLI's token was refused; log in again with `databricks auth login --host \
             {host} --account-id {account_id}`"
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use client::{
        Action, AuthConfig, ErrorKind, Method, RequestContext, Secret, Sourced, StatusCode,
    };

    use super::*;

    fn config(auth: AuthConfig, auth_source: Source) -> Config {
        let profile = Source::Profile {
            profile: "acct".to_owned(),
            file: PathBuf::from("/home/me/.databrickscfg"),
        };
        Config {
            host: Sourced {
                value: "https://accounts.cloud.databricks.com".parse().unwrap(),
                source: Source::Env("DATABRICKS_HOST"),
            },
            account_id: Sourced {
                value: "0d5ad2e4".to_owned(),
                source: profile,
            },
            auth: Sourced {
                value: auth,
                source: auth_source,
            },
            profile: None,
            rate_limit: 15.0,
            http_timeout: std::time::Duration::from_secs(60),
            retry_timeout: std::time::Duration::from_secs(300),
            no_retry_delay: false,
        }
    }

    fn m2m() -> Config {
        config(
            AuthConfig::OAuthM2m {
                client_id: "sp-client".to_owned(),
                client_secret: Secret::new("never-printed"),
            },
            Source::Env("DATABRICKS_CLIENT_ID"),
        )
    }

    fn api_error(status: u16) -> Error {
        Error::new(
            RequestContext {
                action: Action::List,
                collection: api_types::Collection::Credentials,
                object: None,
                method: Method::GET,
                path: "/api/2.0/accounts/0d5ad2e4/credentials".to_owned(),
            },
            ErrorKind::Api {
                status: StatusCode::from_u16(status).unwrap(),
                body: None,
                retry_after: None,
            },
        )
    }

    #[test]
    fn the_configuration_names_every_source_and_no_secret() {
        let text = render_configuration(&m2m());
        insta::assert_snapshot!(text, @r"
        host:       https://accounts.cloud.databricks.com  (from the DATABRICKS_HOST environment variable)
        account id: 0d5ad2e4  (from profile `acct` in /home/me/.databrickscfg)
        auth type:  oauth-m2m  (from the DATABRICKS_CLIENT_ID environment variable)
        client id:  sp-client
        ");
        assert!(!text.contains("never-printed"));
        let cli = config(
            AuthConfig::DatabricksCli {
                cli_path: None,
                profile: None,
            },
            Source::Default,
        );
        assert!(
            render_configuration(&cli).contains(
                "auth type:  databricks-cli  (no credentials configured: the Databricks CLI's login, as the SDKs do)"
            )
        );
    }

    #[test]
    fn failures_get_a_hint_for_their_likely_cause() {
        let hint_for = |status| hint(&api_error(status), &m2m()).unwrap();
        assert!(hint_for(401).starts_with("the client id or secret was refused"));
        assert!(hint_for(403).starts_with("either the account id `0d5ad2e4` (from profile `acct`"));
        assert!(hint_for(404).contains("not an account admin"));
        assert_eq!(hint(&api_error(500), &m2m()), None);
        let pat = config(
            AuthConfig::Pat {
                token: Secret::new("t"),
            },
            Source::Env("DATABRICKS_TOKEN"),
        );
        assert!(
            hint(&api_error(401), &pat)
                .unwrap()
                .starts_with("the token was refused")
        );
    }

    #[test]
    fn success_counts_what_the_identity_sees() {
        assert_eq!(
            render_success(1),
            "ok: the account answered; 1 credential configuration visible"
        );
        assert_eq!(
            render_success(3),
            "ok: the account answered; 3 credential configurations visible"
        );
    }
}
