//! The control channel of a proxy that runs on another host (`bc20 proxy --control`): a
//! line protocol over TCP, parsed and written here without any I/O (the server is
//! [`crate::shell::ControlServer`], the client [`crate::RemoteProxy`]).
//!
//! Each request is one line, answered by one line:
//!
//! | request               | answer                                        |
//! |-----------------------|-----------------------------------------------|
//! | `auth TOKEN`          | `ok` (anything else first, or a wrong token: `error ...`, then the proxy closes) |
//! | `expect CONN_ID`      | `ok` ([`crate::Proxy::expect_connection`])     |
//! | `cancel CONN_ID`      | `ok` ([`crate::Proxy::cancel_expected`])       |
//! | `inject FAULT`        | `ok`, or `unavailable FAULT` (inside the module) |
//! | `log`                 | `log [ENTRY, ...]` (JSON, [`WireEntry`]), oldest first |
//! | `clock`               | `clock MS` (the proxy's clock, ms since its epoch) |
//! | `addr`                | `addr IP:PORT` (where modules dial, as the proxy bound it) |
//!
//! A malformed request is answered `error WHAT` and the connection stays usable.
//!
//! ```
//! use bc20_proxy::control::{ControlRequest, ControlSession, Step};
//! let mut s = ControlSession::new("s3cret")?;
//! assert!(matches!(s.line("log"), Step::Close(..))); // no token yet
//! let mut s = ControlSession::new("s3cret")?;
//! assert!(matches!(s.line("auth s3cret"), Step::Reply(_)));
//! assert_eq!(s.line("expect 0"), Step::Do(ControlRequest::Expect(0)));
//! # Ok::<(), bc20_proxy::control::ControlError>(())
//! ```

use std::fmt;
use std::net::SocketAddr;

use bc20_fault::{Fault, LogEntry, MAX_CONN_ID};
use subtle::ConstantTimeEq;
use thiserror::Error;

mod entry;
pub use entry::{WireEntry, WireFate, WirePacket, UNKNOWN_FAULT};

/// Longest request line the server reads (bytes, without the newline); a log answer may be
/// far longer and has no limit.
pub const MAX_REQUEST: usize = 4096;

/// What went wrong on the control channel, on either side.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ControlError {
    /// An empty line.
    #[error("empty control line")]
    Empty,
    /// The first word is no command.
    #[error(
        "unknown control command `{0}` (expected auth, expect, cancel, inject, log, clock or addr)"
    )]
    UnknownCommand(String),
    /// A command with missing or wrong arguments.
    #[error("`{command}`: {what}")]
    BadArgument {
        /// The command.
        command: &'static str,
        /// What is wrong with its arguments.
        what: String,
    },
    /// A request line longer than [`MAX_REQUEST`].
    #[error("control line longer than {MAX_REQUEST} bytes")]
    TooLong,
    /// Something other than `auth TOKEN` came first.
    #[error("control needs the token: the first line must be `auth <token>`")]
    NeedsAuth,
    /// The token is not the proxy's.
    #[error("wrong token: the proxy refuses control without its token")]
    WrongToken,
    /// An empty token (it would let anybody in).
    #[error("the control token is empty")]
    EmptyToken,
    /// The proxy answered with an error line.
    #[error("the proxy answered: {0}")]
    Refused(String),
    /// An answer that is not the one the request calls for, or does not parse.
    #[error("unexpected answer from the proxy: `{0}`")]
    UnexpectedAnswer(String),
    /// Connecting, reading or writing failed.
    #[error("{what}: {reason}")]
    Io {
        /// What was being done (`connecting to 10.0.0.1:7000`).
        what: String,
        /// The operating system's reason.
        reason: String,
    },
}

/// One request of the runner to the proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlRequest {
    /// `auth TOKEN`: the first line of every connection.
    Auth(String),
    /// `expect CONN_ID`: the next connection to arrive is this slot's.
    Expect(u8),
    /// `cancel CONN_ID`: this slot's AT+QMTOPEN made no connection.
    Cancel(u8),
    /// `inject FAULT`: apply a fault (its canonical text, `bc20-fault`).
    Inject(Fault),
    /// `log`: take what the proxy did since the last `log`.
    TakeLog,
    /// `clock`: the proxy's clock.
    Clock,
    /// `addr`: where modules dial.
    Addr,
}

