//! What an execution did: per step, done / failed / skipped / interrupted / not started, and
//! the ids the creates produced.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use api_types::WorkspaceStatus;
use serde::Serialize;
use spec::Address;

use crate::error::StepError;
use crate::event::milliseconds;

/// How a step that finished came to be done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Completion {
    pub completed: Completed,
    /// The id of the object the step created, adopted, changed or deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// For workspace steps: the status the workspace ended in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_status: Option<WorkspaceStatus>,
}

/// The verb of a finished step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Completed {
    /// This step's `POST` created the object.
    Created,
    /// An object with the name (natural key) and exactly the fields the spec asks for already
    /// existed; it was adopted instead of created.
    AdoptedExisting,
    /// The `POST`'s answer was lost, and listing showed that it had created the object.
    AdoptedAfterLostAnswer,
    /// A concurrent run (or person) created the same object while this run ran: this run's
    /// duplicate, if its `POST` made one, was deleted, and the object every run keeps was
    /// adopted.
    AdoptedFromConcurrentRun,
    /// A workspace `PATCH` took effect.
    Updated,
    /// Private access settings were overwritten (`PUT`).
    Replaced,
    /// The object was deleted (and, for a workspace, is gone).
    Deleted,
    /// The object to delete was already gone.
    AlreadyGone,
    /// A provisioning workspace reached `RUNNING`.
    Running,
}

impl Completed {
    pub fn as_str(self) -> &'static str {
        match self {
            Completed::Created => "created",
            Completed::AdoptedExisting => "adopted the existing object",
            Completed::AdoptedAfterLostAnswer => "created (adopted after a lost answer)",
            Completed::AdoptedFromConcurrentRun => {
                "adopted the same object, which a concurrent run created"
            }
            Completed::Updated => "updated",
            Completed::Replaced => "replaced",
            Completed::Deleted => "deleted",
            Completed::AlreadyGone => "already gone",
            Completed::Running => "running",
        }
    }
}

/// How one step ended.
#[derive(Debug, Clone)]
pub enum StepStatus {
    Done(Completion),
    Failed(Arc<StepError>),
    /// Not run because the step `because` (a dependency, possibly indirect) failed.
    Skipped {
        because: usize,
    },
    /// Started, then abandoned on cancellation: any request it sent finished, but a wait (for
    /// `RUNNING`, for a teardown, for an object to be free) was cut short. `id` is the object
    /// the step created or acted on, when known. The next apply picks up from there.
    Interrupted {
        id: Option<String>,
    },
    /// Never started: the execution was cancelled first, or a step it depends on was
    /// interrupted.
    NotStarted,
}

impl StepStatus {
    /// A word for summaries and logs.
    pub fn label(&self) -> &'static str {
        match self {
            StepStatus::Done(_) => "done",
            StepStatus::Failed(_) => "failed",
            StepStatus::Skipped { .. } => "skipped",
            StepStatus::Interrupted { .. } => "interrupted",
            StepStatus::NotStarted => "not started",
        }
    }
}

/// One step of the plan and how it ended.
#[derive(Debug, Clone)]
pub struct StepReport {
    /// The step's id (its index in the plan).
    pub step: usize,
    pub address: Address,
    pub description: String,
    pub status: StepStatus,
    /// Time from the step's start to its end; `None` if it never started.
    pub elapsed: Option<Duration>,
}

/// Counts over the steps of an execution.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub done: usize,
    pub failed: usize,
    pub skipped: usize,
    pub interrupted: usize,
    pub not_started: usize,
    /// Whether the execution was cancelled before it could finish.
    pub cancelled: bool,
    #[serde(rename = "elapsed_ms", serialize_with = "milliseconds")]
    pub elapsed: Duration,
}

impl Summary {
    /// Every step is done.
    pub fn succeeded(&self) -> bool {
        self.failed == 0 && self.skipped == 0 && self.interrupted == 0 && self.not_started == 0
    }
}

/// The result of [`crate::execute`].
#[derive(Debug, Clone)]
pub struct Outcome {
    /// One report per plan step, in plan order.
    pub steps: Vec<StepReport>,
    /// The live id of every address a create step produced (created or adopted).
    pub produced: BTreeMap<Address, String>,
    pub summary: Summary,
}

impl Outcome {
    /// Every step is done.
    pub fn succeeded(&self) -> bool {
        self.summary.succeeded()
    }
}
