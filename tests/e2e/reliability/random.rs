//! Randomised fault schedules: seeded runs that mix latency, 429s (with `Retry-After`), 5xx,
//! dropped connections, lost answers and a rate limit across all routes (mostly the ones the
//! plans use, so that most faults fire), against the seed
//! flow from scratch or its day-two change. The faulted apply may fail; the apply after it,
//! without faults, must succeed, and the invariants hold.
//!
//! A schedule is a pure function of its seed (`StdRng::seed_from_u64`), so a failing run is
//! replayed exactly by its seed: the failure message says how. `BRICKFORM_FAULT_SEED=N` runs
//! seed `N` alone; `BRICKFORM_FAULT_RUNS=N` runs seeds `0..N` (100 by default).

use std::collections::BTreeSet;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

use super::account::{
    CHANGED_NAMES, Expect, SEED, SEED_NAMES, Template, WORKERS, WorkspaceDeletes, changed,
    no_crash, run_parallel, succeeded,
};

/// The routes the seed flow and its change use: most faults go there, so that they fire.
const USED_ROUTES: [&str; 18] = [
    "POST /credentials",
    "POST /storage-configurations",
    "POST /customer-managed-keys",
    "POST /vpc-endpoints",
    "POST /networks",
    "POST /private-access-settings",
    "POST /workspaces",
    "GET /credentials",
    "GET /storage-configurations",
    "GET /customer-managed-keys",
    "GET /vpc-endpoints",
    "GET /networks",
    "GET /private-access-settings",
    "GET /workspaces",
    "PATCH /workspaces/{workspace_id}",
    "PUT /private-access-settings/{private_access_settings_id}",
    "DELETE /credentials/{credentials_id}",
    "DELETE /vpc-endpoints/{vpc_endpoint_id}",
];

/// One seeded run: which plan it faults, and the scenario.
#[derive(Debug)]
struct Schedule {
    seed: u64,
    /// 0: the seed flow from scratch; 1: the day-two change.
    phase: usize,
    scenario: Value,
}

impl Schedule {
    fn from_seed(seed: u64) -> Schedule {
        let mut random = StdRng::seed_from_u64(seed);
        let phase = usize::from(random.random_bool(0.5));
        let latency_ms = if random.random_bool(0.5) {
            random.random_range(1..=15)
        } else {
            0
        };
        let faults: Vec<Value> = (0..random.random_range(2..=8))
            .map(|_| {
                let route = if random.random_bool(0.8) {
                    USED_ROUTES[random.random_range(0..USED_ROUTES.len())]
                } else {
                    emulator::API_ROUTES[random.random_range(0..emulator::API_ROUTES.len())]
                };
                let (status, retry_after) = match random.random_range(0..6) {
                    0 => (429, Some(random.random_range(0..=2))),
                    1 => (500, None),
                    2 => (502, None),
                    3 => (503, random.random_bool(0.5).then_some(1)),
                    4 => (504, None),
                    _ => (0, None),
                };
                // A 429 means the request was not processed (the client resends a throttled
                // POST at once), so a throttle never comes after a commit.
                let after_commit = random.random_bool(0.3) && status != 429;
                let mut fault = json!({
                    "route": route,
                    "status": status,
                    "times": random.random_range(1..=3),
                    "skip": random.random_range(0..=3),
                    "after_commit": after_commit,
                });
                if let Some(retry_after) = retry_after {
                    fault["retry_after"] = json!(retry_after);
                }
                fault
            })
            .collect();
        let mut scenario = json!({"latency_ms": latency_ms, "faults": faults});
        if random.random_bool(0.1) {
            scenario["rate_limit"] = json!(random.random_range(20..=60));
        }
        Schedule {
            seed,
            phase,
            scenario,
        }
    }
}

