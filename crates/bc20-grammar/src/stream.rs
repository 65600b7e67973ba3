//! The streaming decoder: bytes as a UART delivers them, in any chunking, → frames.
//!
//! Memory is bounded by [`StreamConfig::max_line_len`], allocated once; frames borrow from
//! that buffer and are lent to a callback (by reference: a frame is about 200 bytes, and
//! moving it into the callback was a tenth of the decoding time), so decoding allocates
//! nothing per frame.

use std::borrow::Cow;

use crate::command::Command;
use crate::conversation::Conversation;
use crate::cursor::Mode;
use crate::decode::decode_line_in;
use crate::error::{DecodeError, DecodeErrorKind, WarningKind};
use crate::families::qmtrecv::recv_payload_open;
use crate::frame::{Direction, Frame, FrameKind};
use crate::line::Context;
pub use crate::wire::DEFAULT_MAX_LINE_LEN;

/// Settings of a [`StreamDecoder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamConfig {
    /// Strict or lenient line decoding.
    pub mode: Mode,
    /// Longest line kept, terminator excluded; longer lines become a `LineTooLong` error frame.
    pub max_line_len: usize,
    /// Whose bytes these are.
    pub direction: Direction,
}

/// Buffer room beyond the line limit for the CR LF around a frame of exactly the limit.
const SLACK: usize = 8;

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            mode: Mode::Strict,
            max_line_len: DEFAULT_MAX_LINE_LEN,
            direction: Direction::ModemToHost,
        }
    }
}

/// What [`StreamDecoder::drain_lines`] got through.
struct Drained {
    /// Bytes of the complete lines emitted.
    consumed: usize,
    /// Bytes searched for a line end (at least `consumed`).
    scanned: usize,
}

/// Turns a byte stream into frames; see the module docs.
#[derive(Debug)]
pub struct StreamDecoder {
    config: StreamConfig,
    buf: Vec<u8>,
    /// Where the next terminator search starts (bytes before it were already scanned).
    scanned: usize,
    /// Dropping the rest of an over-long line up to its terminator.
    discarding: bool,
    conv: Conversation,
    /// Stream offset of `buf[0]`.
    offset: u64,
    /// LF bytes before `buf[0]`.
    lfs: u64,
}

impl StreamDecoder {
    /// A decoder with its buffer allocated once, up front.
    pub fn new(config: StreamConfig) -> Self {
        let max_line_len = config.max_line_len.max(1);
        StreamDecoder {
            config: StreamConfig {
                max_line_len,
                ..config
            },
            buf: Vec::with_capacity(max_line_len + SLACK),
            scanned: 0,
            discarding: false,
            conv: Conversation::default(),
            offset: 0,
            lfs: 0,
        }
    }

    /// The decoder's settings.
    pub fn config(&self) -> &StreamConfig {
        &self.config
    }

    /// Tells the decoder a command was sent, for streams without echo: it opens the command's
    /// response window (D13, D51; D26 needs to know when an `AT+QMTCONN?` is pending). From
    /// the first call on, the decoder takes it that it is told every command: an information
    /// response outside a window is then an error (strict) or an `Unknown` line (lenient).
    pub fn command_sent(&mut self, cmd: &Command<'_>) {
        self.conv.sees_commands = true;
        self.conv.command(cmd);
    }

    /// Declares that every command is in the stream (a capture of both directions) or will be
    /// told through [`StreamDecoder::command_sent`]: an information response outside a
    /// response window is then an error (strict) or an `Unknown` line (lenient) rather than
    /// [`FrameKind::Unpaired`] (D51).
    pub fn sees_every_command(&mut self) {
        self.conv.sees_commands = true;
    }

