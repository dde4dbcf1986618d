//! The tracing subscriber: libraries emit events, only the binary decides where they go.
//!
//! Logs always go to stderr so that stdout stays clean for data (plans, JSON). `RUST_LOG`, when
//! set, wins over `-v`/`-q`.

use tracing_subscriber::EnvFilter;

use crate::cli::GlobalArgs;

pub(crate) fn init(global: &GlobalArgs) {
    let default_directive = if global.quiet {
        "error"
    } else {
        match global.verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        // Dependencies (hyper, rustls, ...) stay at `warn` unless asked for with RUST_LOG:
        // at `-vv` their chatter would bury brickform's own request log.
        let level = default_directive;
        EnvFilter::new(format!(
            "warn,brickform={level},brickform_cli={level},brickform_client={level},\
             brickform_apply={level},brickform_plan={level},brickform_spec={level},\
             brickform_emulator={level}"
        ))
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(global.stderr_color())
        .with_target(global.verbose >= 2)
        .try_init();
}
