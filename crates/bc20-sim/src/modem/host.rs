//! The host side: command lines in (framing by the grammar's [`StreamDecoder`], echo), lines
//! out (response windows of D13, `AT+CMEE`, quirks).

use std::collections::VecDeque;

use bc20_grammar::{
    AsyncKey, CmeError, Command, DecodeError, DecodeErrorKind, Frame, Line, Response, Urc,
};

use super::Modem;
use crate::quirks::Quirk;

/// Why a command failed: the final result code to send (D6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fail {
    /// `ERROR`: not a command, or a form the command does not have.
    Error,
    /// `+CME ERROR: <err>` (or `ERROR` with `AT+CMEE=0`).
    Cme(CmeError),
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Done {
    /// Final result `OK`, nothing more to come.
    Sync,
    /// `OK`; an asynchronous `+QMTxxx:` result follows (or already came).
    Async,
}

/// Output to the host with the D13 response window.
#[derive(Debug, Default)]
pub(crate) struct HostOut {
    ready: Vec<u8>,
    /// URC frames produced while a command's window is open; sent after its final result.
    deferred: Vec<u8>,
    window: bool,
    /// `OK` held back until this result (result-before-ok).
    /// The asynchronous result a held-back `OK` waits for (quirk result-before-ok).
    held: Option<AsyncKey>,
    /// Command lines that arrived while the window was held open.
    queued: VecDeque<Frame<'static>>,
}

/// Most URC bytes kept while a command's window is open; more are dropped.
const MAX_DEFERRED: usize = 1 << 20;

/// Most command lines kept while a final result is held back; more are dropped.
const MAX_QUEUED_LINES: usize = 64;

impl HostOut {
    pub(crate) fn take_ready(&mut self) -> Option<Vec<u8>> {
        (!self.ready.is_empty()).then(|| std::mem::take(&mut self.ready))
    }
}

impl Modem {
    pub(super) fn feed_host(&mut self, bytes: &[u8]) {
        let Some(mut decoder) = self.decoder.take() else {
            return;
        };
        let mut frames = Vec::new();
        decoder.feed(bytes, |f| frames.push(f.to_static()));
        self.decoder = Some(decoder);
        for frame in frames {
            if self.out.window || !self.out.queued.is_empty() {
                if self.out.queued.len() < MAX_QUEUED_LINES {
                    self.out.queued.push_back(frame);
                }
            } else {
                self.process_frame(frame);
            }
        }
    }

    /// Runs the command lines that waited for a held window to close (called by every entry
    /// point, never from inside a command, so windows never nest).
    pub(super) fn drain_queued(&mut self) {
        while !self.out.window {
            let Some(frame) = self.out.queued.pop_front() else {
                break;
            };
            self.process_frame(frame);
        }
    }

    fn process_frame(&mut self, frame: Frame<'static>) {
        if self.echo {
            self.out.ready.extend_from_slice(&frame.raw);
            self.out.ready.push(b'\r');
        }
        self.out.window = true;
        let outcome = match frame.decoded {
            Ok(decoded) => match decoded.line {
                Line::Command(cmd) => self.run(cmd),
                Line::Response(_) | Line::Urc(_) => Err(Fail::Error),
            },
            Err(e) => Err(map_decode_error(&frame.raw, &e)),
        };
        match outcome {
            Ok(Done::Async) if self.out.held.is_some() => {} // OK comes after the result
            Ok(_) => self.finish(None),
            Err(fail) => self.finish(Some(fail)),
        }
    }

    /// Decodes and runs one command, holding `OK` back under result-before-ok.
    fn run(&mut self, cmd: Command<'static>) -> Result<Done, Fail> {
        if self.config.quirks.has(Quirk::ResultBeforeOk) {
            self.out.held = cmd.async_key();
        }
        let outcome = self.execute(cmd);
        if !matches!(outcome, Ok(Done::Async)) {
            self.out.held = None;
        }
        outcome
    }

    pub(super) fn set_echo(&mut self, on: bool) {
        if on || !self.config.quirks.has(Quirk::NoEchoOff) {
            self.echo = on;
        }
    }

    /// Sends the final result code, closes the window and flushes the URCs held in it.
    fn finish(&mut self, fail: Option<Fail>) {
        if !self.out.window {
            return;
        }
        match fail {
            None => self.line(&Line::Response(Response::Ok)),
            Some(f) => self.fail_line(f),
        }
        self.out.window = false;
        self.out.held = None;
        let deferred = std::mem::take(&mut self.out.deferred);
        self.out.ready.extend_from_slice(&deferred);
    }

