//! The newcomer's path: the README's first command on the embedded emulator, every example
//! spec applied and converged, the export of an account populated by all of them planning
//! to no changes, and the walkthrough's deliberate mistakes.

use std::path::{Path, PathBuf};

use brickform_tests::TestContext;

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("examples")
}

/// Copies `examples/` into the scratch directory, so that `--local` keeps its state there and
/// the commands can use the README's relative paths.
fn copy_examples(context: &TestContext) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    copy(&examples_dir(), &context.dir().join("examples"));
}

#[test]
fn the_readme_first_command_applies_the_quickstart_and_a_second_run_changes_nothing() {
    let context = TestContext::new();
    copy_examples(&context);
    // Exactly the README's command, minus `cargo run --`.
    let readme_command = [
        "apply",
        "examples/quickstart.yaml",
        "--local",
        "--auto-approve",
    ];

    let first = context
        .bare_command()
        .args(readme_command)
        .output()
        .unwrap();
    let first = brickform_tests::Run::from(first);
    first.success();
    assert!(
        first
            .stdout
            .contains("Plan: 3 to add, 0 to change, 0 to destroy."),
        "{}",
        first.stdout
    );
    assert!(
        first
            .stdout
            .contains("applied; the account matches the spec"),
        "{}",
        first.stdout
    );
    assert!(first.stdout.contains("RUNNING"), "{}", first.stdout);
    assert!(
        first.stdout.contains(".cloud.databricks.com"),
        "{}",
        first.stdout
    );
    assert!(
        first.stderr.contains("in the embedded emulator"),
        "{}",
        first.stderr
    );
    assert!(context.dir().join(".brickform/local.db").is_file());

    let second = brickform_tests::Run::from(
        context
            .bare_command()
            .args(readme_command)
            .output()
            .unwrap(),
    );
    second.success();
    assert!(
        second.stdout.starts_with("No changes."),
        "{}",
        second.stdout
    );

    // The walkthrough's last step: destroying the demo needs the spec's consent (it has
    // `prevent_destroy: false`) and the operator's (`--allow-destroy`).
    let blocked = brickform_tests::Run::from(
        context
            .bare_command()
            .args([
                "destroy",
                "examples/quickstart.yaml",
                "--local",
                "--auto-approve",
            ])
            .output()
            .unwrap(),
    );
    blocked.expect_code(1);
    assert!(
        blocked
            .stderr
            .contains("--allow-destroy workspaces.analytics"),
        "{}",
        blocked.stderr
    );
    let destroyed = brickform_tests::Run::from(
        context
            .bare_command()
            .args([
                "destroy",
                "examples/quickstart.yaml",
                "--local",
                "--auto-approve",
                "--allow-destroy",
                "workspaces.analytics",
            ])
            .output()
            .unwrap(),
    );
    destroyed.success();
    assert!(
        destroyed.stdout.contains("3 to destroy"),
        "{}",
        destroyed.stdout
    );
}

/// Every example, as the end-to-end suite runs it: applied, then planned to no changes.
const EXAMPLES: &[(&str, &[&str])] = &[
    ("quickstart.yaml", &[]),
    ("customer-managed-keys.yaml", &[]),
    ("customer-managed-vpc.yaml", &[]),
    ("privatelink.yaml", &[]),
    ("shared-objects.yaml", &[]),
    (
        "environments/workspace.yaml",
        &["--var-file", "examples/environments/vars/dev.yaml"],
    ),
    (
        "environments/workspace.yaml",
        &["--var-file", "examples/environments/vars/prod.yaml"],
    ),
];

#[test]
fn every_example_converges_in_one_account_and_its_export_plans_to_no_changes() {
    let context = TestContext::with_config(|config| {
        config.provisioning_delay = std::time::Duration::from_millis(100);
    });
    copy_examples(&context);
    for (example, extra) in EXAMPLES {
        let path = format!("examples/{example}");
        let applied = context.run(
            ["apply", path.as_str(), "--auto-approve"]
                .into_iter()
                .chain(extra.iter().copied()),
        );
        applied.success();
        assert!(
            applied
                .stdout
                .contains("applied; the account matches the spec"),
            "{example}: {}",
            applied.stdout
        );
        let replanned = context.run(
            ["plan", path.as_str(), "--detailed-exitcode"]
                .into_iter()
                .chain(extra.iter().copied()),
        );
        replanned.success();
        assert!(
            replanned.stdout.starts_with("No changes."),
            "{example}: {}",
            replanned.stdout
        );
    }
    // Seven applies, seven workspaces (shared-objects has two; environments two in all).
    assert_eq!(context.list("workspaces").len(), 8);

    let exported = context.run(["export", "--out", "exported.yaml"]);
    exported.success();
    assert_eq!(
        exported.stderr.matches("warning").count(),
        0,
        "nothing should be left out: {}",
        exported.stderr
    );
    let replanned = context.run(["plan", "exported.yaml", "--detailed-exitcode"]);
    replanned.success();
    assert!(
        replanned.stdout.starts_with("No changes."),
        "{}",
        replanned.stdout
    );
}

#[test]
fn the_walkthrough_mistakes_are_all_reported_at_once() {
    let context = TestContext::new();
    copy_examples(&context);
    let run = context.run(["validate", "examples/mistakes.yaml"]);
    run.expect_code(1);
    let locations: Vec<&str> = run
        .stderr
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("--> "))
        .collect();
    assert_eq!(
        locations,
        [
            "examples/mistakes.yaml:27:22",
            "examples/mistakes.yaml:28:5",
            "examples/mistakes.yaml:29:18",
            "examples/mistakes.yaml:31:18",
        ],
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("error: the spec is invalid: 4 errors"),
        "{}",
        run.stderr
    );
}
