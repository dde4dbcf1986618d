//! The planner: a validated spec plus a live snapshot to a [`Plan`], and its renderers.
//!
//! - [`plan()`] decides what must change, through one rule table ([`rules`]) that encodes what
//!   the Account API allows, and fails with every problem at once ([`PlanFailure`]).
//! - [`verify_fresh`] tells whether a saved plan still describes the account; [`residual`]
//!   lists what an applied plan left different.
//! - [`render_text`], [`render_json`] and [`render_markdown`] return the plan for humans,
//!   machines and pull requests.
//!
//! **Architecture invariant:** pure. No client, no async runtime, no IO: the live account comes
//! in as an `api_types::Snapshot`, so every rule is tested without a server. Renderers return
//! strings; they never print.

mod failure;
mod fields;
mod fingerprint;
mod fresh;
mod live;
mod model;
mod planner;
mod render;
pub mod rules;

pub use failure::{PlanFailure, PlanProblem, ProblemCode};
pub use fingerprint::{canonical_json, fingerprint};
pub use fresh::{Residual, ResidualKind, StaleObject, StalePlan, residual, verify_fresh};
pub use model::{
    Action, Change, CreateRequest, FORMAT_VERSION, FieldChange, FieldEffect, LiveObject, Operation,
    Plan, PlanMode, PlanOptions, PlanTarget, ResourceChange, Risk, Step, Summary,
    known_after_apply, parse_known_after_apply,
};
pub use planner::plan;
pub use render::{MARKDOWN_LIMIT, render_json, render_markdown, render_text};
