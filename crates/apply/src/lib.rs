//! The applier: runs a [`Plan`](plan::Plan) against the Account API as a concurrent
//! dependency DAG.
//!
//! [`execute`] is the whole public surface:
//!
//! - Steps run as soon as the steps they depend on are done; independent steps run side by
//!   side. [`Options::parallelism`] bounds the API *requests* in flight (a semaphore around
//!   each request), never the steps: a workspace waiting for `RUNNING` holds no slot.
//! - A failed step skips everything that depends on it, transitively; independent branches
//!   still finish. The [`Outcome`] says what was done, failed, skipped, interrupted or never
//!   started, and which ids the creates produced.
//! - Creates go through the client's create-or-adopt path, so a lost `POST` answer never
//!   yields a duplicate; an existing object with the name we meant to create is adopted only
//!   when its fields match the request.
//! - Where the server does not keep a natural key unique, a create is followed by a list:
//!   when a concurrent run created the same object, every run keeps the oldest and deletes
//!   only its own duplicate; a create refused because a concurrent run's object holds what
//!   it needs adopts that object.
//! - One shared watcher lists workspaces for every step that waits on one (a `RUNNING`
//!   workspace after a create or PATCH, a deleted one until it is gone), with an interval that
//!   grows with the time already waited. A `FAILED` workspace is reported with its status
//!   message and its network's `error_messages` and `warning_messages`; it is never deleted
//!   unless the plan says so.
//! - Deletes retry `409 INVALID_STATE` ("in use") while the workspace that used the object
//!   tears down, within [`Options::timeout`]. A PATCH or DELETE whose outcome is unknown (a
//!   server error, a lost answer) is read back or sent again a few times, and a wait outlives
//!   a few failed lists: an object a repoint replaced must not be stranded by one bad answer.
//! - Cancelling [`Options::cancel`] stops scheduling new steps and abandons waits; requests
//!   already sent are allowed to finish, so the account is left in a state the next apply
//!   converges from.
//!
//! Progress is reported as [`Event`]s through an [`EventSink`]; the library never prints.
//!
//! **Architecture invariant:** uses only the [`client::AccountApi`] trait, so a scripted fake
//! tests every edge case; it does not parse arguments (`clap`), print, or embed the emulator.

mod compare;
mod duplicates;
mod error;
mod event;
mod executor;
mod limited;
mod outcome;
mod resolve;
mod step;
mod watcher;

pub use compare::FieldDifference;
pub use error::{ExecuteError, NetworkDiagnosis, StepError};
pub use event::{Event, EventSink, Progress, StepAction};
pub use executor::{DEFAULT_PARALLELISM, DEFAULT_TIMEOUT, Options, execute};
pub use outcome::{Completed, Completion, Outcome, StepReport, StepStatus, Summary};
