//! `brickform destroy`: delete every resource of the spec that exists, workspaces first.
//!
//! Never touches `existing: true` resources or objects the spec does not name; a workspace
//! (or any `prevent_destroy` resource) is only destroyed when its spec says
//! `lifecycle: { prevent_destroy: false }` and the command carries `--allow-destroy ADDR`.
//! The plan is shown and confirmed like `apply`'s, and executed by the same code.

use plan::{PlanMode, PlanOptions};

use crate::commands::apply::{Goal, RunArgs, ScopeArgs, converge};
use crate::exit::ExitStatus;
use crate::printer::Printer;
use crate::spec_args::SpecArgs;
use crate::target::TargetArgs;

#[derive(Debug, clap::Args)]
pub(crate) struct DestroyArgs {
    #[command(flatten)]
    pub(crate) spec: SpecArgs,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    #[command(flatten)]
    pub(crate) scope: ScopeArgs,
    #[command(flatten)]
    pub(crate) run: RunArgs,
}

pub(crate) async fn run(args: &DestroyArgs, printer: &Printer) -> miette::Result<ExitStatus> {
    let options = PlanOptions {
        mode: PlanMode::Destroy,
        recreate_failed: false,
        allow_destroy: args.scope.allow_destroy.clone(),
        targets: args.scope.targets.clone(),
    };
    converge(
        Goal::Destroy,
        &args.spec,
        &args.target,
        options,
        &args.run,
        printer,
    )
    .await
}
