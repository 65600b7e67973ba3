//! The line dispatcher: one line (without its terminator) → a typed [`Line`]. It reads what
//! every line shares (trailing blanks, control bytes, `AT`, `+<name>:`, the form suffix) and
//! hands the rest to the line's family in [`crate::families`].

use std::borrow::Cow;

use nom::bytes::complete::take_while1;

use crate::command::{Command, MqttCommand};
use crate::cursor::{starts_with_ignore_case, trim_end_blanks, Cursor, Mode, Suffix, RIGHT_QUOTE};
use crate::error::{DecodeError, DecodeErrorKind, WarningKind, Warnings};
use crate::families::{
    basic, final_result, qmtcfg, qmtclose, qmtconn, qmtdisc, qmtopen, qmtpub, qmtrecv, qmtstat,
    qmtsub, qmtuns,
};
use crate::line::{Context, Decoded, Line};
use crate::response::Response;
use crate::text::check_controls;
use crate::urc::Urc;

/// Decodes one line, without its CR/LF terminator.
///
/// # Errors
///
/// A [`DecodeError`] saying where (the column) and what ([`DecodeErrorKind`]) when the line is
/// not one of the grammar's forms in `mode`.
pub fn decode_line(line: &[u8], mode: Mode, ctx: Context) -> Result<Decoded<'_>, DecodeError> {
    decode_line_in(line, mode, ctx, memchr::memchr(b'\n', line).is_some())
}

/// [`decode_line`] given whether `line` can hold an LF at all (the stream decoder knows it from
/// its own scan): when it cannot, a +QMTRECV payload need not be searched for one again and the
/// canonical reader applies.
pub(crate) fn decode_line_in(
    line: &[u8],
    mode: Mode,
    ctx: Context,
    may_hold_lf: bool,
) -> Result<Decoded<'_>, DecodeError> {
    let body = without_trailing_blanks(line);
    if body.len() == line.len() {
        return decode_body(line, mode, ctx, may_hold_lf);
    }
    // Blanks before the line end (D9, D46): the line is read as if they were absent, so an
    // error before them is reported first; then strict refuses them, lenient warns.
    let mut decoded = decode_body(body, mode, ctx, may_hold_lf)?;
    if matches!(decoded.line, Line::Urc(Urc::Unknown { .. })) {
        // A line outside the grammar is kept whole, blanks included (D41).
        return decode_body(line, mode, ctx, may_hold_lf);
    }
    match mode {
        Mode::Strict => Err(DecodeError::new(body.len(), DecodeErrorKind::TrailingBlank)),
        Mode::Lenient => {
            decoded
                .warnings
                .push(body.len(), WarningKind::TrailingBlank);
            Ok(decoded)
        }
    }
}

/// `line` without the blanks and tabs before its end (D46). A +QMTRECV keeps them unless
/// they follow a closing quote: without one, they may be the end of an unquoted payload.
fn without_trailing_blanks(line: &[u8]) -> &[u8] {
    if !matches!(line.last(), Some(b' ' | b'\t')) {
        return line;
    }
    let trimmed = trim_end_blanks(line);
    if starts_with_ignore_case(line, b"+QMTRECV:")
        && !(trimmed.ends_with(b"\"") || trimmed.ends_with(RIGHT_QUOTE))
    {
        return line;
    }
    trimmed
}

/// [`decode_line_in`] for a line without trailing blanks (or a +QMTRECV that keeps them).
fn decode_body(
    line: &[u8],
    mode: Mode,
    ctx: Context,
    may_hold_lf: bool,
) -> Result<Decoded<'_>, DecodeError> {
    let mut cur = Cursor::new(line, mode);
    if line.is_empty() {
        return Err(cur.error(DecodeErrorKind::Empty));
    }
    let is_recv = starts_with_ignore_case(line, b"+QMTRECV:");
    if !is_recv {
        check_controls(line, mode)?;
    }
    if is_recv && !may_hold_lf {
        if let Some(urc) = qmtrecv::canonical_recv(line) {
            return Ok(Decoded {
                line: Line::Urc(urc),
                warnings: cur.warnings,
            });
        }
    }
    let decoded = if starts_with_ignore_case(line, b"AT") {
        Line::Command(command(&mut cur)?)
    } else if is_recv {
        Line::Urc(qmtrecv::decode(&mut cur, may_hold_lf)?)
    } else if line[0] == b'+' {
        plus_line(&mut cur, ctx)?
    } else {
        Line::Response(final_result::decode_bare(&mut cur)?)
    };
    let raw_text = matches!(
        decoded,
        Line::Urc(Urc::Unknown { .. })
            | Line::Response(Response::Text { .. } | Response::Test { .. })
    );
    if raw_text && cur.lenient() {
        // Kept as text, so a tab in it was not read as a blank by the lexer: say so (D47).
        if let Some(at) = memchr::memchr(b'\t', line) {
            cur.warn(at, WarningKind::StraySpace);
        }
    }
    Ok(Decoded {
        line: decoded,
        warnings: cur.warnings,
    })
}

