//! The line decoder: one line (without its terminator) → a typed [`Line`].

use std::borrow::Cow;

use arrayvec::ArrayVec;
use nom::bytes::complete::take_while1;
use serde::Serialize;

use crate::codes::{
    CloseResult, CmeError, ConnState, ConnectReturnCode, GrantedQos, OpenResult, PacketResult,
    QmtStatCode, Qos,
};
use crate::command::{Command, MqttCommand, SubTopics, UnsTopics, Will};
use crate::cursor::{trim_end_blanks, Cursor, Mode, LEFT_QUOTE, RIGHT_QUOTE};
use crate::error::{DecodeError, DecodeErrorKind, WarningKind, Warnings};
use crate::limits::{self, MAX_TOPICS};
use crate::mqtt_topic::TopicKind;
use crate::response::{Response, SubValue, Urc};
use crate::text::Payload;

/// What the decoder knows about the conversation when it reads a line.
///
/// Only one line of the note is ambiguous without it: `+QMTCONN: <id>,<n>` is the read
/// response `<state>` while an `AT+QMTCONN?` awaits its final result code, and otherwise the
/// asynchronous `<result>` without `<ret_code>` (spec/DECISIONS.md D26).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Context {
    /// An `AT+QMTCONN?` was sent and its final result code has not arrived yet.
    pub conn_read_pending: bool,
}

/// A decoded line: a command, a response (information or final) or an unsolicited line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
// Topic lists are stored inline (no allocation per frame), so commands are larger than URCs
// by design; boxing them would put an allocation back on the hot path.
#[allow(clippy::large_enum_variant)]
pub enum Line<'a> {
    /// Host → module.
    Command(Command<'a>),
    /// Module → host, answering the current command.
    Response(Response<'a>),
    /// Module → host, unsolicited.
    Urc(Urc<'a>),
}

impl Line<'_> {
    /// The spec/ id of the line's form.
    pub fn spec_id(&self) -> &'static str {
        match self {
            Line::Command(c) => c.spec_id(),
            Line::Response(r) => r.spec_id(),
            Line::Urc(u) => u.spec_id(),
        }
    }

    /// The name as printed (`AT+QMTPUB`, `+QMTRECV`, `OK`, `+CME ERROR`).
    pub fn name(&self) -> &'static str {
        match self {
            Line::Command(c) => c.name(),
            Line::Response(r) => r.name(),
            Line::Urc(u) => u.name(),
        }
    }

    /// Appends the canonical wire bytes.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), crate::EncodeError> {
        match self {
            Line::Command(c) => c.encode(out),
            Line::Response(r) => r.encode(out),
            Line::Urc(u) => u.encode(out),
        }
    }

    /// An owned copy.
    pub fn into_owned(self) -> Line<'static> {
        match self {
            Line::Command(c) => Line::Command(c.into_owned()),
            Line::Response(r) => Line::Response(r.into_owned()),
            Line::Urc(u) => Line::Urc(u.into_owned()),
        }
    }
}

/// A decoded line with the deviations lenient mode accepted on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// The typed value.
    pub line: Line<'a>,
    /// Deviations from the canonical form (always empty in strict mode).
    pub warnings: Warnings,
}

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
        if let Some(urc) = canonical_recv(line) {
            return Ok(Decoded {
                line: Line::Urc(urc),
                warnings: cur.warnings,
            });
        }
    }
    let decoded = if starts_with_ignore_case(line, b"AT") {
        Line::Command(command(&mut cur)?)
    } else if is_recv {
        Line::Urc(qmtrecv(&mut cur, may_hold_lf)?)
    } else if line[0] == b'+' {
        plus_line(&mut cur, ctx)?
    } else {
        Line::Response(bare_line(&mut cur)?)
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

fn starts_with_ignore_case(line: &[u8], prefix: &[u8]) -> bool {
    // The exact comparison first: it is the usual case and a plain compare of a few bytes.
    line.starts_with(prefix)
        || (line.len() >= prefix.len() && line[..prefix.len()].eq_ignore_ascii_case(prefix))
}

/// Which bytes a line may hold outside a +QMTRECV payload, per mode: a table lookup keeps this
/// per-byte loop free of comparisons (and of the fuzzer's comparison hooks).
const fn text_bytes(tab_ok: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0x20;
    while b < 256 {
        table[b] = b != 0x7f;
        b += 1;
    }
    table[b'\t' as usize] = tab_ok;
    table
}

static STRICT_TEXT: [bool; 256] = text_bytes(false);
static LENIENT_TEXT: [bool; 256] = text_bytes(true);

/// Whether `bytes` holds no control byte (below 0x20, or DEL). Eight bytes at a time, with the
/// usual word tricks for "some byte is below n" and "some byte is zero" (both exact as tests
/// of existence): topics and short lines are too short for a vectorised loop to pay off, and a
/// byte loop was a fourteenth of the stream decoder's time. The caller looks for where the
/// first control byte is only on lines that have one.
fn control_free(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_control = |x: u64| {
        let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
        let del = x ^ (ONES * 0x7f);
        let is_del = del.wrapping_sub(ONES) & !del & HIGHS;
        (below_space | is_del) != 0
    };
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        if has_control(u64::from_le_bytes(w)) {
            return false;
        }
    }
    words.remainder().iter().all(|&b| b >= 0x20 && b != 0x7f)
}

fn check_controls(line: &[u8], mode: Mode) -> Result<(), DecodeError> {
    if control_free(line) {
        return Ok(());
    }
    let table = match mode {
        Mode::Strict => &STRICT_TEXT,
        Mode::Lenient => &LENIENT_TEXT,
    };
    match line.iter().position(|&b| !table[usize::from(b)]) {
        Some(at) => Err(DecodeError::new(
            at,
            DecodeErrorKind::ControlByte { byte: line[at] },
        )),
        None => Ok(()),
    }
}

fn conn_id(cur: &mut Cursor<'_>) -> Result<u8, DecodeError> {
    Ok(cur.int("tcpconnectID", limits::CONN_ID.0, limits::CONN_ID.1)? as u8)
}

fn flag(cur: &mut Cursor<'_>, field: &'static str) -> Result<bool, DecodeError> {
    Ok(cur.int(field, 0, 1)? == 1)
}

fn qos(cur: &mut Cursor<'_>, field: &'static str) -> Result<Qos, DecodeError> {
    let v = cur.int(field, 0, 2)?;
    Ok(Qos::from_code(v as u8).expect("range-checked"))
}

