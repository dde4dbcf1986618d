//! `brickform auth check` through the binary, for the failures that need no server: nothing
//! configured, a plain-http host, two auth methods at once, an unreachable host. Each run
//! gets an empty environment, so the developer's own configuration never leaks in.

use assert_cmd::Command;

const SECRET: &str = "dapi-do-not-print-3f9a";

fn brickform(vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin!("brickform"));
    command
        .env_clear()
        .env("HOME", "/nonexistent/brickform-home")
        .env("NO_COLOR", "1");
    for (name, value) in vars {
        command.env(name, value);
    }
    command
}

fn run(command: &mut Command) -> (Option<i32>, String, String) {
    let output = command.output().unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn nothing_configured_explains_how_to_configure_an_account() {
    let (code, stdout, stderr) = run(brickform(&[]).args(["auth", "check"]));
    assert_eq!(code, Some(1));
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("no Databricks account is configured"),
        "{stderr}"
    );
    assert!(stderr.contains("DATABRICKS_HOST"), "{stderr}");
    assert!(stderr.contains("--profile"), "{stderr}");
    assert!(stderr.contains("--local"), "{stderr}");
}

#[test]
fn a_plain_http_host_is_refused_before_any_request() {
    let (code, stdout, stderr) = run(brickform(&[("DATABRICKS_TOKEN", SECRET)]).args([
        "auth",
        "check",
        "--host",
        "http://accounts.example.com",
        "--account-id",
        "a",
    ]));
    assert_eq!(code, Some(1));
    assert_eq!(stdout, "");
    assert!(stderr.contains("uses http://"), "{stderr}");
    assert!(!stderr.contains(SECRET));
}

#[test]
fn two_auth_methods_are_refused_without_showing_either_secret() {
    let (code, _, stderr) = run(brickform(&[
        ("DATABRICKS_HOST", "https://accounts.cloud.databricks.com"),
        ("DATABRICKS_ACCOUNT_ID", "a"),
        ("DATABRICKS_TOKEN", SECRET),
        ("DATABRICKS_CLIENT_ID", "sp"),
        ("DATABRICKS_CLIENT_SECRET", SECRET),
    ])
    .args(["auth", "check"]));
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("more than one authorization method configured: oauth and pat"),
        "{stderr}"
    );
    assert!(stderr.contains("DATABRICKS_AUTH_TYPE"), "{stderr}");
    assert!(!stderr.contains(SECRET));
}

#[test]
fn an_unreachable_host_is_reported_with_where_the_values_came_from() {
    // Nothing listens on a port that was just released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let host = format!("http://127.0.0.1:{port}");
    let (code, stdout, stderr) = run(brickform(&[
        ("DATABRICKS_HOST", host.as_str()),
        ("DATABRICKS_TOKEN", SECRET),
        ("BRICKFORM_TEST_NO_RETRY_DELAY", "1"),
    ])
    .args(["auth", "check", "--account-id", "acct-1"]));
    assert_eq!(code, Some(1));
    assert_eq!(
        stdout,
        format!(
            "host:       {host}  (from the DATABRICKS_HOST environment variable)\n\
             account id: acct-1  (from the --account-id flag)\n\
             auth type:  pat  (from the DATABRICKS_TOKEN environment variable)\n"
        )
    );
    assert!(stderr.contains("cannot connect to 127.0.0.1"), "{stderr}");
    assert!(stderr.contains("cannot be reached"), "{stderr}");
    assert!(!stderr.contains(SECRET) && !stdout.contains(SECRET));
}

/// An emulator on 127.0.0.1:0, served by its own runtime while the binary runs.
struct Emulator {
    running: emulator::RunningEmulator,
    _runtime: tokio::runtime::Runtime,
}

fn emulator() -> Emulator {
    start(emulator::Config::default())
}

/// An emulator that also accepts [`SECRET`] as a static bearer token.
fn emulator_with_token() -> Emulator {
    start(emulator::Config {
        tokens: vec![SECRET.to_owned()],
        ..emulator::Config::default()
    })
}

fn start(config: emulator::Config) -> Emulator {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let running = runtime
        .block_on(emulator::spawn(config, "127.0.0.1:0".parse().unwrap()))
        .unwrap();
    Emulator {
        running,
        _runtime: runtime,
    }
}