fn conn_id(command: &'static str, rest: &str) -> Result<u8, ControlError> {
    match rest.parse::<u8>() {
        Ok(id) if id <= MAX_CONN_ID => Ok(id),
        _ => Err(ControlError::BadArgument {
            command,
            what: format!("expected a <tcpconnectID> 0-{MAX_CONN_ID}, got `{rest}`"),
        }),
    }
}

fn no_argument(
    command: &'static str,
    rest: &str,
    r: ControlRequest,
) -> Result<ControlRequest, ControlError> {
    if rest.is_empty() {
        Ok(r)
    } else {
        Err(ControlError::BadArgument {
            command,
            what: format!("takes no argument, got `{rest}`"),
        })
    }
}

impl ControlRequest {
    /// Reads one request line (without its newline; surrounding blanks are ignored).
    ///
    /// # Errors
    /// [`ControlError::Empty`], [`ControlError::UnknownCommand`] or
    /// [`ControlError::BadArgument`], naming what is wrong.
    pub fn parse(line: &str) -> Result<ControlRequest, ControlError> {
        let line = line.trim();
        if line.is_empty() {
            return Err(ControlError::Empty);
        }
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim();
        match word {
            "auth" if rest.is_empty() => Err(ControlError::BadArgument {
                command: "auth",
                what: "expected the token".to_owned(),
            }),
            "auth" => Ok(ControlRequest::Auth(rest.to_owned())),
            "expect" => conn_id("expect", rest).map(ControlRequest::Expect),
            "cancel" => conn_id("cancel", rest).map(ControlRequest::Cancel),
            "inject" => rest
                .parse::<Fault>()
                .map(ControlRequest::Inject)
                .map_err(|e| ControlError::BadArgument {
                    command: "inject",
                    what: e.to_string(),
                }),
            "log" => no_argument("log", rest, ControlRequest::TakeLog),
            "clock" => no_argument("clock", rest, ControlRequest::Clock),
            "addr" => no_argument("addr", rest, ControlRequest::Addr),
            other => Err(ControlError::UnknownCommand(other.to_owned())),
        }
    }
}

impl fmt::Display for ControlRequest {
    /// The request's line, without the newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ControlRequest::Auth(t) => write!(f, "auth {t}"),
            ControlRequest::Expect(id) => write!(f, "expect {id}"),
            ControlRequest::Cancel(id) => write!(f, "cancel {id}"),
            ControlRequest::Inject(fault) => write!(f, "inject {fault}"),
            ControlRequest::TakeLog => f.write_str("log"),
            ControlRequest::Clock => f.write_str("clock"),
            ControlRequest::Addr => f.write_str("addr"),
        }
    }
}

/// One answer of the proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlResponse {
    /// `ok`: done.
    Ok,
    /// `clock MS`: the proxy's clock, milliseconds since its epoch.
    Clock(u64),
    /// `log [...]`: log entries, oldest first.
    Log(Vec<LogEntry>),
    /// `addr IP:PORT`: where modules dial.
    Addr(SocketAddr),
    /// `unavailable FAULT`: the fault happens inside the module; no proxy can produce it.
    Unavailable(Fault),
    /// `error WHAT`: the request was refused.
    Error(String),
}