/// A string with a byte-length limit (spec/DECISIONS.md D11).
fn limited<'a>(
    cur: &mut Cursor<'a>,
    field: &'static str,
    min: usize,
    max: usize,
) -> Result<&'a str, DecodeError> {
    let unquoted = cur.unquoted;
    limited_as(cur, field, (min, max), unquoted)
}

/// [`limited`] for a string that lenient mode takes unquoted with the warning `unquoted`.
fn limited_as<'a>(
    cur: &mut Cursor<'a>,
    field: &'static str,
    (min, max): (usize, usize),
    unquoted: Option<WarningKind>,
) -> Result<&'a str, DecodeError> {
    let start = cur.pos();
    let s = cur.string_unquoted_as(field, unquoted)?;

    if s.len() < min || s.len() > max {
        return Err(DecodeError::new(
            start,
            DecodeErrorKind::Length {
                field,
                len: s.len(),
                min,
                max,
            },
        ));
    }
    Ok(s)
}

/// A topic (QMTSUB, QMTUNS, QMTPUB, will): 1-1024 bytes, an empty one is `EmptyTopic` (D29),
/// and one MQTT forbids as a `kind` is `Topic` at the offending byte (D62).
fn topic<'a>(
    cur: &mut Cursor<'a>,
    field: &'static str,
    kind: TopicKind,
) -> Result<&'a str, DecodeError> {
    let start = cur.pos();
    let s = limited(cur, field, 0, limits::TOPIC_LEN.1)?;
    if s.len() < limits::TOPIC_LEN.0 {
        return Err(DecodeError::new(
            start,
            DecodeErrorKind::EmptyTopic { field },
        ));
    }
    if let Err(rule) = kind.check(s) {
        // `s` is a slice of the line (quoted, typographically quoted or bare), so its offset
        // in the line places the column on the offending byte whatever the quoting.
        let offset = (s.as_ptr() as usize).wrapping_sub(cur.line().as_ptr() as usize);
        let column = if offset < cur.line().len() {
            offset + rule.at()
        } else {
            start
        };
        return Err(DecodeError::new(
            column,
            DecodeErrorKind::Topic { field, rule },
        ));
    }
    Ok(s)
}

