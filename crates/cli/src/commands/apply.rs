//! `brickform apply`: make the account match the spec, or apply a saved plan exactly.
//!
//! - `apply PATH...` reads the spec and the account (seven list calls), plans, shows the plan
//!   on stdout and asks for `yes` on a terminal; without one it needs `--auto-approve`.
//! - `apply PLANFILE` applies a plan saved with `plan --out`, with no prompt: the plan was
//!   the review. It first re-reads the account and refuses, changing nothing, if the plan is
//!   for another account or if anything it rests on changed since.
//!
//! Either way the plan runs as a DAG ([`apply::execute`]) with live progress on stderr (or
//! JSON events on stdout), then the account is read again: the command reports "applied; the
//! account matches the spec" or lists what is still different, and prints each workspace's
//! id, status and URL. `destroy` shares all of this ([`converge`]) in destroy mode.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use api_types::Snapshot;
use apply::{EventSink, Outcome, StepStatus};
use client::AccountApi;
use miette::{IntoDiagnostic, WrapErr};
use plan::{Action, Plan, PlanMode, PlanOptions};
use serde_json::json;
use spec::{Address, Kind};
use tokio_util::sync::CancellationToken;

use crate::exit::ExitStatus;
use crate::printer::Printer;
use crate::progress::{ProgressFormat, ProgressView, drive};
use crate::spec_args::SpecArgs;
use crate::target::{self, Explained, Target, TargetArgs};

#[derive(Debug, clap::Args)]
pub(crate) struct ApplyArgs {
    #[command(flatten)]
    pub(crate) spec: SpecArgs,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// Recreate FAILED workspaces (and the broken networks they use) instead of redeploying
    /// them in place.
    #[arg(long)]
    pub(crate) recreate_failed: bool,
    #[command(flatten)]
    pub(crate) scope: ScopeArgs,
    #[command(flatten)]
    pub(crate) run: RunArgs,
}

/// Which resources a plan may touch, shared by `apply` and `destroy`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ScopeArgs {
    /// Allow destroying or replacing this workspace (repeatable); its spec must also say
    /// `lifecycle: { prevent_destroy: false }`.
    #[arg(long = "allow-destroy", value_name = "ADDRESS")]
    pub(crate) allow_destroy: Vec<Address>,
    /// Only this resource and what it depends on (repeatable).
    #[arg(long = "target", value_name = "ADDRESS")]
    pub(crate) targets: Vec<Address>,
}

/// How a plan is executed, shared by `apply` and `destroy`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct RunArgs {
    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long)]
    pub(crate) auto_approve: bool,
    /// API requests in flight at most; a workspace waiting for RUNNING holds none.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) parallelism: u16,
    /// How long each wait may take: a workspace becoming RUNNING or gone, an object in use
    /// becoming free.
    #[arg(long, value_name = "DURATION", default_value = "20m", value_parser = humantime::parse_duration)]
    pub(crate) timeout: Duration,
    /// Progress as text on stderr, or one JSON event per line on stdout.
    #[arg(long, value_enum, default_value_t = RunFormat::Text)]
    pub(crate) format: RunFormat,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum RunFormat {
    /// The plan on stdout, progress on stderr, the result on stdout.
    #[default]
    Text,
    /// One JSON object per line on stdout: step_started, step_progress, step_finished,
    /// step_failed, step_skipped, summary, then result.
    Json,
}

/// Whether a command converges the account to the spec or removes the spec's resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Goal {
    Apply,
    Destroy,
}

impl Goal {
    fn verb(self) -> &'static str {
        match self {
            Goal::Apply => "apply",
            Goal::Destroy => "destroy",
        }
    }
}

