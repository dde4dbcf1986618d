//! Tests of configuration resolution: precedence, profiles, validation. Each test injects its
//! own environment map and config file, so they run in parallel.

use std::collections::HashMap;

use super::*;

const SECRET: &str = "s3cr#t;value\"with'quotes";

struct Setup {
    _dir: tempfile::TempDir,
    file: PathBuf,
    env: HashMap<String, String>,
}

/// An environment whose config file holds `ini` (and whose HOME has no other file).
fn setup(ini: &str, vars: &[(&str, &str)]) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("databrickscfg");
    std::fs::write(&file, ini).unwrap();
    let mut env: HashMap<String, String> = vars
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    env.insert(
        "DATABRICKS_CONFIG_FILE".to_owned(),
        file.display().to_string(),
    );
    env.insert("HOME".to_owned(), dir.path().display().to_string());
    Setup {
        _dir: dir,
        file,
        env,
    }
}

const PROFILES: &str = "\
[__settings__]
default_profile = acct

[DEFAULT]
host = https://default.example.com
account_id = default-account
token = default-token

[acct]
host = accounts.cloud.databricks.com
account_id = acct-account
client_id = sp-client
client_secret = s3cr#t;value\"with'quotes

[cli]
host = https://accounts.cloud.databricks.com
account_id = cli-account
auth_type = databricks-cli
";

fn profile_source(setup: &Setup, profile: &str) -> Source {
    Source::Profile {
        profile: profile.to_owned(),
        file: setup.file.clone(),
    }
}

#[test]
fn the_settings_default_profile_is_used_when_none_is_named() {
    let setup = setup(PROFILES, &[]);
    let config = resolve(&ExplicitConfig::default(), &setup.env).unwrap();
    assert_eq!(
        config.host.value.as_str(),
        "https://accounts.cloud.databricks.com/"
    );
    assert_eq!(config.host.source, profile_source(&setup, "acct"));
    assert_eq!(config.account_id.value, "acct-account");
    let AuthConfig::OAuthM2m {
        client_id,
        client_secret,
    } = &config.auth.value
    else {
        panic!("expected oauth-m2m, got {:?}", config.auth.value);
    };
    assert_eq!(client_id, "sp-client");
    // `#`, `;` and quotes are part of the value, as in Python's configparser.
    assert_eq!(client_secret.expose(), SECRET);
    assert_eq!(config.auth.source, profile_source(&setup, "acct"));
    assert_eq!(config.profile.unwrap().value, "acct");
}

#[test]
fn default_is_used_without_settings_and_a_missing_default_is_tolerated() {
    let ini = PROFILES.replace("[__settings__]\ndefault_profile = acct\n", "");
    let setup = setup(&ini, &[]);
    let config = resolve(&ExplicitConfig::default(), &setup.env).unwrap();
    assert_eq!(config.account_id.value, "default-account");
    assert_eq!(config.auth.value.auth_type(), AuthType::Pat);

    let without_default = setup_without_default();
    let error = resolve(&ExplicitConfig::default(), &without_default.env).unwrap_err();
    assert!(
        matches!(error, ConfigError::NotConfigured { .. }),
        "{error}"
    );
}

fn setup_without_default() -> Setup {
    setup("[other]\nhost = https://x.example.com\n", &[])
}

#[test]
fn a_named_profile_wins_and_a_missing_one_is_an_error() {
    let setup = setup(PROFILES, &[("DATABRICKS_CONFIG_PROFILE", "cli")]);
    let config = resolve(&ExplicitConfig::default(), &setup.env).unwrap();
    assert_eq!(config.account_id.value, "cli-account");
    let AuthConfig::DatabricksCli { cli_path, profile } = &config.auth.value else {
        panic!("expected databricks-cli");
    };
    assert_eq!(cli_path, &None);
    assert_eq!(profile, &Some(("cli".to_owned(), setup.file.clone())));
    assert_eq!(config.auth.source, profile_source(&setup, "cli"));

    let explicit = ExplicitConfig {
        profile: Some("nope".to_owned()),
        ..ExplicitConfig::default()
    };
    let error = resolve(&explicit, &setup.env).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{} has no profile `nope` (profiles: DEFAULT, acct, cli)",
            setup.file.display()
        )
    );
}

