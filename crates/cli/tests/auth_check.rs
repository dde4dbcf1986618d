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
