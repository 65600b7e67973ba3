//! The decoder's types: a [`Line`] of any kind, the [`Decoded`] result with its warnings, and
//! the [`Context`] a line is read in. Below the families and the dispatcher that fill them.

use serde::Serialize;

use crate::command::Command;
use crate::error::{EncodeError, Warnings};
use crate::params::Params;
use crate::response::Response;
use crate::urc::Urc;

/// What the decoder knows about the conversation when it reads a line.
///
/// Only one line of the note is ambiguous without it: `+QMTCONN: <id>,<n>` is the read
/// response `<state>` while an `AT+QMTCONN?` awaits its final result code, and otherwise the
/// asynchronous `<result>` without `<ret_code>` (spec/DECISIONS.md D26).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Context {
    /// An `AT+QMTCONN?` was sent and its final result code has not arrived yet.
    pub conn_read_pending: bool,
}

/// A decoded line: a command, a response (information or final) or an unsolicited line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
// Topic lists are stored inline (no allocation per frame), so commands are larger than URCs
// by design; boxing them would put an allocation back on the hot path.
#[allow(clippy::large_enum_variant)]
pub enum Line<'a> {
    /// Host → module.
    Command(Command<'a>),
    /// Module → host, answering the current command.
    Response(Response<'a>),
    /// Module → host, unsolicited.
    Urc(Urc<'a>),
}

impl Line<'_> {
    /// The spec/ id of the line's form.
    pub fn spec_id(&self) -> &'static str {
        match self {
            Line::Command(c) => c.spec_id(),
            Line::Response(r) => r.spec_id(),
            Line::Urc(u) => u.spec_id(),
        }
    }

    /// The name as printed (`AT+QMTPUB`, `+QMTRECV`, `OK`, `+CME ERROR`).
    pub fn name(&self) -> &'static str {
        match self {
            Line::Command(c) => c.name(),
            Line::Response(r) => r.name(),
            Line::Urc(u) => u.name(),
        }
    }

    /// Appends the canonical wire bytes.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Line::Command(c) => c.encode(out),
            Line::Response(r) => r.encode(out),
            Line::Urc(u) => u.encode(out),
        }
    }

    /// The name prefix and the parameters in wire order, typed; the encoder writes the same
    /// line from the same code (see [`Params`]).
    ///
    /// ```
    /// use bc20_grammar::{decode_line, Context, Mode, Param};
    ///
    /// let line = b"+QMTRECV: 0,3,\"dev/cmd\",\"{\"a\":1,\"b\":2}\"";
    /// let decoded = decode_line(line, Mode::Strict, Context::default()).unwrap();
    /// let params = decoded.line.params().unwrap();
    /// assert_eq!(params.prefix, "+QMTRECV: ");
    /// assert_eq!(params.values[2], Param::Quoted("dev/cmd".into()));
    /// assert_eq!(params.values[3], Param::Bytes(b"{\"a\":1,\"b\":2}"));
    /// let mut wire = Vec::new();
    /// params.write_wire(&mut wire);
    /// assert_eq!(wire, line);
    /// ```
    ///
    /// # Errors
    ///
    /// The [`EncodeError`] [`Line::encode`] would return, but for the line bound.
    pub fn params(&self) -> Result<Params<'_>, EncodeError> {
        match self {
            Line::Command(c) => c.params(),
            Line::Response(r) => r.params(),
            Line::Urc(u) => u.params(),
        }
    }

    /// An owned copy.
    pub fn into_owned(self) -> Line<'static> {
        match self {
            Line::Command(c) => Line::Command(c.into_owned()),
            Line::Response(r) => Line::Response(r.into_owned()),
            Line::Urc(u) => Line::Urc(u.into_owned()),
        }
    }
}

/// A decoded line with the deviations lenient mode accepted on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// The typed value.
    pub line: Line<'a>,
    /// Deviations from the canonical form (always empty in strict mode).
    pub warnings: Warnings,
}
