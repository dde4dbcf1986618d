//! One module per subcommand; each holds its `Args` and a `run` that calls library code.

pub(crate) mod apply;
pub(crate) mod auth;
pub(crate) mod completions;
pub(crate) mod destroy;
pub(crate) mod emulator;
pub(crate) mod export;
pub(crate) mod graph;
pub(crate) mod plan;
pub(crate) mod schema;
pub(crate) mod show;
pub(crate) mod validate;

use crate::cli::{Cli, Command};
use crate::exit::ExitStatus;
use crate::printer::Printer;

/// Runs the chosen subcommand.
pub(crate) async fn run(cli: Cli, printer: &Printer) -> miette::Result<ExitStatus> {
    match cli.command {
        Command::Apply(args) => apply::run(&args, printer).await,
        Command::Auth(args) => auth::run(&args, printer).await,
        Command::Destroy(args) => destroy::run(&args, printer).await,
        Command::Completions(args) => completions::run(&args, printer),
        Command::Validate(args) => validate::run(&args, printer),
        Command::Schema(args) => schema::run(&args, printer),
        Command::Graph(args) => graph::run(&args, printer),
        Command::Emulator(args) => emulator::run(*args, printer).await,
        Command::Export(args) => export::run(&args, printer).await,
        Command::Plan(args) => plan::run(&args, printer).await,
        Command::Show(args) => show::run(&args, printer),
    }
}
