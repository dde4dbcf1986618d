//! The `brickform` binary: parse arguments, set up logging and the runtime, run one command,
//! and turn its outcome into an exit code. Everything else lives in the modules below.

mod cli;
mod commands;
mod diagnostics;
mod exit;
mod logging;
mod printer;
mod progress;
mod spec_args;
mod target;

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::parse() {
        Ok(cli) => cli,
        Err(status) => return status.into(),
    };
    logging::init(&cli.global);
    let printer = printer::Printer::new(&cli.global);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            printer.error(&miette::miette!("cannot start the async runtime: {error}"));
            return exit::ExitStatus::Failure.into();
        }
    };
    match runtime.block_on(commands::run(cli, &printer)) {
        Ok(status) => status.into(),
        Err(report) => {
            printer.error(&report);
            exit::ExitStatus::Failure.into()
        }
    }
}
