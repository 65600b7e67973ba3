//! How a subcommand ends: a [`Status`] for the documented exit codes, or a [`CliError`].

use std::fmt::Display;
use std::io::{self, Write};
use std::process::ExitCode;

use thiserror::Error;

/// The exit statuses, shown by `--help` of `bc20` and of every subcommand; the codes are
/// [`bc20_exit`]'s table.
pub(crate) const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  every line was processed
  1  at least one line failed (decode: an \"error\" object was printed; encode: a message on stderr);
     the other lines were still processed
  2  usage or I/O error";

/// How a subcommand that ran to the end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Every line was processed: exit 0.
    Ok,
    /// At least one line failed: exit 1.
    LineFailed,
}

impl Status {
    /// `LineFailed` if `failed`, else `Ok`.
    pub(crate) fn from_failed(failed: bool) -> Self {
        if failed {
            Status::LineFailed
        } else {
            Status::Ok
        }
    }

    /// The process exit code of this status.
    pub(crate) fn exit_code(self) -> ExitCode {
        match self {
            Status::Ok => ExitCode::from(bc20_exit::OK),
            Status::LineFailed => ExitCode::from(bc20_exit::FAILED),
        }
    }
}

/// What stops a subcommand before the end of its input.
#[derive(Debug, Error)]
pub(crate) enum CliError {
    /// The input could not be opened or read.
    #[error("{input}: {source}")]
    Read {
        /// The input as named on the command line (`<stdin>` for `-`).
        input: String,
        /// The I/O error.
        source: io::Error,
    },
    /// Standard output failed for a reason other than a closed pipe.
    #[error("<stdout>: {0}")]
    Write(#[source] io::Error),
    /// Standard output is a pipe whose reader has gone: not an error for the user.
    #[error("<stdout>: broken pipe")]
    BrokenPipe,
}

impl CliError {
    /// The exit code of every `CliError` but `BrokenPipe` (clap uses 2 for usage errors too).
    pub(crate) const EXIT_CODE: u8 = bc20_exit::USAGE;

    /// Classifies a write error on standard output.
    pub(crate) fn write(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::Write(e)
        }
    }
}

/// Prints `<level>: <message>` on stderr; a failing stderr is ignored (nowhere left to report).
pub(crate) fn report(level: &str, message: &dyn Display) {
    let _ = writeln!(io::stderr().lock(), "{level}: {message}");
}
