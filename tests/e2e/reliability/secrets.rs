//! Secrets: every command, with OAuth M2M (a client secret) and separately with a static
//! token, at `-v`, `-vv` and `RUST_LOG=trace`; stdout, stderr, the saved plan, the exported
//! spec and the JSON event streams are searched for the client secret, the static token and
//! every access token the emulator issued: not one occurrence. Plain `http://` to a host that
//! is not loopback is refused before any connection. The emulator refuses missing, bad,
//! expired and other-account tokens, and the binary reports such a refusal without echoing
//! the token.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use brickform_tests::{Run, TestContext};
use serde_json::Value;

/// Distinctive values, so that a hit cannot be a coincidence.
const CLIENT_SECRET: &str = "e2e-client-secret-5c1f9a0b7d3e4f62";
const STATIC_TOKEN: &str = "dapi-e2e-static-token-8b2d6e4f1a3c5079";
const WRONG_SECRET: &str = "e2e-wrong-secret-0d9c8b7a6f5e4d3c";
const WRONG_TOKEN: &str = "dapi-e2e-wrong-token-1e2d3c4b5a697887";

const SPEC: &str = r#"
version: 1
credentials:
  main:
    name: secret-credentials
    role_arn: arn:aws:iam::123456789012:role/secret
storage_configurations:
  root:
    name: secret-root
    bucket_name: secret-dbfs-root
workspaces:
  analytics:
    workspace_name: secret-analytics
    deployment_name: secret-analytics
    aws_region: us-west-2
    credentials: main
    storage_configuration: root
    custom_tags: { Env: Dev }
    lifecycle: { prevent_destroy: false }
"#;

#[derive(Debug, Clone, Copy)]
enum Auth {
    OAuth,
    Token,
}

#[derive(Debug, Clone, Copy)]
enum Verbosity {
    Info,
    Debug,
    Trace,
}

fn context() -> TestContext {
    TestContext::with_config(|config| {
        config.client_secret = CLIENT_SECRET.to_owned();
        config.tokens.push(STATIC_TOKEN.to_owned());
        config.provisioning_delay = Duration::from_millis(100);
        config.teardown_delay = Duration::from_millis(100);
    })
}

/// A command with only the given authentication: no other token in the environment.
fn command(context: &TestContext, auth: Auth, verbosity: Verbosity) -> Command {
    let mut command = context.bare_command();
    command
        .env("DATABRICKS_HOST", context.base_url())
        .env("DATABRICKS_ACCOUNT_ID", context.account_id());
    match auth {
        Auth::OAuth => command
            .env("DATABRICKS_CLIENT_ID", emulator::DEFAULT_CLIENT_ID)
            .env("DATABRICKS_CLIENT_SECRET", CLIENT_SECRET),
        Auth::Token => command.env("DATABRICKS_TOKEN", STATIC_TOKEN),
    };
    match verbosity {
        Verbosity::Info => command.arg("-v"),
        Verbosity::Debug => command.arg("-vv"),
        Verbosity::Trace => command.env("RUST_LOG", "trace"),
    };
    command
}

/// Everything a session of commands wrote (streams and files), and what was searched for.
#[derive(Default)]
struct Transcript {
    text: String,
    runs: usize,
    issued: Vec<String>,
    searched: Vec<String>,
}

impl Transcript {
    fn run(&mut self, mut command: Command, args: &[&str]) -> Run {
        let run = Run::from(command.args(args).output().expect("running brickform"));
        self.text.push_str(&run.stdout);
        self.text.push_str(&run.stderr);
        self.runs += 1;
        run
    }

    fn file(&mut self, path: &Path) {
        self.text
            .push_str(&std::fs::read_to_string(path).expect("reading an output file"));
    }
}

/// Runs every command once, in an order that gives each something to do.
fn session(context: &TestContext, auth: Auth, verbosity: Verbosity) -> Transcript {
    let spec = context.write("spec.yaml", SPEC);
    let spec = spec.display().to_string();
    let plan_file = context.dir().join("plan.json");
    let plan_path = plan_file.display().to_string();
    let export_file = context.dir().join("exported.yaml");
    let export_path = export_file.display().to_string();
    let mut transcript = Transcript::default();
    let mut step = |args: &[&str], expected: i32| {
        let run = transcript.run(command(context, auth, verbosity), args);
        assert_eq!(
            run.code,
            Some(expected),
            "{auth:?} {verbosity:?} `{}`\n--- stdout\n{}\n--- stderr\n{}",
            args.join(" "),
            run.stdout,
            run.stderr
        );
    };
    step(&["validate", &spec], 0);
    step(&["auth", "check"], 0);
    step(&["plan", &spec], 0);
    step(&["plan", &spec, "--out", &plan_path], 0);
    step(&["plan", &spec, "--format", "json"], 0);
    step(&["plan", &spec, "--format", "markdown"], 0);
    step(&["show", &plan_path], 0);
    step(&["show", &plan_path, "--format", "json"], 0);
    step(&["apply", &plan_path, "--format", "json"], 0);
    step(&["apply", &spec, "--auto-approve"], 0);
    context.write("spec.yaml", &SPEC.replace("Env: Dev", "Env: Prod"));
    step(&["apply", &spec, "--auto-approve", "--format", "json"], 0);
    step(&["export"], 0);
    step(&["export", "--out", &export_path], 0);
    step(
        &[
            "destroy",
            &spec,
            "--auto-approve",
            "--allow-destroy",
            "workspaces.analytics",
            "--format",
            "json",
        ],
        0,
    );
    transcript.file(&plan_file);
    transcript.file(&export_file);
    transcript
}

