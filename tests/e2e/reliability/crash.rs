//! Crash safety: `kill -9` of the binary (`Child::kill`) at seeded points of an apply, then
//! another apply, then the invariants.
//!
//! Two applies are cut: the seed flow from scratch (creates, then the wait for `RUNNING`), and
//! a replacement (new credentials; the workspace deleted, waited out while it tears down, and
//! created anew; the old credentials deleted). The points are spread over each whole apply:
//! its uninterrupted duration is measured first and cut into equal strata, and each point
//! falls at a seeded random moment of its stratum. Every request also takes 10 ms, so that a
//! kill often lands with a request in flight (the server finishes it; the client never hears).
//! The suite reports how many kills landed while a workspace was provisioning or tearing down.

use std::collections::BTreeSet;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;

use super::account::{
    ALLOW_REPLACING, Account, Expect, SEED, SEED_NAMES, Template, WORKERS, WorkspaceDeletes,
    no_crash, plan_json, planned_deletes, planned_workspace_deletes, replaced, run_parallel,
    succeeded, wait_until,
};

/// Kill points per apply.
const POINTS: usize = 13;

/// Slower workspaces than the other cases: a kill must be able to land in a wait.
fn crash_delays(config: &mut emulator::Config) {
    config.provisioning_delay = Duration::from_millis(400);
    config.teardown_delay = Duration::from_millis(300);
}

struct Phase<'a> {
    name: &'static str,
    template: &'a Template,
    spec: String,
    extra: &'static [&'static str],
    /// How long the apply takes when nobody kills it.
    duration: Duration,
}

struct Point {
    phase: usize,
    /// When the kill comes, after the apply started.
    after: Duration,
}

#[derive(Default)]
struct PointOutcome {
    /// The binary was still running when it was killed.
    landed: bool,
    provisioning: bool,
    tearing_down: bool,
    /// The next apply was refused while a killed replacement's workspace tore down.
    refused_while_tearing_down: bool,
    /// Objects the killed plan meant to delete that were left behind.
    left_behind: usize,
}

