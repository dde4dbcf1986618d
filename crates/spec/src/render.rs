//! The one renderer of diagnostics as text, in rustc's layout:
//!
//! ```text
//! error[E0201]: unknown credentials `mian`
//!   --> specs/prod.yaml:12:18
//!    |
//! 12 |     credentials: mian
//!    |                  ^^^^ not defined under `credentials:`
//!    |
//!    = help: defined credentials: main, shared
//! ```
//!
//! It returns a string: the CLI decides where it goes and whether colour is wanted, and tests
//! snapshot the same text users see.

use std::fmt::Write as _;

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::source::{SourceId, Sources};

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const BLUE: &str = "\x1b[1;34m";

struct Paint {
    color: bool,
}

impl Paint {
    fn paint(&self, style: &str, text: &str) -> String {
        if self.color && !text.is_empty() {
            format!("{style}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }
}

/// Renders one diagnostic, ending with a line break. `color` adds ANSI styles.
pub fn render(diagnostic: &Diagnostic, sources: &Sources, color: bool) -> String {
    let paint = Paint { color };
    let severity_style = match diagnostic.severity {
        Severity::Error => RED,
        Severity::Warning => YELLOW,
    };
    let mut labels: Vec<(&Label, bool)> = vec![(&diagnostic.primary, true)];
    labels.extend(diagnostic.secondary.iter().map(|label| (label, false)));
    let width = labels
        .iter()
        .map(|(label, _)| label.span.line.to_string().len())
        .max()
        .unwrap_or(1);
    let pad = " ".repeat(width);
    let gutter = paint.paint(BLUE, "|");

    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {}",
        paint.paint(
            severity_style,
            &format!("{}[{}]", diagnostic.severity, diagnostic.code)
        ),
        paint.paint(BOLD, &diagnostic.message)
    );

    // Group labels by source, the primary's source first, each group in line order.
    let mut groups: Vec<(SourceId, Vec<(&Label, bool)>)> = Vec::new();
    for (label, primary) in labels {
        match groups
            .iter_mut()
            .find(|(source, _)| *source == label.span.source)
        {
            Some((_, group)) => group.push((label, primary)),
            None => groups.push((label.span.source, vec![(label, primary)])),
        }
    }
    for (group_index, (source, mut group)) in groups.into_iter().enumerate() {
        group.sort_by_key(|(label, primary)| (label.span.line, !*primary, label.span.column));
        // The arrow names the primary span, like rustc; other files name their first label.
        if group_index > 0 {
            let _ = writeln!(out, "{pad} {gutter}");
        }
        let (arrow, at) = if group_index == 0 {
            ("-->", &diagnostic.primary.span)
        } else {
            (":::", &group[0].0.span)
        };
        let _ = writeln!(out, "{pad}{} {at}", paint.paint(BLUE, arrow));
        let _ = writeln!(out, "{pad} {gutter}");
        let mut previous_line = None;
        for (label, primary) in group {
            let line = label.span.line;
            let text = sources.line(source, line);
            if previous_line != Some(line) {
                if previous_line.is_some_and(|previous| line > previous + 1) {
                    let _ = writeln!(out, "{}", paint.paint(BLUE, "..."));
                }
                let _ = writeln!(
                    out,
                    "{} {gutter} {}",
                    paint.paint(BLUE, &format!("{line:>width$}")),
                    expand_tabs(text)
                );
                previous_line = Some(line);
            }
            let (offset, length) = underline(text, label);
            let (mark, style) = if primary {
                ('^', severity_style)
            } else {
                ('-', BLUE)
            };
            let marks: String = std::iter::repeat_n(mark, length).collect();
            let underline_text = if label.message.is_empty() {
                marks
            } else {
                format!("{marks} {}", label.message)
            };
            let _ = writeln!(
                out,
                "{pad} {gutter} {}{}",
                " ".repeat(offset),
                paint.paint(style, &underline_text)
            );
        }
    }
    if let Some(help) = &diagnostic.help {
        let _ = writeln!(out, "{pad} {gutter}");
        let _ = writeln!(
            out,
            "{pad} {} {}: {help}",
            paint.paint(BLUE, "="),
            paint.paint(BOLD, "help")
        );
    }
    out
}

fn expand_tabs(text: &str) -> String {
    text.replace('\t', "    ")
}

fn display_width(text: &str) -> usize {
    text.chars()
        .map(|character| if character == '\t' { 4 } else { 1 })
        .sum()
}

/// Where the marks go under a line: (display offset, number of marks). A span that continues
/// past its first line is marked to that line's end; an empty span gets one mark.
fn underline(line_text: &str, label: &Label) -> (usize, usize) {
    let start_column = label.span.column.saturating_sub(1) as usize;
    let before: String = line_text.chars().take(start_column).collect();
    let offset = display_width(&before);
    let end_column = if label.span.end_line == label.span.line {
        label.span.end_column.saturating_sub(1) as usize
    } else {
        line_text.chars().count()
    };
    let covered: String = line_text
        .chars()
        .skip(start_column)
        .take(end_column.saturating_sub(start_column))
        .collect();
    (offset, display_width(&covered).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Code, Pending};
    use crate::source::Loc;

    #[test]
    fn layout_matches_rustc() {
        let mut sources = Sources::default();
        let text = "workspaces:\n  sales:\n    credentials: mian\n";
        let id = sources.add("specs/prod.yaml", text);
        let start = text.find("mian").unwrap();
        let first = text.find("sales").unwrap();
        let diagnostic = Pending::new(
            Code::UnknownReference,
            Loc::new(id, start, start + 4),
            "unknown credentials `mian`",
        )
        .label("not defined under `credentials:`")
        .secondary(Loc::new(id, first, first + 5), "in this workspace")
        .help("defined credentials: main, shared")
        .finish(&sources);
        let rendered = render(&diagnostic, &sources, false);
        assert_eq!(
            rendered,
            "\
error[E0201]: unknown credentials `mian`
 --> specs/prod.yaml:3:18
  |
2 |   sales:
  |   ----- in this workspace
3 |     credentials: mian
  |                  ^^^^ not defined under `credentials:`
  |
  = help: defined credentials: main, shared
"
        );
        let colored = render(&diagnostic, &sources, true);
        assert!(
            colored.contains("\x1b[1;31merror[E0201]\x1b[0m"),
            "{colored}"
        );
    }
}