/// Validates the comma-separated entries of a QMTSUB/QMTUNS topic list up to the line end
/// and counts them (1 to [`MAX_TOPICS`]).
fn topic_list(
    cur: &mut Cursor<'_>,
    mut entry: impl FnMut(&mut Cursor<'_>) -> Result<(), DecodeError>,
) -> Result<u8, DecodeError> {
    let mut len = 0u8;
    loop {
        let at = cur.pos();
        entry(cur)?;
        if usize::from(len) == MAX_TOPICS {
            return Err(DecodeError::new(
                at,
                DecodeErrorKind::TooManyTopics { max: MAX_TOPICS },
            ));
        }
        len += 1;
        if !cur.comma_or_end()? {
            return Ok(len);
        }
    }
}

// ---------------------------------------------------------------- commands

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
        let cmd = if cur.keyword("E0") {
            Command::Echo { on: false }
        } else if cur.keyword("E1") {
            Command::Echo { on: true }
        } else if cur.keyword("I") {
            Command::Ati
        } else {
            return Err(cur.error(DecodeErrorKind::UnknownCommand));
        };
        cur.end()?;
        return Ok(cmd);
    }
    cur.advance(1);
    let name = cur
        .nom(take_while1(|b: u8| b.is_ascii_alphanumeric()))
        .ok_or_else(|| cur.expected("a command name after '+'"))?;
    if name.iter().any(u8::is_ascii_lowercase) {
        if !cur.lenient() {
            return Err(crate::DecodeError::new(
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
    let unknown = DecodeError::new(name_at, DecodeErrorKind::UnknownCommand);
    let upper = |s: &str| name.eq_ignore_ascii_case(s.as_bytes());
    let cmd = match suffix {
        Suffix::Exec if upper("CGMR") => Command::Cgmr,
        Suffix::Exec if upper("CSQ") => Command::Csq,
        Suffix::Read if upper("CPIN") => Command::CpinRead,
        Suffix::Read if upper("CEREG") => Command::CeregRead,
        Suffix::Read if upper("CGATT") => Command::CgattRead,
        Suffix::Write if upper("CMEE") => {
            let n = cur.int("n", limits::CMEE.0, limits::CMEE.1)? as u8;
            cur.end()?;
            Command::Cmee { n }
        }
        _ => return Err(unknown),
    };
    Ok(cmd)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Suffix {
    Test,
    Read,
    Write,
    Exec,
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
        (M::QmtCfg, Suffix::Write) => qmtcfg(cur)?,
        (M::QmtOpen, Suffix::Write) => {
            let conn_id = conn_id(cur)?;
            cur.comma("host_name")?;
            // Unquoted host names come from real drivers: lenient with a warning (D48).
            let host_name = limited_as(
                cur,
                "host_name",
                (1, crate::text::HOST_NAME_MAX_LEN),
                Some(WarningKind::UnquotedString),
            )?;
            cur.comma("port")?;
            let port = cur.int("port", limits::PORT.0, limits::PORT.1)? as u16;
            cur.end()?;
            Command::QmtOpen {
                conn_id,
                host_name: Cow::Borrowed(host_name),
                port,
            }
        }
        (M::QmtClose, Suffix::Write) => {
            let conn_id = conn_id(cur)?;
            cur.end()?;
            Command::QmtClose { conn_id }
        }
        (M::QmtDisc, Suffix::Write) => {
            let conn_id = conn_id(cur)?;
            cur.end()?;
            Command::QmtDisc { conn_id }
        }
        (M::QmtConn, Suffix::Write) => {
            let conn_id = conn_id(cur)?;
            cur.comma("clientID")?;
            let client_id = limited(
                cur,
                "clientID",
                limits::CLIENT_ID_LEN.0,
                limits::CLIENT_ID_LEN.1,
            )?;
            let mut username = None;
            let mut password = None;
            if cur.comma_or_end()? {
                username = Some(Cow::Borrowed(limited(
                    cur,
                    "username",
                    limits::CREDENTIAL_LEN.0,
                    limits::CREDENTIAL_LEN.1,
                )?));
                if cur.comma_or_end()? {
                    password = Some(Cow::Borrowed(limited(
                        cur,
                        "password",
                        limits::CREDENTIAL_LEN.0,
                        limits::CREDENTIAL_LEN.1,
                    )?));
                    cur.end()?;
                }
            }
            Command::QmtConn {
                conn_id,
                client_id: Cow::Borrowed(client_id),
                username,
                password,
            }
        }
        (M::QmtSub, Suffix::Write) => {
            let conn_id = conn_id(cur)?;
            cur.comma("msgID")?;
            let msg_id = cur.int("msgID", limits::SUB_MSG_ID.0, limits::SUB_MSG_ID.1)? as u16;
            if !cur.comma_or_end()? {
                return Err(cur.error(DecodeErrorKind::NoTopics));
            }
            let start = cur.pos();
            let len = topic_list(cur, |cur| {
                topic(cur, "topic", TopicKind::Filter)?;
                cur.comma("qos")?;
                qos(cur, "qos").map(drop)
            })?;
            let topics = SubTopics::wire(&cur.line()[start..cur.pos()], cur.mode, len);
            Command::QmtSub {
                conn_id,
                msg_id,
                topics,
            }
        }
        (M::QmtUns, Suffix::Write) => {
            let conn_id = conn_id(cur)?;
            cur.comma("msgID")?;
            let msg_id = cur.int("msgID", limits::SUB_MSG_ID.0, limits::SUB_MSG_ID.1)? as u16;
            if !cur.comma_or_end()? {
                return Err(cur.error(DecodeErrorKind::NoTopics));
            }
            let start = cur.pos();
            let len = topic_list(cur, |cur| topic(cur, "topic", TopicKind::Filter).map(drop))?;
            let topics = UnsTopics::wire(&cur.line()[start..cur.pos()], cur.mode, len);
            Command::QmtUns {
                conn_id,
                msg_id,
                topics,
            }
        }
        (M::QmtPub, Suffix::Write) => {
            let conn_id = conn_id(cur)?;
            cur.comma("msgID")?;
            let id_at = cur.pos();
            let msg_id = cur.int("msgID", limits::PUB_MSG_ID.0, limits::PUB_MSG_ID.1)? as u16;
            cur.comma("qos")?;
            let qos = qos(cur, "qos")?;
            match (qos, msg_id) {
                (Qos::AtMostOnce, 0) => {}
                (Qos::AtMostOnce, _) if cur.lenient() => {
                    cur.warn(id_at, WarningKind::Qos0NonZeroMsgId)
                }
                (Qos::AtMostOnce, _) => {
                    return Err(DecodeError::new(
                        id_at,
                        DecodeErrorKind::Rule {
                            rule: "msgID must be 0 when qos is 0 (3.2.8)",
                        },
                    ))
                }
                (_, 0) => {
                    return Err(DecodeError::new(
                        id_at,
                        DecodeErrorKind::Rule {
                            rule: "msgID 0 is only allowed with qos 0 (3.2.8)",
                        },
                    ))
                }
                _ => {}
            }
            cur.comma("retain")?;
            let retain = flag(cur, "retain")?;
            cur.comma("topic")?;
            let topic = topic(cur, "topic", TopicKind::Name)?;
            let at = cur.pos();
            if !cur.comma_or_end()? {
                // BC28/BG95's prompt form: the data would follow a `>` prompt (D34).
                return Err(DecodeError::new(
                    at,
                    DecodeErrorKind::UnsupportedPromptForm { form: "prompt" },
                ));
            }
            let at = cur.pos();
            let digits = cur.rest().iter().take_while(|b| b.is_ascii_digit()).count();
            if digits > 0 && trim_end_blanks(&cur.rest()[digits..]).is_empty() {
                // BG95's length form: a byte count, the data after a prompt (D34, D48).
                return Err(DecodeError::new(
                    at,
                    DecodeErrorKind::UnsupportedPromptForm { form: "length" },
                ));
            }
            let msg = cur.quoted_bytes("msg", |b| b == b',', None)?;
            if msg.len() > limits::MSG_LEN.1 {
                return Err(DecodeError::new(
                    at,
                    DecodeErrorKind::Length {
                        field: "msg",
                        len: msg.len(),
                        min: 0,
                        max: limits::MSG_LEN.1,
                    },
                ));
            }
            cur.end()?;
            Command::QmtPub {
                conn_id,
                msg_id,
                qos,
                retain,
                topic: Cow::Borrowed(topic),
                msg: Payload::borrowed(msg),
            }
        }
    };
    Ok(cmd)
}

/// A QMTCFG keyword: strict takes all-lower or all-upper (the note prints both), lenient any case.
fn cfg_keyword(cur: &mut Cursor<'_>) -> Result<CfgKeyword, DecodeError> {
    let at = cur.pos();
    // An unquoted keyword (`AT+QMTCFG=ALIAUTH,...` in BC26 tutorials) is lenient with a
    // warning (D48); in a query response it is D17's unquoted form.
    let unquoted = cur.unquoted.unwrap_or(WarningKind::UnquotedString);
    let word = cur.string_unquoted_as("keyword", Some(unquoted))?;
    let kw = CfgKeyword::ALL
        .iter()
        .find(|(name, _)| word.eq_ignore_ascii_case(name))
        .map(|&(_, k)| k)
        .ok_or_else(|| {
            DecodeError::new(
                at,
                DecodeErrorKind::Expected {
                    expected: "keepalive, session, timeout, will or aliauth",
                },
            )
        })?;
    let canonical = word.bytes().all(|b| b.is_ascii_lowercase())
        || word.bytes().all(|b| b.is_ascii_uppercase());
    if !canonical {
        if !cur.lenient() {
            return Err(DecodeError::new(
                at,
                DecodeErrorKind::Expected {
                    expected: "a keyword in all lower or all upper case (strict)",
                },
            ));
        }
        cur.warn(at, WarningKind::KeywordCase);
    }
    Ok(kw)
}

#[derive(Clone, Copy)]
enum CfgKeyword {
    KeepAlive,
    Session,
    Timeout,
    Will,
    AliAuth,
}

impl CfgKeyword {
    const ALL: [(&'static str, CfgKeyword); 5] = [
        ("keepalive", CfgKeyword::KeepAlive),
        ("session", CfgKeyword::Session),
        ("timeout", CfgKeyword::Timeout),
        ("will", CfgKeyword::Will),
        ("aliauth", CfgKeyword::AliAuth),
    ];
}

fn qmtcfg<'a>(cur: &mut Cursor<'a>) -> Result<Command<'a>, DecodeError> {
    let kw = cfg_keyword(cur)?;
    cur.comma("tcpconnectID")?;
    let conn_id = conn_id(cur)?;
    let more = cur.comma_or_end()?;
    let cmd = match (kw, more) {
        (CfgKeyword::KeepAlive, false) => Command::QmtCfgKeepAliveQuery { conn_id },
        (CfgKeyword::Session, false) => Command::QmtCfgSessionQuery { conn_id },
        (CfgKeyword::Timeout, false) => Command::QmtCfgTimeoutQuery { conn_id },
        (CfgKeyword::Will, false) => Command::QmtCfgWillQuery { conn_id },
        (CfgKeyword::AliAuth, false) => Command::QmtCfgAliAuthQuery { conn_id },
        (CfgKeyword::KeepAlive, true) => {
            let keepalive =
                cur.int("keep-alive time", limits::KEEPALIVE.0, limits::KEEPALIVE.1)? as u16;
            cur.end()?;
            Command::QmtCfgKeepAlive { conn_id, keepalive }
        }
        (CfgKeyword::Session, true) => {
            let clean_session = flag(cur, "clean_session")?;
            cur.end()?;
            Command::QmtCfgSession {
                conn_id,
                clean_session,
            }
        }
        (CfgKeyword::Timeout, true) => {
            let pkt_timeout =
                cur.int("pkt_timeout", limits::PKT_TIMEOUT.0, limits::PKT_TIMEOUT.1)? as u8;
            let mut retry_times = None;
            let mut timeout_notice = None;
            if cur.comma_or_end()? {
                retry_times =
                    Some(
                        cur.int("retry_times", limits::RETRY_TIMES.0, limits::RETRY_TIMES.1)? as u8,
                    );
                if cur.comma_or_end()? {
                    timeout_notice = Some(flag(cur, "timeout_notice")?);
                    cur.end()?;
                }
            }
            Command::QmtCfgTimeout {
                conn_id,
                pkt_timeout,
                retry_times,
                timeout_notice,
            }
        }
        (CfgKeyword::Will, true) => {
            let will = will_params(cur)?;
            Command::QmtCfgWill { conn_id, will }
        }
        (CfgKeyword::AliAuth, true) => {
            let (product_key, device_name, device_secret) = aliauth_params(cur)?;
            Command::QmtCfgAliAuth {
                conn_id,
                product_key,
                device_name,
                device_secret,
            }
        }
    };
    Ok(cmd)
}

/// `<will_fg>[,<will_qos>,<will_retain>,"<will_topic>","<will_msg>"]` to the end of the line.
fn will_params<'a>(cur: &mut Cursor<'a>) -> Result<Option<Will<'a>>, DecodeError> {
    if !flag(cur, "will_fg")? {
        cur.end()?;
        return Ok(None);
    }
    cur.comma("will_qos")?;
    let will_qos = qos(cur, "will_qos")?;
    cur.comma("will_retain")?;
    let will_retain = flag(cur, "will_retain")?;
    cur.comma("will_topic")?;
    let will_topic = topic(cur, "will_topic", TopicKind::Name)?;
    cur.comma("will_msg")?;
    let will_msg = limited(cur, "will_msg", limits::MSG_LEN.0, limits::MSG_LEN.1)?;
    cur.end()?;
    Ok(Some(Will {
        will_qos,
        will_retain,
        will_topic: Cow::Borrowed(will_topic),
        will_msg: Cow::Borrowed(will_msg),
    }))
}

