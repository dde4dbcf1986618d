//! The one printer: the only code in the workspace that writes to stdout or stderr.
//!
//! stdout carries data (a plan, JSON, a schema, completions); stderr carries progress, warnings
//! and errors. A closed stdout (`brickform plan | head`) ends the process quietly with status 0.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{self, IsTerminal, Write};

use crate::cli::GlobalArgs;

pub(crate) struct Printer {
    quiet: bool,
    stdout_color: bool,
    stderr_color: bool,
    stderr_is_terminal: bool,
}

impl Printer {
    pub(crate) fn new(global: &GlobalArgs) -> Printer {
        let color = global.stderr_color();
        // miette renders error reports; it must follow the same colour decision as we do.
        let _ = miette::set_hook(Box::new(move |_| {
            // Errors read like rustc's and cargo's (`error: ...`, then `help: ...`), not with
            // miette's default `×` or `x` marker.
            let mut theme = if color {
                miette::GraphicalTheme::unicode()
            } else {
                miette::GraphicalTheme::unicode_nocolor()
            };
            theme.characters.error = "error:".into();
            theme.characters.warning = "warning:".into();
            theme.characters.advice = "note:".into();
            Box::new(
                miette::MietteHandlerOpts::new()
                    .graphical_theme(theme)
                    .terminal_links(false)
                    // Terminals wrap long lines themselves; a hard wrap at 80 columns splits
                    // names and URLs in CI logs, where nobody reads at 80 columns.
                    .wrap_lines(false)
                    .build(),
            )
        }));
        Printer {
            quiet: global.quiet,
            stdout_color: global.stdout_color(),
            stderr_color: global.stderr_color(),
            stderr_is_terminal: io::stderr().is_terminal(),
        }
    }

    /// Whether text written with [`Printer::data`] may carry ANSI colours.
    pub(crate) fn stdout_color(&self) -> bool {
        self.stdout_color
    }

    /// Whether text written to stderr may carry ANSI colours.
    pub(crate) fn stderr_color(&self) -> bool {
        self.stderr_color
    }

    /// Whether stderr is a terminal (live progress lines) or a log (one line per event).
    pub(crate) fn stderr_is_terminal(&self) -> bool {
        self.stderr_is_terminal
    }

    pub(crate) fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// Writes data to stdout exactly as given.
    pub(crate) fn data(&self, text: &str) {
        let mut stdout = io::stdout().lock();
        let result = stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush());
        exit_quietly_on_broken_pipe(result);
    }

    /// Writes one line of data to stdout.
    pub(crate) fn data_line(&self, line: &str) {
        let mut text = String::with_capacity(line.len() + 1);
        text.push_str(line);
        text.push('\n');
        self.data(&text);
    }

    /// A progress or status line on stderr; silenced by `-q`.
    pub(crate) fn status(&self, line: &str) {
        if !self.quiet {
            self.stderr_line(line);
        }
    }

    /// A warning on stderr; shown even with `-q`.
    pub(crate) fn warning(&self, line: &str) {
        let prefix = if self.stderr_color {
            "\x1b[1;33mwarning\x1b[0m"
        } else {
            "warning"
        };
        self.stderr_line(&format!("{prefix}: {line}"));
    }

    /// Text on stderr exactly as given (pre-rendered diagnostics, progress frames).
    pub(crate) fn stderr(&self, text: &str) {
        let mut stderr = io::stderr().lock();
        let _ = stderr.write_all(text.as_bytes());
        let _ = stderr.flush();
    }

    /// A line on stderr that `-q` does not silence: a failed step, an interruption.
    pub(crate) fn alert(&self, line: &str) {
        self.stderr_line(line);
    }

    /// Where live progress lines draw: stderr, or nowhere with `-q`. indicatif only draws on
    /// a terminal and hides itself otherwise.
    pub(crate) fn progress_target(&self) -> indicatif::ProgressDrawTarget {
        if self.quiet {
            indicatif::ProgressDrawTarget::hidden()
        } else {
            indicatif::ProgressDrawTarget::stderr()
        }
    }

    /// Whether a person can answer a question on stdin.
    pub(crate) fn stdin_is_terminal(&self) -> bool {
        io::stdin().is_terminal()
    }

    /// Asks `question` on stderr and reads one line of answer from stdin, without its line
    /// ending. An empty answer is returned for end of input.
    pub(crate) fn prompt(&self, question: &str) -> io::Result<String> {
        {
            let mut stderr = io::stderr().lock();
            write!(stderr, "{question}")?;
            stderr.flush()?;
        }
        let mut answer = String::new();
        io::stdin().read_line(&mut answer)?;
        Ok(answer.trim_end_matches(['\r', '\n']).to_owned())
    }

    /// An error and its chain of causes, rendered once, at the edge.
    pub(crate) fn error(&self, report: &miette::Report) {
        self.stderr(&format!("{report:?}\n"));
    }

    fn stderr_line(&self, line: &str) {
        let mut stderr = io::stderr().lock();
        let _ = writeln!(stderr, "{line}");
    }
}

fn exit_quietly_on_broken_pipe(result: io::Result<()>) {
    if let Err(error) = result {
        if error.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        // Any other stdout failure (a full disk behind a redirect) must not pass silently.
        let _ = writeln!(io::stderr(), "error: cannot write to stdout: {error}");
        std::process::exit(1);
    }
}