#[test]
#[allow(clippy::print_stderr)] // The figures are part of the suite's report (`--nocapture`).
fn an_apply_killed_at_any_point_is_finished_by_the_next_one() {
    let started = Instant::now();
    let fresh = Template::new(None);
    let seeded = Template::new(Some(SEED));
    let mut phases = [
        Phase {
            name: "seed flow",
            template: &fresh,
            spec: SEED.to_owned(),
            extra: &[],
            duration: Duration::ZERO,
        },
        Phase {
            name: "replacement",
            template: &seeded,
            spec: replaced(),
            extra: &ALLOW_REPLACING,
            duration: Duration::ZERO,
        },
    ];
    for phase in &mut phases {
        phase.duration = uninterrupted_duration(phase);
    }
    let mut random = StdRng::seed_from_u64(8);
    let points: Vec<Point> = phases
        .iter()
        .enumerate()
        .flat_map(|(index, phase)| {
            (0..POINTS)
                .map(|stratum| {
                    let fraction = (stratum as f64 + random.random::<f64>()) / POINTS as f64;
                    Point {
                        phase: index,
                        after: phase.duration.mul_f64(fraction),
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect();

    let outcomes = run_parallel(&points, WORKERS, |point| {
        kill_and_recover(&phases[point.phase], point)
    });

    let failures: Vec<String> = points
        .iter()
        .zip(&outcomes)
        .filter_map(|(point, outcome)| {
            let error = outcome.as_ref().err()?;
            Some(format!(
                "{}, killed after {} ms:\n{error}",
                phases[point.phase].name,
                point.after.as_millis()
            ))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} kill points failed:\n\n{}",
        failures.len(),
        points.len(),
        failures.join("\n\n")
    );
    let outcomes: Vec<&PointOutcome> = outcomes.iter().flatten().collect();
    let count = |test: fn(&PointOutcome) -> bool| outcomes.iter().filter(|o| test(o)).count();
    let landed = count(|outcome| outcome.landed);
    let provisioning = count(|outcome| outcome.landed && outcome.provisioning);
    let tearing_down = count(|outcome| outcome.landed && outcome.tearing_down);
    // The points must have been where this test says they are: most kills land on a running
    // apply, and some in each kind of wait.
    assert!(
        landed >= 20,
        "only {landed} kills landed on a running apply"
    );
    assert!(
        provisioning >= 1,
        "no kill landed while a workspace provisioned"
    );
    assert!(
        tearing_down >= 1,
        "no kill landed while a workspace tore down"
    );
    eprintln!(
        "crash safety: {} kill points, {} of them on a running apply ({provisioning} while a workspace provisioned, {tearing_down} while one tore down), all recovered by the next apply; uninterrupted applies took {} ms and {} ms; next applies first refused while the killed replacement's workspace tore down: {}; objects the killed plans meant to delete that were left behind: {}; {:.1} s",
        points.len(),
        landed,
        phases[0].duration.as_millis(),
        phases[1].duration.as_millis(),
        count(|outcome| outcome.refused_while_tearing_down),
        outcomes
            .iter()
            .map(|outcome| outcome.left_behind)
            .sum::<usize>(),
        started.elapsed().as_secs_f64()
    );
}

fn start(phase: &Phase<'_>) -> Account {
    let account = phase.template.start(crash_delays);
    account.set_scenario(json!({"latency_ms": 10}));
    account
}

fn spawn_apply(account: &Account, spec: &std::path::Path, extra: &[&str]) -> Child {
    account
        .command()
        .arg("apply")
        .arg(spec)
        .arg("--auto-approve")
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting brickform")
}

/// How long the phase's apply takes uninterrupted, on a copy of its account.
fn uninterrupted_duration(phase: &Phase<'_>) -> Duration {
    let account = start(phase);
    let spec = account.write("spec.yaml", &phase.spec);
    let started = Instant::now();
    let status = spawn_apply(&account, &spec, phase.extra)
        .wait()
        .expect("waiting for brickform");
    let duration = started.elapsed();
    assert!(status.success(), "the uninterrupted {} failed", phase.name);
    duration
}

fn kill_and_recover(phase: &Phase<'_>, point: &Point) -> Result<PointOutcome, String> {
    let account = start(phase);
    let spec = account.write("spec.yaml", &phase.spec);
    let plan = plan_json(&account, &spec, phase.extra);
    let deletable = planned_workspace_deletes(&plan);
    let previous = planned_deletes(&plan);
    let mut seen: BTreeSet<i64> = account.workspaces().into_keys().collect();

    let mut child = spawn_apply(&account, &spec, phase.extra);
    let deadline = Instant::now() + point.after;
    let mut outcome = PointOutcome::default();
    loop {
        if child
            .try_wait()
            .map_err(|error| error.to_string())?
            .is_some()
        {
            break;
        }
        if Instant::now() >= deadline {
            // SIGKILL: no handler runs, exactly like a crashed CI runner.
            child.kill().map_err(|error| error.to_string())?;
            outcome.landed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.wait().map_err(|error| error.to_string())?;
    let statuses = account.workspaces();
    outcome.provisioning = statuses.values().any(|status| status == "PROVISIONING");
    outcome.tearing_down = statuses.values().any(|status| status == "CANCELLING");
    seen.extend(statuses.into_keys());

    account.set_scenario(json!({}));
    let mut recovery = account.apply(&spec, phase.extra);
    if recovery.code == Some(1)
        && recovery
            .stderr
            .contains("which is being deleted (CANCELLING)")
    {
        // The planner refuses to plan a workspace whose match is still tearing down; it asks
        // to run again once the deletion is over.
        outcome.refused_while_tearing_down = true;
        wait_until(&account, "the killed replacement's teardown", |context| {
            context
                .list("workspaces")
                .iter()
                .all(|workspace| workspace["workspace_status"] != "CANCELLING")
        });
        recovery = account.apply(&spec, phase.extra);
    }
    no_crash("the apply after the kill", &recovery)?;
    succeeded("the apply after the kill", &recovery)?;
    seen.extend(account.workspaces().into_keys());
    outcome.left_behind = Expect {
        spec: &spec,
        named: &SEED_NAMES,
        preseeded: &phase.template.preseeded,
        workspace_deletes: if deletable.is_empty() {
            WorkspaceDeletes::None
        } else {
            WorkspaceDeletes::Planned(&deletable)
        },
        seen_workspaces: &seen,
        previous_objects: &previous,
    }
    .check(&account)?;
    Ok(outcome)
}