#[test]
fn flags_beat_environment_variables_which_beat_the_profile() {
    let setup = setup(
        PROFILES,
        &[
            ("DATABRICKS_CONFIG_PROFILE", "acct"),
            ("DATABRICKS_ACCOUNT_ID", "env-account"),
            ("DATABRICKS_HOST", "https://env.example.com"),
        ],
    );
    let explicit = ExplicitConfig {
        host: Some("https://flag.example.com".to_owned()),
        ..ExplicitConfig::default()
    };
    let config = resolve(&explicit, &setup.env).unwrap();
    assert_eq!(config.host.value.as_str(), "https://flag.example.com/");
    assert_eq!(config.host.source, Source::Flag("--host"));
    assert_eq!(config.account_id.value, "env-account");
    assert_eq!(
        config.account_id.source,
        Source::Env("DATABRICKS_ACCOUNT_ID")
    );
    assert_eq!(config.auth.source, profile_source(&setup, "acct"));
    assert_eq!(
        config.profile.unwrap().source,
        Source::Env("DATABRICKS_CONFIG_PROFILE")
    );
}

#[test]
fn environment_only_setups_never_mix_with_the_default_profile() {
    let setup = setup(
        PROFILES,
        &[
            ("DATABRICKS_HOST", "https://accounts.cloud.databricks.com"),
            ("DATABRICKS_ACCOUNT_ID", "env-account"),
            ("DATABRICKS_TOKEN", "env-token"),
        ],
    );
    let config = resolve(&ExplicitConfig::default(), &setup.env).unwrap();
    assert_eq!(config.profile, None);
    let AuthConfig::Pat { token } = &config.auth.value else {
        panic!("expected pat");
    };
    assert_eq!(token.expose(), "env-token");
    assert_eq!(config.auth.source, Source::Env("DATABRICKS_TOKEN"));

    // With only a host set, the file is skipped too: no account id is taken from it.
    let setup = setup_with(&[("DATABRICKS_HOST", "https://accounts.cloud.databricks.com")]);
    let error = resolve(&ExplicitConfig::default(), &setup.env).unwrap_err();
    assert!(
        matches!(error, ConfigError::MissingAccountId { .. }),
        "{error}"
    );
}

fn setup_with(vars: &[(&str, &str)]) -> Setup {
    setup(PROFILES, vars)
}

#[test]
fn two_auth_methods_without_auth_type_are_refused_like_the_sdks_do() {
    let setup = setup(
        "",
        &[
            ("DATABRICKS_HOST", "https://accounts.cloud.databricks.com"),
            ("DATABRICKS_ACCOUNT_ID", "a"),
            ("DATABRICKS_TOKEN", "t"),
            ("DATABRICKS_CLIENT_ID", "c"),
            ("DATABRICKS_CLIENT_SECRET", "s"),
        ],
    );
    let error = resolve(&ExplicitConfig::default(), &setup.env).unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("more than one authorization method configured: oauth and pat ("),
        "{message}"
    );
    assert!(
        message.contains("token from the DATABRICKS_TOKEN environment variable"),
        "{message}"
    );

    let mut env = setup.env.clone();
    env.insert("DATABRICKS_AUTH_TYPE".to_owned(), "oauth-m2m".to_owned());
    let config = resolve(&ExplicitConfig::default(), &env).unwrap();
    assert_eq!(config.auth.value.auth_type(), AuthType::OAuthM2m);
    assert_eq!(config.auth.source, Source::Env("DATABRICKS_AUTH_TYPE"));
}

#[test]
fn hosts_must_be_https_unless_on_loopback() {
    let source = Source::Flag("--host");
    assert_eq!(
        parse_host("accounts.cloud.databricks.com/", &source)
            .unwrap()
            .as_str(),
        "https://accounts.cloud.databricks.com/"
    );
    for loopback in [
        "http://127.0.0.1:8080",
        "http://localhost:1",
        "http://[::1]:80",
    ] {
        assert!(parse_host(loopback, &source).is_ok(), "{loopback}");
    }
    let error = parse_host("http://accounts.cloud.databricks.com", &source).unwrap_err();
    assert_eq!(
        error.to_string(),
        "host `http://accounts.cloud.databricks.com` (from the --host flag) uses http://; \
         only https:// is allowed, except for a loopback address"
    );
    assert!(matches!(
        parse_host("ftp://x.example.com", &source),
        Err(ConfigError::UnsupportedHost { .. })
    ));
}

#[test]
fn nothing_configured_is_its_own_error() {
    let env: HashMap<String, String> = HashMap::new();
    let error = resolve(&ExplicitConfig::default(), &env).unwrap_err();
    assert!(
        matches!(error, ConfigError::NotConfigured { config_file: None }),
        "{error}"
    );
    let setup = setup("", &[]);
    let error = resolve(&ExplicitConfig::default(), &setup.env).unwrap_err();
    assert!(
        matches!(&error, ConfigError::NotConfigured { config_file: Some(file) } if *file == setup.file)
    );
}

