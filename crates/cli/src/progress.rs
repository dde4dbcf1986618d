//! Apply progress: the applier's [`Event`]s rendered for a person or a program, and Ctrl-C.
//!
//! - On a terminal ([`ProgressFormat::Live`]): one live line per running step (its label, the
//!   workspace status it waits on, elapsed time), and a permanent line when it ends.
//! - In a log ([`ProgressFormat::Log`]): one timestamped line per event on stderr.
//! - For programs ([`ProgressFormat::Json`]): one JSON object per event on stdout, the
//!   [`Event`] shape plus a `timestamp`.
//!
//! [`drive`] runs an execution while rendering its events. The first Ctrl-C cancels it (no new
//! step starts, waits are abandoned, requests in flight finish); a second one exits at once
//! with status 130.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::future::Future;
use std::time::Duration;

use apply::{Completion, Event, Progress};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

use crate::exit::ExitStatus;
use crate::printer::Printer;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProgressFormat {
    Live,
    Log,
    Json,
}

impl ProgressFormat {
    /// JSON when asked for, else live lines on a terminal and log lines otherwise. With `-q`
    /// the log form is used on a terminal too: it still shows failures, which live lines
    /// would hide along with everything else.
    pub(crate) fn choose(json: bool, printer: &Printer) -> ProgressFormat {
        if json {
            ProgressFormat::Json
        } else if printer.stderr_is_terminal() && !printer.is_quiet() {
            ProgressFormat::Live
        } else {
            ProgressFormat::Log
        }
    }
}

/// Renders the events of one execution.
pub(crate) struct ProgressView<'a> {
    printer: &'a Printer,
    format: ProgressFormat,
    /// The plan's label of every step, e.g. `create credentials.main`.
    labels: Vec<String>,
    live: Option<Live>,
}

/// The live lines of running steps.
struct Live {
    multi: MultiProgress,
    bars: HashMap<usize, ProgressBar>,
    style: ProgressStyle,
}

impl<'a> ProgressView<'a> {
    pub(crate) fn new(
        printer: &'a Printer,
        format: ProgressFormat,
        labels: Vec<String>,
    ) -> ProgressView<'a> {
        let live = (format == ProgressFormat::Live).then(|| Live {
            multi: MultiProgress::with_draw_target(printer.progress_target()),
            bars: HashMap::new(),
            style: ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        });
        ProgressView {
            printer,
            format,
            labels,
            live,
        }
    }

    fn label(&self, step: usize) -> &str {
        self.labels.get(step).map_or("step", String::as_str)
    }

    /// Renders one event.
    pub(crate) fn show(&mut self, event: &Event) {
        match self.format {
            ProgressFormat::Json => self.printer.data_line(&json_line(event, &timestamp())),
            ProgressFormat::Log => {
                for (index, line) in event_lines(event, &self.labels).iter().enumerate() {
                    let line = if index == 0 {
                        format!("{} {line}", timestamp_short())
                    } else {
                        format!("{:>9} {line}", "")
                    };
                    if is_alarming(event) {
                        self.printer.alert(&line);
                    } else {
                        self.printer.status(&line);
                    }
                }
            }
            ProgressFormat::Live => self.show_live(event),
        }
    }

    fn show_live(&mut self, event: &Event) {
        let lines = event_lines(event, &self.labels);
        let label = match event {
            Event::StepStarted { step, .. }
            | Event::StepProgress { step, .. }
            | Event::StepFinished { step, .. }
            | Event::StepFailed { step, .. }
            | Event::StepSkipped { step, .. } => self.label(*step).to_owned(),
            Event::Summary(_) => String::new(),
        };
        let Some(live) = &mut self.live else {
            return;
        };
        match event {
            Event::StepStarted { step, .. } => {
                let bar = live.multi.add(ProgressBar::new_spinner());
                bar.set_style(live.style.clone());
                bar.set_message(label);
                bar.enable_steady_tick(Duration::from_millis(120));
                live.bars.insert(*step, bar);
            }
            Event::StepProgress { step, progress, .. } => {
                if let Some(bar) = live.bars.get(step) {
                    bar.set_message(format!("{label}: {}", progress_text(progress)));
                }
            }
            Event::StepFinished { step, .. } | Event::StepFailed { step, .. } => {
                if let Some(bar) = live.bars.remove(step) {
                    bar.finish_and_clear();
                }
                for line in lines {
                    let _ = live.multi.println(line);
                }
            }
            Event::StepSkipped { .. } => {
                for line in lines {
                    let _ = live.multi.println(line);
                }
            }
            Event::Summary(_) => {}
        }
    }

    /// A line that does not belong to a step (an interruption), shown without breaking the
    /// live lines.
    pub(crate) fn notice(&mut self, line: &str) {
        match &self.live {
            Some(live) if !self.printer.is_quiet() => {
                let _ = live.multi.println(line);
            }
            _ => self.printer.alert(line),
        }
    }

    /// Removes any live line left (after an interruption).
    pub(crate) fn finish(&mut self) {
        if let Some(live) = &mut self.live {
            for (_, bar) in live.bars.drain() {
                bar.finish_and_clear();
            }
            let _ = live.multi.clear();
        }
    }
}

