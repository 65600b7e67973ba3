//! The module side of a session: bytes from the link → decoded lines, logged as they come.

use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

use bc20_grammar::{
    Command, DecodeError, Direction, FrameKind, Line, Mode, PacketOutcome, StreamConfig,
    StreamDecoder, Urc,
};

use crate::transcript::printable;

/// A line the module sent.
#[derive(Debug, Clone)]
pub struct ModuleLine {
    /// When it was complete, link clock.
    pub at: Duration,
    /// Its bytes, terminator excluded.
    pub raw: Vec<u8>,
    /// The grammar's reading of it.
    pub decoded: Result<Line<'static>, DecodeError>,
    /// Echo, response, final, URC or error.
    pub kind: FrameKind,
}

impl ModuleLine {
    /// The line as transcripts show it.
    pub fn text(&self) -> String {
        printable(&self.raw)
    }

    /// The decoded line, if the grammar accepted it.
    pub fn line(&self) -> Option<&Line<'static>> {
        self.decoded.as_ref().ok()
    }
}

/// Splits the module's byte stream into lines with the grammar's streaming decoder.
pub struct LineReader {
    decoder: StreamDecoder,
    /// Lines received and not yet consumed by an expectation.
    pub queue: VecDeque<ModuleLine>,
}

impl LineReader {
    /// A reader decoding in `mode`.
    pub fn new(mode: Mode) -> Self {
        LineReader {
            decoder: StreamDecoder::new(StreamConfig {
                mode,
                direction: Direction::ModemToHost,
                ..StreamConfig::default()
            }),
            queue: VecDeque::new(),
        }
    }

    /// Tells the decoder which command was sent (for the context-dependent lines).
    pub fn command_sent(&mut self, cmd: &Command<'_>) {
        self.decoder.command_sent(cmd);
    }

    /// Decodes `bytes` received at `at`; returns the new lines (also queued).
    pub fn feed(&mut self, at: Duration, bytes: &[u8]) -> Vec<ModuleLine> {
        let frames = self.decoder.feed_owned(bytes);
        frames
            .into_iter()
            .map(|f| ModuleLine {
                at,
                raw: f.raw.into_owned(),
                decoded: f.decoded.map(|d| d.line),
                kind: f.kind,
            })
            .collect()
    }

    /// Bytes of an incomplete line held by the decoder.
    pub fn partial(&self) -> usize {
        self.decoder.buffered()
    }

    /// Starts over (after a module reset).
    pub fn reset(&mut self, mode: Mode) {
        *self = LineReader::new(mode);
    }
}

/// Records the spec ids (and coded results) a line shows, for the traceability check.
pub fn observe(line: &Line<'_>, seen: &mut BTreeSet<String>) {
    let id = line.spec_id();
    seen.insert(id.to_owned());
    let mut code = |what: String| {
        seen.insert(what);
    };
    match line {
        Line::Urc(u) => match u {
            Urc::QmtOpen { result, .. } => code(format!("{id}={}", result.code())),
            Urc::QmtClose { result, .. } | Urc::QmtDisc { result, .. } => {
                code(format!("{id}={}", result.code()))
            }
            Urc::QmtConn {
                result, ret_code, ..
            } => {
                code(format!("{id}={}", result.code()));
                if let Some(r) = ret_code {
                    code(format!("{id}.ret_code={}", r.code()));
                }
            }
            Urc::QmtSub(PacketOutcome { result, .. })
            | Urc::QmtUns(PacketOutcome { result, .. })
            | Urc::QmtPub(PacketOutcome { result, .. }) => code(format!("{id}={}", result.code())),
            Urc::QmtStat { err_code, .. } => code(format!("{id}={}", err_code.code())),
            _ => {}
        },
        Line::Response(bc20_grammar::Response::CmeError { err }) => {
            code(format!("{id}={}", err.code()))
        }
        Line::Response(bc20_grammar::Response::QmtConnRead { state, .. }) => {
            code(format!("{id}={}", state.code()))
        }
        _ => {}
    }
}