type AliAuth<'a> = (Cow<'a, str>, Cow<'a, str>, Cow<'a, str>);

fn aliauth_params<'a>(cur: &mut Cursor<'a>) -> Result<AliAuth<'a>, DecodeError> {
    let (lo, hi) = limits::ALIAUTH_LEN;
    let product_key = limited(cur, "product_key", lo, hi)?;
    cur.comma("device_name")?;
    let device_name = limited(cur, "device_name", lo, hi)?;
    cur.comma("device_secret")?;
    let device_secret = limited(cur, "device_secret", lo, hi)?;
    cur.end()?;
    Ok((
        Cow::Borrowed(product_key),
        Cow::Borrowed(device_name),
        Cow::Borrowed(device_secret),
    ))
}

// ---------------------------------------------------------------- module output

fn bare_line<'a>(cur: &mut Cursor<'a>) -> Result<Response<'a>, DecodeError> {
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

fn plus_line<'a>(cur: &mut Cursor<'a>, ctx: Context) -> Result<Line<'a>, DecodeError> {
    cur.advance(1);
    if cur.keyword("CME ERROR:") {
        cur.colon_blank()?;
        return Ok(Line::Response(cme_error(cur)?));
    }
    let name_at = cur.pos();
    let Some(name) = cur.nom(take_while1(|b: u8| b.is_ascii_alphanumeric())) else {
        return Err(cur.expected("a name after '+'"));
    };
    if cur.rest().first() != Some(&b':') {
        return Err(cur.expected("':' after the name"));
    }
    cur.advance(1);
    const OTHERS: [&str; 6] = ["QMTSTAT", "CPIN", "CEREG", "CGATT", "CSQ", "IP"];
    let mqtt = MqttCommand::from_name(name);
    let known = mqtt.is_some()
        || OTHERS
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
    let upper = |s: &str| name.eq_ignore_ascii_case(s.as_bytes());
    let line = if upper("QMTSTAT") {
        let conn_id = conn_id(cur)?;
        cur.comma("err_code")?;
        let at = cur.pos();
        let code = cur.int("err_code", 0, 255)? as u8;
        if code == 0 && !cur.lenient() {
            return Err(DecodeError::new(
                at,
                DecodeErrorKind::OutOfRange {
                    field: "err_code",
                    value: 0,
                    min: 1,
                    max: 255,
                },
            ));
        }
        cur.end()?;
        Line::Urc(Urc::QmtStat {
            conn_id,
            err_code: QmtStatCode::from_code(code),
        })
    } else if upper("CPIN") {
        // SIM states are words separated by single blanks (`READY`, `SIM PIN`).
        let start = cur.pos();
        let is_word = |b: u8| b.is_ascii_graphic() && b != b',' && b != b'"';
        cur.nom(take_while1(is_word))
            .ok_or_else(|| cur.expected("a SIM state word"))?;
        while cur.rest().len() >= 2 && cur.rest()[0] == b' ' && is_word(cur.rest()[1]) {
            cur.advance(1);
            cur.nom(take_while1(is_word));
        }
        let word = &cur.line()[start..cur.pos()];
        cur.end()?;
        Line::Response(Response::Cpin {
            code: Cow::Borrowed(ascii(word)),
        })
    } else if upper("CEREG") {
        let n = cur.int("n", 0, 5)? as u8;
        cur.comma("stat")?;
        let stat = cur.int("stat", 0, 10)? as u8;
        cur.end()?;
        Line::Response(Response::Cereg { n, stat })
    } else if upper("CGATT") {
        let state = flag(cur, "state")?;
        cur.end()?;
        Line::Response(Response::Cgatt { state })
    } else if upper("CSQ") {
        let rssi = cur.int("rssi", 0, 99)? as u8;
        cur.comma("ber")?;
        let ber = cur.int("ber", 0, 99)? as u8;
        cur.end()?;
        Line::Response(Response::Csq { rssi, ber })
    } else if upper("IP") {
        let addr = cur
            .nom(take_while1(|b: u8| {
                b.is_ascii_alphanumeric() || b == b'.' || b == b':'
            }))
            .ok_or_else(|| cur.expected("an IP address"))?;
        cur.end()?;
        Line::Urc(Urc::Ip {
            addr: Cow::Borrowed(ascii(addr)),
        })
    } else {
        unreachable!("every name in OTHERS is handled above")
    };
    Ok(line)
}