    /// Bytes held for an unfinished line.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Feeds bytes; `on_frame` is called for every frame they complete, in order.
    pub fn feed(&mut self, mut input: &[u8], mut on_frame: impl FnMut(&Frame<'_>)) {
        let cap = self.config.max_line_len + SLACK;
        while !input.is_empty() {
            if self.discarding {
                match memchr::memchr(self.terminator(), input) {
                    Some(i) => {
                        self.advance_stream(&input[..=i]);
                        input = &input[i + 1..];
                        self.discarding = false;
                    }
                    None => {
                        self.advance_stream(input);
                        return;
                    }
                }
                continue;
            }
            if self.buf.is_empty() {
                // Nothing carried over: complete lines are decoded where they lie, without
                // copying them into the buffer first. Only lines that would fit the buffer
                // are taken here, so the frames are the same as for any other chunking.
                let consumed = Self::drain_lines(
                    &self.config,
                    input,
                    0,
                    &mut self.conv,
                    &mut self.offset,
                    &mut self.lfs,
                    &mut on_frame,
                )
                .consumed;
                input = &input[consumed..];
                if input.is_empty() {
                    return;
                }
            }
            let take = (cap - self.buf.len()).min(input.len());
            self.buf.extend_from_slice(&input[..take]);
            input = &input[take..];
            self.drain(&mut on_frame);
            if self.buf.len() >= cap {
                self.overflow(&mut on_frame);
            }
        }
    }

    /// Ends the stream: an unfinished line becomes a `Truncated` error frame (nothing is lost).
    pub fn finish(&mut self, mut on_frame: impl FnMut(&Frame<'_>)) {
        self.discarding = false;
        if self.buf.iter().all(|&b| b == b'\r' || b == b'\n') {
            self.take_consumed(self.buf.len());
            return;
        }
        let frame = Frame {
            kind: FrameKind::Error,
            line: self.lfs + 1,
            offset: self.offset,
            raw: Cow::Borrowed(&self.buf),
            decoded: Err(DecodeError::new(self.buf.len(), DecodeErrorKind::Truncated)),
        };
        on_frame(&frame);
        self.take_consumed(self.buf.len());
    }

    /// Feeds bytes and collects owned frames (convenience; allocates).
    pub fn feed_owned(&mut self, input: &[u8]) -> Vec<Frame<'static>> {
        let mut out = Vec::new();
        self.feed(input, |f| out.push(f.to_static()));
        out
    }

    /// Ends the stream and collects what was left as owned frames.
    pub fn finish_owned(&mut self) -> Vec<Frame<'static>> {
        let mut out = Vec::new();
        self.finish(|f| out.push(f.to_static()));
        out
    }

    fn terminator(&self) -> u8 {
        match self.config.direction {
            Direction::ModemToHost => b'\n',
            Direction::HostToModem => b'\r',
        }
    }

    fn advance_stream(&mut self, consumed: &[u8]) {
        self.offset += consumed.len() as u64;
        self.lfs += memchr::memchr_iter(b'\n', consumed).count() as u64;
    }

    fn take_consumed(&mut self, n: usize) {
        let (consumed, _) = self.buf.split_at(n);
        self.offset += consumed.len() as u64;
        self.lfs += memchr::memchr_iter(b'\n', consumed).count() as u64;
        self.buf.drain(..n);
        self.scanned = 0;
    }

