//! `brickform schema`: the spec language's JSON Schema on stdout, for editors.

use crate::exit::ExitStatus;
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub(crate) struct SchemaArgs {}

pub(crate) fn run(_: &SchemaArgs, printer: &Printer) -> miette::Result<ExitStatus> {
    printer.data(&spec::json_schema_text());
    Ok(ExitStatus::Success)
}
