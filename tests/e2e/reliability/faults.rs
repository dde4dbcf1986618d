//! Step-by-step fault injection, in the manner of saga tests: for every step of two plans (the
//! seed flow from scratch, and a day-two change with a create, a PATCH, a PUT and deletes),
//! each of four failures at exactly that step's request: a 503, a 429 with `Retry-After`, a
//! dropped connection, and a response lost after the change was committed. The faulted apply
//! may fail; the apply after it, without faults, must succeed, and the invariants hold.

use std::collections::BTreeSet;
use std::time::Instant;

use serde_json::{Value, json};

use super::account::{
    CHANGED_NAMES, Expect, SEED, SEED_NAMES, Template, WORKERS, WorkspaceDeletes, changed,
    no_crash, plan_json, run_parallel, step_routes, succeeded,
};

/// One way a request fails.
#[derive(Debug, Clone, Copy)]
enum Failure {
    Unavailable,
    Throttled,
    Dropped,
    LostAfterCommit,
}

impl Failure {
    const ALL: [Failure; 4] = [
        Failure::Unavailable,
        Failure::Throttled,
        Failure::Dropped,
        Failure::LostAfterCommit,
    ];

    /// The emulator's fault for the request of `route` that comes after `skip` others.
    fn fault(self, route: &str, skip: usize) -> Value {
        match self {
            Failure::Unavailable => json!({"route": route, "status": 503, "skip": skip}),
            Failure::Throttled => {
                json!({"route": route, "status": 429, "retry_after": 1, "skip": skip})
            }
            Failure::Dropped => json!({"route": route, "status": 0, "skip": skip}),
            Failure::LostAfterCommit => {
                json!({"route": route, "status": 0, "after_commit": true, "skip": skip})
            }
        }
    }

    /// The status the emulator logs for the faulted request.
    fn logged_status(self) -> u64 {
        match self {
            Failure::Unavailable => 503,
            Failure::Throttled => 429,
            Failure::Dropped | Failure::LostAfterCommit => 0,
        }
    }
}

/// A plan to fault, and the account it starts from.
struct Phase<'a> {
    name: &'static str,
    template: &'a Template,
    spec: String,
    named: &'static [(&'static str, usize)],
}

struct Case {
    phase: usize,
    step: usize,
    route: String,
    skip: usize,
    failure: Failure,
}

struct CaseOutcome {
    fired: bool,
    converged_at_once: bool,
    result: Result<(), String>,
}

#[test]
#[allow(clippy::print_stderr)] // The figures are part of the suite's report (`--nocapture`).
fn a_fault_at_any_step_of_the_seed_flow_or_a_change_is_recovered_by_the_next_apply() {
    let started = Instant::now();
    let fresh = Template::new(None);
    let seeded = Template::new(Some(SEED));
    let phases = [
        Phase {
            name: "seed flow",
            template: &fresh,
            spec: SEED.to_owned(),
            named: &SEED_NAMES,
        },
        Phase {
            name: "day-two change",
            template: &seeded,
            spec: changed(),
            named: &CHANGED_NAMES,
        },
    ];
    let mut cases = Vec::new();
    let mut planned = Vec::new();
    for (index, phase) in phases.iter().enumerate() {
        let account = phase.template.start(|_| {});
        let spec = account.write("spec.yaml", &phase.spec);
        let routes = step_routes(&plan_json(&account, &spec, &[]));
        for (step, route) in routes.iter().enumerate() {
            let skip = routes[..step]
                .iter()
                .filter(|other| *other == route)
                .count();
            for failure in Failure::ALL {
                cases.push(Case {
                    phase: index,
                    step,
                    route: route.clone(),
                    skip,
                    failure,
                });
            }
        }
        planned.push(routes);
    }
    // The plans are what this test claims to cover: every kind created, and a create, a
    // PATCH, a PUT and deletes of two kinds on day two.
    assert_eq!(planned[0].len(), 9, "{:?}", planned[0]);
    assert!(planned[0].iter().all(|route| route.starts_with("POST ")));
    let change: BTreeSet<&str> = planned[1].iter().map(String::as_str).collect();
    assert_eq!(
        change,
        BTreeSet::from([
            "POST /credentials",
            "PATCH /workspaces/{workspace_id}",
            "PUT /private-access-settings/{private_access_settings_id}",
            "DELETE /credentials/{credentials_id}",
            "DELETE /vpc-endpoints/{vpc_endpoint_id}",
        ])
    );

    let outcomes = run_parallel(&cases, WORKERS, |case| run_case(&phases[case.phase], case));

    let failures: Vec<String> = cases
        .iter()
        .zip(&outcomes)
        .filter_map(|(case, outcome)| {
            let described = describe(&phases[case.phase], case);
            match &outcome.result {
                Err(error) => Some(format!("{described}:\n{error}")),
                Ok(()) if !outcome.fired => Some(format!("{described}: the fault never fired")),
                Ok(()) => None,
            }
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    let at_once = outcomes
        .iter()
        .filter(|outcome| outcome.converged_at_once)
        .count();
    eprintln!(
        "step-by-step faults: {} cases ({} steps x 4 failures), {} faults fired; faulted applies that converged by themselves: {at_once}; every case converged and kept the invariants after the next apply; {:.1} s",
        cases.len(),
        cases.len() / 4,
        outcomes.iter().filter(|outcome| outcome.fired).count(),
        started.elapsed().as_secs_f64()
    );
}

fn describe(phase: &Phase<'_>, case: &Case) -> String {
    format!(
        "{}, step {} ({} after {} like it), {:?}",
        phase.name, case.step, case.route, case.skip, case.failure
    )
}

fn run_case(phase: &Phase<'_>, case: &Case) -> CaseOutcome {
    let account = phase.template.start(|_| {});
    let spec = account.write("spec.yaml", &phase.spec);
    let mut seen: BTreeSet<i64> = account.workspaces().into_keys().collect();
    account.set_scenario(json!({"faults": [case.failure.fault(&case.route, case.skip)]}));
    let faulted = account.apply(&spec, &[]);
    let fired = account
        .request_log()
        .iter()
        .any(|(route, status)| *route == case.route && *status == case.failure.logged_status());
    let converged_at_once = faulted.code == Some(0);
    let result = (|| {
        no_crash("the faulted apply", &faulted)?;
        seen.extend(account.workspaces().into_keys());
        account.set_scenario(json!({}));
        succeeded("the apply after the fault", &account.apply(&spec, &[]))?;
        seen.extend(account.workspaces().into_keys());
        Expect {
            spec: &spec,
            named: phase.named,
            preseeded: &phase.template.preseeded,
            workspace_deletes: WorkspaceDeletes::None,
            seen_workspaces: &seen,
            previous_objects: &BTreeSet::new(),
        }
        .check(&account)
        .map(drop)
    })();
    CaseOutcome {
        fired,
        converged_at_once,
        result,
    }
}
