//! Configuration resolution, exactly as the Databricks SDKs do it
//! (`shared/reference/account-api.md` §6.4).
//!
//! Values come from three layers, each filling only what the previous ones left unset:
//!
//! 1. explicit values (the `--host`, `--account-id` and `--profile` flags);
//! 2. `DATABRICKS_*` environment variables;
//! 3. one profile of the config file (`~/.databrickscfg` or `DATABRICKS_CONFIG_FILE`): the named
//!    profile, else `[__settings__] default_profile`, else `[DEFAULT]`. The file is skipped
//!    entirely when no profile was named and the layers above already set the host or any
//!    credential, so that an environment-only setup never mixes with a stray `[DEFAULT]`.
//!
//! Every resolved value remembers where it came from, for `brickform auth check`.
//!
//! The environment is injected ([`Environment`]): this module never reads or changes the
//! process environment, so tests can resolve many configurations in parallel.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use crate::secret::Secret;

/// Where configuration values are read from; the CLI passes the process environment, tests
/// pass a map.
pub trait Environment {
    /// The value of a variable, if it is set.
    fn var(&self, name: &str) -> Option<String>;
}

impl<S: BuildHasher> Environment for HashMap<String, String, S> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl Environment for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// The variable that turns every retry delay into zero, including `Retry-After`.
///
/// **Test-only.** It exists so that the end-to-end suite can inject throttling and failures
/// through the real binary without waiting; never set it in production.
pub const NO_RETRY_DELAY_VAR: &str = "BRICKFORM_TEST_NO_RETRY_DELAY";

/// Values set explicitly, i.e. by command-line flags. They win over everything else.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExplicitConfig {
    pub host: Option<String>,
    pub account_id: Option<String>,
    pub profile: Option<String>,
}

/// Where a resolved value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag, e.g. `--host`.
    Flag(&'static str),
    /// An environment variable, e.g. `DATABRICKS_HOST`.
    Env(&'static str),
    /// A profile of a config file.
    Profile { profile: String, file: PathBuf },
    /// Nothing configured it; this is the SDKs' default.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "the {flag} flag"),
            Source::Env(name) => write!(f, "the {name} environment variable"),
            Source::Profile { profile, file } => {
                write!(f, "profile `{profile}` in {}", file.display())
            }
            Source::Default => f.write_str("the default"),
        }
    }
}

/// A resolved value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

/// The authentication methods brickform supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthType {
    /// A static bearer token (`DATABRICKS_TOKEN`).
    Pat,
    /// OAuth client credentials of a service principal.
    OAuthM2m,
    /// The token of a user logged in with `databricks auth login`.
    DatabricksCli,
}

impl AuthType {
    /// The `auth_type` spelling, as the SDKs and the CLI use it.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthType::Pat => "pat",
            AuthType::OAuthM2m => "oauth-m2m",
            AuthType::DatabricksCli => "databricks-cli",
        }
    }

    fn parse(value: &str) -> Option<AuthType> {
        match value {
            "pat" => Some(AuthType::Pat),
            "oauth-m2m" => Some(AuthType::OAuthM2m),
            "databricks-cli" => Some(AuthType::DatabricksCli),
            _ => None,
        }
    }
}

impl fmt::Display for AuthType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The credentials to authenticate with, secrets redacted.
#[derive(Debug, Clone)]
pub enum AuthConfig {
    Pat {
        token: Secret,
    },
    OAuthM2m {
        client_id: String,
        client_secret: Secret,
    },
    DatabricksCli {
        /// `DATABRICKS_CLI_PATH`, else `databricks` on the `PATH`.
        cli_path: Option<PathBuf>,
        /// The profile to ask the CLI about, and the file it lives in; else the CLI is asked
        /// by host and account id.
        profile: Option<(String, PathBuf)>,
    },
}

impl AuthConfig {
    pub fn auth_type(&self) -> AuthType {
        match self {
            AuthConfig::Pat { .. } => AuthType::Pat,
            AuthConfig::OAuthM2m { .. } => AuthType::OAuthM2m,
            AuthConfig::DatabricksCli { .. } => AuthType::DatabricksCli,
        }
    }
}

