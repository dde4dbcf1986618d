//! `brickform graph PATH...`: the spec's dependency graph as Mermaid or Graphviz, on stdout,
//! so a pull request can show it as a picture.

use clap::ValueEnum;

use crate::exit::ExitStatus;
use crate::printer::Printer;
use crate::spec_args::SpecArgs;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum GraphFormat {
    /// A Mermaid flowchart (GitHub renders ```mermaid blocks).
    #[default]
    Mermaid,
    /// Graphviz `dot`.
    Dot,
}

#[derive(Debug, clap::Args)]
pub(crate) struct GraphArgs {
    #[command(flatten)]
    pub(crate) spec: SpecArgs,
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub(crate) format: GraphFormat,
}

pub(crate) fn run(args: &GraphArgs, printer: &Printer) -> miette::Result<ExitStatus> {
    let Some(spec) = args.spec.load(printer)? else {
        return Ok(ExitStatus::Failure);
    };
    let text = match args.format {
        GraphFormat::Mermaid => spec.to_mermaid(),
        GraphFormat::Dot => spec.to_dot(),
    };
    printer.data(&text);
    Ok(ExitStatus::Success)
}