pub(crate) async fn run(args: &ApplyArgs, printer: &Printer) -> miette::Result<ExitStatus> {
    if let Some(path) = saved_plan_path(&args.spec.paths) {
        return apply_saved(&path, args, printer).await;
    }
    let options = PlanOptions {
        mode: PlanMode::Apply,
        recreate_failed: args.recreate_failed,
        allow_destroy: args.scope.allow_destroy.clone(),
        targets: args.scope.targets.clone(),
    };
    converge(
        Goal::Apply,
        &args.spec,
        &args.target,
        options,
        &args.run,
        printer,
    )
    .await
}

/// Plans from the spec, shows the plan, asks, executes, and checks the result.
pub(crate) async fn converge(
    goal: Goal,
    spec_args: &SpecArgs,
    target_args: &TargetArgs,
    options: PlanOptions,
    run: &RunArgs,
    printer: &Printer,
) -> miette::Result<ExitStatus> {
    let Some(spec) = spec_args.load(printer)? else {
        return Ok(ExitStatus::Failure);
    };
    let target = target::resolve(target_args).await?;
    target.check_spec_account(&spec)?;
    let plan_target = target.plan_target();
    let snapshot = read_account(&target, printer, "").await?;
    let plan = match plan::plan(&spec, &snapshot, plan_target.clone(), options.clone()) {
        Ok(plan) => plan,
        Err(failure) => {
            printer.stderr(&failure.render(printer.stderr_color()));
            return Ok(ExitStatus::Failure);
        }
    };
    if run.format == RunFormat::Text {
        printer.data(&plan::render_text(&plan, printer.stdout_color()));
    }
    if plan.steps.is_empty() {
        let workspaces = workspace_rows(&plan, &snapshot, &BTreeMap::new(), &target);
        finish(goal, run, printer, None, &[], &workspaces);
        return Ok(ExitStatus::Success);
    }
    if !approved(goal, &plan, run, printer)? {
        return Ok(ExitStatus::Failure);
    }
    let outcome = execute(&target, &plan, run, printer).await?;
    if !outcome.summary.cancelled {
        // The account after the run, planned again: anything still to do is a residual
        // difference, whatever the reason (a failed step, a change made meanwhile).
        let (residual, workspaces) = match read_again(&target, printer).await {
            Err(unreadable) => (vec![unreadable], Vec::new()),
            Ok(after) => {
                let residual = match plan::plan(&spec, &after, plan_target, options) {
                    Ok(again) => residual_from_replan(&again),
                    Err(failure) => failure
                        .problems
                        .iter()
                        .map(|problem| {
                            format!("the plan cannot be made again: {}", problem.message)
                        })
                        .collect(),
                };
                let workspaces = match goal {
                    Goal::Apply => workspace_rows(&plan, &after, &outcome.produced, &target),
                    Goal::Destroy => Vec::new(),
                };
                (residual, workspaces)
            }
        };
        finish(goal, run, printer, Some(&outcome), &residual, &workspaces);
        return Ok(status(&outcome, &residual));
    }
    finish(goal, run, printer, Some(&outcome), &[], &[]);
    Ok(ExitStatus::Failure)
}

