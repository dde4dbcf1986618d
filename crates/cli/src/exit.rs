//! Exit statuses, documented in `brickform --help`.

use std::process::ExitCode;

/// How a command ended. The numbers are a contract with CI scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// The command did what was asked (for `plan --detailed-exitcode`: nothing to change).
    Success,
    /// Any error: invalid spec, failed or blocked step, stale plan, bad arguments, API error.
    Failure,
    /// `plan --detailed-exitcode`: changes are present.
    Changes,
    /// `plan --detailed-exitcode`: changes include a destroy or a replacement.
    DestructiveChanges,
    /// `apply`/`destroy` interrupted twice (Ctrl-C): stopped at once, as a shell reports a
    /// process killed by SIGINT.
    Aborted,
}

impl ExitStatus {
    pub(crate) fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Changes => 2,
            ExitStatus::DestructiveChanges => 3,
            ExitStatus::Aborted => 130,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}

/// The text `--help` shows about exit codes.
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success (for `plan --detailed-exitcode`: no changes)
  1  error: invalid spec, failed or blocked step, stale plan, bad arguments, API error
  2  `plan --detailed-exitcode`: changes present
  3  `plan --detailed-exitcode`: changes include a destroy or a replacement
  130  `apply`/`destroy` interrupted twice with Ctrl-C: stopped at once";
