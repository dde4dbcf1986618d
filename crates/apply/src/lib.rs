//! The applier: runs a `Plan` against the Account API.
