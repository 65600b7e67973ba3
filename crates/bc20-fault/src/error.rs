//! What went wrong in a fault's text, and where.

use thiserror::Error;

/// A fault text that is not a [`Fault`](crate::Fault): the byte range of the culprit in the
/// text (`at`, `len`) and what is wrong with it (`kind`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{kind} (at byte {at})")]
pub struct ParseFaultError {
    /// Byte offset of the culprit in the parsed text (its length when something is missing).
    pub at: usize,
    /// Length in bytes of the culprit (0 when something is missing).
    pub len: usize,
    /// What is wrong.
    pub kind: ParseFaultErrorKind,
}

/// What is wrong with a fault's text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseFaultErrorKind {
    /// The text has no words.
    #[error("no fault name")]
    Empty,
    /// The first word is no fault's name.
    #[error("unknown fault `{0}` (known: {known})", known = crate::NAMES.join(", "))]
    UnknownName(String),
    /// The text ends before an argument the fault needs.
    #[error("`{fault}` needs {what}")]
    Missing {
        /// The fault's name.
        fault: &'static str,
        /// What is missing (`a CONN_ID`, `a DURATION`, `on or off`, ...).
        what: &'static str,
    },
    /// A word after the last argument the fault takes.
    #[error("`{fault}` takes no more arguments, found `{text}`")]
    Extra {
        /// The fault's name.
        fault: &'static str,
        /// The first extra word.
        text: String,
    },
    /// A `CONN_ID` that is not a `<tcpconnectID>` 0-5.
    #[error("CONN_ID must be a <tcpconnectID>, 0-5, not `{0}`")]
    BadConnId(String),
    /// A direction that is not `up`, `down` or `both`.
    #[error("the direction is `up`, `down` or `both`, not `{0}`")]
    BadWay(String),
    /// A switch that is not `on` or `off`.
    #[error("expected `on` or `off`, not `{0}`")]
    BadOnOff(String),
    /// A duration humantime cannot read.
    #[error("bad duration `{text}`: {reason}")]
    BadDuration {
        /// The word.
        text: String,
        /// humantime's reason.
        reason: String,
    },
    /// A duration over [`MAX_DURATION`](crate::MAX_DURATION) (one hour).
    #[error("duration `{text}` is over the one-hour maximum")]
    DurationTooLong {
        /// The word.
        text: String,
    },
    /// A word that is no MQTT packet type's name.
    #[error("`{0}` is not an MQTT packet type (CONNACK, PUBACK, PINGRESP, ...)")]
    BadPacketType(String),
    /// A packet type that never travels the fault's direction (`up CONNACK`): the fault
    /// could never act, and a script using it would pass without testing anything.
    #[error("{kind} never travels {way} (module → broker is up); this fault would never act")]
    WrongWay {
        /// The packet type's name.
        kind: &'static str,
        /// The direction given.
        way: crate::Way,
    },
    /// `id N` on a packet type that carries no packet identifier.
    #[error("{0} carries no packet identifier; leave `id` out")]
    NoPacketId(&'static str),
    /// A number out of its range.
    #[error("expected {what}, not `{text}`")]
    BadNumber {
        /// What was expected, with its range.
        what: &'static str,
        /// The word.
        text: String,
    },
    /// A QMTOPEN result that is not -1, 1, 2, 3, 4 or 5.
    #[error("RESULT is a failing +QMTOPEN <result>: -1, 1, 2, 3, 4 or 5, not `{0}`")]
    BadOpenResult(String),
}
