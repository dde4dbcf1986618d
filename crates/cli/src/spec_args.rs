//! "Which spec": the arguments every spec-reading command shares (`validate`, `graph`, and
//! later `plan`, `apply`, `destroy`, which flatten the same struct), and loading with
//! diagnostics reported through the printer.

use std::path::PathBuf;

use miette::{IntoDiagnostic, WrapErr};
use spec::{Environment, LoadError, LoadOptions, Loaded, Source, Spec};

use crate::diagnostics::{self, DiagnosticFormat, Outcome};
use crate::printer::Printer;

#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SpecArgs {
    /// Spec files or directories; a directory means its *.yaml and *.yml files, in name order.
    #[arg(required = true, value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// Set `${var.NAME}` to VALUE. Repeatable; wins over --var-file and the spec's `variables:`.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_variable)]
    pub(crate) variables: Vec<(String, String)>,
    /// A YAML file of `NAME: VALUE` variable settings. Repeatable; later files win.
    #[arg(long = "var-file", value_name = "FILE")]
    pub(crate) variable_files: Vec<PathBuf>,
}

fn parse_variable(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not NAME=VALUE"))?;
    if name.is_empty() {
        return Err(format!("`{text}` has no variable name before `=`"));
    }
    Ok((name.to_owned(), value.to_owned()))
}

impl SpecArgs {
    /// Load options with the variable files read and the process environment for `${env.X}`.
    fn options(&self) -> miette::Result<LoadOptions> {
        let mut variable_files = Vec::with_capacity(self.variable_files.len());
        for path in &self.variable_files {
            let text = fs_err::read_to_string(path)
                .into_diagnostic()
                .wrap_err("cannot read a variable file")?;
            variable_files.push(Source::new(path.display().to_string(), text));
        }
        Ok(LoadOptions {
            variables: self.variables.clone(),
            variable_files,
            environment: Environment::from_fn(|name| std::env::var(name).ok()),
        })
    }

    /// Loads the spec and reports its diagnostics in `format`. `Ok(None)`: the spec is invalid
    /// (already reported); `Err`: it could not be read.
    pub(crate) fn load_reporting(
        &self,
        printer: &Printer,
        format: DiagnosticFormat,
    ) -> miette::Result<Option<Loaded>> {
        let options = self.options()?;
        match spec::load_paths(&self.paths, &options) {
            Ok(loaded) => {
                let outcome = Outcome {
                    diagnostics: &loaded.warnings,
                    sources: &loaded.sources,
                    resources: Some(loaded.spec.resources().len()),
                };
                diagnostics::report(printer, &outcome, format);
                Ok(Some(loaded))
            }
            Err(LoadError::Invalid(failed)) => {
                let outcome = Outcome {
                    diagnostics: &failed.diagnostics,
                    sources: &failed.sources,
                    resources: None,
                };
                diagnostics::report(printer, &outcome, format);
                Ok(None)
            }
            Err(error) => Err(error)
                .into_diagnostic()
                .wrap_err("cannot load the spec"),
        }
    }

    /// Loads the spec for a command that goes on to use it: warnings and errors go to stderr.
    /// `Ok(None)` means the spec is invalid and the command should exit with a failure.
    pub(crate) fn load(&self, printer: &Printer) -> miette::Result<Option<Spec>> {
        let options = self.options()?;
        match spec::load_paths(&self.paths, &options) {
            Ok(loaded) => {
                // A valid spec is not worth a status line here, only its warnings are.
                let color = printer.stderr_color();
                for warning in &loaded.warnings {
                    printer.stderr(&spec::render(warning, &loaded.sources, color));
                    printer.stderr("\n");
                }
                Ok(Some(loaded.spec))
            }
            Err(LoadError::Invalid(failed)) => {
                let outcome = Outcome {
                    diagnostics: &failed.diagnostics,
                    sources: &failed.sources,
                    resources: None,
                };
                diagnostics::report(printer, &outcome, DiagnosticFormat::Human);
                Ok(None)
            }
            Err(error) => Err(error)
                .into_diagnostic()
                .wrap_err("cannot load the spec"),
        }
    }
}
