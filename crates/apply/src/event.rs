//! Progress as data: the [`Event`]s an execution emits, and the [`EventSink`] that receives
//! them.
//!
//! The library never prints. The CLI implements [`EventSink`] to draw live lines on a
//! terminal, write one timestamped line per event to a log, or stream one JSON object per line
//! (`--format json`); the serialised shape of [`Event`] is that stream's contract:
//! `{"type": "step_started" | "step_progress" | "step_finished" | "step_failed" |
//! "step_skipped" | "summary", ...}`.

use std::sync::Arc;
use std::time::Duration;

use api_types::WorkspaceStatus;
use plan::Operation;
use serde::{Serialize, Serializer};
use spec::Address;

use crate::error::StepError;
use crate::outcome::{Completion, Summary};

/// Receives the events of one execution, from any task; must not block for long.
pub trait EventSink: Send + Sync {
    fn emit(&self, event: Event);
}

/// Events can be forwarded to a channel and consumed elsewhere.
impl EventSink for tokio::sync::mpsc::UnboundedSender<Event> {
    fn emit(&self, event: Event) {
        // A closed receiver means nobody is listening any more; progress is best effort.
        let _ = self.send(event);
    }
}

/// What a step does, in one word, for progress lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepAction {
    /// A `POST` (and, for a workspace, the wait for `RUNNING`).
    Create,
    /// A workspace `PATCH` and the wait for `RUNNING`.
    Update,
    /// A full `PUT` of private access settings.
    Replace,
    /// A `DELETE` (and, for a workspace, the wait until it is gone).
    Delete,
    /// A wait for a workspace that is already provisioning.
    Wait,
}

impl StepAction {
    pub fn of(operation: &Operation) -> StepAction {
        match operation {
            Operation::Create { .. } => StepAction::Create,
            Operation::UpdateWorkspace { .. } => StepAction::Update,
            Operation::ReplacePrivateAccessSettings { .. } => StepAction::Replace,
            Operation::Delete { .. } => StepAction::Delete,
            Operation::WaitForWorkspace { .. } => StepAction::Wait,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StepAction::Create => "create",
            StepAction::Update => "update",
            StepAction::Replace => "replace",
            StepAction::Delete => "delete",
            StepAction::Wait => "wait",
        }
    }
}

/// One thing that happened during an execution.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A step's first request is about to be sent.
    StepStarted {
        step: usize,
        address: Address,
        action: StepAction,
        description: String,
    },
    /// Something changed while a step runs: a workspace's status, or a delete refused because
    /// the object is still in use. Sent on every change and as a heartbeat while nothing does.
    StepProgress {
        step: usize,
        address: Address,
        action: StepAction,
        #[serde(rename = "elapsed_ms", serialize_with = "milliseconds")]
        elapsed: Duration,
        progress: Progress,
    },
    /// A step is done.
    StepFinished {
        step: usize,
        address: Address,
        action: StepAction,
        #[serde(rename = "elapsed_ms", serialize_with = "milliseconds")]
        elapsed: Duration,
        #[serde(flatten)]
        completion: Completion,
    },
    /// A step failed; its dependents are skipped next.
    StepFailed {
        step: usize,
        address: Address,
        action: StepAction,
        #[serde(rename = "elapsed_ms", serialize_with = "milliseconds")]
        elapsed: Duration,
        #[serde(serialize_with = "error_chain")]
        error: Arc<StepError>,
        /// [`StepError::details`]: differing fields, network health findings.
        details: Vec<String>,
    },
    /// A step will not run because a step it depends on (transitively) failed.
    StepSkipped {
        step: usize,
        address: Address,
        action: StepAction,
        /// The failed step.
        because_step: usize,
        because: Address,
    },
    /// The execution ended.
    Summary(Summary),
}

/// What a running step reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Progress {
    /// The workspace's status as the watcher last saw it.
    WorkspaceStatus {
        workspace_id: i64,
        status: WorkspaceStatus,
        #[serde(skip_serializing_if = "Option::is_none")]
        status_message: Option<String>,
    },
    /// The delete was refused because the object is still in use (typically by a workspace
    /// that is tearing down); it is retried until the timeout.
    StillInUse { attempt: u32, message: String },
    /// The request failed on the server's side or its answer was lost, and it is safe to
    /// send again (a PATCH or a DELETE); it is retried a few times.
    Retrying { attempt: u32, message: String },
}

pub(crate) fn milliseconds<S: Serializer>(
    duration: &Duration,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}

fn error_chain<S: Serializer>(error: &Arc<StepError>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&error.chain())
}

#[cfg(test)]
mod tests {
    use spec::Kind;

    use super::*;
    use crate::outcome::Completed;

    #[test]
    fn events_serialise_as_one_flat_json_object_each() {
        let address = Address::new(Kind::Workspace, "sales");
        let finished = Event::StepFinished {
            step: 6,
            address: address.clone(),
            action: StepAction::Create,
            elapsed: Duration::from_millis(2_150),
            completion: Completion {
                completed: Completed::Created,
                id: Some("1234".to_owned()),
                workspace_status: Some(WorkspaceStatus::Running),
            },
        };
        assert_eq!(
            serde_json::to_value(&finished).unwrap(),
            serde_json::json!({
                "type": "step_finished", "step": 6, "address": "workspaces.sales",
                "action": "create", "elapsed_ms": 2150, "completed": "created", "id": "1234",
                "workspace_status": "RUNNING"
            })
        );
        let progress = Event::StepProgress {
            step: 6,
            address: address.clone(),
            action: StepAction::Create,
            elapsed: Duration::from_millis(300),
            progress: Progress::WorkspaceStatus {
                workspace_id: 1234,
                status: WorkspaceStatus::Provisioning,
                status_message: None,
            },
        };
        assert_eq!(
            serde_json::to_value(&progress).unwrap()["progress"],
            serde_json::json!({"kind": "workspace_status", "workspace_id": 1234, "status": "PROVISIONING"})
        );
        let failed = Event::StepFailed {
            step: 6,
            address,
            action: StepAction::Create,
            elapsed: Duration::from_secs(1),
            error: Arc::new(StepError::Vanished { workspace_id: 1234 }),
            details: Vec::new(),
        };
        let json = serde_json::to_value(&failed).unwrap();
        assert_eq!(json["type"], "step_failed");
        assert_eq!(
            json["error"],
            "workspace 1234 disappeared while brickform waited for it to run"
        );
    }
}
