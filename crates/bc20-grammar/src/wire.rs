//! Helpers shared by the encoders: range checks and parameter writers.

use crate::error::EncodeError;
use crate::text::check_quoted;

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
    let limit = crate::stream::DEFAULT_MAX_LINE_LEN;
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
