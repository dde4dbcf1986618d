//! `validate`, `schema` and `graph` through the built binary: exit codes, stdout versus
//! stderr, the human, JSON and GitHub Actions renderings, and `--var`/`--var-file`.

use std::path::PathBuf;

use assert_cmd::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The binary, run from the fixtures directory so that paths in output are short and stable.
fn brickform() -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin!("brickform"));
    command
        .current_dir(fixtures())
        .env_remove("RUST_LOG")
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .env(
            "DATABRICKS_ACCOUNT_ID",
            "00000000-0000-0000-0000-000000000000",
        );
    command
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(command: &mut Command) -> Run {
    let output = command.output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[test]
fn validate_accepts_a_valid_spec() {
    let result = run(brickform().args(["validate", "valid.yaml"]));
    assert_eq!(result.code, Some(0), "{}", result.stderr);
    assert_eq!(result.stdout, "");
    assert_eq!(result.stderr, "the spec is valid: 8 resources\n");
}

#[test]
fn validate_reports_every_problem_and_fails() {
    let result = run(brickform().args(["validate", "invalid.yaml"]));
    assert_eq!(result.code, Some(1));
    assert_eq!(result.stdout, "");
    insta::assert_snapshot!("validate_invalid", result.stderr);
}

#[test]
fn validate_json_is_one_document_on_stdout() {
    let result = run(brickform().args(["validate", "invalid.yaml", "--format", "json"]));
    assert_eq!(result.code, Some(1));
    let document: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(document["valid"], false);
    assert_eq!(document["errors"], 3);
    assert_eq!(document["warnings"], 1);
    let first = &document["diagnostics"][0];
    assert_eq!(first["code"], "E0101");
    assert_eq!(first["file"], "invalid.yaml");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(7), Some(5))
    );
    assert!(result.stderr.is_empty(), "{}", result.stderr);

    let valid = run(brickform().args(["validate", "valid.yaml", "--format", "json"]));
    assert_eq!(valid.code, Some(0));
    let document: serde_json::Value = serde_json::from_str(&valid.stdout).unwrap();
    assert_eq!(document["valid"], true);
    assert_eq!(document["resources"], 8);
}

#[test]
fn validate_annotates_pull_requests_on_github_actions() {
    let result = run(brickform()
        .args(["validate", "invalid.yaml"])
        .env("GITHUB_ACTIONS", "true"));
    assert_eq!(result.code, Some(1));
    let annotations: Vec<&str> = result
        .stderr
        .lines()
        .filter(|line| line.starts_with("::"))
        .collect();
    insta::assert_snapshot!("github_annotations", annotations.join("\n"));
}

#[test]
fn variables_come_from_var_and_var_file() {
    let missing = run(brickform().args(["validate", "needs-region.yaml"]));
    assert_eq!(missing.code, Some(1));
    assert!(
        missing
            .stderr
            .contains("error[E0301]: variable `region` has no value"),
        "{}",
        missing.stderr
    );

    let with_var =
        run(brickform().args(["validate", "needs-region.yaml", "--var", "region=us-east-1"]));
    assert_eq!(with_var.code, Some(0), "{}", with_var.stderr);
    let with_file = run(brickform().args([
        "validate",
        "needs-region.yaml",
        "--var-file",
        "region.vars.yaml",
    ]));
    assert_eq!(with_file.code, Some(0), "{}", with_file.stderr);
    let wrong_region =
        run(brickform().args(["validate", "needs-region.yaml", "--var", "region=mars-1"]));
    assert_eq!(wrong_region.code, Some(1));
    assert!(
        wrong_region.stderr.contains("unsupported region `mars-1`"),
        "{}",
        wrong_region.stderr
    );

    let malformed = run(brickform().args(["validate", "needs-region.yaml", "--var", "region"]));
    assert_eq!(malformed.code, Some(1));
    assert!(
        malformed.stderr.contains("`region` is not NAME=VALUE"),
        "{}",
        malformed.stderr
    );
}

#[test]
fn unreadable_paths_are_errors_that_name_them() {
    let result = run(brickform().args(["validate", "no-such-spec.yaml"]));
    assert_eq!(result.code, Some(1));
    assert!(
        result.stderr.contains("cannot load the spec"),
        "{}",
        result.stderr
    );
    assert!(
        result.stderr.contains("no-such-spec.yaml"),
        "{}",
        result.stderr
    );
}

#[test]
fn schema_prints_the_committed_schema() {
    let result = run(brickform().arg("schema"));
    assert_eq!(result.code, Some(0));
    let committed = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../specs/brickform.schema.json"),
    )
    .unwrap();
    assert_eq!(result.stdout, committed);
}

#[test]
fn graph_prints_mermaid_and_dot() {
    let mermaid = run(brickform().args(["graph", "valid.yaml"]));
    assert_eq!(mermaid.code, Some(0), "{}", mermaid.stderr);
    insta::assert_snapshot!("graph_mermaid", mermaid.stdout);
    let dot = run(brickform().args(["graph", "valid.yaml", "--format", "dot"]));
    assert_eq!(dot.code, Some(0), "{}", dot.stderr);
    insta::assert_snapshot!("graph_dot", dot.stdout);
    let invalid = run(brickform().args(["graph", "invalid.yaml"]));
    assert_eq!(invalid.code, Some(1));
    assert_eq!(invalid.stdout, "");
}

#[test]
fn every_spec_command_shows_an_example_in_its_help() {
    for command in ["validate", "schema", "graph"] {
        let result = run(brickform().args([command, "--help"]));
        assert_eq!(result.code, Some(0));
        assert!(
            result.stdout.contains(&format!("brickform {command}")),
            "{command}: {}",
            result.stdout
        );
    }
}