/// The seeds to run: one from `BRICKFORM_FAULT_SEED`, else `0..BRICKFORM_FAULT_RUNS`.
fn seeds() -> Vec<u64> {
    let number = |name: &str| {
        std::env::var(name).ok().map(|value| {
            value
                .parse::<u64>()
                .unwrap_or_else(|_| panic!("{name}={value} is not a number"))
        })
    };
    match number("BRICKFORM_FAULT_SEED") {
        Some(seed) => vec![seed],
        None => (0..number("BRICKFORM_FAULT_RUNS").unwrap_or(100)).collect(),
    }
}

struct RunOutcome {
    injected: usize,
    faulted_apply_failed: bool,
    result: Result<(), String>,
}

#[test]
#[allow(clippy::print_stderr)] // The figures are part of the suite's report (`--nocapture`).
fn seeded_random_fault_schedules_never_break_the_invariants() {
    let started = Instant::now();
    let templates = [Template::new(None), Template::new(Some(SEED))];
    let specs = [SEED.to_owned(), changed()];
    let named: [&[(&str, usize)]; 2] = [&SEED_NAMES, &CHANGED_NAMES];
    let schedules: Vec<Schedule> = seeds().into_iter().map(Schedule::from_seed).collect();

    let outcomes = run_parallel(&schedules, WORKERS, |schedule| {
        let phase = schedule.phase;
        run_schedule(schedule, &templates[phase], &specs[phase], named[phase])
    });

    let failures: Vec<String> = schedules
        .iter()
        .zip(&outcomes)
        .filter_map(|(schedule, outcome)| {
            let error = outcome.result.as_ref().err()?;
            Some(format!(
                "seed {} failed; replay it with\n  BRICKFORM_FAULT_SEED={} cargo test -p brickform-tests --test e2e reliability::random -- --nocapture\nscenario: {}\n{error}",
                schedule.seed, schedule.seed, schedule.scenario
            ))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} seeded runs failed:\n\n{}",
        failures.len(),
        schedules.len(),
        failures.join("\n\n")
    );
    eprintln!(
        "random fault schedules: {} seeded runs, {} faults injected (failed answers and dropped connections); faulted applies that failed and were recovered by the next: {}; {:.1} s",
        schedules.len(),
        outcomes
            .iter()
            .map(|outcome| outcome.injected)
            .sum::<usize>(),
        outcomes
            .iter()
            .filter(|outcome| outcome.faulted_apply_failed)
            .count(),
        started.elapsed().as_secs_f64()
    );
}

fn run_schedule(
    schedule: &Schedule,
    template: &Template,
    spec: &str,
    named: &[(&'static str, usize)],
) -> RunOutcome {
    let account = template.start(|_| {});
    let spec = account.write("spec.yaml", spec);
    let mut seen: BTreeSet<i64> = account.workspaces().into_keys().collect();
    account.set_scenario(schedule.scenario.clone());
    let faulted = account.apply(&spec, &[]);
    let injected = account.injected_answers();
    let result = (|| {
        no_crash("the faulted apply", &faulted)?;
        account.set_scenario(json!({}));
        seen.extend(account.workspaces().into_keys());
        succeeded("the apply after the faults", &account.apply(&spec, &[]))?;
        seen.extend(account.workspaces().into_keys());
        Expect {
            spec: &spec,
            named,
            preseeded: &template.preseeded,
            workspace_deletes: WorkspaceDeletes::None,
            seen_workspaces: &seen,
            previous_objects: &BTreeSet::new(),
        }
        .check(&account)
        .map(drop)
    })();
    RunOutcome {
        injected,
        faulted_apply_failed: faulted.code != Some(0),
        result,
    }
}

#[test]
fn a_schedule_is_a_function_of_its_seed() {
    let first = Schedule::from_seed(1234);
    let again = Schedule::from_seed(1234);
    assert_eq!(first.scenario, again.scenario);
    assert_eq!(first.phase, again.phase);
    let others: BTreeSet<String> = (0..20)
        .map(|seed| Schedule::from_seed(seed).scenario.to_string())
        .collect();
    assert_eq!(others.len(), 20, "different seeds give different schedules");
}