/// A fully resolved configuration: everything a [`crate::Client`] needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The account host, e.g. `https://accounts.cloud.databricks.com`.
    pub host: Sourced<Url>,
    pub account_id: Sourced<String>,
    /// The credentials; the source says what decided the method (`auth_type`, or the
    /// attribute that was set).
    pub auth: Sourced<AuthConfig>,
    /// The config-file profile that contributed values, if any.
    pub profile: Option<Sourced<String>>,
    /// Client-side rate limit in requests per second (`DATABRICKS_RATE_LIMIT`, default 15).
    pub rate_limit: f64,
    /// Per-request timeout (`http_timeout_seconds`, default 60 s).
    pub http_timeout: Duration,
    /// Total time spent retrying one call (`retry_timeout_seconds`, default 5 minutes).
    pub retry_timeout: Duration,
    /// Test-only: every retry delay is zero ([`NO_RETRY_DELAY_VAR`]).
    pub no_retry_delay: bool,
}

impl Config {
    /// A configuration for a bearer token on a known host, with every value attributed to
    /// `source` and the default limits; `no_retry_delay` is read from `env`. The CLI's
    /// `--local` uses it to talk to the embedded emulator.
    pub fn with_token(
        host: &str,
        account_id: impl Into<String>,
        token: Secret,
        source: Source,
        env: &dyn Environment,
    ) -> Result<Config, ConfigError> {
        let host = parse_host(host, &source)?;
        Ok(Config {
            host: Sourced {
                value: host,
                source: source.clone(),
            },
            account_id: Sourced {
                value: account_id.into(),
                source: source.clone(),
            },
            auth: Sourced {
                value: AuthConfig::Pat { token },
                source,
            },
            profile: None,
            rate_limit: DEFAULT_RATE_LIMIT,
            http_timeout: DEFAULT_HTTP_TIMEOUT,
            retry_timeout: DEFAULT_RETRY_TIMEOUT,
            no_retry_delay: no_retry_delay(env),
        })
    }
}

/// Whether the test-only [`NO_RETRY_DELAY_VAR`] asks for zero retry delays.
fn no_retry_delay(env: &dyn Environment) -> bool {
    env.var(NO_RETRY_DELAY_VAR)
        .is_some_and(|value| matches!(value.trim(), "1" | "true" | "yes"))
}

/// The default client-side rate limit, as in the Go SDK.
pub const DEFAULT_RATE_LIMIT: f64 = 15.0;
/// The default per-request timeout.
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(60);
/// The default total retry budget of one call.
pub const DEFAULT_RETRY_TIMEOUT: Duration = Duration::from_secs(300);

/// Why no configuration could be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no Databricks account is configured: no host was found")]
    NotConfigured {
        /// The config file that was looked at, if any.
        config_file: Option<PathBuf>,
    },
    #[error("no account id is configured for {host}")]
    MissingAccountId { host: String },
    #[error("host `{value}` (from {source_}) is not a valid URL")]
    InvalidHost {
        value: String,
        source_: Source,
        #[source]
        source: url::ParseError,
    },
    #[error(
        "host `{value}` (from {source_}) uses http://; only https:// is allowed, except for a loopback address"
    )]
    InsecureHost { value: String, source_: Source },
    #[error("host `{value}` (from {source_}) must be an http:// or https:// URL with a host name")]
    UnsupportedHost { value: String, source_: Source },
    #[error("more than one authorization method configured: {methods} ({origins})")]
    AmbiguousAuth { methods: String, origins: String },
    #[error(
        "auth type `{value}` (from {source_}) is not supported; brickform supports pat, oauth-m2m and databricks-cli"
    )]
    UnsupportedAuthType { value: String, source_: Source },
    #[error(
        "basic authentication (username and password) reached end of life; use oauth-m2m or databricks-cli"
    )]
    BasicAuth,
    #[error(
        "auth type {auth_type} needs {attribute} (set {env_var} or `{attribute}` in a profile)"
    )]
    MissingAttribute {
        auth_type: AuthType,
        attribute: &'static str,
        env_var: &'static str,
    },
    #[error("`{attribute}` (from {source_}) is not valid: `{value}`")]
    InvalidValue {
        attribute: &'static str,
        value: String,
        source_: Source,
    },
    #[error("config file {} does not exist, but profile `{profile}` was named", file.display())]
    ConfigFileMissing { file: PathBuf, profile: String },
    #[error("cannot read config file {}", file.display())]
    ReadConfigFile {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot parse config file {}", file.display())]
    ParseConfigFile {
        file: PathBuf,
        #[source]
        source: ini::ParseError,
    },
    #[error("{} has no profile `{profile}` (profiles: {})", file.display(), available.join(", "))]
    ProfileNotFound {
        profile: String,
        file: PathBuf,
        available: Vec<String>,
    },
}