/// `apply PLANFILE`: refuse a plan for another account or a stale one, else run it as is.
async fn apply_saved(
    path: &Path,
    args: &ApplyArgs,
    printer: &Printer,
) -> miette::Result<ExitStatus> {
    if args.recreate_failed
        || !args.scope.allow_destroy.is_empty()
        || !args.scope.targets.is_empty()
        || !args.spec.variables.is_empty()
        || !args.spec.variable_files.is_empty()
    {
        return Err(miette::miette!(
            help = "these options shape a plan; pass them to `brickform plan --out FILE` instead",
            "{} is a saved plan: its options were fixed when it was made, so --recreate-failed, --allow-destroy, --target, --var and --var-file do not apply",
            path.display()
        ));
    }
    let plan = read_saved_plan(path)?;
    let target = target::resolve(&args.target).await?;
    let plan_target = target.plan_target();
    if plan.target.account_id != plan_target.account_id
        || plan.target.host.trim_end_matches('/') != plan_target.host
    {
        return Err(miette::miette!(
            help = "apply it with the account it was made for, or make a new plan for this one",
            "{} was made for account {} at {}, but this command targets account {} at {}; nothing was changed",
            path.display(),
            plan.target.account_id,
            plan.target.host,
            plan_target.account_id,
            plan_target.host
        ));
    }
    let snapshot = read_account(&target, printer, "").await?;
    if let Err(stale) = plan::verify_fresh(&plan, &snapshot) {
        let mut message = format!(
            "{} is stale: the account changed since the plan was made; nothing was changed",
            path.display()
        );
        for line in stale.lines() {
            let _ = write!(message, "\n  {line}");
        }
        return Err(miette::miette!(
            help = "make a new plan with `brickform plan --out FILE`, review it, and apply that",
            "{message}"
        ));
    }
    if plan.steps.is_empty() {
        let workspaces = workspace_rows(&plan, &snapshot, &BTreeMap::new(), &target);
        finish(Goal::Apply, &args.run, printer, None, &[], &workspaces);
        return Ok(ExitStatus::Success);
    }
    printer.status(&format!(
        "applying {}: {} to add, {} to change, {} to destroy ({} step{})",
        path.display(),
        plan.summary.add,
        plan.summary.change,
        plan.summary.destroy,
        plan.steps.len(),
        if plan.steps.len() == 1 { "" } else { "s" }
    ));
    let outcome = execute(&target, &plan, &args.run, printer).await?;
    if outcome.summary.cancelled {
        finish(Goal::Apply, &args.run, printer, Some(&outcome), &[], &[]);
        return Ok(ExitStatus::Failure);
    }
    let goal = match plan.options.mode {
        PlanMode::Apply => Goal::Apply,
        PlanMode::Destroy => Goal::Destroy,
    };
    let (residual, workspaces) = match read_again(&target, printer).await {
        Err(unreadable) => (vec![unreadable], Vec::new()),
        Ok(after) => {
            let residual: Vec<String> = plan::residual(&plan, &after)
                .iter()
                .map(ToString::to_string)
                .collect();
            let workspaces = match goal {
                Goal::Apply => workspace_rows(&plan, &after, &outcome.produced, &target),
                Goal::Destroy => Vec::new(),
            };
            (residual, workspaces)
        }
    };
    finish(
        goal,
        &args.run,
        printer,
        Some(&outcome),
        &residual,
        &workspaces,
    );
    Ok(status(&outcome, &residual))
}

/// The one path, if it is a saved plan: a file holding a JSON object with a
/// `format_version` (specs are YAML and never have one at the top).
fn saved_plan_path(paths: &[PathBuf]) -> Option<PathBuf> {
    let [path] = paths else {
        return None;
    };
    if !path.is_file() {
        return None;
    }
    let text = fs_err::read_to_string(path).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value.get("format_version").is_some().then(|| path.clone())
}

fn read_saved_plan(path: &Path) -> miette::Result<Plan> {
    let text = fs_err::read_to_string(path).into_diagnostic()?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot read the saved plan {}", path.display()))?;
    let version = value
        .get("format_version")
        .and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(plan::FORMAT_VERSION)) {
        return Err(miette::miette!(
            help = "make the plan again with this version of brickform",
            "{} is a plan of format version {}; this brickform reads version {}",
            path.display(),
            version.map_or_else(|| "(none)".to_owned(), |version| version.to_string()),
            plan::FORMAT_VERSION
        ));
    }
    serde_json::from_value(value)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot read the saved plan {}", path.display()))
}

async fn read_account(
    target: &Target,
    printer: &Printer,
    purpose: &str,
) -> miette::Result<Snapshot> {
    printer.status(&format!("reading {}{purpose}", target.describe()));
    target
        .client
        .snapshot()
        .await
        .map_err(|error| miette::Report::new(Explained::plain(error)))
}