/// Bytes a nom predicate already limited to ASCII.
fn ascii(b: &[u8]) -> &str {
    std::str::from_utf8(b).expect("ASCII by construction")
}

fn cme_error<'a>(cur: &mut Cursor<'a>) -> Result<Response<'a>, DecodeError> {
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

fn packet_result(cur: &mut Cursor<'_>) -> Result<PacketResult, DecodeError> {
    let v = cur.int("result", 0, 2)?;
    Ok(PacketResult::from_code(v as u8).expect("range-checked"))
}

fn close_result(cur: &mut Cursor<'_>) -> Result<CloseResult, DecodeError> {
    let v = cur.int("result", -1, 0)?;
    Ok(CloseResult::from_code(v as i8).expect("range-checked"))
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
        M::QmtCfg => {
            // The note prints these strings unquoted; we quote them (D17).
            cur.unquoted = Some(WarningKind::QuotingDiffers);
            Line::Response(qmtcfg_response(cur)?)
        }
        M::QmtOpen => {
            let conn_id = conn_id(cur)?;
            cur.comma("result")?;
            let quoted = cur.rest().first() == Some(&b'"') || cur.rest().starts_with(LEFT_QUOTE);
            if quoted {
                let host_name = limited(cur, "host_name", 1, crate::text::HOST_NAME_MAX_LEN)?;
                cur.comma("port")?;
                let port = cur.int("port", limits::PORT.0, limits::PORT.1)? as u16;
                cur.end()?;
                Line::Response(Response::QmtOpenRead {
                    conn_id,
                    host_name: Cow::Borrowed(host_name),
                    port,
                })
            } else {
                let v = cur.int("result", -1, 5)?;
                cur.end()?;
                Line::Urc(Urc::QmtOpen {
                    conn_id,
                    result: OpenResult::from_code(v as i8).expect("range-checked"),
                })
            }
        }
        M::QmtClose | M::QmtDisc => {
            let conn_id = conn_id(cur)?;
            cur.comma("result")?;
            let result = close_result(cur)?;
            cur.end()?;
            Line::Urc(if mqtt == M::QmtClose {
                Urc::QmtClose { conn_id, result }
            } else {
                Urc::QmtDisc { conn_id, result }
            })
        }
        M::QmtConn => {
            let conn_id = conn_id(cur)?;
            cur.comma("result")?;
            let at = cur.pos();
            let n = cur.int("result", 0, 4)? as u8;
            if cur.comma_or_end()? {
                if n == 1 && cur.lenient() {
                    // Some firmware appends a retransmission count, as on +QMTPUB (D27).
                    let count_at = cur.pos();
                    let count = cur.int("value", 0, 255)? as u8;
                    cur.end()?;
                    cur.warn(count_at, WarningKind::ConnRetransmissionCount);
                    return Ok(Line::Urc(Urc::QmtConn {
                        conn_id,
                        result: PacketResult::Retransmission,
                        ret_code: None,
                        value: Some(count),
                    }));
                }
                if n != 0 {
                    return Err(DecodeError::new(
                        at,
                        DecodeErrorKind::Rule {
                            rule: "ret_code comes with result 0 only (D27)",
                        },
                    ));
                }
                let rc = cur.int("ret_code", 0, 5)? as u8;
                cur.end()?;
                Line::Urc(Urc::QmtConn {
                    conn_id,
                    result: PacketResult::Sent,
                    ret_code: ConnectReturnCode::from_code(rc),
                    value: None,
                })
            } else if ctx.conn_read_pending && n >= 1 {
                Line::Response(Response::QmtConnRead {
                    conn_id,
                    state: ConnState::from_code(n).expect("range-checked"),
                })
            } else if n == 1 || n == 2 {
                Line::Urc(Urc::QmtConn {
                    conn_id,
                    result: PacketResult::from_code(n).expect("range-checked"),
                    ret_code: None,
                    value: None,
                })
            } else if n == 0 {
                if !cur.lenient() {
                    return Err(cur.error(DecodeErrorKind::Missing { field: "ret_code" }));
                }
                cur.warn(cur.pos(), WarningKind::MissingRetCode);
                Line::Urc(Urc::QmtConn {
                    conn_id,
                    result: PacketResult::Sent,
                    ret_code: None,
                    value: None,
                })
            } else {
                // 3 and 4 are states only: a read response seen without its command.
                Line::Response(Response::QmtConnRead {
                    conn_id,
                    state: ConnState::from_code(n).expect("range-checked"),
                })
            }
        }
        M::QmtSub => {
            let conn_id = conn_id(cur)?;
            cur.comma("msgID")?;
            let msg_id = cur.int("msgID", limits::SUB_MSG_ID.0, limits::SUB_MSG_ID.1)? as u16;
            cur.comma("result")?;
            let result = packet_result(cur)?;
            let value = match result {
                PacketResult::Sent => {
                    if !cur.comma_or_end()? {
                        if !cur.lenient() {
                            return Err(cur.error(DecodeErrorKind::Missing { field: "value" }));
                        }
                        cur.warn(cur.pos(), WarningKind::MissingGrantedQos);
                        None
                    } else {
                        let mut granted = ArrayVec::<GrantedQos, MAX_TOPICS>::new();
                        loop {
                            let at = cur.pos();
                            let code = cur.int("value", 0, 128)?;
                            let g = GrantedQos::from_code(code as u8).ok_or(DecodeError::new(
                                at,
                                DecodeErrorKind::BadCode {
                                    field: "value",
                                    value: code,
                                },
                            ))?;
                            granted.try_push(g).map_err(|_| {
                                DecodeError::new(
                                    at,
                                    DecodeErrorKind::TooManyTopics { max: MAX_TOPICS },
                                )
                            })?;
                            if !cur.comma_or_end()? {
                                break;
                            }
                        }
                        Some(SubValue::Granted(granted))
                    }
                }
                PacketResult::Retransmission => {
                    if cur.comma_or_end()? {
                        let n = cur.int("value", 0, 255)? as u8;
                        cur.end()?;
                        Some(SubValue::Retransmissions(n))
                    } else if cur.lenient() {
                        cur.warn(cur.pos(), WarningKind::MissingRetransmissionCount);
                        None
                    } else {
                        return Err(cur.error(DecodeErrorKind::Missing { field: "value" }));
                    }
                }
                PacketResult::Failed => {
                    if cur.lenient() && cur.comma_or_end()? {
                        // Ignored as D30 says, but each must still be a number.
                        cur.warn(cur.pos(), WarningKind::ValueAfterFailure);
                        loop {
                            cur.int("value", 0, 255)?;
                            if !cur.comma_or_end()? {
                                break;
                            }
                        }
                    }
                    cur.end()?;
                    None
                }
            };
            Line::Urc(Urc::QmtSub {
                conn_id,
                msg_id,
                result,
                value,
            })
        }
        M::QmtUns | M::QmtPub => {
            let conn_id = conn_id(cur)?;
            cur.comma("msgID")?;
            let range = if mqtt == M::QmtUns {
                limits::SUB_MSG_ID
            } else {
                limits::PUB_MSG_ID
            };
            let msg_id = cur.int("msgID", range.0, range.1)? as u16;
            cur.comma("result")?;
            let result = packet_result(cur)?;
            let value = if result != PacketResult::Retransmission {
                None
            } else if mqtt == M::QmtUns {
                // The note prints no count on +QMTUNS; D31 accepts an optional one.
                if cur.comma_or_end()? {
                    Some(cur.int("value", 0, 255)? as u8)
                } else {
                    None
                }
            } else {
                cur.comma("value")?;
                Some(cur.int("value", 0, 255)? as u8)
            };
            cur.end()?;
            Line::Urc(if mqtt == M::QmtUns {
                Urc::QmtUns {
                    conn_id,
                    msg_id,
                    result,
                    value,
                }
            } else {
                Urc::QmtPub {
                    conn_id,
                    msg_id,
                    result,
                    value,
                }
            })
        }
    };
    Ok(line)
}

