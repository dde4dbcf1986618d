//! Credentials: turning an [`AuthConfig`] into the `Authorization` header of each request.
//!
//! - `pat`: a static bearer token.
//! - `oauth-m2m`: client credentials exchanged at `{host}/oidc/accounts/{account_id}/v1/token`.
//! - `databricks-cli`: the token `databricks auth token` prints for a logged-in user.
//!
//! The two token-issuing methods cache their token in memory and refresh it shortly before it
//! expires. The cache sits behind an async mutex that is held during a refresh, so that a
//! burst of concurrent requests triggers exactly one token request.
//!
//! Nothing here logs a token, a secret or a token response body.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use api_types::{OAuthError, TokenResponse};
use reqwest::StatusCode;
use serde::Deserialize;
use time::OffsetDateTime;
use tokio::sync::Mutex;
use url::Url;

use crate::config::{AuthConfig, AuthType};
use crate::retry::{self, RetryPolicy};
use crate::secret::Secret;

/// Why no token could be obtained.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    #[error("the token endpoint {url} refused the client credentials: {}", describe(*status, error.as_ref()))]
    TokenRefused {
        url: Url,
        status: StatusCode,
        error: Option<OAuthError>,
    },
    #[error("the token contains characters that an HTTP header cannot carry")]
    MalformedToken,
    #[error("cannot reach the token endpoint {url}")]
    TokenTransport {
        url: Url,
        #[source]
        source: reqwest::Error,
    },
    #[error("cannot decode the answer of the token endpoint {url}")]
    TokenDecode {
        url: Url,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "the Databricks CLI (`{}`) was not found; install it (https://docs.databricks.com/dev-tools/cli/install.html) and run `databricks auth login`, or set DATABRICKS_CLI_PATH",
        program.display()
    )]
    CliNotFound { program: PathBuf },
    #[error("cannot run the Databricks CLI (`{}`)", program.display())]
    CliSpawn {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{command}` did not finish within {timeout:?}")]
    CliTimeout { command: String, timeout: Duration },
    #[error("`{command}` failed ({status}): {stderr}")]
    CliFailed {
        command: String,
        status: String,
        stderr: String,
    },
    #[error("cannot parse the output of `{command}`")]
    CliOutput {
        command: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("`{command}` printed an expiry that is not a date: `{value}`")]
    CliExpiry { command: String, value: String },
}

fn describe(status: StatusCode, error: Option<&OAuthError>) -> String {
    match error {
        Some(OAuthError {
            error,
            error_description: Some(description),
        }) => format!("{status}: {error}: {description}"),
        Some(OAuthError { error, .. }) => format!("{status}: {error}"),
        None => status.to_string(),
    }
}

/// A bearer token and when to stop using it.
#[derive(Clone)]
struct CachedToken {
    authorization: Secret,
    refresh_at: Option<Instant>,
}

impl CachedToken {
    fn is_fresh(&self) -> bool {
        self.refresh_at.is_some_and(|at| Instant::now() < at)
    }
}

/// When to refresh a token that is valid for `lifetime`: shortly before it expires, by a
/// margin of a quarter of its lifetime, at most one minute. `None` for a token that is
/// already expired: it is used once and never cached.
fn refresh_time(lifetime: Duration) -> Option<Instant> {
    if lifetime.is_zero() {
        return None;
    }
    let margin = (lifetime / 4).min(Duration::from_secs(60));
    Some(Instant::now() + lifetime - margin)
}

enum Method {
    Pat(Secret),
    OAuthM2m {
        client_id: String,
        client_secret: Secret,
        token_url: Url,
    },
    DatabricksCli {
        program: PathBuf,
        args: Vec<String>,
        config_file: Option<PathBuf>,
    },
}

/// Produces the `Authorization` header of every request.
pub(crate) struct Authenticator {
    method: Method,
    cache: Mutex<Option<CachedToken>>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("auth_type", &self.auth_type())
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    pub(crate) fn new(auth: &AuthConfig, host: &Url, account_id: &str) -> Authenticator {
        let method = match auth {
            AuthConfig::Pat { token } => Method::Pat(token.clone()),
            AuthConfig::OAuthM2m {
                client_id,
                client_secret,
            } => Method::OAuthM2m {
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                token_url: token_url(host, account_id),
            },
            AuthConfig::DatabricksCli { cli_path, profile } => {
                let mut args = vec!["auth".to_owned(), "token".to_owned()];
                match profile {
                    Some((profile, _)) => args.extend(["--profile".to_owned(), profile.clone()]),
                    None => args.extend([
                        "--host".to_owned(),
                        host.as_str().trim_end_matches('/').to_owned(),
                        "--account-id".to_owned(),
                        account_id.to_owned(),
                    ]),
                }
                Method::DatabricksCli {
                    program: cli_path
                        .clone()
                        .unwrap_or_else(|| PathBuf::from("databricks")),
                    args,
                    config_file: profile.as_ref().map(|(_, file)| file.clone()),
                }
            }
        };
        Authenticator {
            method,
            cache: Mutex::new(None),
        }
    }

    pub(crate) fn auth_type(&self) -> AuthType {
        match self.method {
            Method::Pat(_) => AuthType::Pat,
            Method::OAuthM2m { .. } => AuthType::OAuthM2m,
            Method::DatabricksCli { .. } => AuthType::DatabricksCli,
        }
    }

    /// Whether a refused token may be replaced by a fresh one (not so for a static token).
    pub(crate) fn can_refresh(&self) -> bool {
        !matches!(self.method, Method::Pat(_))
    }

    /// The `Authorization` header value for the next request.
    pub(crate) async fn authorization(
        &self,
        http: &reqwest::Client,
        policy: &RetryPolicy,
        timeout: Duration,
    ) -> Result<Secret, AuthError> {
        // Held across the refresh: concurrent callers wait for the one refresh in flight.
        let mut cache = self.cache.lock().await;
        if let Some(token) = cache.as_ref().filter(|token| token.is_fresh()) {
            return Ok(token.authorization.clone());
        }
        let token = match &self.method {
            // A static token has no expiry to track; it is simply never cached.
            Method::Pat(token) => CachedToken {
                authorization: Secret::new(format!("Bearer {}", token.expose())),
                refresh_at: None,
            },
            Method::OAuthM2m {
                client_id,
                client_secret,
                token_url,
            } => {
                fetch_m2m_token(http, policy, timeout, token_url, client_id, client_secret).await?
            }
            Method::DatabricksCli {
                program,
                args,
                config_file,
            } => run_cli(program, args, config_file.as_ref(), timeout).await?,
        };
        let authorization = token.authorization.clone();
        *cache = token.refresh_at.is_some().then_some(token);
        Ok(authorization)
    }

    /// Forgets `refused` if it is still the cached token, so the next request gets a new one.
    pub(crate) async fn invalidate(&self, refused: &Secret) {
        let mut cache = self.cache.lock().await;
        if cache
            .as_ref()
            .is_some_and(|token| token.authorization.expose() == refused.expose())
        {
            *cache = None;
        }
    }
}

/// `{host}/oidc/accounts/{account_id}/v1/token`.
pub(crate) fn token_url(host: &Url, account_id: &str) -> Url {
    let mut url = host.clone();
    url.set_query(None);
    url.set_path(&format!("/oidc/accounts/{account_id}/v1/token"));
    url
}

async fn fetch_m2m_token(
    http: &reqwest::Client,
    policy: &RetryPolicy,
    timeout: Duration,
    token_url: &Url,
    client_id: &str,
    client_secret: &Secret,
) -> Result<CachedToken, AuthError> {
    let mut retry_state = policy.start();
    loop {
        let started = Instant::now();
        let attempt = retry_state.retries() + 1;
        let result = http
            .post(token_url.clone())
            .basic_auth(client_id, Some(client_secret.expose()))
            .form(&[("grant_type", "client_credentials"), ("scope", "all-apis")])
            .timeout(timeout)
            .send()
            .await;
        let (failure, retry_after) = match result {
            Ok(response) => {
                let status = response.status();
                tracing::debug!(
                    method = "POST",
                    url = %token_url,
                    status = status.as_u16(),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    attempt,
                    "token request"
                );
                let retry_after = retry::retry_after(response.headers());
                let transient = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
                let body = match response.bytes().await {
                    Ok(body) => body,
                    Err(source) => {
                        return Err(AuthError::TokenTransport {
                            url: token_url.clone(),
                            source,
                        });
                    }
                };
                if status.is_success() {
                    let token: TokenResponse =
                        serde_json::from_slice(&body).map_err(|source| AuthError::TokenDecode {
                            url: token_url.clone(),
                            source,
                        })?;
                    let lifetime =
                        Duration::from_secs(token.expires_in.unwrap_or(3600).max(0) as u64);
                    tracing::debug!(expires_in_s = lifetime.as_secs(), "obtained an OAuth token");
                    return Ok(CachedToken {
                        authorization: Secret::new(format!(
                            "{} {}",
                            token.token_type, token.access_token
                        )),
                        refresh_at: refresh_time(lifetime),
                    });
                }
                let refused = AuthError::TokenRefused {
                    url: token_url.clone(),
                    status,
                    error: serde_json::from_slice(&body).ok(),
                };
                if !transient {
                    return Err(refused);
                }
                (refused, retry_after)
            }
            Err(source) => {
                tracing::debug!(
                    method = "POST",
                    url = %token_url,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    attempt,
                    "token request failed to complete"
                );
                (
                    AuthError::TokenTransport {
                        url: token_url.clone(),
                        source,
                    },
                    None,
                )
            }
        };
        // A token request has no side effect worth protecting: retrying it is always safe.
        let Some(delay) = retry_state.next_delay(retry_after) else {
            return Err(failure);
        };
        tracing::info!(
            url = %token_url,
            delay_ms = delay.as_millis() as u64,
            attempt,
            "retrying the token request"
        );
        retry_state.wait(delay).await;
    }
}

/// What `databricks auth token` prints (the refresh token is stripped by the CLI).
#[derive(Deserialize)]
struct CliToken {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expiry: Option<String>,
}

async fn run_cli(
    program: &PathBuf,
    args: &[String],
    config_file: Option<&PathBuf>,
    timeout: Duration,
) -> Result<CachedToken, AuthError> {
    let command_line = format!("{} {}", program.display(), args.join(" "));
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    // The CLI must read the same file the profile came from.
    if let Some(file) = config_file {
        command.env("DATABRICKS_CONFIG_FILE", file);
    }
    let started = Instant::now();
    let child = command.spawn().map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            AuthError::CliNotFound {
                program: program.clone(),
            }
        } else {
            AuthError::CliSpawn {
                program: program.clone(),
                source,
            }
        }
    })?;
    let output = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(source)) => {
            return Err(AuthError::CliSpawn {
                program: program.clone(),
                source,
            });
        }
        Err(_) => {
            return Err(AuthError::CliTimeout {
                command: command_line,
                timeout,
            });
        }
    };
    tracing::debug!(
        command = %command_line,
        status = %output.status,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "ran the Databricks CLI for a token"
    );
    if !output.status.success() {
        return Err(AuthError::CliFailed {
            command: command_line,
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    let token: CliToken =
        serde_json::from_slice(&output.stdout).map_err(|source| AuthError::CliOutput {
            command: command_line.clone(),
            source,
        })?;
    let refresh_at = match token.expiry.as_deref().map(str::trim) {
        None | Some("") => refresh_time(Duration::from_secs(3600)),
        Some(text) => {
            let expiry = parse_expiry(text).ok_or_else(|| AuthError::CliExpiry {
                command: command_line.clone(),
                value: text.to_owned(),
            })?;
            let remaining = expiry - OffsetDateTime::now_utc();
            refresh_time(remaining.try_into().unwrap_or(Duration::ZERO))
        }
    };
    let token_type = token.token_type.unwrap_or_else(|| "Bearer".to_owned());
    Ok(CachedToken {
        authorization: Secret::new(format!("{token_type} {}", token.access_token)),
        refresh_at,
    })
}

/// Parses an expiry as the SDKs do: RFC 3339 (with or without fractions), or
/// `YYYY-MM-DD HH:MM:SS[.fff]`, which is taken as UTC.
pub(crate) fn parse_expiry(text: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(expiry) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(expiry);
    }
    let format = time::macros::format_description!(
        version = 2,
        "[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    time::PrimitiveDateTime::parse(text, &format)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_formats_of_the_sdks_parse() {
        let rfc = parse_expiry("2026-08-21T10:15:30.123456789+02:00").unwrap();
        assert_eq!(rfc.unix_timestamp(), 1_787_300_130);
        let plain = parse_expiry("2026-08-21 08:15:30").unwrap();
        assert_eq!(plain.unix_timestamp(), 1_787_300_130);
        let fraction = parse_expiry("2026-08-21 08:15:30.250").unwrap();
        assert_eq!(fraction.unix_timestamp(), 1_787_300_130);
        assert_eq!(fraction.millisecond(), 250);
        assert_eq!(parse_expiry("tomorrow"), None);
    }

    #[test]
    fn tokens_refresh_before_they_expire() {
        let hour = refresh_time(Duration::from_secs(3600)).unwrap();
        let until = hour - Instant::now();
        assert!(until > Duration::from_secs(3530) && until <= Duration::from_secs(3540));
        let short = refresh_time(Duration::from_secs(8)).unwrap();
        assert!(short - Instant::now() <= Duration::from_secs(6));
        assert_eq!(refresh_time(Duration::ZERO), None);
    }

    #[test]
    fn the_token_url_is_the_account_oidc_endpoint() {
        let host = Url::parse("https://accounts.cloud.databricks.com/").unwrap();
        assert_eq!(
            token_url(&host, "abc").as_str(),
            "https://accounts.cloud.databricks.com/oidc/accounts/abc/v1/token"
        );
    }
}
