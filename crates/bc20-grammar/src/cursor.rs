//! The lexical layer of the line decoder: a cursor over one line that reads the note's
//! tokens (integers, quoted strings, separators) with nom, and records lenient deviations.

use nom::bytes::complete::{tag, take_while, take_while1};
use nom::{IResult, Parser};

use crate::error::{DecodeError, DecodeErrorKind, WarningKind, Warnings};

/// How strictly a line is held to the note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Exactly the canonical form of spec/ and spec/DECISIONS.md; for conformance.
    #[default]
    Strict,
    /// Also what field logs contain (typographic quotes, unquoted strings, stray blanks,
    /// lower-case names); every deviation becomes a [`crate::Warning`].
    Lenient,
}

/// Opening typographic quote `“` in UTF-8.
pub(crate) const LEFT_QUOTE: &[u8] = "\u{201c}".as_bytes();
/// Closing typographic quote `”` in UTF-8.
pub(crate) const RIGHT_QUOTE: &[u8] = "\u{201d}".as_bytes();

/// The form an AT command line takes after its name: `=?`, `?`, `=<params>` or nothing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Suffix {
    /// `=?`
    Test,
    /// `?`
    Read,
    /// `=` and parameters (the cursor stands after the `=`).
    Write,
    /// Nothing.
    Exec,
}

/// Whether `line` starts with `prefix`, ASCII case-insensitively.
// Inlined into the dispatcher and the +QMTRECV checks, as it was when it lived beside them: a
// call per check cost a sixth more instructions per line of the stream benchmark.
#[inline]
pub(crate) fn starts_with_ignore_case(line: &[u8], prefix: &[u8]) -> bool {
    // The exact comparison first: it is the usual case and a plain compare of a few bytes.
    line.starts_with(prefix)
        || (line.len() >= prefix.len() && line[..prefix.len()].eq_ignore_ascii_case(prefix))
}

type NomResult<'a, O> = IResult<&'a [u8], O, nom::error::Error<&'a [u8]>>;

