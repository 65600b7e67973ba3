//! Helpers shared by the encoders of every family: the line writer, the line bound, range
//! checks and the parameters most lines open with.

use crate::codes::PacketResult;
use crate::error::EncodeError;
use crate::limits::{self, MAX_TOPICS};
use crate::text::check_quoted;

/// Default maximum line length: room for the longest legal +QMTRECV (spec/DECISIONS.md D12).
pub const DEFAULT_MAX_LINE_LEN: usize = 4096;

/// Appends wire bytes for one line, with the separators the note uses.
pub(crate) struct Wire<'o> {
    out: &'o mut Vec<u8>,
}

impl<'o> Wire<'o> {
    pub(crate) fn new(out: &'o mut Vec<u8>) -> Self {
        Wire { out }
    }

    pub(crate) fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.out.extend_from_slice(bytes);
        self
    }

    pub(crate) fn comma(&mut self) -> &mut Self {
        self.out.push(b',');
        self
    }

    pub(crate) fn int(&mut self, value: i64) -> &mut Self {
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
            self.out.push(b'-');
        }
        self.out.extend_from_slice(&buf[i..]);
        self
    }

    pub(crate) fn quoted(
        &mut self,
        field: &'static str,
        value: &[u8],
    ) -> Result<&mut Self, EncodeError> {
        check_quoted(field, value)?;
        Ok(self.quoted_unchecked(value))
    }

    pub(crate) fn quoted_unchecked(&mut self, value: &[u8]) -> &mut Self {
        self.out.push(b'"');
        self.out.extend_from_slice(value);
        self.out.push(b'"');
        self
    }
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
pub(crate) fn write_id<'w, 'o>(
    w: &'w mut Wire<'o>,
    head: &[u8],
    conn_id: u8,
) -> Result<&'w mut Wire<'o>, EncodeError> {
    range("tcpconnectID", conn_id, limits::CONN_ID)?;
    Ok(w.raw(head).int(conn_id.into()))
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
