//! Helpers shared by the encoders of every family: the line writer, the line bound, range
//! checks and the parameters most lines open with.

use std::borrow::Cow;

use crate::codes::PacketResult;
use crate::error::EncodeError;
use crate::limits::{self, MAX_TOPICS};
use crate::params::{split_text, split_text_items, Param, Params};
use crate::text::check_quoted;

/// Default maximum line length: room for the longest legal +QMTRECV (spec/DECISIONS.md D12).
pub const DEFAULT_MAX_LINE_LEN: usize = 4096;

/// Writes one line, parameter by parameter, with the separators the note uses: either as
/// wire bytes (the encoder) or as the [`Params`] of [`crate::Line::params`]. Every family's
/// encoder goes through it, so both come from the same code. `'v` is how long the values
/// written (topics, payloads) live.
pub(crate) struct Wire<'o, 'v> {
    sink: Sink<'o, 'v>,
}

enum Sink<'o, 'v> {
    Bytes(&'o mut Vec<u8>),
    Params(&'o mut Params<'v>),
}

impl<'o, 'v> Wire<'o, 'v> {
    pub(crate) fn new(out: &'o mut Vec<u8>) -> Self {
        Wire {
            sink: Sink::Bytes(out),
        }
    }

    pub(crate) fn params(params: &'o mut Params<'v>) -> Self {
        Wire {
            sink: Sink::Params(params),
        }
    }

    /// The name part of the line, separator included (`+QMTOPEN: `, `AT+QMTOPEN=`), or the
    /// whole of a line without parameters (`OK`, `AT+QMTOPEN?`).
    pub(crate) fn name(&mut self, bytes: &[u8]) -> &mut Self {
        match &mut self.sink {
            Sink::Bytes(out) => out.extend_from_slice(bytes),
            Sink::Params(p) => p.prefix.push_str(&String::from_utf8_lossy(bytes)),
        }
        self
    }

    pub(crate) fn comma(&mut self) -> &mut Self {
        if let Sink::Bytes(out) = &mut self.sink {
            out.push(b',');
        }
        self
    }

    pub(crate) fn int(&mut self, value: i64) -> &mut Self {
        let out = match &mut self.sink {
            Sink::Bytes(out) => out,
            Sink::Params(p) => {
                p.values.push(Param::Int(value));
                return self;
            }
        };
        // itoa-style without a dependency: a stack buffer, no allocation.
        let mut buf = [0u8; 20];
        let mut n = value.unsigned_abs();
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if value < 0 {
            out.push(b'-');
        }
        out.extend_from_slice(&buf[i..]);
        self
    }

    pub(crate) fn quoted(
        &mut self,
        field: &'static str,
        value: &'v [u8],
    ) -> Result<&mut Self, EncodeError> {
        check_quoted(field, value)?;
        Ok(self.quoted_unchecked(value))
    }

    pub(crate) fn quoted_unchecked(&mut self, value: &'v [u8]) -> &mut Self {
        match &mut self.sink {
            Sink::Bytes(out) => quote(out, value),
            Sink::Params(p) => p.values.push(Param::Quoted(String::from_utf8_lossy(value))),
        }
        self
    }

    /// A +QMTRECV payload: quoted on the wire, [`Param::Bytes`] as a parameter.
    pub(crate) fn payload(&mut self, value: &'v [u8]) -> &mut Self {
        match &mut self.sink {
            Sink::Bytes(out) => quote(out, value),
            Sink::Params(p) => p.values.push(Param::Bytes(value)),
        }
        self
    }

    /// An unquoted value (`READY`, an address).
    pub(crate) fn bare(&mut self, value: &'v [u8]) -> &mut Self {
        match &mut self.sink {
            Sink::Bytes(out) => out.extend_from_slice(value),
            Sink::Params(p) => p.values.push(Param::Bare(String::from_utf8_lossy(value))),
        }
        self
    }