/// The secrets to look for: the configured ones, and every token the emulator issued (whole,
/// and each random half, so that a truncated token is found too).
fn secrets(context: &TestContext) -> Vec<String> {
    let mut secrets = vec![
        CLIENT_SECRET.to_owned(),
        STATIC_TOKEN.to_owned(),
        WRONG_SECRET.to_owned(),
        WRONG_TOKEN.to_owned(),
    ];
    for token in context.emulator().issued_tokens() {
        let random = token.trim_start_matches("bfemu.").to_owned();
        let (first, second) = random.split_at(random.len() / 2);
        secrets.extend([first.to_owned(), second.to_owned(), token]);
    }
    secrets
}

fn occurrences(text: &str, secrets: &[String]) -> Vec<String> {
    secrets
        .iter()
        .filter(|secret| text.contains(secret.as_str()))
        .map(|secret| {
            format!(
                "`{secret}` ({} times)",
                text.matches(secret.as_str()).count()
            )
        })
        .collect()
}

#[test]
#[allow(clippy::print_stderr)] // The figures are part of the suite's report (`--nocapture`).
fn no_secret_or_token_appears_in_any_output_of_any_command() {
    let sessions: Vec<(Auth, Verbosity)> = [Auth::OAuth, Auth::Token]
        .into_iter()
        .flat_map(|auth| {
            [Verbosity::Info, Verbosity::Debug, Verbosity::Trace]
                .into_iter()
                .map(move |verbosity| (auth, verbosity))
        })
        .collect();
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = sessions
            .iter()
            .map(|&(auth, verbosity)| {
                scope.spawn(move || {
                    let context = context();
                    let mut transcript = session(&context, auth, verbosity);
                    transcript.issued = context.emulator().issued_tokens();
                    transcript.searched = secrets(&context);
                    let issued = transcript.issued.len();
                    let found = occurrences(&transcript.text, &transcript.searched);
                    (auth, verbosity, transcript, issued, found)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a session panicked"))
            .collect::<Vec<_>>()
    });
    let mut runs = 0;
    let mut bytes = 0;
    for (auth, verbosity, transcript, issued, found) in &results {
        // The search itself works: a token that did leak, even cut short, is found.
        if let Some(token) = transcript.issued.first() {
            let leaked = format!("Authorization: Bearer {}…", &token[..40]);
            assert!(!occurrences(&leaked, &transcript.searched).is_empty());
        }
        assert!(
            found.is_empty(),
            "{auth:?} {verbosity:?}: secrets in the output: {}",
            found.join(", ")
        );
        match auth {
            Auth::OAuth => assert!(*issued > 0, "OAuth sessions obtain tokens"),
            Auth::Token => assert_eq!(*issued, 0, "a static token needs no exchange"),
        }
        // The debug and trace logs were as verbose as asked: every request was logged, so
        // the search had something to search.
        let evidence = match verbosity {
            Verbosity::Info => "reading account",
            Verbosity::Debug => "DEBUG brickform_client::client: account API request",
            Verbosity::Trace => " TRACE ",
        };
        assert!(
            transcript.text.contains(evidence),
            "{auth:?} {verbosity:?}: no `{evidence}` in the logs"
        );
        runs += transcript.runs;
        bytes += transcript.text.len();
    }
    eprintln!(
        "secrets: {runs} command runs in {} sessions, {:.1} MB of output and files searched, no secret or token found",
        results.len(),
        bytes as f64 / 1e6
    );
}

#[test]
fn refused_credentials_are_reported_without_echoing_them() {
    let context = context();
    let spec = context.write("spec.yaml", SPEC);
    let spec = spec.display().to_string();
    let mut wrong_secret = command(&context, Auth::OAuth, Verbosity::Trace);
    wrong_secret.env("DATABRICKS_CLIENT_SECRET", WRONG_SECRET);
    let mut wrong_token = command(&context, Auth::Token, Verbosity::Trace);
    wrong_token.env("DATABRICKS_TOKEN", WRONG_TOKEN);
    let mut transcript = Transcript::default();
    for (command, says) in [
        (wrong_secret, "invalid_client"),
        (wrong_token, "401 Unauthorized"),
    ] {
        let run = transcript.run(command, &["plan", &spec]);
        run.expect_code(1);
        assert!(run.stderr.contains(says), "{}", run.stderr);
    }
    let found = occurrences(&transcript.text, &secrets(&context));
    assert!(
        found.is_empty(),
        "secrets in the output: {}",
        found.join(", ")
    );
}

#[test]
fn plain_http_to_a_host_that_is_not_loopback_is_refused_before_any_connection() {
    let context = context();
    let spec = context.write("spec.yaml", SPEC);
    let spec = spec.display().to_string();
    // Documentation-only addresses (RFC 5737, RFC 3849): never routed, so even a broken
    // guard could not reach anything.
    for host in [
        "http://192.0.2.10",
        "http://[2001:db8::1]:8080",
        "http://0.0.0.0:8480",
    ] {
        let mut command = command(&context, Auth::Token, Verbosity::Info);
        command.env("DATABRICKS_HOST", host);
        let run = Run::from(command.args(["plan", &spec]).output().unwrap());
        run.expect_code(1);
        assert!(
            run.stderr.contains("http://") && run.stderr.contains("https://"),
            "{host}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("reading account"), "{}", run.stderr);
    }
    // Loopback over plain HTTP is how every other test runs; here by name.
    let mut command = command(&context, Auth::Token, Verbosity::Info);
    command.env(
        "DATABRICKS_HOST",
        context.base_url().replace("127.0.0.1", "localhost"),
    );
    Run::from(command.args(["plan", &spec]).output().unwrap()).success();
}

/// Calls the emulator's credentials list with `token` (or none), on `account`.
fn list_with(base_url: &str, account: &str, token: Option<&str>) -> (u16, Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut request = reqwest::Client::new()
            .get(format!("{base_url}/api/2.0/accounts/{account}/credentials"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("calling the emulator");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    })
}

/// An access token from the emulator's OAuth token endpoint.
fn oauth_token(context: &TestContext, secret: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(format!(
                "{}/oidc/accounts/{}/v1/token",
                context.base_url(),
                context.account_id()
            ))
            .basic_auth(emulator::DEFAULT_CLIENT_ID, Some(secret))
            .form(&[("grant_type", "client_credentials"), ("scope", "all-apis")])
            .send()
            .await
            .expect("calling the token endpoint");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    })
}

#[test]
fn the_emulator_refuses_missing_bad_expired_and_other_account_tokens() {
    let context = TestContext::with_config(|config| {
        config.client_secret = CLIENT_SECRET.to_owned();
        config.token_ttl = Duration::from_secs(1);
    });
    let other = TestContext::with_config(|config| {
        config.account_id = "11111111-2222-3333-4444-555555555555".to_owned();
        config.client_secret = CLIENT_SECRET.to_owned();
    });
    let (base, account) = (context.base_url(), context.account_id());
    let error_of = |(status, body): (u16, Value)| (status, body["error_code"].clone());

    let token = oauth_token(&context, CLIENT_SECRET);
    assert_eq!(list_with(base, account, Some(&token)).0, 200);
    assert_eq!(
        error_of(list_with(base, account, None)),
        (401, "UNAUTHENTICATED".into())
    );
    assert_eq!(
        error_of(list_with(base, account, Some(WRONG_TOKEN))),
        (401, "UNAUTHENTICATED".into())
    );
    // A token the other account's emulator issued means nothing here.
    let foreign = oauth_token(&other, CLIENT_SECRET);
    assert_eq!(
        list_with(other.base_url(), other.account_id(), Some(&foreign)).0,
        200
    );
    assert_eq!(
        error_of(list_with(base, account, Some(&foreign))),
        (401, "UNAUTHENTICATED".into())
    );
    // A valid token does not open another account's path.
    assert_eq!(list_with(base, other.account_id(), Some(&token)).0, 403);
    // After its lifetime the token is refused as expired.
    std::thread::sleep(Duration::from_millis(1_200));
    let (status, body) = list_with(base, account, Some(&token));
    assert_eq!(status, 401, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|message| message.contains("expired")),
        "{body}"
    );
    // The binary, with OAuth, simply obtains fresh tokens as they expire.
    let spec = context.write("spec.yaml", SPEC);
    let mut plan = context.bare_command();
    plan.env("DATABRICKS_HOST", base)
        .env("DATABRICKS_ACCOUNT_ID", account)
        .env("DATABRICKS_CLIENT_ID", emulator::DEFAULT_CLIENT_ID)
        .env("DATABRICKS_CLIENT_SECRET", CLIENT_SECRET)
        .args(["plan", &spec.display().to_string()]);
    Run::from(plan.output().unwrap()).success();
}
