//! `brickform show FILE`: renders a plan saved with `brickform plan --out FILE`, as text, JSON
//! or a pull-request comment, without reading any account.

use std::path::PathBuf;

use miette::IntoDiagnostic;
use plan::{FORMAT_VERSION, Plan};

use crate::commands::plan::{PlanFormat, render};
use crate::exit::ExitStatus;
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub(crate) struct ShowArgs {
    /// A plan saved by `brickform plan --out FILE`.
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// How to print the plan on stdout.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub(crate) format: PlanFormat,
}

pub(crate) fn run(args: &ShowArgs, printer: &Printer) -> miette::Result<ExitStatus> {
    let plan = read_plan(&args.file)?;
    printer.data(&render(&plan, args.format, printer.stdout_color()));
    Ok(ExitStatus::Success)
}

/// Reads a saved plan, refusing another format version before parsing the rest.
pub(crate) fn read_plan(path: &std::path::Path) -> miette::Result<Plan> {
    let text = fs_err::read_to_string(path)
        .into_diagnostic()
        .map_err(|report| report.wrap_err("cannot read the plan"))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|error| {
        miette::miette!(
            help = "save a plan with `brickform plan --out FILE`",
            "{} is not a plan file: {error}",
            path.display()
        )
    })?;
    match value
        .get("format_version")
        .and_then(serde_json::Value::as_u64)
    {
        Some(version) if version == u64::from(FORMAT_VERSION) => {}
        Some(version) => {
            return Err(miette::miette!(
                help = "plan again with this version of brickform",
                "{} has plan format version {version}; this brickform reads version {FORMAT_VERSION}",
                path.display()
            ));
        }
        None => {
            return Err(miette::miette!(
                help = "save a plan with `brickform plan --out FILE`",
                "{} is not a plan file: it has no `format_version`",
                path.display()
            ));
        }
    }
    serde_json::from_value(value).map_err(|error| {
        miette::miette!(
            help = "the file may have been edited; plan again with `brickform plan --out FILE`",
            "{} is not a valid plan: {error}",
            path.display()
        )
    })
}
