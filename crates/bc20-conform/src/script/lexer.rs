//! Reading one script line: words, durations, quoted strings with escapes, `key=value` options.

use std::time::Duration;

use super::duration::parse_duration;
use super::error::{ScriptError, ScriptErrorKind};
use crate::template::{Template, TemplateError};

/// A cursor over one line of a script, producing located errors.
pub(crate) struct LineCursor<'a> {
    pub(crate) file: &'a str,
    pub(crate) line_no: usize,
    pub(crate) text: &'a str,
    pub(crate) pos: usize,
}

impl<'a> LineCursor<'a> {
    pub(crate) fn new(file: &'a str, line_no: usize, text: &'a str) -> Self {
        LineCursor {
            file,
            line_no,
            text,
            pos: 0,
        }
    }

    /// 1-based character column of byte offset `at`.
    pub(crate) fn column_of(&self, at: usize) -> usize {
        self.text[..at.min(self.text.len())].chars().count() + 1
    }

    /// An error underlining `len` bytes at byte offset `at`.
    pub(crate) fn error_at(&self, at: usize, len: usize, kind: ScriptErrorKind) -> ScriptError {
        let at = floor_boundary(self.text, at);
        let end = floor_boundary(self.text, at + len.max(1));
        let width = self.text[at..end].chars().count().max(1);
        ScriptError::new(
            self.file,
            self.line_no,
            self.column_of(at),
            width,
            self.text,
            kind,
        )
    }

    /// An error at the cursor, underlining `len` bytes.
    pub(crate) fn error(&self, len: usize, kind: ScriptErrorKind) -> ScriptError {
        self.error_at(self.pos, len, kind)
    }

    pub(crate) fn skip_ws(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    pub(crate) fn at_end(&self) -> bool {
        self.text[self.pos..].trim().is_empty()
    }

    pub(crate) fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    /// The next whitespace-delimited word and its byte offset (empty at the end).
    pub(crate) fn word(&mut self) -> (usize, &'a str) {
        self.skip_ws();
        let start = self.pos;
        let rest = &self.text[start..];
        let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        self.pos += len;
        (start, &rest[..len])
    }

    /// Looks at the next word without consuming it.
    pub(crate) fn peek_word(&self) -> &'a str {
        let rest = self.text[self.pos..].trim_start();
        let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        &rest[..len]
    }

    /// Consumes `keyword` if it is the next word.
    pub(crate) fn eat_word(&mut self, keyword: &str) -> bool {
        if self.peek_word() == keyword {
            self.word();
            true
        } else {
            false
        }
    }

    /// A duration word, or an error naming the step.
    pub(crate) fn duration(&mut self, step: &'static str) -> Result<Duration, ScriptError> {
        let (at, w) = self.word();
        if w.is_empty() {
            return Err(self.error_at(
                at,
                1,
                ScriptErrorKind::MissingArgument {
                    step,
                    what: "a duration such as `2s`",
                },
            ));
        }
        parse_duration(w)
            .ok_or_else(|| self.error_at(at, w.len(), ScriptErrorKind::BadDuration(w.to_owned())))
    }

    /// Fails if anything but blanks is left.
    pub(crate) fn expect_end(&mut self) -> Result<(), ScriptError> {
        self.skip_ws();
        if self.at_end() {
            Ok(())
        } else {
            let rest = self.rest().trim_end();
            Err(self.error(rest.len(), ScriptErrorKind::TrailingText(rest.to_owned())))
        }
    }

    /// The rest of the line (trimmed) as a template; `what` names it when it is missing.
    pub(crate) fn rest_template(
        &mut self,
        step: &'static str,
        what: &'static str,
    ) -> Result<(usize, Template), ScriptError> {
        self.skip_ws();
        let start = self.pos;
        let text = self.rest().trim_end();
        if text.is_empty() {
            return Err(self.error(1, ScriptErrorKind::MissingArgument { step, what }));
        }
        self.pos = self.text.len();
        let t = self.template(start, text)?;
        Ok((start, t))
    }

    /// Parses `text` (which starts at byte `start` of the line) as a template.
    pub(crate) fn template(&self, start: usize, text: &str) -> Result<Template, ScriptError> {
        Template::parse(text).map_err(|TemplateError { at, len, what }| {
            self.error_at(start + at, len, ScriptErrorKind::BadVariable(what))
        })
    }

