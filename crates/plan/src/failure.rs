//! Why a plan could not be made: every problem at once, each with the resource it concerns,
//! where that resource is declared, and what to do about it.

use std::fmt;

use owo_colors::OwoColorize;
use spec::{Address, Origin};

/// A plan that cannot be made. `problems` lists every problem found, in spec order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PlanFailure {
    pub problems: Vec<PlanProblem>,
    /// What the planner noticed on the way that may explain a problem (e.g. a deployment name
    /// prefix the spec seems to lack).
    pub notes: Vec<String>,
}

/// One reason the plan cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanProblem {
    pub code: ProblemCode,
    /// The resource concerned, when there is one.
    pub address: Option<Address>,
    /// One sentence, lower case, naming the objects (with ids) involved.
    pub message: String,
    /// What to change so that the plan works.
    pub hint: Option<String>,
    /// Where the resource is declared in the spec.
    pub origin: Option<Origin>,
}

/// A stable name for each kind of problem, for scripts and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemCode {
    /// More than one live object has the resource's natural key.
    AmbiguousMatch,
    /// An `existing: true` resource has no live object.
    ExistingNotFound,
    /// Deleting or replacing a workspace (or a `prevent_destroy` resource) was not allowed.
    DestroyBlocked,
    /// The API refuses the change in every form.
    ImpossibleChange,
    /// A FAILED workspace needs to be recreated, which only `--recreate-failed` allows.
    NeedsRecreate,
    /// An object in use must be replaced under the same identity.
    NeedsNewIdentity,
    /// An object to delete stays in use by something the plan does not change.
    InUse,
    /// A network's subnets or security groups, or the network itself, belong to another.
    NetworkConflict,
    /// A workspace is in a status nothing can be planned for.
    WorkspaceStatus,
    /// `--target` or `--allow-destroy` names an address the spec does not declare.
    UnknownAddress,
    /// The steps would wait on each other (a planner defect, reported rather than hidden).
    StepCycle,
}

impl ProblemCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::AmbiguousMatch => "ambiguous-match",
            ProblemCode::ExistingNotFound => "existing-not-found",
            ProblemCode::DestroyBlocked => "destroy-blocked",
            ProblemCode::ImpossibleChange => "impossible-change",
            ProblemCode::NeedsRecreate => "needs-recreate",
            ProblemCode::NeedsNewIdentity => "needs-new-name",
            ProblemCode::InUse => "in-use",
            ProblemCode::NetworkConflict => "network-conflict",
            ProblemCode::WorkspaceStatus => "workspace-status",
            ProblemCode::UnknownAddress => "unknown-address",
            ProblemCode::StepCycle => "step-cycle",
        }
    }
}

impl fmt::Display for PlanFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        write!(
            f,
            "the plan cannot be made: {count} problem{}",
            if count == 1 { "" } else { "s" }
        )
    }
}

impl PlanFailure {
    /// Every problem, rendered like the spec's diagnostics:
    ///
    /// ```text
    /// error[in-use]: cannot delete `credentials.old` ...
    ///   --> spec.yaml:3:3
    ///   = help: ...
    /// ```
    pub fn render(&self, color: bool) -> String {
        let mut out = String::new();
        for problem in &self.problems {
            let head = format!("error[{}]", problem.code.as_str());
            if color {
                out.push_str(&format!("{}", head.red().bold()));
                out.push_str(&format!(": {}\n", problem.message.bold()));
            } else {
                out.push_str(&head);
                out.push_str(&format!(": {}\n", problem.message));
            }
            if let Some(origin) = &problem.origin {
                let arrow = if color {
                    format!("{}", "-->".blue().bold())
                } else {
                    "-->".to_owned()
                };
                out.push_str(&format!("  {arrow} {origin}\n"));
            }
            if let Some(hint) = &problem.hint {
                let equals = if color {
                    format!("{}", "= help".blue().bold())
                } else {
                    "= help".to_owned()
                };
                out.push_str(&format!("  {equals}: {hint}\n"));
            }
            out.push('\n');
        }
        for note in &self.notes {
            out.push_str(&format!("note: {note}\n"));
        }
        out
    }
}
