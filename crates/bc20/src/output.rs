//! Standard output for the subcommands: locked, buffered, and quiet about a closed pipe.

use std::io::{self, BufWriter, StdoutLock, Write};

use serde::Serialize;

use crate::outcome::CliError;

/// Output buffer size; large enough that a decode of a big capture makes few syscalls.
const BUFFER: usize = 64 * 1024;

/// Locked, buffered standard output; write errors become [`CliError`]s, a closed pipe
/// [`CliError::BrokenPipe`].
pub(crate) struct Output {
    /// The locked, buffered stream.
    inner: BufWriter<StdoutLock<'static>>,
}

impl Output {
    /// Locks standard output for the life of the value.
    pub(crate) fn stdout() -> Self {
        Output {
            inner: BufWriter::with_capacity(BUFFER, io::stdout().lock()),
        }
    }

    /// Writes bytes as they are.
    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> Result<(), CliError> {
        self.inner.write_all(bytes).map_err(CliError::write)
    }

    /// Writes `value` as one line of JSON.
    pub(crate) fn json_line<T: Serialize>(&mut self, value: &T) -> Result<(), CliError> {
        serde_json::to_writer(&mut self.inner, value).map_err(|e| CliError::write(e.into()))?;
        self.write_all(b"\n")
    }

    /// Flushes what is still buffered.
    pub(crate) fn finish(mut self) -> Result<(), CliError> {
        self.inner.flush().map_err(CliError::write)
    }
}