/// Runs `execution` while rendering the events it sends on `events`, until it ends.
///
/// The first Ctrl-C cancels `cancel` and says what happens next; a second one exits the
/// process at once with status 130, leaving whatever is in flight to the next apply. Once the
/// execution is over, any Ctrl-C exits at once: the rest of the command only reads.
pub(crate) async fn drive<T>(
    execution: impl Future<Output = T>,
    mut events: UnboundedReceiver<Event>,
    view: &mut ProgressView<'_>,
    cancel: &CancellationToken,
) -> T {
    let mut interrupts = Interrupts::listen();
    tokio::pin!(execution);
    loop {
        tokio::select! {
            biased;
            Some(event) = events.recv() => view.show(&event),
            output = &mut execution => {
                // Events are sent before the execution returns; show the last of them.
                while let Ok(event) = events.try_recv() {
                    view.show(&event);
                }
                view.finish();
                tokio::spawn(async move {
                    interrupts.next().await;
                    std::process::exit(i32::from(ExitStatus::Aborted.code()));
                });
                return output;
            }
            () = interrupts.next() => {
                if cancel.is_cancelled() {
                    view.finish();
                    view.notice("interrupted again: stopping now; requests in flight may or may not have taken effect, and the next apply converges");
                    std::process::exit(i32::from(ExitStatus::Aborted.code()));
                }
                cancel.cancel();
                view.notice("interrupted: no new step will start; waiting for requests in flight to finish (press Ctrl-C again to stop at once)");
            }
        }
    }
}

/// Ctrl-C presses, none lost: on Unix one SIGINT stream lives for the whole command, so a
/// press between two polls is still delivered.
struct Interrupts {
    #[cfg(unix)]
    stream: Option<tokio::signal::unix::Signal>,
}

impl Interrupts {
    fn listen() -> Interrupts {
        Interrupts {
            #[cfg(unix)]
            stream: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok(),
        }
    }