    fn fail_line(&mut self, fail: Fail) {
        let err = match fail {
            Fail::Cme(err) if self.cmee != 0 && !self.config.quirks.has(Quirk::PlainError) => err,
            _ => return self.line(&Line::Response(Response::Error)),
        };
        if self.cmee == 2 {
            // Verbose form (D5): not in the grammar's canonical set, so written here.
            let text = format!("+CME ERROR: {}", err.description());
            self.frame(text.as_bytes(), false);
        } else {
            self.line(&Line::Response(Response::CmeError { err }));
        }
    }

    /// An information response of the current command.
    pub(super) fn info(&mut self, r: Response<'_>) {
        self.line(&Line::Response(r));
    }

    /// An unsolicited line: held while a command's window is open (D13).
    pub(super) fn urc(&mut self, u: &Urc<'_>) {
        let mut bytes = Vec::new();
        if u.encode(&mut bytes).is_ok() {
            self.urc_bytes(bytes);
        }
    }

    pub(super) fn urc_bytes(&mut self, mut frame: Vec<u8>) {
        self.quirk_frame(&mut frame);
        if self.out.window {
            // Bounded: while an OK is held back (result-before-ok) a flood is dropped.
            if self.out.deferred.len() + frame.len() <= MAX_DEFERRED {
                self.out.deferred.extend_from_slice(&frame);
            }
        } else {
            self.out.ready.extend_from_slice(&frame);
        }
    }

    /// An asynchronous `+QMTxxx:` result; releases a held `OK` (result-before-ok).
    pub(super) fn result(&mut self, u: Urc<'_>) {
        let key = u.async_key();
        if key.is_some() && self.out.held == key {
            let mut frame = Vec::new();
            if u.encode(&mut frame).is_ok() {
                self.quirk_frame(&mut frame);
                self.out.ready.extend_from_slice(&frame);
            }
            if !u.is_retransmission_notice() {
                self.finish(None);
            }
        } else {
            self.urc(&u);
        }
    }

    fn line(&mut self, line: &Line<'_>) {
        let mut bytes = Vec::new();
        if line.encode(&mut bytes).is_ok() {
            self.quirk_frame(&mut bytes);
            self.out.ready.extend_from_slice(&bytes);
        }
    }

    /// Writes `\r\n<text>\r\n` (for lines the grammar's encoder does not produce).
    pub(super) fn frame(&mut self, text: &[u8], unsolicited: bool) {
        let mut bytes = Vec::with_capacity(text.len() + 4);
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(text);
        bytes.extend_from_slice(b"\r\n");
        if unsolicited {
            self.urc_bytes(bytes);
        } else {
            self.quirk_frame(&mut bytes);
            self.out.ready.extend_from_slice(&bytes);
        }
    }

    /// Applies the byte-level quirks to one `\r\n<line>\r\n` frame.
    fn quirk_frame(&self, frame: &mut Vec<u8>) {
        let q = self.config.quirks;
        if !(q.has(Quirk::LowercaseKeywords) || q.has(Quirk::NoSpaceAfterColon))
            || frame.get(2) != Some(&b'+')
        {
            return;
        }
        let Some(colon) = frame.iter().position(|&b| b == b':') else {
            return;
        };
        if q.has(Quirk::LowercaseKeywords) {
            frame[2..colon].make_ascii_lowercase();
        }
        if q.has(Quirk::NoSpaceAfterColon) && frame.get(colon + 1) == Some(&b' ') {
            frame.remove(colon + 1);
        }
    }
}

/// D6: which final result a line that did not decode gets.
pub(crate) fn map_decode_error(raw: &[u8], e: &DecodeError) -> Fail {
    if raw.len() < 2 || !raw[..2].eq_ignore_ascii_case(b"AT") {
        return if matches!(e.kind, DecodeErrorKind::LineTooLong { .. }) {
            Fail::Cme(CmeError::TextStringTooLong)
        } else {
            Fail::Error
        };
    }
    // Errors in "AT", the command name or its suffix mean "no such command or form".
    let mut name_end = 2;
    if raw.get(2) == Some(&b'+') {
        name_end = 3 + raw[3..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
    }
    match e.kind {
        DecodeErrorKind::LineTooLong { .. } => Fail::Cme(CmeError::TextStringTooLong),
        DecodeErrorKind::Length { len, max, .. } if len > max => {
            Fail::Cme(CmeError::TextStringTooLong)
        }
        DecodeErrorKind::UnknownCommand => Fail::Error,
        _ if e.column <= name_end => Fail::Error,
        DecodeErrorKind::ControlByte { .. } | DecodeErrorKind::Utf8 { .. } => {
            Fail::Cme(CmeError::InvalidCharacters)
        }
        _ => Fail::Cme(CmeError::IncorrectParameters),
    }
}
