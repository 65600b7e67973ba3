//! What the stream decoder hands out: a [`Frame`] per line, its [`FrameKind`] in the
//! conversation, and the [`Direction`] of the bytes it was read from.

use std::borrow::Cow;

use serde::Serialize;

use crate::error::DecodeError;
use crate::line::Decoded;

/// Which side's bytes the decoder reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// What the module sends: lines end at LF, the CRs before it are dropped (D3); an `AT`
    /// line is the echo of a command.
    #[default]
    ModemToHost,
    /// What the host sends: lines end at CR (or LF); an `AT` line is a command.
    HostToModem,
}

/// How a frame fits in the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameKind {
    /// A command line from the host.
    Command,
    /// The module echoing a command (ATE1).
    Echo,
    /// An information response.
    Response,
    /// `OK`, `ERROR` or `+CME ERROR`.
    Final,
    /// An information response while the decoder cannot know whether its command was sent
    /// (a module-only stream with echo off, and no
    /// [`StreamDecoder::command_sent`](crate::StreamDecoder::command_sent)): it may
    /// answer the next command or none, so it is not paired with one (D13, D51).
    Unpaired,
    /// An unsolicited line: asynchronous `+QMTxxx:` results, +QMTSTAT, +QMTRECV, others.
    Urc,
    /// A line that could not be decoded.
    Error,
}

/// One line of the stream, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame<'a> {
    /// How the frame fits in the conversation.
    pub kind: FrameKind,
    /// 1-based line number: one plus the LF bytes before the frame.
    pub line: u64,
    /// Byte offset of the frame's first byte in the stream.
    pub offset: u64,
    /// The line's bytes, terminator excluded (truncated to the limit for over-long lines).
    pub raw: Cow<'a, [u8]>,
    /// The typed line, or why it could not be decoded.
    pub decoded: Result<Decoded<'a>, DecodeError>,
}

impl Frame<'_> {
    /// An owned copy that outlives the decoder's buffer (what a `feed` callback keeps).
    pub fn to_static(&self) -> Frame<'static> {
        self.clone().into_owned()
    }

    /// An owned copy that outlives the decoder's buffer.
    pub fn into_owned(self) -> Frame<'static> {
        Frame {
            kind: self.kind,
            line: self.line,
            offset: self.offset,
            raw: Cow::Owned(self.raw.into_owned()),
            decoded: self.decoded.map(|d| Decoded {
                line: d.line.into_owned(),
                warnings: d.warnings,
            }),
        }
    }
}
