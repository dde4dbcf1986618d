//! Concurrency: two applies of one spec started at the same moment, and saved plans applied
//! twice (one after the other, and both at once).
//!
//! Only credentials names and deployment names are unique on the server, so two applies that
//! both plan a create each make one, and the account would hold two networks, keys, VPC
//! endpoints, access settings (and, without a deployment name, workspaces) with one natural
//! key, which no later plan could tell apart. The applier settles such twins on the oldest;
//! these cases show that the account ends with one object per resource and both applies
//! succeed, except that a run which finishes while the other still holds a twin reports that
//! difference (exit 1), as its final check sees it.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Stdio};

use brickform_tests::Run;
use serde_json::json;

use super::account::{
    Account, Expect, SEED, SEED_NAMES, Template, WORKERS, WorkspaceDeletes, no_crash, run_parallel,
    succeeded,
};

/// A workspace in a Databricks-managed VPC without a deployment name: nothing about it is
/// unique on the server.
const UNNAMED: &str = r#"
version: 1
credentials:
  main:
    name: rel-unnamed-credentials
    role_arn: arn:aws:iam::123456789012:role/rel-unnamed
storage_configurations:
  root:
    name: rel-unnamed-root
    bucket_name: rel-unnamed-bucket
workspaces:
  analytics:
    workspace_name: rel-unnamed-analytics
    aws_region: us-west-2
    credentials: main
    storage_configuration: root
"#;

const UNNAMED_NAMES: [(&str, usize); 7] = [
    ("credentials", 1),
    ("storage-configurations", 1),
    ("customer-managed-keys", 0),
    ("vpc-endpoints", 0),
    ("networks", 0),
    ("private-access-settings", 0),
    ("workspaces", 1),
];

fn spawn(account: &Account, args: &[&str]) -> Child {
    account
        .command()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting brickform")
}

/// Starts two runs of `args` at the same moment and waits for both.
fn twice_at_once(account: &Account, args: &[&str]) -> [Run; 2] {
    let first = spawn(account, args);
    let second = spawn(account, args);
    [first, second].map(|child| Run::from(child.wait_with_output().expect("waiting")))
}

struct Round {
    spec: &'static str,
    named: &'static [(&'static str, usize)],
    latency_ms: u64,
}