fn qmtcfg_response<'a>(cur: &mut Cursor<'a>) -> Result<Response<'a>, DecodeError> {
    let kw = cfg_keyword(cur)?;
    cur.comma("value")?;
    let r = match kw {
        CfgKeyword::KeepAlive => {
            let keepalive =
                cur.int("keep-alive time", limits::KEEPALIVE.0, limits::KEEPALIVE.1)? as u16;
            cur.end()?;
            Response::QmtCfgKeepAlive { keepalive }
        }
        CfgKeyword::Session => {
            let clean_session = flag(cur, "clean_session")?;
            cur.end()?;
            Response::QmtCfgSession { clean_session }
        }
        CfgKeyword::Timeout => {
            let pkt_timeout =
                cur.int("pkt_timeout", limits::PKT_TIMEOUT.0, limits::PKT_TIMEOUT.1)? as u8;
            cur.comma("retry_times")?;
            let retry_times =
                cur.int("retry_times", limits::RETRY_TIMES.0, limits::RETRY_TIMES.1)? as u8;
            cur.comma("timeout_notice")?;
            let timeout_notice = flag(cur, "timeout_notice")?;
            cur.end()?;
            Response::QmtCfgTimeout {
                pkt_timeout,
                retry_times,
                timeout_notice,
            }
        }
        CfgKeyword::Will => Response::QmtCfgWill {
            will: will_params(cur)?,
        },
        CfgKeyword::AliAuth => {
            let (product_key, device_name, device_secret) = aliauth_params(cur)?;
            Response::QmtCfgAliAuth {
                product_key,
                device_name,
                device_secret,
            }
        }
    };
    Ok(r)
}

/// `+QMTRECV: <id>,<msgID>,"<topic>","<payload>"` (5.2; spec/DECISIONS.md D35, D36).
/// The canonical `+QMTRECV: <id>,<msgID>,"<topic>","<payload>"` line without an LF, read in
/// one pass; anything else (`None`) goes to [`qmtrecv`], which stays the definition.
///
/// Hand-written beside the nom-based path because this one line shape is most of what a
/// module sends (62% of the lines and 95% of the bytes in `benches/`), and reading it with
/// the general lexer cost a third of the stream decoder's time. It accepts only lines the
/// general path decodes to the same value without warnings, in either mode; the proptest
/// `canonical_recv_agrees_with_the_general_path` holds it to that.
fn canonical_recv(line: &[u8]) -> Option<Urc<'_>> {
    let rest = line.strip_prefix(b"+QMTRECV: ")?;
    let (&id, rest) = rest.split_first()?;
    if !(b'0'..=b'5').contains(&id) {
        return None;
    }
    let rest = rest.strip_prefix(b",")?;
    let digits = rest
        .iter()
        .take(6)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 || digits > 5 || (digits > 1 && rest[0] == b'0') {
        return None;
    }
    let msg_id = rest[..digits]
        .iter()
        .fold(0u32, |v, &d| v * 10 + u32::from(d - b'0'));
    let msg_id = u16::try_from(msg_id).ok()?;
    let rest = rest[digits..].strip_prefix(b",\"")?;
    let close = memchr::memchr(b'"', rest)?;
    let topic = &rest[..close];
    if topic.is_empty() || !control_free(topic) {
        return None;
    }
    let topic = std::str::from_utf8(topic).ok()?;
    let payload = rest[close + 1..]
        .strip_prefix(b",\"")?
        .strip_suffix(b"\"")?;
    Some(Urc::QmtRecv {
        conn_id: id - b'0',
        msg_id,
        topic: Cow::Borrowed(topic),
        payload: Payload::borrowed(payload),
    })
}

