//! Support for the end-to-end suite: a [`TestContext`] that starts the emulator on
//! `127.0.0.1:0` in-process and runs the real `brickform` binary against it over HTTP.
//!
//! Every test gets its own emulator, its own temporary directory (also the binary's working
//! directory and `HOME`, so no real `~/.databrickscfg` is ever read) and an environment with
//! nothing inherited from the developer's `DATABRICKS_*` variables.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Once;
use std::time::Duration;

use serde_json::Value;

/// The static bearer token every test emulator accepts.
pub const TEST_TOKEN: &str = "dapi-e2e-test-token";

/// A running emulator, a scratch directory and the means to run `brickform` against them.
pub struct TestContext {
    runtime: tokio::runtime::Runtime,
    emulator: Option<emulator::RunningEmulator>,
    base_url: String,
    account_id: String,
    temp: tempfile::TempDir,
    http: reqwest::Client,
}

impl TestContext {
    /// An emulator with short delays suited to tests: workspaces are RUNNING after 300 ms and
    /// gone 200 ms after a delete.
    pub fn new() -> TestContext {
        TestContext::with_config(|_| {})
    }

    /// Like [`TestContext::new`], after `configure` has adjusted the emulator's configuration.
    pub fn with_config(configure: impl FnOnce(&mut emulator::Config)) -> TestContext {
        install_crypto_provider();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("building the test runtime");
        let mut config = emulator::Config {
            tokens: vec![TEST_TOKEN.to_owned()],
            provisioning_delay: Duration::from_millis(300),
            teardown_delay: Duration::from_millis(200),
            ..emulator::Config::default()
        };
        configure(&mut config);
        let account_id = config.account_id.clone();
        let emulator = runtime
            .block_on(emulator::spawn(config, "127.0.0.1:0".parse().unwrap()))
            .expect("starting the emulator");
        let base_url = emulator.base_url();
        TestContext {
            runtime,
            emulator: Some(emulator),
            base_url,
            account_id,
            temp: tempfile::tempdir().expect("creating a temporary directory"),
            http: reqwest::Client::new(),
        }
    }

    /// The emulator itself, for what its HTTP API does not offer (the tokens it issued, a
    /// scenario larger than a request body may be).
    pub fn emulator(&self) -> &emulator::Emulator {
        self.emulator
            .as_ref()
            .expect("the emulator runs until the context is dropped")
            .emulator()
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The scratch directory: the binary's working directory and `HOME`.
    pub fn dir(&self) -> &Path {
        self.temp.path()
    }

    /// Writes `contents` to `name` under the scratch directory and returns its path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.temp.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// A `brickform` command aimed at this context's emulator with a static token.
    pub fn command(&self) -> Command {
        let mut command = self.bare_command();
        command
            .env("DATABRICKS_HOST", &self.base_url)
            .env("DATABRICKS_ACCOUNT_ID", &self.account_id)
            .env("DATABRICKS_TOKEN", TEST_TOKEN);
        command
    }

    /// A `brickform` command with a clean environment and no account configuration at all.
    pub fn bare_command(&self) -> Command {
        let mut command = Command::new(brickform_binary());
        command.current_dir(self.temp.path());
        for (name, _) in std::env::vars_os() {
            let is_databricks = name.to_string_lossy().starts_with("DATABRICKS_");
            if is_databricks || name == "RUST_LOG" || name == "GITHUB_ACTIONS" {
                command.env_remove(&name);
            }
        }
        command
            .env("HOME", self.temp.path())
            .env("NO_COLOR", "1")
            .env("BRICKFORM_TEST_NO_RETRY_DELAY", "1");
        command
    }

    /// Runs `brickform ARGS` against the emulator and returns what it did.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Run::from(
            self.command()
                .args(args)
                .output()
                .expect("running brickform"),
        )
    }

    /// Sends a request to the emulator with the test token and returns the JSON answer.
    /// `path` is relative to the server root, e.g. `/__emulator/stats` or
    /// `/api/2.0/accounts/{account}/credentials` (`{account}` is replaced).
    pub fn request(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!(
            "{}{}",
            self.base_url,
            path.replace("{account}", &self.account_id)
        );
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, url).bearer_auth(TEST_TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.runtime.block_on(async {
            let response = request.send().await.expect("calling the emulator");
            let status = response.status().as_u16();
            let text = response.text().await.unwrap_or_default();
            (
                status,
                serde_json::from_str(&text).unwrap_or(Value::String(text)),
            )
        })
    }

    /// Replaces the emulator's scenario (broken resources, latency, faults).
    pub fn set_scenario(&self, scenario: Value) {
        let (status, body) = self.request("POST", "/__emulator/scenario", Some(scenario));
        assert_eq!(status, 200, "setting the scenario: {body}");
    }

    /// The emulator's request counters.
    pub fn stats(&self) -> Value {
        let (status, body) = self.request("GET", "/__emulator/stats", None);
        assert_eq!(status, 200, "reading stats: {body}");
        body
    }

    /// Lists one collection (`credentials`, `workspaces`, ...) through the API.
    pub fn list(&self, collection: &str) -> Vec<Value> {
        let path = format!("/api/2.0/accounts/{{account}}/{collection}");
        let (status, body) = self.request("GET", &path, None);
        assert_eq!(status, 200, "listing {collection}: {body}");
        body.as_array().cloned().unwrap_or_default()
    }

    /// Filters for insta snapshots: the emulator's port, the scratch directory, UUIDs and
    /// workspace ids, and timings.
    pub fn filters(&self) -> Vec<(String, String)> {
        vec![
            (regex_escape(&self.base_url), "[EMULATOR]".to_owned()),
            (
                regex_escape(&self.temp.path().display().to_string()),
                "[TEMP_DIR]".to_owned(),
            ),
            (
                r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}".to_owned(),
                "[ID]".to_owned(),
            ),
            (r"\b\d{6,19}\b".to_owned(), "[NUMBER]".to_owned()),
            (r"\b\d+(\.\d+)?(ms|s)\b".to_owned(), "[DURATION]".to_owned()),
        ]
    }
}

impl Drop for TestContext {
    fn drop(&mut self) {
        if let Some(emulator) = self.emulator.take() {
            self.runtime.block_on(emulator.shutdown());
        }
    }
}

impl Default for TestContext {
    fn default() -> Self {
        TestContext::new()
    }
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Asserts the exit code, showing both streams when it differs.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(code),
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn success(&self) -> &Run {
        self.expect_code(0)
    }
}

/// The `brickform` binary next to this test executable (`target/<profile>/brickform`).
///
/// `cargo test --workspace` builds it because `crates/cli` has integration tests; the
/// `CARGO_BIN_EXE_brickform` variable only exists inside that package.
pub fn brickform_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("BRICKFORM_BIN") {
        return PathBuf::from(path);
    }
    let test_executable = std::env::current_exe().expect("locating the test executable");
    // target/<profile>/deps/e2e-<hash> -> target/<profile>/brickform
    let profile_dir = test_executable
        .parent()
        .and_then(Path::parent)
        .expect("the test executable lives in target/<profile>/deps");
    let binary = profile_dir.join(format!("brickform{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} does not exist: run the suite with `cargo test --workspace` (which builds the \
         binary), or build it with `cargo build -p brickform-cli`",
        binary.display()
    );
    binary
}

fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

fn regex_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        if "\\.+*?()|[]{}^$".contains(character) {
            escaped.push('\\');
        }
        escaped.push(character);
    }
    escaped
}
