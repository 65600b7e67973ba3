//! Where a subcommand reads from: a file, or standard input for `-`.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::outcome::CliError;

/// A named input: a file, or standard input (`-`).
#[derive(Debug, Clone)]
pub(crate) enum Input {
    /// Standard input, named `<stdin>` in messages.
    Stdin,
    /// A file, named by its path in messages.
    File(PathBuf),
}

impl Input {
    /// `-` is standard input, anything else a file path.
    pub(crate) fn new(path: &Path) -> Self {
        if path.as_os_str() == "-" {
            Input::Stdin
        } else {
            Input::File(path.to_owned())
        }
    }

    /// Opens the input for reading (unbuffered: callers choose their own buffering).
    pub(crate) fn open(&self) -> Result<Box<dyn Read>, CliError> {
        match self {
            Input::Stdin => Ok(Box::new(io::stdin().lock())),
            Input::File(path) => File::open(path)
                .map(|f| Box::new(f) as Box<dyn Read>)
                .map_err(|e| self.error(e)),
        }
    }

    /// A read error on this input, named for the user.
    pub(crate) fn error(&self, source: io::Error) -> CliError {
        CliError::Read {
            input: self.to_string(),
            source,
        }
    }
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Stdin => f.write_str("<stdin>"),
            Input::File(path) => write!(f, "{}", path.display()),
        }
    }
}