fn qmtrecv<'a>(cur: &mut Cursor<'a>, may_hold_lf: bool) -> Result<Urc<'a>, DecodeError> {
    if !cur.keyword("+QMTRECV:") {
        return Err(cur.expected("'+QMTRECV:'"));
    }
    cur.colon_blank()?;
    let conn_id = conn_id(cur)?;
    cur.comma("msgID")?;
    let msg_id = cur.int("msgID", 0, 65535)? as u16;
    cur.comma("topic")?;
    let topic_at = cur.pos();
    let topic = cur.string_unquoted_as("topic", Some(WarningKind::UnquotedString))?;
    let control = if control_free(topic.as_bytes()) {
        None
    } else {
        topic.bytes().position(|b| b < 0x20 || b == 0x7f)
    };
    if let Some(at) = control {
        return Err(DecodeError::new(
            topic_at + 1 + at,
            DecodeErrorKind::ControlByte {
                byte: topic.as_bytes()[at],
            },
        ));
    }
    if topic.is_empty() {
        return Err(DecodeError::new(
            topic_at,
            DecodeErrorKind::EmptyTopic { field: "topic" },
        ));
    }
    cur.comma("payload")?;
    let payload = recv_payload(cur, may_hold_lf)?;
    Ok(Urc::QmtRecv {
        conn_id,
        msg_id,
        topic: Cow::Borrowed(topic),
        payload: Payload::borrowed(payload),
    })
}

fn recv_payload<'a>(cur: &mut Cursor<'a>, may_hold_lf: bool) -> Result<&'a [u8], DecodeError> {
    let at = cur.pos();
    if cur.lenient() {
        // Later firmware's `recv/mode` form: `<len>,"<payload>"` (D35).
        let rest = cur.rest();
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits > 0 && rest[digits..].starts_with(b",\"") {
            let len: Option<usize> = std::str::from_utf8(&rest[..digits])
                .ok()
                .and_then(|s| s.parse().ok());
            let body = &rest[digits + 2..];
            // `checked_sub`, not `n + 1`: the length field is untrusted and may be usize::MAX.
            if len.is_some_and(|n| body.len().checked_sub(1) == Some(n) && body.ends_with(b"\"")) {
                cur.warn(at, WarningKind::PayloadLengthField);
                cur.seek(cur.line().len());
                return Ok(&body[..body.len() - 1]);
            }
        }
    }
    let rest = cur.rest();
    let (open, close): (&[u8], &[u8]) = if rest.starts_with(b"\"") {
        (b"\"", b"\"")
    } else if rest.starts_with(LEFT_QUOTE) && cur.lenient() {
        cur.warn(at, WarningKind::TypographicQuote);
        (LEFT_QUOTE, RIGHT_QUOTE)
    } else if cur.lenient() {
        cur.warn(at, WarningKind::UnquotedPayload);
        cur.seek(cur.line().len());
        return Ok(rest);
    } else if rest.starts_with(LEFT_QUOTE) {
        return Err(cur.error(DecodeErrorKind::TypographicQuote));
    } else {
        return Err(cur.expected("'\"' opening the payload"));
    };
    let body = &rest[open.len()..];
    let quote_at_line_end = if may_hold_lf {
        quote_before_line_end(body)
    } else {
        None
    };
    if let Some(at) = quote_at_line_end {
        // The stream would have ended the URC there (D36): not a payload byte sequence.
        return Err(DecodeError::new(
            cur.pos() + open.len() + at,
            DecodeErrorKind::Expected {
                expected: "no '\"' before a line end inside the payload",
            },
        ));
    }
    if body.ends_with(close) {
        if close == RIGHT_QUOTE {
            cur.warn(
                cur.line().len() - close.len(),
                WarningKind::TypographicQuote,
            );
        }
        cur.seek(cur.line().len());
        return Ok(&body[..body.len() - close.len()]);
    }
    if cur.lenient() {
        // Mixed quotes: a straight closing quote after a typographic opening one (warned at
        // the opening) or the reverse. Blanks after the quote were taken off the line (D46).
        for q in [&b"\""[..], RIGHT_QUOTE] {
            if body.ends_with(q) {
                if q == RIGHT_QUOTE {
                    cur.warn(cur.line().len() - q.len(), WarningKind::TypographicQuote);
                }
                cur.seek(cur.line().len());
                return Ok(&body[..body.len() - q.len()]);
            }
        }
        cur.warn(at, WarningKind::UnquotedPayload);
        cur.seek(cur.line().len());
        return Ok(body);
    }
    Err(DecodeError::new(
        cur.line().len(),
        DecodeErrorKind::Expected {
            expected: "'\"' closing the payload at the line end",
        },
    ))
}

/// Whether `line` is a +QMTRECV whose quoted payload has been opened and not closed yet, so
/// a following line end belongs to the payload (spec/DECISIONS.md D36).
pub fn recv_payload_open(line: &[u8]) -> bool {
    // Asked of every line the module sends: most are decided by their first byte.
    if line.first() != Some(&b'+') || !starts_with_ignore_case(line, b"+QMTRECV:") {
        return false;
    }
    // Blanks after the closing quote do not keep the payload open (D46).
    let line = trim_end_blanks(line);
    // Fast exit for the common case: a line ending in a quote that is not the payload's opening
    // one (`,"`) has its payload closed.
    if line.ends_with(b"\"") && !line.ends_with(b",\"") {
        return false;
    }
    // The payload opens after the third separator: the one after the topic's closing quote.
    let mut commas = 0;
    let mut i = b"+QMTRECV:".len();
    while i < line.len() && commas < 2 {
        if line[i] == b',' {
            commas += 1;
        }
        i += 1;
    }
    if commas < 2 {
        return false;
    }
    let rest = &line[i..];
    let Some(topic_open) = rest.iter().position(|&b| b == b'"') else {
        return false;
    };
    let Some(topic_len) = rest[topic_open + 1..].iter().position(|&b| b == b'"') else {
        return false;
    };
    let after_topic = &rest[topic_open + 1 + topic_len + 1..];
    let Some(payload) = after_topic.strip_prefix(b",") else {
        return false;
    };
    let Some(body) = payload.strip_prefix(b"\"") else {
        return false;
    };
    !body.ends_with(b"\"")
}