    /// The next press; never, if no handler could be installed.
    async fn next(&mut self) {
        #[cfg(unix)]
        {
            let received = match &mut self.stream {
                Some(stream) => stream.recv().await,
                None => None,
            };
            if received.is_none() {
                std::future::pending::<()>().await;
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Whether an event reports a problem that `-q` must not hide.
fn is_alarming(event: &Event) -> bool {
    matches!(event, Event::StepFailed { .. } | Event::StepSkipped { .. })
}

/// The lines an event reads as, without a timestamp; none for the summary, which the command
/// prints itself.
pub(crate) fn event_lines(event: &Event, labels: &[String]) -> Vec<String> {
    let label = |step: &usize| labels.get(*step).map_or("step", String::as_str).to_owned();
    match event {
        Event::StepStarted { step, .. } => vec![format!("{}: started", label(step))],
        Event::StepProgress {
            step,
            elapsed,
            progress,
            ..
        } => vec![format!(
            "{}: {} ({})",
            label(step),
            progress_text(progress),
            short_duration(*elapsed)
        )],
        Event::StepFinished {
            step,
            elapsed,
            completion,
            ..
        } => vec![format!(
            "{}: {} in {}",
            label(step),
            completion_text(completion),
            short_duration(*elapsed)
        )],
        Event::StepFailed {
            step,
            elapsed,
            error,
            details,
            ..
        } => {
            let mut lines = vec![format!(
                "{}: failed after {}: {}",
                label(step),
                short_duration(*elapsed),
                error.chain()
            )];
            lines.extend(details.iter().map(|detail| format!("  {detail}")));
            lines
        }
        Event::StepSkipped {
            step, because_step, ..
        } => vec![format!(
            "{}: skipped because `{}` failed",
            label(step),
            label(because_step)
        )],
        Event::Summary(_) => Vec::new(),
    }
}

fn progress_text(progress: &Progress) -> String {
    match progress {
        Progress::WorkspaceStatus {
            workspace_id,
            status,
            status_message,
        } => {
            let mut text = format!("workspace {workspace_id} is {status}");
            if let Some(message) = status_message
                .as_deref()
                .filter(|message| !message.is_empty())
            {
                let _ = write!(text, ": {message}");
            }
            text
        }
        Progress::StillInUse { attempt, message } => {
            format!("still in use, retrying (attempt {attempt}): {message}")
        }
        Progress::Retrying { attempt, message } => {
            format!("retrying (attempt {attempt}): {message}")
        }
    }
}

fn completion_text(completion: &Completion) -> String {
    let mut text = completion.completed.as_str().to_owned();
    if let Some(id) = &completion.id {
        let _ = write!(text, " {id}");
    }
    if let Some(status) = &completion.workspace_status {
        let _ = write!(text, ", {status}");
    }
    text
}

/// `0.3s`, `12.4s`, `2m05s`.
pub(crate) fn short_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds < 60.0 {
        format!("{seconds:.1}s")
    } else {
        let whole = duration.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

/// The event as one JSON object with a `timestamp`.
fn json_line(event: &Event, timestamp: &str) -> String {
    let mut value = serde_json::to_value(event).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "timestamp".to_owned(),
            serde_json::Value::String(timestamp.to_owned()),
        );
    }
    value.to_string()
}

/// Now, in RFC 3339 (UTC).
pub(crate) fn timestamp() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Now, as `HH:MM:SSZ`, for log lines.
fn timestamp_short() -> String {
    let format = time::macros::format_description!("[hour]:[minute]:[second]Z");
    time::OffsetDateTime::now_utc()
        .format(format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use api_types::WorkspaceStatus;
    use apply::{Completed, StepAction, StepError};
    use spec::{Address, Kind};

    use super::*;

    fn labels() -> Vec<String> {
        vec![
            "create credentials.main".to_owned(),
            "create workspaces.sales".to_owned(),
            "delete credentials.old".to_owned(),
        ]
    }

    #[test]
    fn every_event_reads_as_a_line_naming_its_step() {
        let workspace = Address::new(Kind::Workspace, "sales");
        let events = [
            Event::StepStarted {
                step: 1,
                address: workspace.clone(),
                action: StepAction::Create,
                description: "create workspaces.sales".to_owned(),
            },
            Event::StepProgress {
                step: 1,
                address: workspace.clone(),
                action: StepAction::Create,
                elapsed: Duration::from_millis(2_300),
                progress: Progress::WorkspaceStatus {
                    workspace_id: 1234,
                    status: WorkspaceStatus::Provisioning,
                    status_message: Some("Workspace resources are being set up.".to_owned()),
                },
            },
            Event::StepFinished {
                step: 1,
                address: workspace.clone(),
                action: StepAction::Create,
                elapsed: Duration::from_secs(125),
                completion: Completion {
                    completed: Completed::Created,
                    id: Some("1234".to_owned()),
                    workspace_status: Some(WorkspaceStatus::Running),
                },
            },
            Event::StepProgress {
                step: 2,
                address: Address::new(Kind::Credentials, "old"),
                action: StepAction::Delete,
                elapsed: Duration::from_millis(400),
                progress: Progress::StillInUse {
                    attempt: 2,
                    message: "cannot delete credential configuration c-1: 409 Conflict: INVALID_STATE: in use".to_owned(),
                },
            },
            Event::StepFailed {
                step: 1,
                address: workspace.clone(),
                action: StepAction::Create,
                elapsed: Duration::from_secs(3),
                error: Arc::new(StepError::Vanished { workspace_id: 1234 }),
                details: vec!["network `acme-vpc` (n-1) is BROKEN:".to_owned()],
            },
            Event::StepSkipped {
                step: 2,
                address: Address::new(Kind::Credentials, "old"),
                action: StepAction::Delete,
                because_step: 1,
                because: workspace,
            },
        ];
        let text: Vec<String> = events
            .iter()
            .flat_map(|event| event_lines(event, &labels()))
            .collect();
        insta::assert_snapshot!(text.join("\n"), @r"
        create workspaces.sales: started
        create workspaces.sales: workspace 1234 is PROVISIONING: Workspace resources are being set up. (2.3s)
        create workspaces.sales: created 1234, RUNNING in 2m05s
        delete credentials.old: still in use, retrying (attempt 2): cannot delete credential configuration c-1: 409 Conflict: INVALID_STATE: in use (0.4s)
        create workspaces.sales: failed after 3.0s: workspace 1234 disappeared while brickform waited for it to run
          network `acme-vpc` (n-1) is BROKEN:
        delete credentials.old: skipped because `create workspaces.sales` failed
        ");
    }

    #[test]
    fn json_lines_carry_the_event_and_a_timestamp() {
        let event = Event::StepStarted {
            step: 0,
            address: Address::new(Kind::Credentials, "main"),
            action: StepAction::Create,
            description: "create credentials.main".to_owned(),
        };
        let line = json_line(&event, "2026-12-03T17:30:15Z");
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["type"], "step_started");
        assert_eq!(value["address"], "credentials.main");
        assert_eq!(value["timestamp"], "2026-12-03T17:30:15Z");
        assert!(!line.contains('\n'));
    }
}