    /// Emits every complete line in the buffer, then compacts it.
    fn drain(&mut self, on_frame: &mut impl FnMut(&Frame<'_>)) {
        let drained = Self::drain_lines(
            &self.config,
            &self.buf,
            self.scanned,
            &mut self.conv,
            &mut self.offset,
            &mut self.lfs,
            on_frame,
        );
        self.buf.drain(..drained.consumed);
        self.scanned = drained.scanned - drained.consumed;
    }

    /// Emits the complete lines at the start of `hay` that fit the buffer (a line end inside
    /// an open +QMTRECV payload does not complete it, D36). `scanned`: bytes already searched
    /// for a line end. An associated function so that frames can borrow `hay` (which may be
    /// the decoder's own buffer) while the conversation and counters change.
    fn drain_lines(
        config: &StreamConfig,
        hay: &[u8],
        scanned: usize,
        conv: &mut Conversation,
        offset: &mut u64,
        lfs: &mut u64,
        on_frame: &mut impl FnMut(&Frame<'_>),
    ) -> Drained {
        let cap = config.max_line_len + SLACK;
        let mut start = 0;
        let mut search = scanned;
        // Whether the current line may hold LFs past its start: only when a line end inside a
        // +QMTRECV payload was passed over, here or in an earlier call (`scanned`).
        let mut joined = scanned > 0;
        loop {
            let found = match config.direction {
                Direction::ModemToHost => memchr::memchr(b'\n', &hay[search..]),
                Direction::HostToModem => memchr::memchr2(b'\r', b'\n', &hay[search..]),
            };
            let Some(rel) = found else {
                return Drained {
                    consumed: start,
                    scanned: hay.len(),
                };
            };
            let term = search + rel;
            if term + 1 - start > cap {
                // Longer than the buffer holds: left to the buffered path, which reports it.
                return Drained {
                    consumed: start,
                    scanned: start,
                };
            }
            let segment = &hay[start..term];
            let skip = line_start_skip(segment);
            let leading = leading_lfs(&segment[..skip]);
            let mut body = &segment[skip..];
            let mut had_cr = config.direction == Direction::HostToModem;
            if config.direction == Direction::ModemToHost {
                while let [head @ .., b'\r'] = body {
                    body = head;
                    had_cr = true;
                }
                if recv_payload_open(body) {
                    search = term + 1; // the line end belongs to the payload (D36)
                    joined = true;
                    continue;
                }
            }
            if !body.is_empty() {
                let line = *lfs + leading + 1;
                let offset = *offset + skip as u64;
                let mut frame = match stream_error(config, body, had_cr) {
                    None => {
                        let mut frame =
                            decoded_frame(body, config.mode, conv.ctx, joined, line, offset);
                        if !had_cr {
                            // Only lenient gets here without a CR (strict refused it): a
                            // deviation, so it is said (D3, D47).
                            if let Ok(d) = &mut frame.decoded {
                                d.warnings.push(body.len(), WarningKind::BareLf);
                            }
                        }
                        frame
                    }
                    Some(error) => Frame {
                        kind: FrameKind::Error,
                        line,
                        offset,
                        raw: Cow::Borrowed(&body[..body.len().min(config.max_line_len)]),
                        decoded: Err(error),
                    },
                };
                conv.classify(&mut frame, config.direction, config.mode);
                on_frame(&frame);
            }
            // LFs of the line, without rescanning it unless it was joined (D36); the terminator
            // adds one when it is an LF.
            let interior = if joined {
                memchr::memchr_iter(b'\n', segment).count() as u64
            } else {
                0
            };
            *offset += (term + 1 - start) as u64;
            *lfs += interior + u64::from(hay[term] == b'\n');
            start = term + 1;
            search = start;
            joined = false;
        }
    }

    fn overflow(&mut self, on_frame: &mut impl FnMut(&Frame<'_>)) {
        let limit = self.config.max_line_len;
        let skip = line_start_skip(&self.buf);
        let leading = leading_lfs(&self.buf[..skip]);
        let frame = Frame {
            kind: FrameKind::Error,
            line: self.lfs + leading + 1,
            offset: self.offset + skip as u64,
            raw: Cow::Borrowed(&self.buf[skip..(skip + limit).min(self.buf.len())]),
            decoded: Err(DecodeError::new(
                limit,
                DecodeErrorKind::LineTooLong { limit },
            )),
        };
        on_frame(&frame);
        let n = self.buf.len();
        self.take_consumed(n);
        self.discarding = true;
    }
}

/// Why the stream refuses a line before decoding it, if it does: over the line limit, or an
/// LF without CR in strict mode.
fn stream_error(config: &StreamConfig, body: &[u8], had_cr: bool) -> Option<DecodeError> {
    if body.len() > config.max_line_len {
        let limit = config.max_line_len;
        Some(DecodeError::new(
            limit,
            DecodeErrorKind::LineTooLong { limit },
        ))
    } else if !had_cr && config.mode == Mode::Strict {
        Some(DecodeError::new(
            body.len(),
            DecodeErrorKind::Expected {
                expected: "CR before LF (strict)",
            },
        ))
    } else {
        None
    }
}

/// The frame of a line within the limit (its kind is set by the caller). A function of its
/// own, not inlined, with the decoder called in the field's place: the decoded value is then
/// written straight into the frame instead of being built aside and copied in, which was a
/// twelfth of the decoding time.
#[inline(never)]
fn decoded_frame(
    body: &[u8],
    mode: Mode,
    ctx: Context,
    may_hold_lf: bool,
    line: u64,
    offset: u64,
) -> Frame<'_> {
    Frame {
        kind: FrameKind::Error,
        line,
        offset,
        raw: Cow::Borrowed(body),
        decoded: decode_line_in(body, mode, ctx, may_hold_lf),
    }
}

/// CR/LF bytes at the start of a segment: the end of the previous frame's terminator.
fn line_start_skip(segment: &[u8]) -> usize {
    segment
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count()
}

/// The LFs among a segment's leading line-end bytes (`skipped`, from [`line_start_skip`]).
fn leading_lfs(skipped: &[u8]) -> u64 {
    skipped.iter().filter(|&&b| b == b'\n').count() as u64
}