/// A config file with one profile for the emulator's service principal, in a fresh folder.
fn profile_file(test: &str, base_url: &str, account_id: &str, secret: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("auth-check-{test}"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("databrickscfg");
    std::fs::write(
        &file,
        format!(
            "[__settings__]\ndefault_profile = local\n\n[local]\nhost = {base_url}\n\
             account_id = {account_id}\nclient_id = {}\nclient_secret = {secret}\n",
            emulator::DEFAULT_CLIENT_ID
        ),
    )
    .unwrap();
    file
}

#[test]
fn a_working_profile_is_reported_with_its_sources() {
    let emulator = emulator();
    let base_url = emulator.running.base_url();
    let file = profile_file(
        "ok",
        &base_url,
        emulator.running.account_id(),
        emulator::DEFAULT_CLIENT_SECRET,
    );
    let file_text = file.display().to_string();
    let (code, stdout, stderr) =
        run(brickform(&[("DATABRICKS_CONFIG_FILE", &file_text)]).args(["auth", "check"]));
    assert_eq!(code, Some(0), "{stderr}");
    let stdout = stdout
        .replace(&base_url, "[HOST]")
        .replace(&file_text, "[FILE]");
    insta::assert_snapshot!(stdout, @r"
    host:       [HOST]  (from profile `local` in [FILE])
    account id: 00000000-0000-0000-0000-000000000001  (from profile `local` in [FILE])
    auth type:  oauth-m2m  (from profile `local` in [FILE])
    client id:  brickform-local
    ok: the account answered; 0 credential configurations visible
    ");
    assert!(!stdout.contains(emulator::DEFAULT_CLIENT_SECRET));
    assert_eq!(emulator.running.emulator().stats().token_requests, 1);
}

#[test]
fn a_wrong_secret_is_explained_as_refused_credentials() {
    let emulator = emulator();
    let base_url = emulator.running.base_url();
    let file = profile_file("secret", &base_url, emulator.running.account_id(), SECRET);
    let (code, _, stderr) = run(brickform(&[(
        "DATABRICKS_CONFIG_FILE",
        &file.display().to_string(),
    )])
    .args(["auth", "check"]));
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("refused the client credentials"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the client id or secret was refused for account"),
        "{stderr}"
    );
    assert!(!stderr.contains(SECRET), "{stderr}");
}

#[test]
fn another_account_is_explained_as_a_wrong_id_or_missing_admin_role() {
    let emulator = emulator_with_token();
    let base_url = emulator.running.base_url();
    let (code, stdout, stderr) = run(brickform(&[
        ("DATABRICKS_HOST", base_url.as_str()),
        ("DATABRICKS_TOKEN", SECRET),
    ])
    .args([
        "auth",
        "check",
        "--account-id",
        "99999999-0000-0000-0000-000000000000",
    ]));
    assert_eq!(code, Some(1));
    assert!(!stderr.contains(SECRET) && !stdout.contains(SECRET));
    assert!(stdout.contains("(from the --account-id flag)"), "{stdout}");
    assert!(stderr.contains("403 Forbidden"), "{stderr}");
    assert!(stderr.contains("not an"), "{stderr}");
    assert!(stderr.contains("account admin"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn the_databricks_cli_login_is_used_through_environment_variables() {
    use std::os::unix::fs::PermissionsExt;

    let emulator = emulator_with_token();
    let base_url = emulator.running.base_url();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("auth-check-cli");
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("databricks");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '{{\"access_token\":\"{SECRET}\",\"token_type\":\"Bearer\",\"expiry\":\"2099-01-01 00:00:00\"}}'\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let script_text = script.display().to_string();
    let (code, stdout, stderr) = run(brickform(&[
        ("DATABRICKS_HOST", base_url.as_str()),
        ("DATABRICKS_ACCOUNT_ID", emulator.running.account_id()),
        ("DATABRICKS_AUTH_TYPE", "databricks-cli"),
        ("DATABRICKS_CLI_PATH", script_text.as_str()),
    ])
    .args(["auth", "check"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains(
            "auth type:  databricks-cli  (from the DATABRICKS_AUTH_TYPE environment variable)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("cli:        {script_text}")),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("0 credential configurations visible\n"),
        "{stdout}"
    );
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
}

#[test]
fn local_runs_the_embedded_emulator_with_its_state_in_the_working_directory() {
    let directory = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(brickform(&[])
        .current_dir(directory.path())
        .args(["auth", "check", "--local"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("(from the --local flag)"), "{stdout}");
    assert!(stdout.contains("local.db"), "{stdout}");
    // The token is made up per run and must not be shown.
    assert!(!stdout.contains("local-"), "{stdout}");
    assert!(directory.path().join(".brickform/local.db").is_file());

    let (code, _, stderr) = run(brickform(&[]).current_dir(directory.path()).args([
        "auth",
        "check",
        "--local",
        "--host",
        "https://accounts.cloud.databricks.com",
    ]));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}