/// One configuration attribute: its config-file key, its environment variable, and the
/// authentication method it belongs to (for the "more than one method" check).
struct Attribute {
    key: &'static str,
    env_var: Option<&'static str>,
    method: Option<&'static str>,
}

const ATTRIBUTES: &[Attribute] = &[
    attribute("host", Some("DATABRICKS_HOST"), None),
    attribute("account_id", Some("DATABRICKS_ACCOUNT_ID"), None),
    attribute("token", Some("DATABRICKS_TOKEN"), Some("pat")),
    attribute("username", Some("DATABRICKS_USERNAME"), Some("basic")),
    attribute("password", Some("DATABRICKS_PASSWORD"), Some("basic")),
    attribute("client_id", Some("DATABRICKS_CLIENT_ID"), Some("oauth")),
    attribute(
        "client_secret",
        Some("DATABRICKS_CLIENT_SECRET"),
        Some("oauth"),
    ),
    attribute("auth_type", Some("DATABRICKS_AUTH_TYPE"), None),
    attribute("profile", Some("DATABRICKS_CONFIG_PROFILE"), None),
    attribute("config_file", Some("DATABRICKS_CONFIG_FILE"), None),
    attribute("databricks_cli_path", Some("DATABRICKS_CLI_PATH"), None),
    attribute("rate_limit", Some("DATABRICKS_RATE_LIMIT"), None),
    attribute("http_timeout_seconds", None, None),
    attribute("retry_timeout_seconds", None, None),
];

const fn attribute(
    key: &'static str,
    env_var: Option<&'static str>,
    method: Option<&'static str>,
) -> Attribute {
    Attribute {
        key,
        env_var,
        method,
    }
}

/// Raw values collected from the three layers. Deliberately not `Debug`: it holds secrets in
/// plain strings until they are moved into [`Secret`]s.
#[derive(Default)]
struct Values {
    entries: BTreeMap<&'static str, (String, Source)>,
}

impl Values {
    fn set_if_unset(&mut self, key: &'static str, value: &str, source: Source) {
        if value.is_empty() {
            return;
        }
        self.entries
            .entry(key)
            .or_insert_with(|| (value.to_owned(), source));
    }

    fn get(&self, key: &str) -> Option<&(String, Source)> {
        self.entries.get(key)
    }

    fn value(&self, key: &str) -> Option<&str> {
        self.get(key).map(|(value, _)| value.as_str())
    }

