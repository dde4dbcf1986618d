//! The reliability and security suite (issue 8): the promises a provisioning tool is trusted
//! for, shown by injecting the failures rather than asserted in a README.
//!
//! - [`faults`]: a 503, a 429, a dropped connection and a lost answer at every step of a plan.
//! - [`random`]: seeded random fault schedules across every route, replayable by seed.
//! - [`crash`]: `kill -9` of the binary at seeded points of an apply.
//! - [`concurrency`]: two applies at once; a saved plan applied twice.
//! - [`malformed`]: answers that are not what the API promises, and oversized requests.
//! - [`secrets`]: no secret or token in any output; plain HTTP refused; bad tokens refused.
//!
//! Every case that changes the account ends with the same invariants ([`account::Expect`]).

mod account;
mod concurrency;
mod crash;
mod faults;
mod malformed;
mod random;
mod secrets;