impl ControlResponse {
    /// Reads one answer line (without its newline).
    ///
    /// # Errors
    /// [`ControlError::UnexpectedAnswer`] with the line when it does not parse.
    pub fn parse(line: &str) -> Result<ControlResponse, ControlError> {
        let line = line.trim_end_matches(['\r', '\n']);
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        let bad = || ControlError::UnexpectedAnswer(shorten(line));
        match word {
            "ok" if rest.is_empty() => Ok(ControlResponse::Ok),
            "clock" => rest.parse().map(ControlResponse::Clock).map_err(|_| bad()),
            "log" => {
                let wire: Vec<WireEntry> = serde_json::from_str(rest).map_err(|_| bad())?;
                let entries = wire.into_iter().map(WireEntry::into_entry);
                entries
                    .collect::<Option<Vec<_>>>()
                    .map(ControlResponse::Log)
                    .ok_or_else(bad)
            }
            "addr" => rest.parse().map(ControlResponse::Addr).map_err(|_| bad()),
            "unavailable" => rest
                .parse()
                .map(ControlResponse::Unavailable)
                .map_err(|_| bad()),
            "error" => Ok(ControlResponse::Error(rest.to_owned())),
            _ => Err(bad()),
        }
    }
}

/// At most 200 bytes of a line, for error messages.
fn shorten(line: &str) -> String {
    match line.char_indices().nth(200) {
        Some((i, _)) => format!("{}...", &line[..i]),
        None => line.to_owned(),
    }
}

impl fmt::Display for ControlResponse {
    /// The answer's line, without the newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ControlResponse::Ok => f.write_str("ok"),
            ControlResponse::Clock(ms) => write!(f, "clock {ms}"),
            ControlResponse::Log(entries) => {
                let wire: Vec<WireEntry> = entries.iter().map(WireEntry::from).collect();
                let json = serde_json::to_string(&wire).map_err(|_| fmt::Error)?;
                write!(f, "log {json}")
            }
            ControlResponse::Addr(a) => write!(f, "addr {a}"),
            ControlResponse::Unavailable(fault) => write!(f, "unavailable {fault}"),
            // One line, whatever the message holds.
            ControlResponse::Error(what) => write!(f, "error {}", what.replace(['\r', '\n'], " ")),
        }
    }
}

/// What the server does with one request line ([`ControlSession::line`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Answer this, keep the connection.
    Reply(ControlResponse),
    /// Answer this, then close the connection: the client was refused ([`ControlError`]
    /// says why, for the server's own log).
    Close(ControlResponse, ControlError),
    /// An authenticated request: carry it out and answer.
    Do(ControlRequest),
}

/// The server side of one control connection: the token check and request parsing.
pub struct ControlSession {
    token: Vec<u8>,
    authenticated: bool,
}

impl ControlSession {
    /// A connection that has not authenticated yet, for a proxy whose token is `token`.
    ///
    /// # Errors
    /// [`ControlError::EmptyToken`] for an empty token.
    pub fn new(token: &str) -> Result<ControlSession, ControlError> {
        if token.is_empty() {
            return Err(ControlError::EmptyToken);
        }
        Ok(ControlSession {
            token: token.as_bytes().to_vec(),
            authenticated: false,
        })
    }

    /// Whether the client has sent the right token.
    pub fn authenticated(&self) -> bool {
        self.authenticated
    }

    /// One request line (without its newline).
    pub fn line(&mut self, line: &str) -> Step {
        let request = ControlRequest::parse(line);
        if !self.authenticated {
            let why = match request {
                // Constant time: how much of a guess was right must not show in the
                // answer's timing (the length still does, which is not the secret).
                Ok(ControlRequest::Auth(t)) if bool::from(t.as_bytes().ct_eq(&self.token)) => {
                    self.authenticated = true;
                    return Step::Reply(ControlResponse::Ok);
                }
                Ok(ControlRequest::Auth(_)) => ControlError::WrongToken,
                _ => ControlError::NeedsAuth,
            };
            return Step::Close(ControlResponse::Error(why.to_string()), why);
        }
        match request {
            Ok(ControlRequest::Auth(_)) => {
                Step::Reply(ControlResponse::Error("already authenticated".to_owned()))
            }
            Ok(r) => Step::Do(r),
            Err(e) => Step::Reply(ControlResponse::Error(e.to_string())),
        }
    }

    /// A line that was longer than [`MAX_REQUEST`]: refused, and the connection closed
    /// (where the next request starts is unknown).
    pub fn too_long(&self) -> Step {
        let e = ControlError::TooLong;
        Step::Close(ControlResponse::Error(e.to_string()), e)
    }
}

#[cfg(test)]
mod tests;
