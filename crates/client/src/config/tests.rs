//! Tests of configuration resolution.
