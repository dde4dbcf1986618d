//! The scheduler: a plan's steps as a DAG, each started as soon as its dependencies are done.
//!
//! Steps run as tokio tasks in one `JoinSet`. The scheduler alone owns the bookkeeping (which
//! steps wait on which, the ids produced so far), so tasks share nothing mutable: a step's
//! placeholders are resolved from the produced ids *before* its task starts, which is safe
//! because every step it depends on has finished by then.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use client::AccountApi;
use plan::{Operation, Plan, Step};
use spec::Address;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::error::{ExecuteError, StepError};
use crate::event::{Event, EventSink, StepAction};
use crate::limited::Limited;
use crate::outcome::{Outcome, StepReport, StepStatus, Summary};
use crate::resolve::resolve;
use crate::step::{Shared, StepEnd, StepRun};
use crate::watcher::Watcher;

/// API requests in flight at most, unless told otherwise (Terraform's default too).
pub const DEFAULT_PARALLELISM: usize = 10;
/// How long one wait (for `RUNNING`, for a teardown, for an object to be free) may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// How to execute a plan.
#[derive(Debug, Clone)]
pub struct Options {
    /// API requests in flight at most (at least 1). Waits hold no request slot.
    pub parallelism: usize,
    /// The limit of each wait, not of the whole execution.
    pub timeout: Duration,
    /// Cancelling stops scheduling new steps and abandons waits; requests already sent finish.
    pub cancel: CancellationToken,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            parallelism: DEFAULT_PARALLELISM,
            timeout: DEFAULT_TIMEOUT,
            cancel: CancellationToken::new(),
        }
    }
}

/// Executes `plan` against `api`, reporting progress to `sink`.
///
/// Returns an error only when the plan is malformed, before anything is sent. Otherwise every
/// failure is part of the [`Outcome`]: a failed step skips its dependents and the rest runs
/// on.
pub async fn execute<A: AccountApi + 'static>(
    api: Arc<A>,
    plan: &Plan,
    options: Options,
    sink: Arc<dyn EventSink>,
) -> Result<Outcome, ExecuteError> {
    check_order(&plan.steps)?;
    let started = Instant::now();
    let api = Arc::new(Limited::new(api, options.parallelism));
    let shared = Arc::new(Shared {
        watcher: Watcher::start(Arc::clone(&api)),
        api,
        sink: Arc::clone(&sink),
        cancel: options.cancel.clone(),
        timeout: options.timeout,
        // With a prefix, a workspace requested as `sales` lives as `PREFIX-sales`: that is how
        // one a lost answer created is recognised.
        deployment_name_prefix: plan.deployment_name_prefix.clone(),
    });
    let mut scheduler = Scheduler::new(&plan.steps, shared, sink);
    scheduler.run(&options.cancel).await;
    Ok(scheduler.finish(started.elapsed(), options.cancel.is_cancelled()))
}

/// Steps must come after the steps they depend on, with ids equal to their positions: then
/// the dependency graph has no cycle and ids index the step list.
fn check_order(steps: &[Step]) -> Result<(), ExecuteError> {
    for (position, step) in steps.iter().enumerate() {
        if step.id != position {
            return Err(ExecuteError::StepOutOfPlace {
                position,
                id: step.id,
            });
        }
        if let Some(&dependency) = step
            .depends_on
            .iter()
            .find(|&&dependency| dependency >= position)
        {
            return Err(ExecuteError::DependencyOutOfOrder {
                step: position,
                dependency,
            });
        }
    }
    Ok(())
}

struct Scheduler<'plan, A> {
    steps: &'plan [Step],
    shared: Arc<Shared<A>>,
    sink: Arc<dyn EventSink>,
    /// Per step: how many of its dependencies are not done yet.
    blocked_by: Vec<usize>,
    /// Per step: the steps that depend on it directly.
    dependents: Vec<Vec<usize>>,
    /// Per step: how it ended, once it has.
    status: Vec<Option<StepStatus>>,
    started: Vec<Option<Instant>>,
    elapsed: Vec<Option<Duration>>,
    ready: VecDeque<usize>,
    produced: BTreeMap<Address, String>,
    tasks: JoinSet<(usize, StepEnd)>,
    task_steps: HashMap<tokio::task::Id, usize>,
}

