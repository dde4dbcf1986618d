//! `brickform plan PATH...`: reads the account (seven list calls), plans what must change for
//! it to match the spec, and prints the plan as text, JSON or a pull-request comment.
//!
//! The plan goes to stdout, progress to stderr. `--out FILE` also saves the plan as JSON for
//! `brickform show` and `brickform apply`; `--detailed-exitcode` tells CI whether anything
//! changes (2) or is destroyed or replaced (3).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use client::AccountApi;
use miette::IntoDiagnostic;
use plan::{Plan, PlanFailure, PlanMode, PlanOptions};
use spec::Address;

use crate::exit::ExitStatus;
use crate::printer::Printer;
use crate::spec_args::SpecArgs;
use crate::target::{self, Explained, TargetArgs};

/// How a plan is printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum PlanFormat {
    /// Blocks with Terraform's symbols, then `Plan: N to add, M to change, K to destroy.`
    #[default]
    Text,
    /// The plan document (`specs/plan-format.md`), as `--out` writes it.
    Json,
    /// A pull-request comment: summary, warnings, counts, the plan in a collapsed block.
    Markdown,
}

#[derive(Debug, clap::Args)]
pub(crate) struct PlanArgs {
    #[command(flatten)]
    pub(crate) spec: SpecArgs,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// How to print the plan on stdout.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub(crate) format: PlanFormat,
    /// Also save the plan as JSON to FILE, for `brickform show FILE` and `brickform apply FILE`.
    /// A plan file holds ids, names and ARNs, never a secret.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// Exit 0 when nothing changes, 2 when something does, 3 when something is destroyed or
    /// replaced (and 1 on any error).
    #[arg(long)]
    pub(crate) detailed_exitcode: bool,
    /// Delete and create FAILED workspaces again instead of redeploying them with a PATCH, and
    /// their network too when it is BROKEN. A FAILED workspace holds no data.
    #[arg(long)]
    pub(crate) recreate_failed: bool,
    /// Allow destroying or replacing this workspace; its spec must also say
    /// `lifecycle: {prevent_destroy: false}`. Repeatable.
    #[arg(long, value_name = "ADDRESS", value_parser = parse_address)]
    pub(crate) allow_destroy: Vec<Address>,
    /// Plan only this resource and what it references (with --destroy: and what references
    /// it). Repeatable; what was pulled in is listed in the plan.
    #[arg(long = "target", value_name = "ADDRESS", value_parser = parse_address)]
    pub(crate) targets: Vec<Address>,
    /// Plan deleting every resource of the spec that exists (never `existing: true` ones and
    /// never objects the spec does not name), workspaces first.
    #[arg(long)]
    pub(crate) destroy: bool,
    /// Append the Markdown rendering to the file GITHUB_STEP_SUMMARY names (GitHub Actions'
    /// job summary), when it is set.
    #[arg(long)]
    pub(crate) github_summary: bool,
}

fn parse_address(text: &str) -> Result<Address, String> {
    text.parse()
        .map_err(|error: spec::InvalidAddress| error.to_string())
}

pub(crate) async fn run(args: &PlanArgs, printer: &Printer) -> miette::Result<ExitStatus> {
    let Some(spec) = args.spec.load(printer)? else {
        return Ok(ExitStatus::Failure);
    };
    let target = target::resolve(&args.target).await?;
    target.check_spec_account(&spec)?;
    printer.status(&format!("reading {}", target.describe()));
    let snapshot = target
        .client
        .snapshot()
        .await
        .map_err(|error| miette::Report::new(Explained::plain(error)))?;
    printer.status(&format!(
        "read {} object{}; planning {} resource{}",
        snapshot.len(),
        plural(snapshot.len()),
        spec.resources().len(),
        plural(spec.resources().len())
    ));
    let options = PlanOptions {
        mode: if args.destroy {
            PlanMode::Destroy
        } else {
            PlanMode::Apply
        },
        recreate_failed: args.recreate_failed,
        allow_destroy: args.allow_destroy.clone(),
        targets: args.targets.clone(),
    };
    let plan = match plan::plan(&spec, &snapshot, target.plan_target(), options) {
        Ok(plan) => plan,
        Err(failure) => {
            report_failure(printer, &failure);
            return Ok(ExitStatus::Failure);
        }
    };
    if let Some(path) = &args.out {
        write_plan(path, &plan)?;
        printer.status(&format!("saved the plan to {}", path.display()));
    }
    if args.github_summary {
        append_github_summary(printer, &plan)?;
    }
    printer.data(&render(&plan, args.format, printer.stdout_color()));
    Ok(exit_status(&plan, args.detailed_exitcode))
}

/// The plan in `format`.
pub(crate) fn render(plan: &Plan, format: PlanFormat, color: bool) -> String {
    match format {
        PlanFormat::Text => plan::render_text(plan, color),
        PlanFormat::Json => plan::render_json(plan),
        PlanFormat::Markdown => plan::render_markdown(plan),
    }
}

fn report_failure(printer: &Printer, failure: &PlanFailure) {
    let color = printer.stderr_color();
    printer.stderr(&failure.render(color));
    let prefix = if color {
        "\x1b[1;31merror\x1b[0m"
    } else {
        "error"
    };
    printer.stderr(&format!("{prefix}: {failure}\n"));
}

fn write_plan(path: &Path, plan: &Plan) -> miette::Result<()> {
    fs_err::write(path, plan::render_json(plan))
        .into_diagnostic()
        .map_err(|report| report.wrap_err("cannot save the plan"))
}

/// Appends the Markdown plan to GitHub Actions' job summary file.
fn append_github_summary(printer: &Printer, plan: &Plan) -> miette::Result<()> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|path| !path.is_empty()) else {
        printer
            .warning("--github-summary: GITHUB_STEP_SUMMARY is not set, so no summary was written");
        return Ok(());
    };
    let mut file = fs_err::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .into_diagnostic()
        .map_err(|report| report.wrap_err("cannot open the GitHub step summary"))?;
    let mut markdown = plan::render_markdown(plan);
    markdown.push('\n');
    file.write_all(markdown.as_bytes())
        .into_diagnostic()
        .map_err(|report| report.wrap_err("cannot write the GitHub step summary"))
}

/// The exit status: always 0 without `--detailed-exitcode`.
fn exit_status(plan: &Plan, detailed: bool) -> ExitStatus {
    if !detailed || plan.steps.is_empty() {
        return ExitStatus::Success;
    }
    let destroys = plan.resource_changes.iter().any(|change| {
        change
            .change
            .actions
            .iter()
            .any(|action| action == "delete")
    });
    if destroys {
        ExitStatus::DestructiveChanges
    } else {
        ExitStatus::Changes
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