/// Where a `"` stands before a line end (blanks and tabs, then CRs, then LF) inside `body`, if
/// anywhere: such a payload cannot arrive in one URC, because the line ends there (D36, D46).
pub(crate) fn quote_before_line_end(body: &[u8]) -> Option<usize> {
    // Searched from the LFs (usually none: only a joined payload holds one), at memchr speed
    // rather than a byte loop over every payload.
    memchr::memchr_iter(b'\n', body).find_map(|lf| {
        let before = &body[..lf];
        let crs = before.iter().rev().take_while(|&&c| c == b'\r').count();
        let before = &before[..before.len() - crs];
        let blanks = before.len() - trim_end_blanks(before).len();
        let quote = lf.checked_sub(crs + blanks + 1)?;
        (body[quote] == b'"').then_some(quote)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn canonical_recv_reads_the_usual_line() {
        assert_eq!(
            canonical_recv(b"+QMTRECV: 3,65535,\"a/b\",\"x,\"y\""),
            Some(Urc::QmtRecv {
                conn_id: 3,
                msg_id: 65535,
                topic: Cow::Borrowed("a/b"),
                payload: Payload::borrowed(b"x,\"y"),
            })
        );
        assert_eq!(
            canonical_recv(b"+QMTRECV: 0,0,\"t\",\"\""),
            Some(Urc::QmtRecv {
                conn_id: 0,
                msg_id: 0,
                topic: Cow::Borrowed("t"),
                payload: Payload::borrowed(b""),
            })
        );
        assert_eq!(canonical_recv(b"+QMTRECV: 0,0,\"t\",\""), None);
    }

    /// The definition D36 and D46 state: the first `"` followed by blanks/tabs, CRs and an LF.
    fn quote_before_line_end_by_definition(body: &[u8]) -> Option<usize> {
        body.iter().enumerate().find_map(|(i, &b)| {
            let after = &body[i + 1..];
            let blanks = after
                .iter()
                .take_while(|&&c| c == b' ' || c == b'\t')
                .count();
            let crs = after[blanks..].iter().take_while(|&&c| c == b'\r').count();
            (b == b'"' && after.get(blanks + crs) == Some(&b'\n')).then_some(i)
        })
    }

    /// Lines near the canonical +QMTRECV shape: each field canonical most of the time, else
    /// one of the deviations it can have.
    fn recv_like() -> impl Strategy<Value = Vec<u8>> {
        fn field(canonical: &'static str, odd: &'static [&'static str]) -> BoxedStrategy<String> {
            prop_oneof![
                6 => Just(canonical.to_owned()),
                1 => proptest::sample::select(odd).prop_map(str::to_owned),
            ]
            .boxed()
        }
        fn bytes(usual: u8, odd: &'static [u8], max: usize) -> BoxedStrategy<Vec<u8>> {
            proptest::collection::vec(
                prop_oneof![8 => Just(usual), 1 => proptest::sample::select(odd)],
                0..max,
            )
            .boxed()
        }
        (
            field(
                "+QMTRECV: ",
                &["+QMTRECV:", "+qmtrecv: ", "+QMTRECV:  ", "+QMTRECV:\t"],
            ),
            field("2", &["0", "5", "6", "01", "-0", " 1", "1 ", ""]),
            field(",", &[", ", ",,", " ,"]),
            field(
                "7",
                &["0", "65535", "65536", "007", "123456", "", "-1", "+1"],
            ),
            field(",\"", &[", \"", ",\u{201c}", ",", "\""]),
            bytes(b'a', b"\",\x01\x7f\xff\xc3 \\", 5),
            field(
                "\",\"",
                &["\", \"", "\",", "\",5,\"", "\"\"", "\u{201d},\""],
            ),
            bytes(b'x', b"\"\r,\0 \xff", 6),
            field("\"", &["", "\" ", "\u{201d}", "\"\""]),
        )
            .prop_map(|(a, b, c, d, e, topic, f, payload, g)| {
                [a, b, c, d, e]
                    .concat()
                    .into_bytes()
                    .into_iter()
                    .chain(topic)
                    .chain(f.into_bytes())
                    .chain(payload)
                    .chain(g.into_bytes())
                    .collect()
            })
    }

    #[test]
    fn canonical_recv_agrees_with_the_general_path() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let strategy = recv_like();
        let mut fast_hits = 0;
        for _ in 0..20_000 {
            let line = strategy.new_tree(&mut runner).unwrap().current();
            let fast = canonical_recv(&line);
            for mode in [Mode::Strict, Mode::Lenient] {
                let mut cur = Cursor::new(&line, mode);
                let general = qmtrecv(&mut cur, false);
                let canonical = general.as_ref().ok().filter(|_| cur.warnings.is_empty());
                match &fast {
                    // Whatever the fast path reads, the definition reads the same, cleanly.
                    Some(f) => assert_eq!(
                        canonical,
                        Some(f),
                        "{:?} {mode:?}",
                        line.escape_ascii().to_string()
                    ),
                    // And it misses no clean strict reading.
                    None if mode == Mode::Strict => assert!(
                        general.is_err(),
                        "{:?}: the fast path missed {general:?}",
                        line.escape_ascii().to_string()
                    ),
                    None => {}
                }
            }
            fast_hits += usize::from(fast.is_some());
        }
        assert!(
            fast_hits > 2_000,
            "only {fast_hits} canonical lines generated"
        );
    }

    proptest! {
        #[test]
        fn control_free_matches_its_definition(
            bytes in proptest::collection::vec(prop_oneof![
                Just(0x1fu8), Just(0x20), Just(0x7e), Just(0x7f), Just(0x80), Just(0xff), Just(0),
                any::<u8>()
            ], 0..40)
        ) {
            prop_assert_eq!(
                control_free(&bytes),
                bytes.iter().all(|&b| b >= 0x20 && b != 0x7f)
            );
        }

        #[test]
        fn quote_before_line_end_matches_its_definition(
            body in proptest::collection::vec(prop_oneof![
                Just(b'"'), Just(b'\r'), Just(b'\n'), Just(b'a'), Just(b' '), Just(b'\t')
            ], 0..24)
        ) {
            prop_assert_eq!(
                quote_before_line_end(&body),
                quote_before_line_end_by_definition(&body)
            );
        }
    }
}