impl<'plan, A: AccountApi + 'static> Scheduler<'plan, A> {
    fn new(steps: &'plan [Step], shared: Arc<Shared<A>>, sink: Arc<dyn EventSink>) -> Self {
        let mut blocked_by = vec![0; steps.len()];
        let mut dependents = vec![Vec::new(); steps.len()];
        for step in steps {
            let mut dependencies = step.depends_on.clone();
            dependencies.sort_unstable();
            dependencies.dedup();
            blocked_by[step.id] = dependencies.len();
            for dependency in dependencies {
                dependents[dependency].push(step.id);
            }
        }
        let ready = (0..steps.len())
            .filter(|&index| blocked_by[index] == 0)
            .collect();
        Scheduler {
            steps,
            shared,
            sink,
            blocked_by,
            dependents,
            status: vec![None; steps.len()],
            started: vec![None; steps.len()],
            elapsed: vec![None; steps.len()],
            ready,
            produced: BTreeMap::new(),
            tasks: JoinSet::new(),
            task_steps: HashMap::new(),
        }
    }

    async fn run(&mut self, cancel: &CancellationToken) {
        loop {
            if !cancel.is_cancelled() {
                while let Some(index) = self.ready.pop_front() {
                    self.start(index);
                }
            }
            if self.tasks.is_empty() {
                return;
            }
            tokio::select! {
                // Cancellation only stops the scheduling above; running steps notice it
                // themselves (in their waits) and come back here as interrupted.
                () = cancel.cancelled(), if !cancel.is_cancelled() => {}
                Some(joined) = self.tasks.join_next_with_id() => match joined {
                    Ok((task, (index, end))) => {
                        self.task_steps.remove(&task);
                        self.finished(index, end);
                    }
                    Err(error) => {
                        let index = self.task_steps.remove(&error.id());
                        if let Some(index) = index {
                            let message = if error.is_panic() { "panicked" } else { "was aborted" };
                            self.finished(index, StepEnd::Failed(StepError::Panicked {
                                message: format!("its task {message}"),
                            }));
                        }
                    }
                },
            }
        }
    }

    fn start(&mut self, index: usize) {
        let step = &self.steps[index];
        let action = StepAction::of(&step.operation);
        let now = Instant::now();
        self.started[index] = Some(now);
        self.sink.emit(Event::StepStarted {
            step: index,
            address: step.address.clone(),
            action,
            description: step.description.clone(),
        });
        let operation: Operation = match resolve(&step.operation, &self.produced) {
            Ok(operation) => operation,
            Err(error) => {
                self.finished(index, StepEnd::Failed(error));
                return;
            }
        };
        let run = StepRun {
            shared: Arc::clone(&self.shared),
            step: index,
            address: step.address.clone(),
            action,
            started: now,
        };
        let handle = self
            .tasks
            .spawn(async move { (index, run.run(operation).await) });
        self.task_steps.insert(handle.id(), index);
    }

    fn finished(&mut self, index: usize, end: StepEnd) {
        let step = &self.steps[index];
        let elapsed = self.started[index].map_or(Duration::ZERO, |started| started.elapsed());
        self.elapsed[index] = Some(elapsed);
        let action = StepAction::of(&step.operation);
        match end {
            StepEnd::Done(completion) => {
                if let (Some(address), Some(id)) = (&step.produces, &completion.id) {
                    self.produced.insert(address.clone(), id.clone());
                }
                self.sink.emit(Event::StepFinished {
                    step: index,
                    address: step.address.clone(),
                    action,
                    elapsed,
                    completion: completion.clone(),
                });
                self.status[index] = Some(StepStatus::Done(completion));
                for &dependent in &self.dependents[index] {
                    self.blocked_by[dependent] -= 1;
                    if self.blocked_by[dependent] == 0 && self.status[dependent].is_none() {
                        self.ready.push_back(dependent);
                    }
                }
            }
            StepEnd::Failed(error) => {
                let error = Arc::new(error);
                tracing::debug!(step = index, address = %step.address, error = %error.chain(), "step failed");
                self.sink.emit(Event::StepFailed {
                    step: index,
                    address: step.address.clone(),
                    action,
                    elapsed,
                    details: error.details(),
                    error: Arc::clone(&error),
                });
                self.status[index] = Some(StepStatus::Failed(error));
                self.skip_dependents_of(index);
            }
            StepEnd::Interrupted { id } => {
                // Its dependents stay unscheduled and end as "not started".
                self.status[index] = Some(StepStatus::Interrupted { id });
            }
        }
    }

    /// Marks every step that depends on `failed`, directly or not, as skipped because of it.
    fn skip_dependents_of(&mut self, failed: usize) {
        let mut queue: VecDeque<usize> = self.dependents[failed].iter().copied().collect();
        while let Some(index) = queue.pop_front() {
            if self.status[index].is_some() || self.started[index].is_some() {
                continue;
            }
            let step = &self.steps[index];
            self.sink.emit(Event::StepSkipped {
                step: index,
                address: step.address.clone(),
                action: StepAction::of(&step.operation),
                because_step: failed,
                because: self.steps[failed].address.clone(),
            });
            self.status[index] = Some(StepStatus::Skipped { because: failed });
            queue.extend(self.dependents[index].iter().copied());
        }
    }

    fn finish(self, elapsed: Duration, cancelled: bool) -> Outcome {
        let mut summary = Summary {
            cancelled,
            elapsed,
            ..Summary::default()
        };
        let steps: Vec<StepReport> = self
            .steps
            .iter()
            .zip(self.status)
            .zip(self.elapsed)
            .map(|((step, status), elapsed)| {
                let status = status.unwrap_or(StepStatus::NotStarted);
                match status {
                    StepStatus::Done(_) => summary.done += 1,
                    StepStatus::Failed(_) => summary.failed += 1,
                    StepStatus::Skipped { .. } => summary.skipped += 1,
                    StepStatus::Interrupted { .. } => summary.interrupted += 1,
                    StepStatus::NotStarted => summary.not_started += 1,
                }
                StepReport {
                    step: step.id,
                    address: step.address.clone(),
                    description: step.description.clone(),
                    status,
                    elapsed,
                }
            })
            .collect();
        self.sink.emit(Event::Summary(summary));
        Outcome {
            steps,
            produced: self.produced,
            summary,
        }
    }
}