/// Reads the account after a run to check the result. A failure is a residual difference,
/// not an error: the run's summary (what was done, what failed) must still be shown.
async fn read_again(target: &Target, printer: &Printer) -> Result<Snapshot, String> {
    read_account(target, printer, " again to check the result")
        .await
        .map_err(|report| {
            let causes: Vec<String> = report.chain().map(ToString::to_string).collect();
            format!(
                "the account cannot be read again to check the result: {}",
                causes.join(": ")
            )
        })
}

/// Asks for `yes`, unless `--auto-approve`; refuses when nobody can answer.
fn approved(goal: Goal, plan: &Plan, run: &RunArgs, printer: &Printer) -> miette::Result<bool> {
    if run.auto_approve {
        return Ok(true);
    }
    if !printer.stdin_is_terminal() {
        return Err(miette::miette!(
            help = match goal {
                Goal::Apply =>
                    "review the plan, then pass --auto-approve; or save it with `brickform plan --out plan.json` and run `brickform apply plan.json`",
                Goal::Destroy =>
                    "review the plan, then pass --auto-approve; or save it with `brickform plan --destroy --out plan.json` and run `brickform apply plan.json`",
            },
            "refusing to {} without confirmation: stdin is not a terminal",
            goal.verb()
        ));
    }
    let question = format!(
        "\nDo you want to {} these changes to account {}? Only 'yes' is accepted: ",
        goal.verb(),
        plan.target.account_id
    );
    let answer = printer.prompt(&question).into_diagnostic()?;
    if answer.trim() == "yes" {
        return Ok(true);
    }
    printer.alert(&format!("{} cancelled; nothing was changed", goal.verb()));
    Ok(false)
}

/// Runs the plan with progress and Ctrl-C handling.
async fn execute(
    target: &Target,
    plan: &Plan,
    run: &RunArgs,
    printer: &Printer,
) -> miette::Result<Outcome> {
    let cancel = CancellationToken::new();
    let options = apply::Options {
        parallelism: usize::from(run.parallelism),
        timeout: run.timeout,
        cancel: cancel.clone(),
    };
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    let sink: Arc<dyn EventSink> = Arc::new(sender);
    let labels = plan
        .steps
        .iter()
        .map(|step| step.description.clone())
        .collect();
    let format = ProgressFormat::choose(run.format == RunFormat::Json, printer);
    let mut view = ProgressView::new(printer, format, labels);
    let execution = apply::execute(Arc::new(target.client.clone()), plan, options, sink);
    drive(execution, receiver, &mut view, &cancel)
        .await
        .map_err(|error| miette::Report::new(Explained::plain(error)))
}

fn status(outcome: &Outcome, residual: &[String]) -> ExitStatus {
    if outcome.succeeded() && residual.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    }
}

/// Each change the re-plan still finds, one line each.
fn residual_from_replan(plan: &Plan) -> Vec<String> {
    plan.resource_changes
        .iter()
        .filter(|change| !matches!(change.action, Action::NoOp | Action::Read))
        .map(|change| {
            let mut line = format!("{} {}", action_word(change.action), change.address);
            if change.previous_object {
                line.push_str(" (previous object)");
            }
            if let Some(id) = &change.live_id {
                let _ = write!(line, " ({id})");
            }
            let fields: Vec<&str> = change
                .fields
                .iter()
                .filter(|field| field.effect != plan::FieldEffect::Ignored)
                .map(|field| field.field.as_str())
                .collect();
            if !fields.is_empty() {
                let _ = write!(line, ": {}", fields.join(", "));
            }
            if let Some(reason) = change.reasons.first() {
                let _ = write!(line, " ({reason})");
            }
            line
        })
        .collect()
}

fn action_word(action: Action) -> &'static str {
    match action {
        Action::NoOp => "keep",
        Action::Read => "read",
        Action::Create => "create",
        Action::Update => "update",
        Action::ReplaceDeleteFirst | Action::ReplaceCreateFirst => "replace",
        Action::Delete => "delete",
        Action::Redeploy => "redeploy",
        Action::Recreate => "recreate",
        Action::Wait => "wait for",
    }
}

