//! Command-line arguments: the global options and one subcommand.

use std::io::IsTerminal;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands;
use crate::exit::{EXIT_CODES_HELP, ExitStatus};

/// Declarative provisioning for the Databricks Account API (AWS).
///
/// A YAML spec names credentials, storage configurations, customer-managed keys, VPC
/// endpoints, networks, private access settings and workspaces. `plan` reads the live account
/// (the account is the state) and shows what must change; `apply` makes those changes in
/// dependency order and waits until every workspace is RUNNING.
#[derive(Debug, Parser)]
#[command(name = "brickform", version, propagate_version = true, after_help = EXIT_CODES_HELP)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides it.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Only errors and warnings on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
    /// When to use colour: auto (only on a terminal, and not with NO_COLOR), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
    /// Same as `--color never`.
    #[arg(long, global = true)]
    pub(crate) no_color: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl GlobalArgs {
    fn color_for(&self, is_terminal: bool) -> bool {
        if self.no_color {
            return false;
        }
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
            }
        }
    }

    pub(crate) fn stdout_color(&self) -> bool {
        self.color_for(std::io::stdout().is_terminal())
    }

    pub(crate) fn stderr_color(&self) -> bool {
        self.color_for(std::io::stderr().is_terminal())
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Make the account match the spec, or apply a saved plan exactly.
    ///
    /// With spec paths: reads the account, shows the plan, asks for `yes` (or takes
    /// --auto-approve), runs it as a dependency graph with live progress, waits until every
    /// workspace is RUNNING, then reads the account again and reports anything still different.
    /// With one saved plan file (`plan --out FILE`): re-reads the account, refuses a stale
    /// plan or one for another account, and runs it with no prompt.
    #[command(after_help = "Examples:
  brickform apply specs/ --auto-approve
  brickform plan specs/ --out plan.json && brickform apply plan.json
  brickform apply specs/ --recreate-failed --timeout 45m --format json > events.jsonl

Ctrl-C once: no new step starts and requests in flight finish (then exit 1); twice: stop at
once (exit 130). Running apply again converges either way.")]
    Apply(commands::apply::ApplyArgs),
    /// Check the account configuration and credentials.
    #[command(after_help = "Example:\n  brickform auth check --profile acct")]
    Auth(commands::auth::AuthArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  brickform completions bash > ~/.local/share/bash-completion/completions/brickform"
    )]
    Completions(commands::completions::CompletionsArgs),
    /// Delete every resource of the spec that exists, workspaces first.
    ///
    /// Never deletes `existing: true` resources or objects the spec does not name. A
    /// workspace is only destroyed when its spec says `lifecycle: { prevent_destroy: false }`
    /// and the command carries `--allow-destroy workspaces.KEY`.
    #[command(after_help = "Example:
  brickform destroy specs/dev.yaml --allow-destroy workspaces.sandbox --auto-approve")]
    Destroy(commands::destroy::DestroyArgs),
    /// Check a spec without calling any API: every problem at once, each with a code, a
    /// location and a hint. Exit 0 when valid (warnings allowed), 1 on any error.
    #[command(
        after_help = "Examples:\n  brickform validate specs/\n  brickform validate specs/prod.yaml --var region=eu-west-1 --var-file prod.vars.yaml\n  brickform validate specs/ --format json > diagnostics.json\n\nOn GitHub Actions (GITHUB_ACTIONS=true) diagnostics are also printed as annotations."
    )]
    Validate(commands::validate::ValidateArgs),
    /// Print the JSON Schema of the spec language, for editors.
    #[command(
        after_help = "Example:\n  brickform schema > specs/brickform.schema.json\n\nThen start each spec with:\n  # yaml-language-server: $schema=../specs/brickform.schema.json"
    )]
    Schema(commands::schema::SchemaArgs),
    /// Print a spec's dependency graph (Mermaid or Graphviz), e.g. for a pull request.
    #[command(
        after_help = "Examples:\n  brickform graph specs/ > graph.mmd\n  brickform graph specs/ --format dot | dot -Tsvg > graph.svg"
    )]
    Graph(commands::graph::GraphArgs),
    /// Read the account and show what must change for it to match the spec.
    #[command(
        after_help = "Examples:\n  brickform plan specs/ --profile acct\n  brickform plan specs/ --out plan.json --detailed-exitcode\n  brickform plan specs/ --format markdown --github-summary > comment.md\n  brickform plan specs/ --target workspaces.sales --recreate-failed\n  brickform plan specs/ --local\n\nWith --detailed-exitcode: 0 no changes, 2 changes, 3 changes that destroy or replace something, 1 error."
    )]
    Plan(Box<commands::plan::PlanArgs>),
    /// Render a plan saved with `brickform plan --out FILE`.
    #[command(
        after_help = "Examples:\n  brickform show plan.json\n  brickform show plan.json --format markdown > comment.md"
    )]
    Show(commands::show::ShowArgs),
    /// Write the live account as a spec: every object, with references instead of ids.
    #[command(
        after_help = "Examples:\n  brickform export --profile acct --out databricks/account.yaml\n  brickform export --local\n\nPlanning the exported spec right away shows no changes. What a spec cannot express (two objects with one name, a workspace being deleted) is left out with a warning."
    )]
    Export(commands::export::ExportArgs),
    /// Serve a local Databricks Account API (OAuth, validation, lifecycle, faults).
    Emulator(Box<commands::emulator::EmulatorArgs>),
}

/// Parses the command line. Help and version go to stdout with status 0; usage errors exit
/// with status 1 (not clap's 2, which `plan --detailed-exitcode` uses for "changes present").
pub(crate) fn parse() -> Result<Cli, ExitStatus> {
    match Cli::try_parse() {
        Ok(cli) => Ok(cli),
        Err(error) => {
            let _ = error.print();
            if error.use_stderr() {
                Err(ExitStatus::Failure)
            } else {
                Err(ExitStatus::Success)
            }
        }
    }
}
