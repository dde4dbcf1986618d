//! `brickform validate PATH...`: checks a spec without calling any API and reports every
//! problem at once. Exit 0 when valid (warnings allowed), 1 on any error.

use crate::diagnostics::DiagnosticFormat;
use crate::exit::ExitStatus;
use crate::printer::Printer;
use crate::spec_args::SpecArgs;

#[derive(Debug, clap::Args)]
pub(crate) struct ValidateArgs {
    #[command(flatten)]
    pub(crate) spec: SpecArgs,
    /// `human`: rustc-style diagnostics on stderr; `json`: one JSON document on stdout.
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
    pub(crate) format: DiagnosticFormat,
}

pub(crate) fn run(args: &ValidateArgs, printer: &Printer) -> miette::Result<ExitStatus> {
    match args.spec.load_reporting(printer, args.format)? {
        Some(_) => Ok(ExitStatus::Success),
        None => Ok(ExitStatus::Failure),
    }
}