/// One workspace of the result.
struct WorkspaceRow {
    address: Address,
    id: i64,
    status: String,
    url: String,
}

/// The spec's workspaces as the account shows them after the run.
fn workspace_rows(
    plan: &Plan,
    snapshot: &Snapshot,
    produced: &BTreeMap<Address, String>,
    target: &Target,
) -> Vec<WorkspaceRow> {
    plan.resource_changes
        .iter()
        .filter(|change| {
            change.address.kind == Kind::Workspace
                && !change.previous_object
                && change.action != Action::Delete
        })
        .filter_map(|change| {
            let id = produced.get(&change.address).or(change.live_id.as_ref())?;
            let workspace = snapshot
                .workspaces
                .iter()
                .find(|workspace| workspace.workspace_id.to_string() == *id)?;
            Some(WorkspaceRow {
                address: change.address.clone(),
                id: workspace.workspace_id,
                status: workspace
                    .workspace_status
                    .as_ref()
                    .map_or_else(|| "UNKNOWN".to_owned(), ToString::to_string),
                url: workspace_url(target, &workspace.deployment_name),
            })
        })
        .collect()
}

fn workspace_url(target: &Target, deployment_name: &str) -> String {
    let host = match target.local_state() {
        Some(_) => "",
        None => target.config.host.value.host_str().unwrap_or_default(),
    };
    format!("https://{deployment_name}.{}", workspace_domain(host))
}

/// The domain of workspace URLs for an account host: the host without its first label
/// (`accounts.cloud.databricks.com` and `accounts-dod.cloud.databricks.us` give
/// `cloud.databricks.com` and `cloud.databricks.us`), as the Databricks Terraform provider
/// derives it. The emulator runs on an address, not a domain, and gets the AWS commercial one.
fn workspace_domain(host: &str) -> &str {
    let is_domain =
        host.parse::<std::net::IpAddr>().is_err() && host != "localhost" && host.contains('.');
    match host.split_once('.') {
        Some((_, rest)) if is_domain => rest,
        _ => "cloud.databricks.com",
    }
}

/// What the command says at the end: the summary, what is left, and the workspaces.
fn finish(
    goal: Goal,
    run: &RunArgs,
    printer: &Printer,
    outcome: Option<&Outcome>,
    residual: &[String],
    workspaces: &[WorkspaceRow],
) {
    let converged = outcome.is_none_or(|outcome| outcome.succeeded()) && residual.is_empty();
    if run.format == RunFormat::Json {
        let result = json!({
            "type": "result",
            "converged": converged,
            "cancelled": outcome.is_some_and(|outcome| outcome.summary.cancelled),
            "residual": residual,
            "workspaces": workspaces.iter().map(|row| json!({
                "address": row.address,
                "workspace_id": row.id,
                "status": row.status,
                "url": row.url,
            })).collect::<Vec<_>>(),
            "timestamp": crate::progress::timestamp(),
        });
        printer.data_line(&result.to_string());
        return;
    }
    let mut text = String::new();
    if let Some(outcome) = outcome {
        text.push_str(&summary_text(goal, outcome));
    }
    let cancelled = outcome.is_some_and(|outcome| outcome.summary.cancelled);
    if cancelled {
        let _ = writeln!(
            text,
            "Run `brickform {}` again to finish: it picks up from what is in the account now.",
            goal.verb()
        );
    } else if residual.is_empty() {
        let _ = match (goal, outcome.is_some()) {
            (Goal::Apply, true) => writeln!(text, "applied; the account matches the spec"),
            // The plan already said there was nothing to do.
            (_, false) if run.format == RunFormat::Text => Ok(()),
            (Goal::Apply, false) => writeln!(text, "No changes: the account matches the spec."),
            (Goal::Destroy, true) => {
                writeln!(text, "destroyed; none of the spec's resources remain")
            }
            (Goal::Destroy, false) => {
                writeln!(
                    text,
                    "Nothing to destroy: none of the spec's resources exist."
                )
            }
        };
    } else {
        let _ = writeln!(
            text,
            "the account still differs from the spec ({} difference{}):",
            residual.len(),
            if residual.len() == 1 { "" } else { "s" }
        );
        for line in residual {
            let _ = writeln!(text, "  {line}");
        }
    }
    if !workspaces.is_empty() {
        text.push('\n');
        let width = workspaces
            .iter()
            .map(|row| row.address.to_string().len())
            .max()
            .unwrap_or(0);
        for row in workspaces {
            let _ = writeln!(
                text,
                "{:<width$}  {}  {:<12}  {}",
                row.address.to_string(),
                row.id,
                row.status,
                row.url
            );
        }
    }
    printer.data(&text);
}

