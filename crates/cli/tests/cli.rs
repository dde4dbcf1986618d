//! Tests of the binary's own surface: help, version, usage errors and completions.
//!
//! Commands that talk to an account are tested end to end in the workspace's `tests/` suite;
//! this file also makes `cargo test --workspace` build the `brickform` binary that suite runs.

use assert_cmd::Command;

fn brickform() -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin!("brickform"));
    command.env_remove("RUST_LOG").env("NO_COLOR", "1");
    command
}

#[test]
fn help_documents_the_exit_codes() {
    let output = brickform().arg("--help").output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("Exit codes:"), "{stdout}");
    assert!(
        stdout.contains("2  `plan --detailed-exitcode`: changes present"),
        "{stdout}"
    );
}

#[test]
fn version_names_the_crate_version() {
    let output = brickform().arg("--version").output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!("brickform {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_errors_exit_with_one_not_two() {
    // Two is reserved for `plan --detailed-exitcode` ("changes present"); a typo in CI must
    // never read as "there are changes".
    let output = brickform().arg("no-such-command").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("unrecognized subcommand 'no-such-command'"),
        "{stderr}"
    );
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = brickform().args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(script.contains("brickform"), "{shell}: {script}");
    }
}

#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    // `brickform schema | head -c0`: the reader is gone before the first write. Rust ignores
    // SIGPIPE, so the write fails with EPIPE; the printer must exit 0 without a panic message.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = std::process::Command::new(assert_cmd::cargo::cargo_bin!("brickform"))
        .arg("schema")
        .env("NO_COLOR", "1")
        .stdout(writer)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

fn examples_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

#[test]
fn colour_follows_the_flags_and_no_color() {
    let mistakes = examples_dir().join("mistakes.yaml");
    let run = |arguments: &[&str], no_color: bool| {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin!("brickform"));
        command.env_remove("NO_COLOR").env_remove("RUST_LOG");
        if no_color {
            command.env("NO_COLOR", "1");
        }
        let output = command
            .arg("validate")
            .arg(&mistakes)
            .args(arguments)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        String::from_utf8(output.stderr).unwrap()
    };
    assert!(run(&["--color", "always"], false).contains("\x1b["));
    assert!(!run(&["--color", "always", "--no-color"], false).contains("\x1b["));
    // Not a terminal: `auto` means no colour, and NO_COLOR is honoured as well.
    assert!(!run(&[], false).contains("\x1b["));
    assert!(!run(&[], true).contains("\x1b["));
}
