//! The client over real HTTP on 127.0.0.1, against wiremock servers whose request counters
//! show exactly what the client sent: endpoints, error shapes, retries, adoption after a lost
//! `POST`, the three auth methods, and redaction of secrets.

mod adopt;
mod auth;
mod endpoints;
mod redaction;
mod retries;
mod support;
