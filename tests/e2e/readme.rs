//! The README's walkthrough cannot rot: every ```` ```console ```` block of `README.md` is run
//! here, command by command, in a scratch directory holding a copy of `examples/`, and what
//! each command prints (stdout and stderr, as a terminal shows them) must be what the README
//! says it prints.
//!
//! Values that differ on every run (ids, times, durations, deployment names, the scratch
//! directory, which the README shows as `/home/you/brickform`) are normalised on both sides.
//! Lines are compared as a multiset: steps that run concurrently may log in either order.

use std::path::Path;
use std::process::Command;

use brickform_tests::{TestContext, brickform_binary};
use regex::Regex;

/// Where the README's walkthrough pretends to run.
const README_DIR: &str = "/home/you/brickform";

/// One `$ command` of a console block and the output the README shows for it.
#[derive(Debug)]
struct Example {
    command: String,
    expected: Vec<String>,
    line: usize,
}

fn console_examples(readme: &str) -> Vec<Example> {
    let mut examples = Vec::new();
    let mut in_console = false;
    for (index, line) in readme.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_console = !in_console && line.trim() == "```console";
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            examples.push(Example {
                command: command.to_owned(),
                expected: Vec::new(),
                line: index + 1,
            });
        } else if let Some(example) = examples.last_mut() {
            example.expected.push(line.to_owned());
        }
    }
    examples
}

fn normalise(lines: &[String], scratch: &str) -> Vec<String> {
    let rules: Vec<(Regex, &str)> = [
        (r"\d{2}:\d{2}:\d{2}Z", "[TIME]"),
        (r"\b\d+(\.\d+)?s\b", "[DURATION]"),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[ID]",
        ),
        (r"\b\d{12,19}\b", "[WORKSPACE_ID]"),
        (r"dbc-[0-9a-f]{8}-[0-9a-f]{4}", "dbc-[DEPLOYMENT]"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
    ]
    .into_iter()
    .map(|(pattern, replacement)| (Regex::new(pattern).unwrap(), replacement))
    .collect();
    let mut normalised: Vec<String> = lines
        .iter()
        .map(|line| {
            let mut line = line.replace(scratch, README_DIR);
            for (pattern, replacement) in &rules {
                line = pattern.replace_all(&line, *replacement).into_owned();
            }
            line.trim_end().to_owned()
        })
        .filter(|line| !line.is_empty())
        .collect();
    normalised.sort();
    normalised
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn every_console_block_of_the_readme_prints_what_it_shows() {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let readme = std::fs::read_to_string(repository.join("README.md")).unwrap();
    let examples = console_examples(&readme);
    assert!(
        examples.len() >= 8,
        "the walkthrough lost its examples: {examples:#?}"
    );

    // Only the scratch directory and the binary are used; the context's own emulator is not.
    let context = TestContext::new();
    copy_dir(
        &repository.join("examples"),
        &context.dir().join("examples"),
    );
    let binary_dir = brickform_binary().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        binary_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let scratch = context.dir().display().to_string();

    let mut failures = Vec::new();
    for example in &examples {
        // The README's commands run through a shell, as a reader types them; `2>&1` keeps
        // stdout and stderr in the order a terminal shows them. The environment is the clean
        // one of `bare_command` (no DATABRICKS_* variables, HOME in the scratch directory).
        let mut shell = Command::new("sh");
        shell
            .arg("-c")
            .arg(format!("{} 2>&1", example.command))
            .current_dir(context.dir());
        for (name, value) in context.bare_command().get_envs() {
            match value {
                Some(value) => shell.env(name, value),
                None => shell.env_remove(name),
            };
        }
        let output = shell
            .env("PATH", &path)
            .env_remove("BRICKFORM_TEST_NO_RETRY_DELAY")
            .output()
            .unwrap();
        let actual: Vec<String> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_owned)
            .collect();
        let expected = normalise(&example.expected, README_DIR);
        let actual = normalise(&actual, &scratch);
        if expected != actual {
            let missing: Vec<&String> = expected
                .iter()
                .filter(|line| !actual.contains(line))
                .collect();
            let unexpected: Vec<&String> = actual
                .iter()
                .filter(|line| !expected.contains(line))
                .collect();
            failures.push(format!(
                "README.md:{}: `{}`\n  shown but not printed: {missing:#?}\n  printed but not shown: {unexpected:#?}",
                example.line, example.command
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "the README's walkthrough is out of date:\n{}",
        failures.join("\n")
    );
}
