//! `brickform export`: the live account written as a spec, so that a team with console-made
//! workspaces can start from what it has. Planning the export right away shows no changes.

use std::path::PathBuf;

use client::AccountApi;

use crate::exit::ExitStatus;
use crate::printer::Printer;
use crate::target::{self, TargetArgs};

#[derive(Debug, clap::Args)]
pub(crate) struct ExportArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// Write the spec to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
}

pub(crate) async fn run(args: &ExportArgs, printer: &Printer) -> miette::Result<ExitStatus> {
    let target = target::resolve(&args.target).await?;
    printer.status(&format!("reading {}", target.describe()));
    let snapshot = target
        .client
        .snapshot()
        .await
        .map_err(|error| miette::Report::new(target::Explained::plain(error)))?;
    let origin = match target.local_state() {
        Some(state) => format!(
            "exported by brickform {} from the embedded emulator ({})",
            env!("CARGO_PKG_VERSION"),
            state.display()
        ),
        None => format!(
            "exported by brickform {} from {}",
            env!("CARGO_PKG_VERSION"),
            target.config.host.value.as_str().trim_end_matches('/')
        ),
    };
    let exported = spec::export(
        &snapshot,
        &spec::ExportOptions {
            account_id: Some(target.config.account_id.value.clone()),
            origin: Some(origin),
        },
    );
    for warning in &exported.warnings {
        printer.warning(warning);
    }
    match &args.out {
        Some(path) => {
            fs_err::write(path, &exported.text).map_err(|error| miette::miette!("{error}"))?;
            printer.status(&format!(
                "wrote {} resources to {}",
                exported.resources,
                path.display()
            ));
        }
        None => printer.data(&exported.text),
    }
    Ok(ExitStatus::Success)
}