    /// A parameter list the grammar keeps as text (a test response's description, an unknown
    /// URC): written as it is, listed as its comma-separated items.
    pub(crate) fn text_list(&mut self, text: Cow<'v, str>) -> &mut Self {
        match (&mut self.sink, text) {
            (Sink::Bytes(out), text) => out.extend_from_slice(text.as_bytes()),
            (Sink::Params(_), text) if text.is_empty() => {}
            (Sink::Params(p), Cow::Borrowed(text)) => p.values.extend(split_text(text)),
            (Sink::Params(p), Cow::Owned(text)) => {
                p.values
                    .extend(split_text_items(&text).map(|(quoted, item)| {
                        let item = Cow::Owned(item.to_owned());
                        if quoted {
                            Param::Quoted(item)
                        } else {
                            Param::Bare(item)
                        }
                    }));
            }
        }
        self
    }
}

fn quote(out: &mut Vec<u8>, value: &[u8]) {
    out.push(b'"');
    out.extend_from_slice(value);
    out.push(b'"');
}

/// Checks that an encoded line of `len` bytes (terminator excluded) fits the line bound of
/// D12 that the stream decoder and the simulator apply by default (D50).
pub(crate) fn check_line_len(len: usize) -> Result<(), EncodeError> {
    let limit = DEFAULT_MAX_LINE_LEN;
    if len > limit {
        return Err(EncodeError::LineTooLong { len, limit });
    }
    Ok(())
}

/// Checks `value` against the note's inclusive range for `field`.
pub(crate) fn check_range(
    field: &'static str,
    value: i64,
    min: i64,
    max: i64,
) -> Result<(), EncodeError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(EncodeError::OutOfRange {
            field,
            value,
            min,
            max,
        })
    }
}

/// [`check_range`] for a field of any integer type against a `(min, max)` from [`limits`].
pub(crate) fn range<T: Into<i64>>(
    field: &'static str,
    value: T,
    (min, max): (i64, i64),
) -> Result<(), EncodeError> {
    check_range(field, value.into(), min, max)
}

/// Writes `head` then a range-checked `<tcpconnectID>`: how most lines open.
pub(crate) fn write_id<'w, 'o, 'v>(
    w: &'w mut Wire<'o, 'v>,
    head: &[u8],
    conn_id: u8,
) -> Result<&'w mut Wire<'o, 'v>, EncodeError> {
    range("tcpconnectID", conn_id, limits::CONN_ID)?;
    Ok(w.name(head).int(conn_id.into()))
}

/// `<head><tcpconnectID>,<msgID>,<result>[,<value>]`: the +QMTPUB and +QMTUNS results,
/// whose `<value>` is a retransmission count (the callers check their own rules first).
pub(crate) fn write_count_outcome(
    w: &mut Wire<'_, '_>,
    head: &[u8],
    p: &crate::urc::PacketOutcome<u8>,
) -> Result<(), EncodeError> {
    write_id(w, head, p.conn_id)?
        .comma()
        .int(p.msg_id.into())
        .comma()
        .int(p.result.code().into());
    if let Some(n) = p.value {
        w.comma().int(n.into());
    }
    Ok(())
}

/// `AT+QMTSUB=<id>,<msgID>` or `AT+QMTUNS=<id>,<msgID>` (the `head` says which), after the
/// checks the two share: msgID 1-65535 (3.2.6, 3.2.7) and 1 to [`MAX_TOPICS`] topics (D29).
pub(crate) fn write_topic_list_head<'w, 'o, 'v>(
    w: &'w mut Wire<'o, 'v>,
    head: &[u8],
    conn_id: u8,
    msg_id: u16,
    topics: usize,
) -> Result<&'w mut Wire<'o, 'v>, EncodeError> {
    range("msgID", msg_id, limits::SUB_MSG_ID)?;
    topic_count(topics)?;
    Ok(write_id(w, head, conn_id)?.comma().int(msg_id.into()))
}

/// 1 to [`MAX_TOPICS`] topics per QMTSUB/QMTUNS (D29).
pub(crate) fn topic_count(len: usize) -> Result<(), EncodeError> {
    match len {
        0 => Err(EncodeError::NoTopics),
        n if n > MAX_TOPICS => Err(EncodeError::TooManyTopics { max: MAX_TOPICS }),
        _ => Ok(()),
    }
}

/// The retransmission count of a +QMTPUB/+QMTUNS result is present if and only if result is 1.
pub(crate) fn count_rule(result: PacketResult, value: Option<u8>) -> Result<(), EncodeError> {
    if (result == PacketResult::Retransmission) == value.is_some() {
        Ok(())
    } else {
        Err(EncodeError::Rule {
            field: "value",
            rule: "the retransmission count is present if and only if result is 1",
        })
    }
}