    /// A `"..."` string with escapes, at the cursor; returns its start and unescaped text.
    pub(crate) fn quoted(&mut self) -> Result<(usize, String), ScriptError> {
        self.skip_ws();
        let start = self.pos;
        let (value, used) = unescape_quoted(&self.text[start..])
            .map_err(|(off, kind)| self.error_at(start + off, 2, kind))?;
        self.pos += used;
        Ok((start, value))
    }

    /// `key=value` options until the end of the line. Values are `"quoted"` (with escapes) or a
    /// bare word. A bare word `within` followed by a duration is returned as `within=D`.
    pub(crate) fn options(&mut self) -> Result<Vec<Opt>, ScriptError> {
        let mut out = Vec::new();
        loop {
            self.skip_ws();
            if self.at_end() {
                return Ok(out);
            }
            let start = self.pos;
            if self.eat_word("within") || self.eat_word("for") {
                let (at, w) = self.word();
                out.push(Opt {
                    at: start,
                    key: "within".to_owned(),
                    value: w.to_owned(),
                    value_at: at,
                    quoted: false,
                });
                continue;
            }
            let rest = self.rest();
            let Some(eq) = rest.find('=') else {
                let w = self.peek_word();
                return Err(self.error(w.len(), ScriptErrorKind::TrailingText(w.to_owned())));
            };
            let key = &rest[..eq];
            if key.is_empty() || key.contains(char::is_whitespace) {
                let w = self.peek_word();
                return Err(self.error(w.len(), ScriptErrorKind::TrailingText(w.to_owned())));
            }
            self.pos += eq + 1;
            if self.rest().starts_with('"') {
                let (value_at, value) = self.quoted()?;
                out.push(Opt {
                    at: start,
                    key: key.to_owned(),
                    value,
                    value_at,
                    quoted: true,
                });
            } else {
                let value_at = self.pos;
                let rest = self.rest();
                let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
                self.pos += len;
                out.push(Opt {
                    at: start,
                    key: key.to_owned(),
                    value: rest[..len].to_owned(),
                    value_at,
                    quoted: false,
                });
            }
        }
    }
}

/// One `key=value` option of a peer step.
#[derive(Debug, Clone)]
pub(crate) struct Opt {
    pub(crate) at: usize,
    pub(crate) key: String,
    pub(crate) value: String,
    pub(crate) value_at: usize,
    pub(crate) quoted: bool,
}

/// Reads `"..."` at the start of `s`; returns the unescaped text and the bytes consumed.
/// Errors carry the byte offset (in `s`) of the problem.
pub(crate) fn unescape_quoted(s: &str) -> Result<(String, usize), (usize, ScriptErrorKind)> {
    let mut chars = s.char_indices();
    match chars.next() {
        Some((_, '"')) => {}
        _ => return Err((0, ScriptErrorKind::UnterminatedString)),
    }
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, i + 1)),
            '\\' => {
                let Some((j, e)) = chars.next() else {
                    return Err((i, ScriptErrorKind::UnterminatedString));
                };
                match e {
                    'r' => out.push('\r'),
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    '$' => out.push_str("$$"),
                    'x' => {
                        let hex = s.get(j + 1..j + 3).unwrap_or("");
                        let Ok(b) = u8::from_str_radix(hex, 16) else {
                            return Err((i, ScriptErrorKind::BadEscape(format!("x{hex}"))));
                        };
                        if hex.len() != 2 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                            return Err((i, ScriptErrorKind::BadEscape(format!("x{hex}"))));
                        }
                        out.push(escaped_byte_char(b));
                        chars.next();
                        chars.next();
                    }
                    other => return Err((i, ScriptErrorKind::BadEscape(other.to_string()))),
                }
            }
            c => out.push(c),
        }
    }
    Err((0, ScriptErrorKind::UnterminatedString))
}

/// Bytes above 0x7f written as `\xHH` are carried in the text as private-use characters
/// (U+F780-U+F7FF) so that [`raw_bytes`] can turn them back into single bytes; every other
/// character is sent as its UTF-8 bytes.
const RAW_BYTE_BASE: u32 = 0xF700;

fn escaped_byte_char(b: u8) -> char {
    if b < 0x80 {
        char::from(b)
    } else {
        char::from_u32(RAW_BYTE_BASE + u32::from(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
    }
}

/// The bytes a `send-raw` text stands for (each raw byte is a private-use character, `RAW_BYTE_BASE` plus the byte).
pub fn raw_bytes(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        let n = u32::from(c);
        if (RAW_BYTE_BASE + 0x80..=RAW_BYTE_BASE + 0xFF).contains(&n) {
            out.push((n - RAW_BYTE_BASE) as u8);
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    out
}

/// The largest char boundary of `s` at or before `i`.
fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
