//! Reporting spec diagnostics: rustc-style text on stderr (rendered by `spec::render`, the one
//! renderer), a JSON document on stdout for editors and CI (`--format json`), and GitHub
//! Actions annotations (`::error file=...::message`) when `GITHUB_ACTIONS=true`.

use clap::ValueEnum;
use serde::Serialize;
use spec::{Diagnostic, Label, Sources};

use crate::printer::Printer;

/// How `validate` reports diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum DiagnosticFormat {
    /// rustc-style text on stderr.
    #[default]
    Human,
    /// One JSON document on stdout.
    Json,
}

/// The outcome of loading a spec, for the summary line and the JSON document.
pub(crate) struct Outcome<'a> {
    pub(crate) diagnostics: &'a [Diagnostic],
    pub(crate) sources: &'a Sources,
    /// The number of resources, when the spec is valid.
    pub(crate) resources: Option<usize>,
}

/// Reports every diagnostic in `format`, plus annotations on GitHub Actions.
pub(crate) fn report(printer: &Printer, outcome: &Outcome<'_>, format: DiagnosticFormat) {
    match format {
        DiagnosticFormat::Human => report_human(printer, outcome),
        DiagnosticFormat::Json => printer.data_line(&json_document(outcome)),
    }
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|value| value == "true") {
        for diagnostic in outcome.diagnostics {
            printer.stderr(&github_annotation(diagnostic));
        }
    }
}

fn report_human(printer: &Printer, outcome: &Outcome<'_>) {
    let color = printer.stderr_color();
    for diagnostic in outcome.diagnostics {
        printer.stderr(&spec::render(diagnostic, outcome.sources, color));
        printer.stderr("\n");
    }
    let (errors, warnings) = spec::counts(outcome.diagnostics);
    let warnings_text = match warnings {
        0 => String::new(),
        1 => ", 1 warning".to_owned(),
        n => format!(", {n} warnings"),
    };
    match outcome.resources {
        Some(resources) if errors == 0 => printer.status(&format!(
            "the spec is valid: {resources} resource{}{warnings_text}",
            plural(resources)
        )),
        _ => {
            let prefix = if color {
                "\x1b[1;31merror\x1b[0m"
            } else {
                "error"
            };
            printer.stderr(&format!(
                "{prefix}: the spec is invalid: {errors} error{}{warnings_text}\n",
                plural(errors)
            ));
        }
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

#[derive(Serialize)]
struct JsonDocument<'a> {
    valid: bool,
    errors: usize,
    warnings: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<usize>,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: &'static str,
    code: &'static str,
    message: &'a str,
    #[serde(flatten)]
    primary: JsonLabel<'a>,
    labels: Vec<JsonLabel<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    /// Byte offsets into the file, end exclusive.
    start_byte: usize,
    end_byte: usize,
    #[serde(skip_serializing_if = "str::is_empty")]
    label: &'a str,
}

impl<'a> JsonLabel<'a> {
    fn new(label: &'a Label) -> Self {
        let span = &label.span;
        JsonLabel {
            file: &span.file,
            line: span.line,
            column: span.column,
            end_line: span.end_line,
            end_column: span.end_column,
            start_byte: span.start,
            end_byte: span.end,
            label: &label.message,
        }
    }
}

/// The `--format json` document: `{"valid", "errors", "warnings", "resources", "diagnostics"}`.
fn json_document(outcome: &Outcome<'_>) -> String {
    let (errors, warnings) = spec::counts(outcome.diagnostics);
    let document = JsonDocument {
        valid: errors == 0 && outcome.resources.is_some(),
        errors,
        warnings,
        resources: outcome.resources,
        diagnostics: outcome
            .diagnostics
            .iter()
            .map(|diagnostic| JsonDiagnostic {
                severity: diagnostic.severity.as_str(),
                code: diagnostic.code.as_str(),
                message: &diagnostic.message,
                primary: JsonLabel::new(&diagnostic.primary),
                labels: diagnostic.secondary.iter().map(JsonLabel::new).collect(),
                help: diagnostic.help.as_deref(),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&document).expect("diagnostics serialise")
}

/// One GitHub Actions workflow command, so the problem shows on the pull request's diff.
fn github_annotation(diagnostic: &Diagnostic) -> String {
    let span = &diagnostic.primary.span;
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
        diagnostic.severity.as_str(),
        escape_property(&span.file),
        span.line,
        span.column,
        span.end_line,
        span.end_column,
        diagnostic.code,
        escape_data(&message)
    )
}

/// Escaping of workflow command data, as GitHub's toolkit does it.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of workflow command properties: data escaping plus `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_escape_what_github_would_misread() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a:b,c.yaml"), "a%3Ab%2Cc.yaml");
    }
}
