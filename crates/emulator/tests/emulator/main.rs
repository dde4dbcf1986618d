//! The emulator's test suite: in-process handler tests (`oneshot`, manual clock) for every
//! rule, and HTTP tests on `127.0.0.1:0` for what needs a socket (OAuth with a real client,
//! dropped connections, persistence across restarts, races, timing).

mod support;

mod auth;
mod faults;
mod http;
mod lifecycle;
mod objects;
mod patch;
mod validation;
