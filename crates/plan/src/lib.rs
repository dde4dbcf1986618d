//! The planner: desired spec plus live snapshot to a `Plan`.
