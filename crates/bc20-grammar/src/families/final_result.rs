//! Final result codes and free text (chapter 4): `OK`, `ERROR`, `+CME ERROR: <err>` (numeric,
//! or AT+CMEE=2's verbose form in lenient mode, D5), and the information text lines
//! (AT+CGMR, ATI) that end before them.

use std::borrow::Cow;

use crate::codes::CmeError;
use crate::cursor::{trim_end_blanks, Cursor};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError, WarningKind};
use crate::response::Response;
use crate::wire::Wire;

/// A line without `+` that is not a command: `OK`, `ERROR` or information text.
pub(crate) fn decode_bare<'a>(cur: &mut Cursor<'a>) -> Result<Response<'a>, DecodeError> {
    let line = cur.line();
    let trimmed = if cur.lenient() {
        trim_end_blanks(line)
    } else {
        line
    };
    if trimmed == b"OK" || (cur.lenient() && trimmed.eq_ignore_ascii_case(b"OK")) {
        note_case_and_blanks(cur, trimmed, b"OK");
        return Ok(Response::Ok);
    }
    if trimmed == b"ERROR" || (cur.lenient() && trimmed.eq_ignore_ascii_case(b"ERROR")) {
        note_case_and_blanks(cur, trimmed, b"ERROR");
        return Ok(Response::Error);
    }
    let text = std::str::from_utf8(line)
        .map_err(|_| cur.error(DecodeErrorKind::Utf8 { field: "text" }))?;
    if text.starts_with(' ') || text.ends_with(' ') {
        return Err(cur.expected("text without leading or trailing blanks"));
    }
    Ok(Response::Text {
        text: Cow::Borrowed(text),
    })
}

fn note_case_and_blanks(cur: &mut Cursor<'_>, trimmed: &[u8], canonical: &[u8]) {
    if trimmed != canonical {
        cur.warn(0, WarningKind::KeywordCase);
    }
    if trimmed.len() != cur.line().len() {
        cur.warn(trimmed.len(), WarningKind::StraySpace);
    }
}

/// `<err>` of `+CME ERROR: <err>`, after the `: `: the number, or in lenient mode the
/// AT+CMEE=2 description.
pub(crate) fn decode_cme_error<'a>(cur: &mut Cursor<'a>) -> Result<Response<'a>, DecodeError> {
    let at = cur.pos();
    if cur.rest().first().is_some_and(u8::is_ascii_digit) {
        let code = cur.int("err", 0, i64::from(u16::MAX))? as u16;
        cur.end()?;
        return Ok(Response::CmeError {
            err: CmeError::from_code(code),
        });
    }
    if cur.lenient() {
        // AT+CMEE=2 verbose form (spec/DECISIONS.md D5): map chapter 4's descriptions back.
        let text = trim_end_blanks(cur.rest());
        if let Some(err) = CmeError::KNOWN
            .iter()
            .find(|e| e.description().as_bytes().eq_ignore_ascii_case(text))
        {
            cur.warn(at, WarningKind::VerboseCmeError);
            cur.seek(cur.line().len());
            return Ok(Response::CmeError { err: *err });
        }
    }
    Err(cur.expected("a numeric <err> code"))
}

/// Writes a free text line (ATI, AT+CGMR).
pub(crate) fn encode_text<'v>(text: &'v str, w: &mut Wire<'_, 'v>) -> Result<(), EncodeError> {
    check_free_text(text)?;
    w.name(text.as_bytes());
    Ok(())
}

/// Writes `+CME ERROR: <err>`.
pub(crate) fn encode_cme_error(err: CmeError, w: &mut Wire<'_, '_>) {
    w.name(b"+CME ERROR: ").int(err.code().into());
}

/// Free text must not read back as anything else: no control bytes, no leading `+`, no
/// final-result word, no command.
fn check_free_text(text: &str) -> Result<(), EncodeError> {
    let b = text.as_bytes();
    if let Some(at) = b.iter().position(|&c| c < 0x20 || c == 0x7f) {
        return Err(EncodeError::Unrepresentable {
            field: "text",
            byte: b[at],
            at,
        });
    }
    let reserved = b.is_empty()
        || b[0] == b'+'
        || b[0] == b' '
        || b.last() == Some(&b' ')
        || text == "OK"
        || text == "ERROR"
        || (b.len() >= 2 && b[..2].eq_ignore_ascii_case(b"AT"));
    if reserved {
        return Err(EncodeError::Rule {
            field: "text",
            rule: "free text must not be empty, padded, or look like a result code, URC or command",
        });
    }
    Ok(())
}