/// `Apply complete: 7 done.` or, when something did not happen, the counts and the steps
/// that were not done.
fn summary_text(goal: Goal, outcome: &Outcome) -> String {
    let summary = &outcome.summary;
    let mut text = String::new();
    let title = match goal {
        Goal::Apply => "Apply",
        Goal::Destroy => "Destroy",
    };
    let state = if summary.cancelled {
        "interrupted"
    } else if outcome.succeeded() {
        "complete"
    } else {
        "failed"
    };
    let mut counts = vec![format!("{} done", summary.done)];
    for (count, word) in [
        (summary.failed, "failed"),
        (summary.skipped, "skipped"),
        (summary.interrupted, "interrupted"),
        (summary.not_started, "not started"),
    ] {
        if count > 0 {
            counts.push(format!("{count} {word}"));
        }
    }
    let _ = writeln!(
        text,
        "\n{title} {state}: {} in {}.",
        counts.join(", "),
        crate::progress::short_duration(summary.elapsed)
    );
    if !outcome.succeeded() {
        for report in &outcome.steps {
            let detail = match &report.status {
                StepStatus::Done(_) => continue,
                StepStatus::Failed(error) => format!("failed: {}", error.chain()),
                StepStatus::Skipped { because } => format!(
                    "skipped because `{}` failed",
                    outcome.steps[*because].description
                ),
                StepStatus::Interrupted { id: Some(id) } => {
                    format!("interrupted after its request (id {id}); the next run waits for it")
                }
                StepStatus::Interrupted { id: None } => "interrupted".to_owned(),
                StepStatus::NotStarted => "not started".to_owned(),
            };
            let _ = writeln!(text, "  {}: {detail}", report.description);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_urls_follow_the_account_hosts_domain() {
        assert_eq!(
            workspace_domain("accounts.cloud.databricks.com"),
            "cloud.databricks.com"
        );
        assert_eq!(
            workspace_domain("accounts-dod.cloud.databricks.us"),
            "cloud.databricks.us"
        );
        assert_eq!(workspace_domain("127.0.0.1"), "cloud.databricks.com");
        assert_eq!(workspace_domain("localhost"), "cloud.databricks.com");
        assert_eq!(workspace_domain(""), "cloud.databricks.com");
    }

    #[test]
    fn only_a_json_document_with_a_format_version_is_a_saved_plan() {
        let directory = tempfile::tempdir().unwrap();
        let plan = directory.path().join("plan.json");
        std::fs::write(&plan, r#"{"format_version": 1, "steps": []}"#).unwrap();
        let spec = directory.path().join("spec.yaml");
        std::fs::write(&spec, "version: 1\n").unwrap();
        let json_spec = directory.path().join("spec.json");
        std::fs::write(&json_spec, r#"{"version": 1}"#).unwrap();
        assert_eq!(
            saved_plan_path(std::slice::from_ref(&plan)),
            Some(plan.clone())
        );
        assert_eq!(saved_plan_path(std::slice::from_ref(&spec)), None);
        assert_eq!(saved_plan_path(&[json_spec]), None);
        assert_eq!(saved_plan_path(&[plan, spec]), None);
        assert_eq!(saved_plan_path(&[directory.path().to_path_buf()]), None);
    }
}