impl<'a> Command<'a> {
    /// Decodes one command line (without its CR).
    pub fn decode(line: &'a [u8], mode: Mode) -> Result<(Command<'a>, Warnings), DecodeError> {
        match decode_line(line, mode, Context::default())? {
            Decoded {
                line: Line::Command(c),
                warnings,
            } => Ok((c, warnings)),
            _ => Err(DecodeError::new(
                0,
                DecodeErrorKind::Expected {
                    expected: "a command starting with AT",
                },
            )),
        }
    }
}

fn command<'a>(cur: &mut Cursor<'a>) -> Result<Command<'a>, DecodeError> {
    if !cur.keyword("AT") {
        return Err(cur.expected("'AT'"));
    }
    if cur.at_end() {
        return Ok(Command::At);
    }
    let name_at = cur.pos();
    if cur.rest()[0] != b'+' {
        // The basic one-letter commands: ATE0, ATE1, ATI.
        return basic::decode_letter(cur);
    }
    cur.advance(1);
    let name = cur
        .nom(take_while1(|b: u8| b.is_ascii_alphanumeric()))
        .ok_or_else(|| cur.expected("a command name after '+'"))?;
    if name.iter().any(u8::is_ascii_lowercase) {
        if !cur.lenient() {
            return Err(DecodeError::new(
                name_at,
                DecodeErrorKind::Expected {
                    expected: "an upper-case command name (strict)",
                },
            ));
        }
        cur.warn(name_at, WarningKind::KeywordCase);
    }
    let suffix = if cur.rest() == b"=?" {
        Suffix::Test
    } else if cur.rest() == b"?" {
        Suffix::Read
    } else if cur.rest().first() == Some(&b'=') {
        cur.advance(1);
        Suffix::Write
    } else if cur.at_end() {
        Suffix::Exec
    } else {
        return Err(cur.expected("'=?', '?', '=' or end of line"));
    };
    if matches!(suffix, Suffix::Test | Suffix::Read) {
        cur.seek(cur.line().len());
    }
    if let Some(mqtt) = MqttCommand::from_name(name) {
        return mqtt_command(cur, mqtt, suffix, name_at);
    }
    basic::decode_plus(cur, name, suffix, name_at)
}

fn mqtt_command<'a>(
    cur: &mut Cursor<'a>,
    mqtt: MqttCommand,
    suffix: Suffix,
    name_at: usize,
) -> Result<Command<'a>, DecodeError> {
    use MqttCommand as M;
    let no_form = DecodeError::new(name_at, DecodeErrorKind::NoSuchForm);
    let cmd = match (mqtt, suffix) {
        (M::QmtCfg, Suffix::Test) => Command::QmtCfgTest,
        (M::QmtOpen, Suffix::Test) => Command::QmtOpenTest,
        (M::QmtClose, Suffix::Test) => Command::QmtCloseTest,
        (M::QmtConn, Suffix::Test) => Command::QmtConnTest,
        (M::QmtDisc, Suffix::Test) => Command::QmtDiscTest,
        (M::QmtSub, Suffix::Test) => Command::QmtSubTest,
        (M::QmtUns, Suffix::Test) => Command::QmtUnsTest,
        (M::QmtPub, Suffix::Test) => Command::QmtPubTest,
        (M::QmtOpen, Suffix::Read) => Command::QmtOpenRead,
        (M::QmtConn, Suffix::Read) => Command::QmtConnRead,
        (_, Suffix::Read | Suffix::Exec) => return Err(no_form),
        (M::QmtCfg, Suffix::Write) => qmtcfg::decode_write(cur)?,
        (M::QmtOpen, Suffix::Write) => qmtopen::decode_write(cur)?,
        (M::QmtClose, Suffix::Write) => qmtclose::decode_write(cur)?,
        (M::QmtConn, Suffix::Write) => qmtconn::decode_write(cur)?,
        (M::QmtDisc, Suffix::Write) => qmtdisc::decode_write(cur)?,
        (M::QmtSub, Suffix::Write) => qmtsub::decode_write(cur)?,
        (M::QmtUns, Suffix::Write) => qmtuns::decode_write(cur)?,
        (M::QmtPub, Suffix::Write) => qmtpub::decode_write(cur)?,
    };
    Ok(cmd)
}

