//! The planner's tests, one binary: the rule table case by case, the renderings, staleness
//! and residual checks, a property test against an in-memory model of the API, and the docs.

mod check;
mod docs;
mod fixtures;
mod formats;
mod fresh;
mod properties;
