//! The client against the real emulator on 127.0.0.1:0: every auth method (with token
//! refresh after expiry), config-file profiles and precedence, the emulator's error bodies,
//! `Retry-After`, lost `POST`s adopted rather than duplicated, and no secret in any log.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use api_types::{
    CreateCredentialRequest, CreateStorageConfigurationRequest, CreateWorkspaceRequest, Credential,
    Network, PrivateAccessSettingsRequest, RootBucketInfo, UpdateWorkspaceRequest, Workspace,
    WorkspaceStatus,
};
use brickform_client::config::{self, ExplicitConfig};
use brickform_client::{
    AccountApi, Adoption, AuthConfig, Client, ClientBuilder, ConfigError, NaturalKey, Resource,
    Secret,
};
use emulator::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Fault, RunningEmulator, Scenario};
use url::Url;

const STATIC_TOKEN: &str = "dapi-emulator-static-5b7d";

async fn start(adjust: impl FnOnce(&mut emulator::Config)) -> RunningEmulator {
    let mut config = emulator::Config {
        tokens: vec![STATIC_TOKEN.to_owned()],
        provisioning_delay: Duration::ZERO,
        teardown_delay: Duration::ZERO,
        ..emulator::Config::default()
    };
    adjust(&mut config);
    emulator::spawn(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn builder(running: &RunningEmulator, auth: AuthConfig) -> ClientBuilder {
    ClientBuilder::new(
        Url::parse(&running.base_url()).unwrap(),
        running.account_id(),
        auth,
    )
    .rate_limit(1_000.0)
    .no_retry_delay(true)
}

fn pat(token: &str) -> AuthConfig {
    AuthConfig::Pat {
        token: Secret::new(token),
    }
}

fn m2m(secret: &str) -> AuthConfig {
    AuthConfig::OAuthM2m {
        client_id: DEFAULT_CLIENT_ID.to_owned(),
        client_secret: Secret::new(secret),
    }
}

fn client(running: &RunningEmulator) -> Client {
    builder(running, pat(STATIC_TOKEN)).build().unwrap()
}

fn fault(route: &str, status: u16, adjust: impl FnOnce(&mut Fault)) -> Scenario {
    let mut fault = Fault {
        route: route.to_owned(),
        status,
        times: 1,
        retry_after: None,
        after_commit: false,
        skip: 0,
        body: None,
        content_type: None,
        body_repeat: 1,
    };
    adjust(&mut fault);
    Scenario {
        faults: vec![fault],
        ..Scenario::default()
    }
}

fn count(running: &RunningEmulator, route: &str) -> u64 {
    running.emulator().stats().count(route)
}

fn network_request(name: &str) -> api_types::CreateNetworkRequest {
    api_types::CreateNetworkRequest {
        network_name: name.to_owned(),
        vpc_id: "vpc-0123".to_owned(),
        subnet_ids: vec![format!("subnet-{name}-a"), format!("subnet-{name}-b")],
        security_group_ids: vec![format!("sg-{name}")],
        vpc_endpoints: None,
    }
}

// Auth methods.

#[tokio::test]
async fn a_static_token_and_oauth_m2m_both_authenticate() {
    let running = start(|_| {}).await;
    assert!(
        client(&running)
            .list_credentials()
            .await
            .unwrap()
            .is_empty()
    );
    let oauth = builder(&running, m2m(DEFAULT_CLIENT_SECRET))
        .build()
        .unwrap();
    oauth.list_networks().await.unwrap();
    oauth.list_workspaces().await.unwrap();
    assert_eq!(running.emulator().stats().token_requests, 1);

    let wrong = builder(&running, m2m("not-the-secret")).build().unwrap();
    let error = wrong.list_networks().await.unwrap_err();
    assert!(error.is_unauthenticated(), "{error:?}");
    let error = builder(&running, pat("dapi-unknown"))
        .build()
        .unwrap()
        .list_networks()
        .await
        .unwrap_err();
    assert!(error.is_unauthenticated());
    assert!(error.error_code().unwrap().is("UNAUTHENTICATED"));
}

#[tokio::test]
async fn an_oauth_token_is_refreshed_after_it_expires() {
    let running = start(|config| config.token_ttl = Duration::from_secs(2)).await;
    let oauth = builder(&running, m2m(DEFAULT_CLIENT_SECRET))
        .build()
        .unwrap();
    oauth.list_networks().await.unwrap();
    oauth.list_networks().await.unwrap();
    assert_eq!(running.emulator().stats().token_requests, 1);
    // Past the refresh point (a quarter of the lifetime before expiry): a new token.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    oauth.list_networks().await.unwrap();
    assert_eq!(running.emulator().stats().token_requests, 2);
    // Past the server-side expiry of the second token too: still no 401 reaches the caller.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    oauth.list_networks().await.unwrap();
    assert_eq!(running.emulator().stats().token_requests, 3);
    assert_eq!(count(&running, "GET /networks"), 4);
}

#[cfg(unix)]
#[tokio::test]
async fn the_databricks_cli_token_authenticates() {
    use std::os::unix::fs::PermissionsExt;

    let running = start(|_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("databricks");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '{{\"access_token\":\"{STATIC_TOKEN}\",\"token_type\":\"Bearer\",\"expiry\":\"2099-01-01T00:00:00Z\"}}'\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let auth = AuthConfig::DatabricksCli {
        cli_path: Some(script),
        profile: None,
    };
    let cli = builder(&running, auth).build().unwrap();
    cli.list_credentials().await.unwrap();
    assert_eq!(count(&running, "GET /credentials"), 1);
}

// Configuration.

#[tokio::test]
async fn config_file_profiles_and_precedence_reach_the_emulator() {
    let running = start(|_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("databrickscfg");
    let host = running.base_url();
    let account = running.account_id().to_owned();
    std::fs::write(
        &file,
        format!(
            "[DEFAULT]\nhost = https://accounts.cloud.databricks.com\naccount_id = elsewhere\n\n\
             [sp]\nhost = {host}\naccount_id = {account}\nclient_id = {DEFAULT_CLIENT_ID}\n\
             client_secret = {DEFAULT_CLIENT_SECRET}\n\n\
             [static]\nhost = {host}\naccount_id = {account}\ntoken = {STATIC_TOKEN}\n\n\
             [other-account]\nhost = {host}\naccount_id = 99999999-0000-0000-0000-000000000000\n\
             token = {STATIC_TOKEN}\n"
        ),
    )
    .unwrap();
    let env = |vars: &[(&str, &str)]| -> HashMap<String, String> {
        let mut env: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        env.insert(
            "DATABRICKS_CONFIG_FILE".to_owned(),
            file.display().to_string(),
        );
        env.insert(config::NO_RETRY_DELAY_VAR.to_owned(), "1".to_owned());
        env
    };
    let resolve_client = |explicit: ExplicitConfig, vars: &[(&str, &str)]| {
        config::resolve(&explicit, &env(vars)).map(|config| {
            assert!(config.no_retry_delay);
            Client::from_config(&config).unwrap()
        })
    };

    let by_env = resolve_client(
        ExplicitConfig::default(),
        &[("DATABRICKS_CONFIG_PROFILE", "sp")],
    );
    by_env.unwrap().list_credentials().await.unwrap();
    assert_eq!(running.emulator().stats().token_requests, 1);

    let by_flag = ExplicitConfig {
        profile: Some("static".to_owned()),
        ..ExplicitConfig::default()
    };
    let by_flag = resolve_client(by_flag, &[("DATABRICKS_CONFIG_PROFILE", "sp")]).unwrap();
    by_flag.list_credentials().await.unwrap();
    assert_eq!(running.emulator().stats().token_requests, 1);

    // A flag names the right account for a profile that names another one.
    let wrong_account = ExplicitConfig {
        profile: Some("other-account".to_owned()),
        ..ExplicitConfig::default()
    };
    let error = resolve_client(wrong_account.clone(), &[])
        .unwrap()
        .list_credentials()
        .await
        .unwrap_err();
    assert!(error.is_permission_denied(), "{error:?}");
    let fixed = ExplicitConfig {
        account_id: Some(account.clone()),
        ..wrong_account
    };
    resolve_client(fixed, &[])
        .unwrap()
        .list_credentials()
        .await
        .unwrap();

    // A token from the environment next to the profile's client credentials is ambiguous,
    // and refused before any request.
    let before = running.emulator().stats().total;
    let ambiguous = resolve_client(
        ExplicitConfig::default(),
        &[
            ("DATABRICKS_CONFIG_PROFILE", "sp"),
            ("DATABRICKS_TOKEN", STATIC_TOKEN),
        ],
    );
    let Err(error) = ambiguous else {
        panic!("expected the ambiguous-auth error");
    };
    assert!(matches!(error, ConfigError::AmbiguousAuth { .. }));
    assert!(
        error
            .to_string()
            .starts_with("more than one authorization method configured: oauth and pat")
    );
    // `auth_type` settles it.
    resolve_client(
        ExplicitConfig::default(),
        &[
            ("DATABRICKS_CONFIG_PROFILE", "sp"),
            ("DATABRICKS_TOKEN", STATIC_TOKEN),
            ("DATABRICKS_AUTH_TYPE", "pat"),
        ],
    )
    .unwrap()
    .list_credentials()
    .await
    .unwrap();
    assert_eq!(running.emulator().stats().total, before + 1);
}

// Errors and retries.

#[tokio::test]
async fn the_emulators_error_bodies_are_classified() {
    let running = start(|_| {}).await;
    let client = client(&running);
    let missing = client.get_network("no-such-network").await.unwrap_err();
    assert!(missing.is_not_found());
    assert!(missing.error_code().unwrap().is("RESOURCE_DOES_NOT_EXIST"));

    let request = CreateCredentialRequest::new("acme-creds", "arn:aws:iam::123456789012:role/acme");
    client.create_credential(&request).await.unwrap();
    let duplicate = client.create_credential(&request).await.unwrap_err();
    assert!(
        duplicate.is_conflict() && duplicate.is_already_exists(),
        "{duplicate:?}"
    );

    // `EMPTY` without a deployment-name prefix: the real service's plain-text answer.
    let (credentials_id, storage_configuration_id) = prerequisites(&client).await;
    let empty = CreateWorkspaceRequest {
        workspace_name: "empty".to_owned(),
        deployment_name: Some("EMPTY".to_owned()),
        aws_region: "us-west-2".to_owned(),
        credentials_id: Some(credentials_id),
        storage_configuration_id: Some(storage_configuration_id),
        ..CreateWorkspaceRequest::default()
    };
    let plain = client.create_workspace(&empty).await.unwrap_err();
    assert!(
        plain.error_code().unwrap().is("MALFORMED_REQUEST"),
        "{plain:?}"
    );
    assert!(!plain.is_ambiguous());
}

async fn prerequisites(client: &Client) -> (String, String) {
    let credential = client
        .create_credential(&CreateCredentialRequest::new(
            "ws-creds",
            "arn:aws:iam::123456789012:role/ws",
        ))
        .await
        .unwrap();
    let storage = client
        .create_storage_configuration(&CreateStorageConfigurationRequest {
            storage_configuration_name: "ws-root".to_owned(),
            root_bucket_info: RootBucketInfo {
                bucket_name: "ws-root-bucket".to_owned(),
            },
            role_arn: None,
        })
        .await
        .unwrap();
    (credential.credentials_id, storage.storage_configuration_id)
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let running = start(|_| {}).await;
    let throttled = fault("GET /networks", 429, |fault| {
        fault.times = 2;
        fault.retry_after = Some(1);
    });
    running.emulator().set_scenario(throttled.clone()).unwrap();
    let waiting = builder(&running, pat(STATIC_TOKEN))
        .no_retry_delay(false)
        .build()
        .unwrap();
    let started = Instant::now();
    waiting.list_networks().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(count(&running, "GET /networks"), 3);
    assert!(elapsed >= Duration::from_secs(2), "waited only {elapsed:?}");

    // The test knob skips the waits but not the retries.
    running.emulator().set_scenario(throttled).unwrap();
    client(&running).list_networks().await.unwrap();
    assert_eq!(count(&running, "GET /networks"), 6);
}

#[tokio::test]
async fn a_snapshot_is_seven_requests() {
    let running = start(|_| {}).await;
    let client = client(&running);
    client
        .create_network(&network_request("snap"))
        .await
        .unwrap();
    let before = running.emulator().stats().total;
    let snapshot = client.snapshot().await.unwrap();
    assert_eq!(snapshot.networks.len(), 1);
    assert_eq!(running.emulator().stats().total - before, 7);
}

// Lost POSTs.

#[tokio::test]
async fn a_post_whose_answer_is_lost_is_adopted_not_duplicated() {
    let running = start(|_| {}).await;
    let client = client(&running);
    let dropped = fault("POST /networks", 0, |fault| fault.after_commit = true);
    running.emulator().set_scenario(dropped).unwrap();
    let request = network_request("acme-vpc");
    let created = client
        .create_or_adopt::<Network>(&request, &Network::requested_key(&request))
        .await
        .unwrap();
    assert_eq!(created.adoption, Some(Adoption::AfterUncertainCreate));
    assert_eq!(count(&running, "POST /networks"), 1);
    let networks = client.list_networks().await.unwrap();
    assert_eq!(networks.len(), 1);
    assert_eq!(networks[0].network_id, created.object.network_id);

    // The same for a 500 after the work was done.
    let failed = fault("POST /credentials", 500, |fault| fault.after_commit = true);
    running.emulator().set_scenario(failed).unwrap();
    let request = CreateCredentialRequest::new("acme-creds", "arn:aws:iam::123456789012:role/a");
    let created = client
        .create_or_adopt::<Credential>(&request, &Credential::requested_key(&request))
        .await
        .unwrap();
    assert_eq!(created.adoption, Some(Adoption::AfterUncertainCreate));
    assert_eq!(client.list_credentials().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_workspace_post_lost_after_commit_is_adopted_by_its_prefixed_deployment_name() {
    let running = start(|config| config.deployment_name_prefix = Some("acme".to_owned())).await;
    let client = client(&running);
    let (credentials_id, storage_configuration_id) = prerequisites(&client).await;
    let unavailable = fault("POST /workspaces", 503, |fault| {
        fault.after_commit = true;
        fault.retry_after = Some(1);
    });
    running.emulator().set_scenario(unavailable).unwrap();
    let request = CreateWorkspaceRequest {
        workspace_name: "Sales".to_owned(),
        deployment_name: Some("sales".to_owned()),
        aws_region: "us-west-2".to_owned(),
        credentials_id: Some(credentials_id),
        storage_configuration_id: Some(storage_configuration_id),
        ..CreateWorkspaceRequest::default()
    };
    let key = NaturalKey::workspace(&request, Some("acme"));
    let created = client
        .create_or_adopt::<Workspace>(&request, &key)
        .await
        .unwrap();
    assert_eq!(created.adoption, Some(Adoption::AfterUncertainCreate));
    assert_eq!(created.object.deployment_name, "acme-sales");
    assert_eq!(count(&running, "POST /workspaces"), 1);
    assert_eq!(client.list_workspaces().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_post_dropped_before_the_work_is_sent_again_once() {
    let running = start(|_| {}).await;
    let client = client(&running);
    let dropped = fault("POST /credentials", 0, |_| {});
    running.emulator().set_scenario(dropped).unwrap();
    let request = CreateCredentialRequest::new("acme-creds", "arn:aws:iam::123456789012:role/a");
    let created = client
        .create_or_adopt::<Credential>(&request, &Credential::requested_key(&request))
        .await
        .unwrap();
    assert_eq!(created.adoption, None);
    assert_eq!(count(&running, "POST /credentials"), 2);
    assert_eq!(count(&running, "GET /credentials"), 1);
    assert_eq!(client.list_credentials().await.unwrap().len(), 1);
}

// Updates.

#[tokio::test]
async fn patch_and_put_round_trip_through_the_emulator() {
    let running = start(|_| {}).await;
    let client = client(&running);
    let (credentials_id, storage_configuration_id) = prerequisites(&client).await;
    let workspace = client
        .create_workspace(&CreateWorkspaceRequest {
            workspace_name: "sales".to_owned(),
            aws_region: "us-west-2".to_owned(),
            credentials_id: Some(credentials_id),
            storage_configuration_id: Some(storage_configuration_id),
            ..CreateWorkspaceRequest::default()
        })
        .await
        .unwrap();
    let running_workspace = client.get_workspace(workspace.workspace_id).await.unwrap();
    assert_eq!(
        running_workspace.workspace_status,
        Some(WorkspaceStatus::Running)
    );
    let tags = UpdateWorkspaceRequest {
        custom_tags: Some([("Env".to_owned(), "Prod".to_owned())].into()),
        ..UpdateWorkspaceRequest::default()
    };
    let updated = client
        .update_workspace(workspace.workspace_id, &tags)
        .await
        .unwrap();
    assert_eq!(updated.custom_tags["Env"], "Prod");

    let settings = PrivateAccessSettingsRequest {
        private_access_settings_name: "acme-pas".to_owned(),
        region: "us-west-2".to_owned(),
        public_access_enabled: Some(true),
        ..PrivateAccessSettingsRequest::default()
    };
    let created = client
        .create_private_access_settings(&settings)
        .await
        .unwrap();
    let replaced = client
        .replace_private_access_settings(
            &created.private_access_settings_id,
            &PrivateAccessSettingsRequest {
                public_access_enabled: Some(false),
                ..settings
            },
        )
        .await
        .unwrap();
    assert_eq!(replaced.public_access_enabled, Some(false));
    client
        .delete_private_access_settings(&created.private_access_settings_id)
        .await
        .unwrap();
    let gone = client
        .get_private_access_settings(&created.private_access_settings_id)
        .await
        .unwrap_err();
    assert!(gone.is_not_found());
}

// Redaction.

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

#[tokio::test]
async fn no_secret_appears_in_any_log_or_error() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    // A current-thread runtime: the emulator's and the client's events all land here.
    let _guard = tracing::subscriber::set_default(subscriber);
    let running = start(|config| config.token_ttl = Duration::from_secs(1)).await;
    let throttled = fault("GET /networks", 429, |fault| fault.retry_after = Some(1));
    running.emulator().set_scenario(throttled).unwrap();

    let oauth = builder(&running, m2m(DEFAULT_CLIENT_SECRET))
        .build()
        .unwrap();
    oauth.list_networks().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    oauth.list_networks().await.unwrap();
    let mut errors = Vec::new();
    errors.push(
        builder(&running, m2m("wrong-secret-0a1b"))
            .build()
            .unwrap()
            .list_networks()
            .await
            .unwrap_err(),
    );
    errors.push(
        builder(&running, pat("dapi-wrong-token-2c3d"))
            .build()
            .unwrap()
            .list_networks()
            .await
            .unwrap_err(),
    );

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("account API request"), "{logs}");
    assert!(logs.contains("token request"), "{logs}");
    assert!(logs.contains("status=429"), "{logs}");
    let mut texts = vec![logs, format!("{oauth:?}")];
    for error in &errors {
        texts.push(format!("{error:?}"));
        let mut chain = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            chain.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        texts.push(chain);
    }
    for text in &texts {
        for secret in [
            DEFAULT_CLIENT_SECRET,
            "wrong-secret-0a1b",
            "dapi-wrong-token-2c3d",
            STATIC_TOKEN,
        ] {
            assert!(!text.contains(secret), "`{secret}` leaked into: {text}");
        }
        // No bearer token or Basic credentials of any kind, whatever their value.
        assert!(
            !text.contains("Bearer "),
            "a bearer token leaked into: {text}"
        );
        assert!(
            !text.contains("Basic "),
            "Basic credentials leaked into: {text}"
        );
    }
}