    fn has(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    fn any_credential(&self) -> bool {
        ATTRIBUTES
            .iter()
            .any(|attribute| attribute.method.is_some() && self.has(attribute.key))
    }
}

/// Resolves the configuration from explicit values, the environment and the config file.
pub fn resolve(explicit: &ExplicitConfig, env: &dyn Environment) -> Result<Config, ConfigError> {
    let mut values = Values::default();
    let flags = [
        ("host", "--host", &explicit.host),
        ("account_id", "--account-id", &explicit.account_id),
        ("profile", "--profile", &explicit.profile),
    ];
    for (key, flag, value) in flags {
        if let Some(value) = value {
            values.set_if_unset(key, value, Source::Flag(flag));
        }
    }
    for attribute in ATTRIBUTES {
        if let Some(env_var) = attribute.env_var
            && let Some(value) = env.var(env_var)
        {
            values.set_if_unset(attribute.key, &value, Source::Env(env_var));
        }
    }
    let config_file = match values.value("config_file") {
        Some(path) => Some(expand_home(path, env)),
        None => home_dir(env).map(|home| home.join(".databrickscfg")),
    };
    let profile = match &config_file {
        Some(file) => load_profile(&mut values, file)?,
        None => None,
    };
    finish(values, profile, config_file, env)
}

/// Fills unset values from the config file's profile; returns the profile used, if any.
fn load_profile(values: &mut Values, file: &Path) -> Result<Option<Sourced<String>>, ConfigError> {
    let named = values.get("profile").cloned();
    if named.is_none() && (values.has("host") || values.any_credential()) {
        tracing::debug!(
            file = %file.display(),
            "not reading the config file: no profile was named and the host or credentials are already set"
        );
        return Ok(None);
    }
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return match named {
                Some((profile, _)) => Err(ConfigError::ConfigFileMissing {
                    file: file.to_owned(),
                    profile,
                }),
                None => Ok(None),
            };
        }
        Err(source) => {
            return Err(ConfigError::ReadConfigFile {
                file: file.to_owned(),
                source,
            });
        }
    };
    // Quotes and backslashes are kept verbatim, and `#`/`;` only start a comment at the start
    // of a line, as in Python's configparser: a secret such as `a#b;c"d` must survive intact.
    let options = ini::ParseOption {
        enabled_quote: false,
        enabled_escape: false,
        enabled_indented_mutiline_value: false,
        enabled_preserve_key_leading_whitespace: false,
    };
    let ini = ini::Ini::load_from_str_opt(&text, options).map_err(|source| {
        ConfigError::ParseConfigFile {
            file: file.to_owned(),
            source,
        }
    })?;
    let default_profile = ini
        .get_from(Some("__settings__"), "default_profile")
        .map(str::trim)
        .filter(|name| !name.is_empty());
    let (profile, must_exist, profile_source) = match (&named, default_profile) {
        (Some((name, source)), _) => (name.clone(), true, source.clone()),
        (None, Some(name)) => (
            name.to_owned(),
            true,
            Source::Profile {
                profile: "__settings__".to_owned(),
                file: file.to_owned(),
            },
        ),
        (None, None) => ("DEFAULT".to_owned(), false, Source::Default),
    };
    let Some(section) = ini.section(Some(profile.as_str())) else {
        if !must_exist {
            tracing::debug!(file = %file.display(), "the config file has no [DEFAULT] profile");
            return Ok(None);
        }
        let available = ini
            .sections()
            .flatten()
            .filter(|name| *name != "__settings__")
            .map(str::to_owned)
            .collect();
        return Err(ConfigError::ProfileNotFound {
            profile,
            file: file.to_owned(),
            available,
        });
    };
    let source = Source::Profile {
        profile: profile.clone(),
        file: file.to_owned(),
    };
    for attribute in ATTRIBUTES {
        // The profile and the file are chosen above; a profile cannot redirect them.
        if matches!(attribute.key, "profile" | "config_file") {
            continue;
        }
        if let Some(value) = section.get(attribute.key) {
            values.set_if_unset(attribute.key, value.trim(), source.clone());
        }
    }
    tracing::debug!(profile = %profile, file = %file.display(), "read a config-file profile");
    Ok(Some(Sourced {
        value: profile,
        source: profile_source,
    }))
}

fn finish(
    mut values: Values,
    profile: Option<Sourced<String>>,
    config_file: Option<PathBuf>,
    env: &dyn Environment,
) -> Result<Config, ConfigError> {
    let Some((host_value, host_source)) = values.entries.remove("host") else {
        return Err(ConfigError::NotConfigured { config_file });
    };
    let host = parse_host(&host_value, &host_source)?;
    let Some((account_id, account_id_source)) = values.entries.remove("account_id") else {
        return Err(ConfigError::MissingAccountId {
            host: host.to_string(),
        });
    };
    let auth = resolve_auth(&values, profile.as_ref(), config_file.as_deref())?;
    let rate_limit = match values.get("rate_limit") {
        Some((value, source)) => match value.trim().parse::<f64>() {
            Ok(rate) if rate.is_finite() && rate > 0.0 => rate,
            _ => return Err(invalid("rate_limit", value, source)),
        },
        None => DEFAULT_RATE_LIMIT,
    };
    let http_timeout = seconds(&values, "http_timeout_seconds")?.unwrap_or(DEFAULT_HTTP_TIMEOUT);
    let retry_timeout = seconds(&values, "retry_timeout_seconds")?.unwrap_or(DEFAULT_RETRY_TIMEOUT);
    let no_retry_delay = no_retry_delay(env);
    Ok(Config {
        host: Sourced {
            value: host,
            source: host_source,
        },
        account_id: Sourced {
            value: account_id.trim().to_owned(),
            source: account_id_source,
        },
        auth,
        profile,
        rate_limit,
        http_timeout,
        retry_timeout,
        no_retry_delay,
    })
}