#[test]
#[allow(clippy::print_stderr)] // The figures are part of the suite's report (`--nocapture`).
fn two_applies_started_together_converge_on_one_object_per_resource() {
    let template = Template::new(None);
    // Latency shifts the interleaving of the two runs' requests from round to round.
    let rounds: Vec<Round> = [0, 5, 15, 30]
        .into_iter()
        .flat_map(|latency_ms| {
            [
                Round {
                    spec: SEED,
                    named: &SEED_NAMES,
                    latency_ms,
                },
                Round {
                    spec: UNNAMED,
                    named: &UNNAMED_NAMES,
                    latency_ms,
                },
            ]
        })
        .collect();
    let outcomes = run_parallel(&rounds, WORKERS, |round| {
        let account = template.start(|_| {});
        account.set_scenario(json!({"latency_ms": round.latency_ms}));
        let spec = account.write("spec.yaml", round.spec);
        let before: BTreeSet<i64> = account.workspaces().into_keys().collect();
        let spec_arg = spec.display().to_string();
        let runs = twice_at_once(&account, &["apply", &spec_arg, "--auto-approve"]);
        let adopted = runs
            .iter()
            .map(|run| run.stderr.matches("which a concurrent run created").count())
            .sum::<usize>();
        let saw_twin = runs.iter().filter(|run| saw_a_twin(run)).count();
        let result = (|| {
            for run in &runs {
                no_crash("a concurrent apply", run)?;
                if !saw_a_twin(run) {
                    succeeded("a concurrent apply", run)?;
                }
            }
            account.set_scenario(json!({}));
            check(&account, &spec, round.named, &template, &before)
        })();
        RoundOutcome {
            result,
            adopted,
            saw_twin,
        }
    });
    let failures: Vec<String> = rounds
        .iter()
        .zip(&outcomes)
        .filter_map(|(round, outcome)| {
            let error = outcome.result.as_ref().err()?;
            Some(format!(
                "{} with {} ms latency:\n{error}",
                if round.spec == SEED {
                    "the seed flow"
                } else {
                    "an unnamed workspace"
                },
                round.latency_ms
            ))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    eprintln!(
        "concurrency: {} rounds of two applies at once, all converged with one object per resource; objects settled on a concurrent run's twin: {}; runs that finished while the other still held a twin, and said so: {}",
        rounds.len(),
        outcomes
            .iter()
            .map(|outcome| outcome.adopted)
            .sum::<usize>(),
        outcomes
            .iter()
            .map(|outcome| outcome.saw_twin)
            .sum::<usize>()
    );
}

struct RoundOutcome {
    result: Result<(), String>,
    adopted: usize,
    saw_twin: usize,
}

/// A run that did all its steps, then, checking the account, found a twin that the other
/// run had created and not yet settled: it reports the difference and exits 1, which is
/// true at that moment. The account converges when the other run settles.
fn saw_a_twin(run: &Run) -> bool {
    run.code == Some(1)
        && run.stdout.contains("Apply complete")
        && run
            .stdout
            .lines()
            .filter(|line| line.contains("the plan cannot be made again"))
            .all(|line| line.contains("matches 2 "))
}

fn check(
    account: &Account,
    spec: &Path,
    named: &[(&'static str, usize)],
    template: &Template,
    before: &BTreeSet<i64>,
) -> Result<(), String> {
    Expect {
        spec,
        named,
        preseeded: &template.preseeded,
        workspace_deletes: WorkspaceDeletes::OwnTwins,
        seen_workspaces: before,
        previous_objects: &BTreeSet::new(),
    }
    .check(account)
    .map(drop)
}

/// The requests that change something, in the emulator's log.
fn mutations(account: &Account) -> usize {
    account
        .request_log()
        .iter()
        .filter(|(route, _)| !route.starts_with("GET "))
        .count()
}

#[test]
fn a_saved_plan_applied_twice_is_refused_the_second_time_and_changes_nothing() {
    let template = Template::new(None);
    let account = template.start(|_| {});
    let spec = account.write("spec.yaml", SEED);
    let plan_file = account.dir().join("plan.json");
    let plan_file = plan_file.display().to_string();
    account
        .run(["plan", &spec.display().to_string(), "--out", &plan_file])
        .success();
    account.run(["apply", &plan_file]).success();
    let before: BTreeSet<i64> = account.workspaces().into_keys().collect();
    let changed = mutations(&account);

    let again = account.run(["apply", &plan_file]);
    again.expect_code(1);
    assert!(
        again.stderr.contains("is stale")
            && again
                .stderr
                .contains("exists now; the plan would create it"),
        "{}",
        again.stderr
    );
    assert_eq!(
        mutations(&account),
        changed,
        "the refused apply changed nothing"
    );
    Expect {
        spec: &spec,
        named: &SEED_NAMES,
        preseeded: &template.preseeded,
        workspace_deletes: WorkspaceDeletes::None,
        seen_workspaces: &before,
        previous_objects: &BTreeSet::new(),
    }
    .check(&account)
    .unwrap();
}

#[test]
fn one_saved_plan_applied_twice_at_once_still_ends_with_one_object_each() {
    let template = Template::new(None);
    let account = template.start(|_| {});
    let spec = account.write("spec.yaml", SEED);
    let plan_file = account.dir().join("plan.json");
    let plan_file = plan_file.display().to_string();
    account
        .run(["plan", &spec.display().to_string(), "--out", &plan_file])
        .success();
    let before: BTreeSet<i64> = account.workspaces().into_keys().collect();
    // Both read the account before either creates anything, so neither is refused as
    // stale: the twins they make are settled like those of two plain applies.
    let runs = twice_at_once(&account, &["apply", &plan_file]);
    for run in &runs {
        no_crash("a concurrent saved-plan apply", run).unwrap();
        assert!(
            run.code == Some(0) || run.stderr.contains("is stale"),
            "a concurrent saved-plan apply failed for another reason\n{}",
            run.stderr
        );
    }
    assert!(runs.iter().any(|run| run.code == Some(0)));
    check(&account, &spec, &SEED_NAMES, &template, &before).unwrap();
}
