//! The end-to-end suite: the real `brickform` binary against the emulator over HTTP.
//!
//! One test binary (faster to link than one per file), one module per area.

mod apply;
mod export;
mod load;
mod newcomer;
mod plan;
mod readme;
mod reliability;
mod smoke;