fn resolve_auth(
    values: &Values,
    profile: Option<&Sourced<String>>,
    config_file: Option<&Path>,
) -> Result<Sourced<AuthConfig>, ConfigError> {
    let methods: BTreeSet<&str> = ATTRIBUTES
        .iter()
        .filter(|attribute| values.has(attribute.key))
        .filter_map(|attribute| attribute.method)
        .collect();
    let chosen = match values.get("auth_type") {
        Some((value, source)) => match AuthType::parse(value.trim()) {
            Some(auth_type) => Some((auth_type, source.clone())),
            None if value.trim() == "basic" => return Err(ConfigError::BasicAuth),
            None => {
                return Err(ConfigError::UnsupportedAuthType {
                    value: value.clone(),
                    source_: source.clone(),
                });
            }
        },
        None if methods.len() > 1 => {
            let origins = ATTRIBUTES
                .iter()
                .filter(|attribute| attribute.method.is_some())
                .filter_map(|attribute| {
                    let (_, source) = values.get(attribute.key)?;
                    Some(format!("{} from {source}", attribute.key))
                })
                .collect::<Vec<_>>()
                .join(", ");
            return Err(ConfigError::AmbiguousAuth {
                methods: methods.into_iter().collect::<Vec<_>>().join(" and "),
                origins,
            });
        }
        None => match methods.first().copied() {
            Some("pat") => Some((AuthType::Pat, values.get("token").map(|(_, s)| s.clone()))),
            Some("oauth") => {
                let source = values
                    .get("client_id")
                    .or_else(|| values.get("client_secret"))
                    .map(|(_, source)| source.clone());
                Some((AuthType::OAuthM2m, source))
            }
            Some(_) => return Err(ConfigError::BasicAuth),
            None => None,
        }
        .map(|(auth_type, source)| (auth_type, source.unwrap_or(Source::Default))),
    };
    // With no credentials at all, the SDKs fall back to the Databricks CLI's login.
    let (auth_type, source) = chosen.unwrap_or((AuthType::DatabricksCli, Source::Default));
    let required = |attribute: &'static str, env_var: &'static str| {
        values
            .value(attribute)
            .map(str::to_owned)
            .ok_or(ConfigError::MissingAttribute {
                auth_type,
                attribute,
                env_var,
            })
    };
    let value = match auth_type {
        AuthType::Pat => AuthConfig::Pat {
            token: Secret::new(required("token", "DATABRICKS_TOKEN")?.trim()),
        },
        AuthType::OAuthM2m => AuthConfig::OAuthM2m {
            client_id: required("client_id", "DATABRICKS_CLIENT_ID")?
                .trim()
                .to_owned(),
            client_secret: Secret::new(required("client_secret", "DATABRICKS_CLIENT_SECRET")?),
        },
        AuthType::DatabricksCli => AuthConfig::DatabricksCli {
            cli_path: values.value("databricks_cli_path").map(PathBuf::from),
            profile: profile
                .zip(config_file)
                .map(|(profile, file)| (profile.value.clone(), file.to_owned())),
        },
    };
    Ok(Sourced { value, source })
}

fn seconds(values: &Values, key: &'static str) -> Result<Option<Duration>, ConfigError> {
    match values.get(key) {
        Some((value, source)) => match value.trim().parse::<u64>() {
            Ok(seconds) if seconds > 0 => Ok(Some(Duration::from_secs(seconds))),
            _ => Err(invalid(key, value, source)),
        },
        None => Ok(None),
    }
}

fn invalid(attribute: &'static str, value: &str, source: &Source) -> ConfigError {
    ConfigError::InvalidValue {
        attribute,
        value: value.to_owned(),
        source_: source.clone(),
    }
}

/// Parses a host the way the SDKs do (a missing scheme means `https://`) and refuses plain
/// HTTP anywhere but on a loopback address.
pub(crate) fn parse_host(value: &str, source: &Source) -> Result<Url, ConfigError> {
    let trimmed = value.trim().trim_end_matches('/');
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("https://{trimmed}")
    };
    let url = Url::parse(&with_scheme).map_err(|error| ConfigError::InvalidHost {
        value: value.to_owned(),
        source_: source.clone(),
        source: error,
    })?;
    let unsupported = || ConfigError::UnsupportedHost {
        value: value.to_owned(),
        source_: source.clone(),
    };
    if url.host().is_none() {
        return Err(unsupported());
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(ConfigError::InsecureHost {
            value: value.to_owned(),
            source_: source.clone(),
        }),
        _ => Err(unsupported()),
    }
}

/// Whether a URL points at this machine, where plain HTTP cannot be intercepted.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    }
}

fn home_dir(env: &dyn Environment) -> Option<PathBuf> {
    env.var("HOME")
        .or_else(|| env.var("USERPROFILE"))
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
}

fn expand_home(path: &str, env: &dyn Environment) -> PathBuf {
    match (path.strip_prefix("~/"), home_dir(env)) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests;