/// A position in a line plus the warnings gathered so far.
pub(crate) struct Cursor<'a> {
    line: &'a [u8],
    pos: usize,
    pub(crate) mode: Mode,
    pub(crate) warnings: Warnings,
    /// What lenient mode does with a string parameter without quotes: refuse it (`None`, the
    /// default: commands, D48) or accept it with this warning (QMTCFG query responses, D17).
    pub(crate) unquoted: Option<WarningKind>,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(line: &'a [u8], mode: Mode) -> Self {
        Cursor {
            line,
            pos: 0,
            mode,
            warnings: Warnings::default(),
            unquoted: None,
        }
    }

    pub(crate) fn lenient(&self) -> bool {
        self.mode == Mode::Lenient
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn line(&self) -> &'a [u8] {
        self.line
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        &self.line[self.pos..]
    }

    pub(crate) fn advance(&mut self, n: usize) {
        self.pos += n;
    }

    pub(crate) fn seek(&mut self, pos: usize) {
        self.pos = pos;
    }

    pub(crate) fn warn(&mut self, column: usize, kind: WarningKind) {
        self.warnings.push(column, kind);
    }

    pub(crate) fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(self.pos, kind)
    }

    pub(crate) fn expected(&self, expected: &'static str) -> DecodeError {
        self.error(DecodeErrorKind::Expected { expected })
    }

    /// Runs a nom parser on the rest of the line and moves past what it consumed.
    pub(crate) fn nom<O>(
        &mut self,
        mut parser: impl Parser<&'a [u8], Output = O, Error = nom::error::Error<&'a [u8]>>,
    ) -> Option<O> {
        match parser.parse(self.rest()) {
            Ok((rest, out)) => {
                self.pos = self.line.len() - rest.len();
                Some(out)
            }
            Err(_) => None,
        }
    }

    /// Consumes `word` exactly, or (lenient) in any case with a warning.
    pub(crate) fn keyword(&mut self, word: &'static str) -> bool {
        let start = self.pos;
        if self.nom(tag(word.as_bytes())).is_some() {
            return true;
        }
        if self.lenient()
            && self
                .nom(nom::bytes::complete::tag_no_case(word.as_bytes()))
                .is_some()
        {
            self.warn(start, WarningKind::KeywordCase);
            return true;
        }
        false
    }

    /// Blanks outside quotes: an error in strict mode, a warning in lenient mode.
    pub(crate) fn blanks(&mut self) -> Result<(), DecodeError> {
        if !matches!(self.rest().first(), Some(b' ' | b'\t')) {
            return Ok(()); // the usual case, decided on one byte
        }
        let start = self.pos;
        let skipped = self
            .nom(take_while(|b| b == b' ' || b == b'\t'))
            .map_or(0, <[u8]>::len);
        if skipped > 0 {
            if !self.lenient() {
                self.pos = start;
                return Err(self.expected("no blank here (strict)"));
            }
            self.warn(start, WarningKind::StraySpace);
        }
        Ok(())
    }

    /// The blank after `+XXX:`: exactly one in strict mode, any number in lenient mode.
    pub(crate) fn colon_blank(&mut self) -> Result<(), DecodeError> {
        if let [b' ', next, ..] = self.rest() {
            if !matches!(next, b' ' | b'\t') {
                self.pos += 1;
                return Ok(());
            }
        }
        let start = self.pos;
        let n = self
            .nom(take_while(|b| b == b' ' || b == b'\t'))
            .map_or(0, <[u8]>::len);
        if n == 1 && self.line[start] == b' ' {
            return Ok(());
        }
        if !self.lenient() {
            self.pos = start;
            return Err(self.expected("exactly one blank after ':'"));
        }
        self.warn(
            start,
            if n == 0 {
                WarningKind::MissingSpaceAfterColon
            } else {
                WarningKind::StraySpace
            },
        );
        Ok(())
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.line.len()
    }

    /// Requires the end of the line (trailing blanks allowed when lenient).
    pub(crate) fn end(&mut self) -> Result<(), DecodeError> {
        self.blanks()?;
        if self.at_end() {
            Ok(())
        } else {
            Err(self.error(DecodeErrorKind::Extra))
        }
    }

    /// Reads a separator: `Ok(true)` after a comma, `Ok(false)` at the end of the line.
    pub(crate) fn comma_or_end(&mut self) -> Result<bool, DecodeError> {
        // The canonical cases first, on one or two bytes: this runs after every parameter.
        match self.rest() {
            [] => return Ok(false),
            [b',', next, ..] if !matches!(next, b' ' | b'\t') => {
                self.pos += 1;
                return Ok(true);
            }
            _ => {}
        }
        self.blanks()?;
        if self.at_end() {
            return Ok(false);
        }
        if self.nom(tag(&b","[..])).is_some() {
            self.blanks()?;
            return Ok(true);
        }
        Err(self.expected("',' or end of line"))
    }

    /// Requires a comma (the parameter `field` follows it).
    pub(crate) fn comma(&mut self, field: &'static str) -> Result<(), DecodeError> {
        if self.comma_or_end()? {
            Ok(())
        } else {
            Err(self.error(DecodeErrorKind::Missing { field }))
        }
    }

    /// Reads a decimal integer and checks it against `min..=max`.
    ///
    /// Hand-written rather than nom's `digit1` plus `str::parse`: it runs for every numeric
    /// parameter of every line, and one pass over the digits with the sign, leading-zero and
    /// `-0` rules folded in was a sixth of the streaming decoder's time the other way.
    pub(crate) fn int(
        &mut self,
        field: &'static str,
        min: i64,
        max: i64,
    ) -> Result<i64, DecodeError> {
        let start = self.pos;
        let rest = self.rest();
        // Most parameters are one digit (ids, codes, QoS): decided without the general loop.
        if let [d @ b'0'..=b'9', after @ ..] = rest {
            if !after.first().is_some_and(u8::is_ascii_digit) {
                let v = i64::from(d - b'0');
                if (min..=max).contains(&v) {
                    self.pos += 1;
                    return Ok(v);
                }
            }
        }
        let negative = rest.first() == Some(&b'-');
        let unsigned = &rest[usize::from(negative)..];
        let len = unsigned.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 {
            return Err(self.missing_or_not_a_number(field));
        }
        let unsigned = &unsigned[..len];
        if negative && unsigned.iter().all(|&d| d == b'0') && !self.lenient() {
            return Err(self.expected("a number without '-0' (strict)"));
        }
        if len > 1 && unsigned[0] == b'0' {
            if !self.lenient() {
                return Err(self.expected("a number without leading zeros (strict)"));
            }
            self.warn(start, WarningKind::LeadingZero);
        }
        // Up to 18 digits cannot overflow i64; longer numbers are out of range by definition.
        let value = (len <= 18).then(|| {
            let magnitude = unsigned
                .iter()
                .fold(0i64, |v, &d| v * 10 + i64::from(d - b'0'));
            if negative {
                -magnitude
            } else {
                magnitude
            }
        });
        match value {
            Some(v) if (min..=max).contains(&v) => {
                self.pos = start + usize::from(negative) + len;
                Ok(v)
            }
            v => Err(self.error(DecodeErrorKind::OutOfRange {
                field,
                value: v.unwrap_or(i64::MAX),
                min,
                max,
            })),
        }
    }

    /// Reads a quoted string parameter (lenient: typographic quotes; unquoted per
    /// [`Cursor::unquoted`]).
    pub(crate) fn string(&mut self, field: &'static str) -> Result<&'a str, DecodeError> {
        self.string_unquoted_as(field, self.unquoted)
    }

    /// Reads a string parameter that lenient mode also takes without quotes, with the warning
    /// `unquoted` (D35's +QMTRECV topic, D48's host name and QMTCFG keyword); `None` refuses.
    pub(crate) fn string_unquoted_as(
        &mut self,
        field: &'static str,
        unquoted: Option<WarningKind>,
    ) -> Result<&'a str, DecodeError> {
        let start = self.pos;
        let bytes = self.quoted_bytes(field, |b| b == b',', unquoted)?;
        std::str::from_utf8(bytes)
            .map_err(|_| DecodeError::new(start, DecodeErrorKind::Utf8 { field }))
    }

    /// Reads a quoted field; `unquoted_end` tells where an unquoted field stops, `unquoted`
    /// whether lenient mode accepts one (and with which warning).
    pub(crate) fn quoted_bytes(
        &mut self,
        field: &'static str,
        unquoted_end: impl Fn(u8) -> bool,
        unquoted: Option<WarningKind>,
    ) -> Result<&'a [u8], DecodeError> {
        let start = self.pos;
        if self.nom(tag(&b"\""[..])).is_some() {
            return self.close_quote(start, false);
        }
        if self.rest().starts_with(LEFT_QUOTE) {
            if !self.lenient() {
                return Err(self.error(DecodeErrorKind::TypographicQuote));
            }
            self.warn(start, WarningKind::TypographicQuote);
            self.advance(LEFT_QUOTE.len());
            return self.close_quote(start, true);
        }
        if self.at_end() || unquoted_end(self.rest()[0]) {
            return Err(self.error(DecodeErrorKind::Missing { field }));
        }
        match unquoted {
            Some(kind) if self.lenient() => {
                let text: NomResult<'a, &'a [u8]> = take_while1(|b| !unquoted_end(b))(self.rest());
                let Ok((rest, text)) = text else {
                    return Err(self.error(DecodeErrorKind::Missing { field }));
                };
                let text = trim_end_blanks(text);
                no_tab(start, text)?;
                self.warn(start, kind);
                self.pos = self.line.len() - rest.len();
                Ok(text)
            }
            _ => Err(self.error(DecodeErrorKind::UnquotedString { field })),
        }
    }

    /// At the end of the line or a separator the parameter is missing; elsewhere the bytes
    /// there are not a number.
    fn missing_or_not_a_number(&self, field: &'static str) -> DecodeError {
        if self.at_end() || self.rest()[0] == b',' {
            self.error(DecodeErrorKind::Missing { field })
        } else {
            self.expected("a decimal number")
        }
    }

    /// Finds the closing quote: a `"`-opened string closes only at `"`; a `“`-opened one
    /// (lenient) at `”` or `"`.
    fn close_quote(
        &mut self,
        open: usize,
        typographic_open: bool,
    ) -> Result<&'a [u8], DecodeError> {
        let body_start = self.pos;
        let rest = self.rest();
        let straight = memchr::memchr(b'"', rest);
        let typographic = if typographic_open {
            memchr::memmem::find(rest, RIGHT_QUOTE)
        } else {
            None
        };
        let (end, close_len) = match (straight, typographic) {
            (Some(s), Some(t)) if t < s => (t, RIGHT_QUOTE.len()),
            (Some(s), _) => (s, 1),
            (None, Some(t)) => (t, RIGHT_QUOTE.len()),
            (None, None) => {
                return Err(DecodeError::new(
                    open,
                    DecodeErrorKind::Expected {
                        expected: "closing '\"'",
                    },
                ))
            }
        };
        no_tab(body_start, &rest[..end])?;
        if close_len > 1 {
            self.warn(body_start + end, WarningKind::TypographicQuote);
        }
        self.pos = body_start + end + close_len;
        Ok(&rest[..end])
    }
}

/// A string parameter cannot carry a tab (D10: no control byte in a string); lenient lets tabs
/// through the line check only as blanks between parameters.
fn no_tab(start: usize, text: &[u8]) -> Result<(), DecodeError> {
    match memchr::memchr(b'\t', text) {
        Some(at) => Err(DecodeError::new(
            start + at,
            DecodeErrorKind::ControlByte { byte: b'\t' },
        )),
        None => Ok(()),
    }
}

pub(crate) fn trim_end_blanks(mut b: &[u8]) -> &[u8] {
    while let [head @ .., b' ' | b'\t'] = b {
        b = head;
    }
    b
}
