//! `brickform emulator` as a process: one line on stdout, a working server, a clean stop on
//! SIGTERM, and a readable error for a bad scenario file.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn brickform() -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin!("brickform"));
    command.env_remove("RUST_LOG").env("NO_COLOR", "1");
    command
}

/// A bare HTTP/1.1 GET; answers the status line and the body.
fn http_get(address: &str, path: &str, token: &str) -> (String, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

#[test]
fn prints_one_listening_line_serves_and_stops_on_sigterm() {
    let mut child = brickform()
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--token",
            "cli-test-token",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let address = line
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .trim_end()
        .to_owned();
    let (status, body) = http_get(
        &address,
        "/api/2.0/accounts/00000000-0000-0000-0000-000000000001/workspaces",
        "cli-test-token",
    );
    assert!(status.ends_with("200 OK"), "{status}");
    assert!(body.contains("[]"), "{body}");
    let (status, body) = http_get(
        &address,
        "/api/2.0/accounts/00000000-0000-0000-0000-000000000001/workspaces",
        "wrong",
    );
    assert!(status.contains(" 401 "), "{status}");
    assert!(body.contains("UNAUTHENTICATED"), "{body}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "", "stdout carries exactly one line");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        !stderr.contains("cli-test-token"),
        "tokens never reach the log: {stderr}"
    );
}

#[test]
fn a_bad_scenario_file_is_an_error_naming_the_file() {
    let path = std::env::temp_dir().join(format!(
        "brickform-cli-{}-scenario.yaml",
        std::process::id()
    ));
    std::fs::write(&path, "faults: [{route: POST /nowhere, status: 503}]\n").unwrap();
    let output = brickform()
        .args(["emulator", "--listen", "127.0.0.1:0", "--scenario"])
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("scenario.yaml"), "{stderr}");
    assert!(stderr.contains("POST /nowhere"), "{stderr}");
}

#[test]
fn the_help_shows_an_example() {
    let output = brickform().args(["emulator", "--help"]).output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("brickform emulator --listen 127.0.0.1:0"),
        "{stdout}"
    );
}
