//! The planner: a validated spec plus a live snapshot to a [`Plan`], and its renderers.
//!
//! **Architecture invariant:** pure. No client, no async runtime, no IO: the live account comes
//! in as an `api_types::Snapshot`, so every rule is tested without a server. Renderers return
//! strings; they never print.

mod model;

pub use model::{
    Action, Change, CreateRequest, FORMAT_VERSION, FieldChange, FieldEffect, LiveObject, Operation,
    Plan, PlanMode, PlanOptions, PlanTarget, ResourceChange, Risk, Step, Summary,
    known_after_apply, parse_known_after_apply,
};