#[test]
fn without_credentials_the_databricks_cli_is_the_fallback() {
    let setup = setup(
        "",
        &[
            ("DATABRICKS_HOST", "https://accounts.cloud.databricks.com"),
            ("DATABRICKS_ACCOUNT_ID", "a"),
            ("DATABRICKS_CLI_PATH", "/opt/databricks"),
        ],
    );
    let config = resolve(&ExplicitConfig::default(), &setup.env).unwrap();
    assert_eq!(config.auth.source, Source::Default);
    let AuthConfig::DatabricksCli { cli_path, profile } = config.auth.value else {
        panic!("expected databricks-cli");
    };
    assert_eq!(cli_path, Some(PathBuf::from("/opt/databricks")));
    assert_eq!(profile, None);
}

#[test]
fn incomplete_and_unsupported_auth_is_explained() {
    let base = [
        ("DATABRICKS_HOST", "https://accounts.cloud.databricks.com"),
        ("DATABRICKS_ACCOUNT_ID", "a"),
    ];
    let with = |extra: &[(&str, &str)]| {
        let vars: Vec<(&str, &str)> = base.iter().chain(extra).copied().collect();
        let setup = setup("", &vars);
        resolve(&ExplicitConfig::default(), &setup.env)
    };
    let error = with(&[("DATABRICKS_CLIENT_ID", "c")]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "auth type oauth-m2m needs client_secret (set DATABRICKS_CLIENT_SECRET or `client_secret` in a profile)"
    );
    let error = with(&[("DATABRICKS_AUTH_TYPE", "azure-cli")]).unwrap_err();
    assert!(error.to_string().starts_with("auth type `azure-cli`"));
    let error = with(&[("DATABRICKS_USERNAME", "u"), ("DATABRICKS_PASSWORD", "p")]).unwrap_err();
    assert!(matches!(error, ConfigError::BasicAuth));
    let error = with(&[("DATABRICKS_TOKEN", "t"), ("DATABRICKS_RATE_LIMIT", "fast")]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`rate_limit` (from the DATABRICKS_RATE_LIMIT environment variable) is not valid: `fast`"
    );
}

#[test]
fn limits_timeouts_and_the_test_knob_are_read() {
    let ini = "[p]\nhost = https://h.example.com\naccount_id = a\ntoken = t\n\
               http_timeout_seconds = 5\nretry_timeout_seconds = 30\n";
    let setup = setup(
        ini,
        &[
            ("DATABRICKS_CONFIG_PROFILE", "p"),
            ("DATABRICKS_RATE_LIMIT", "2.5"),
            (NO_RETRY_DELAY_VAR, "1"),
        ],
    );
    let config = resolve(&ExplicitConfig::default(), &setup.env).unwrap();
    assert_eq!(config.rate_limit, 2.5);
    assert_eq!(config.http_timeout, Duration::from_secs(5));
    assert_eq!(config.retry_timeout, Duration::from_secs(30));
    assert!(config.no_retry_delay);

    let defaults = setup_with(&[]);
    let config = resolve(&ExplicitConfig::default(), &defaults.env).unwrap();
    assert_eq!(config.rate_limit, DEFAULT_RATE_LIMIT);
    assert_eq!(config.http_timeout, DEFAULT_HTTP_TIMEOUT);
    assert_eq!(config.retry_timeout, DEFAULT_RETRY_TIMEOUT);
    assert!(!config.no_retry_delay);
}

#[test]
fn a_named_profile_needs_its_file() {
    let mut env = HashMap::new();
    env.insert(
        "DATABRICKS_CONFIG_FILE".to_owned(),
        "/nonexistent/brickform/databrickscfg".to_owned(),
    );
    env.insert("DATABRICKS_CONFIG_PROFILE".to_owned(), "p".to_owned());
    let error = resolve(&ExplicitConfig::default(), &env).unwrap_err();
    assert_eq!(
        error.to_string(),
        "config file /nonexistent/brickform/databrickscfg does not exist, but profile `p` was named"
    );
}

#[test]
fn the_config_debug_output_holds_no_secret() {
    let setup = setup(PROFILES, &[]);
    let config = resolve(&ExplicitConfig::default(), &setup.env).unwrap();
    let debug = format!("{config:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(debug.contains("client_secret: ***"), "{debug}");
}