// ---------------------------------------------------------------- module output

fn plus_line<'a>(cur: &mut Cursor<'a>, ctx: Context) -> Result<Line<'a>, DecodeError> {
    cur.advance(1);
    if cur.keyword("CME ERROR:") {
        cur.colon_blank()?;
        return Ok(Line::Response(final_result::decode_cme_error(cur)?));
    }
    let name_at = cur.pos();
    let Some(name) = cur.nom(take_while1(|b: u8| b.is_ascii_alphanumeric())) else {
        return Err(cur.expected("a name after '+'"));
    };
    if cur.rest().first() != Some(&b':') {
        return Err(cur.expected("':' after the name"));
    }
    cur.advance(1);
    let mqtt = MqttCommand::from_name(name);
    let known = mqtt.is_some()
        || name.eq_ignore_ascii_case(b"QMTSTAT")
        || basic::ANSWERS
            .iter()
            .any(|o| name.eq_ignore_ascii_case(o.as_bytes()));
    if !known {
        // Outside the grammar: kept whole, whatever its layout or case, in both modes (D41).
        let text = std::str::from_utf8(cur.line())
            .map_err(|_| DecodeError::new(0, DecodeErrorKind::Utf8 { field: "line" }))?;
        return Ok(Line::Urc(Urc::Unknown {
            text: Cow::Borrowed(text),
        }));
    }
    if name.iter().any(u8::is_ascii_lowercase) {
        if !cur.lenient() {
            return Err(DecodeError::new(
                name_at,
                DecodeErrorKind::Expected {
                    expected: "an upper-case name (strict)",
                },
            ));
        }
        cur.warn(name_at, WarningKind::KeywordCase);
    }
    cur.colon_blank()?;
    if let Some(mqtt) = mqtt {
        return mqtt_output(cur, mqtt, ctx);
    }
    if name.eq_ignore_ascii_case(b"QMTSTAT") {
        return Ok(Line::Urc(qmtstat::decode(cur)?));
    }
    basic::decode_answer(cur, name)
}

/// Test responses describe ranges: their first parameter (the second for QMTCFG) opens with
/// `(` or `<`.
fn is_test_response(cur: &Cursor<'_>, mqtt: MqttCommand) -> bool {
    let rest = cur.rest();
    let first = if mqtt == MqttCommand::QmtCfg {
        // After the quoted keyword.
        let after = rest
            .iter()
            .position(|&b| b == b',')
            .map_or(&[][..], |i| &rest[i + 1..]);
        after.first().copied()
    } else {
        rest.first().copied()
    };
    matches!(first, Some(b'(' | b'<'))
}

fn mqtt_output<'a>(
    cur: &mut Cursor<'a>,
    mqtt: MqttCommand,
    ctx: Context,
) -> Result<Line<'a>, DecodeError> {
    use MqttCommand as M;
    if is_test_response(cur, mqtt) {
        let text = std::str::from_utf8(cur.rest())
            .map_err(|_| cur.error(DecodeErrorKind::Utf8 { field: "params" }))?;
        if !cur.lenient() && (text.contains('\u{201c}') || text.contains('\u{201d}')) {
            return Err(cur.error(DecodeErrorKind::TypographicQuote));
        }
        if text.contains('\u{201c}') || text.contains('\u{201d}') {
            cur.warn(cur.pos(), WarningKind::TypographicQuote);
        }
        return Ok(Line::Response(Response::Test {
            command: mqtt,
            params: Cow::Borrowed(text),
        }));
    }
    let line = match mqtt {
        M::QmtCfg => Line::Response(qmtcfg::decode_response(cur)?),
        M::QmtOpen => qmtopen::decode_answer(cur)?,
        M::QmtClose => Line::Urc(qmtclose::decode_answer(cur)?),
        M::QmtConn => qmtconn::decode_answer(cur, ctx.conn_read_pending)?,
        M::QmtDisc => Line::Urc(qmtdisc::decode_answer(cur)?),
        M::QmtSub => Line::Urc(qmtsub::decode_answer(cur)?),
        M::QmtUns => Line::Urc(qmtuns::decode_answer(cur)?),
        M::QmtPub => Line::Urc(qmtpub::decode_answer(cur)?),
    };
    Ok(line)
}
