//! +QMTRECV (5.2): a message the server published to a subscribed topic,
//! `+QMTRECV: <tcpconnectID>,<msgID>,"<topic>","<payload>"`, and the payload rules: bytes are
//! carried raw, a payload may hold line ends (D36), and lenient mode reads the length-field,
//! unquoted and typographically quoted forms of field logs (D35).

use std::borrow::Cow;

use crate::cursor::{starts_with_ignore_case, trim_end_blanks, Cursor, LEFT_QUOTE, RIGHT_QUOTE};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError, WarningKind};
use crate::fields::conn_id;
use crate::text::{check_string, control_free, quote_before_line_end, Payload};
use crate::urc::Urc;
use crate::wire::{write_id, Wire};

/// The canonical `+QMTRECV: <id>,<msgID>,"<topic>","<payload>"` line without an LF, read in
/// one pass; anything else (`None`) goes to [`decode`], which stays the definition.
///
/// Hand-written beside the nom-based path because this one line shape is most of what a
/// module sends (62% of the lines and 95% of the bytes in `benches/`), and reading it with
/// the general lexer cost a third of the stream decoder's time. It accepts only lines the
/// general path decodes to the same value without warnings, in either mode; the proptest
/// `canonical_recv_agrees_with_the_general_path` holds it to that.
#[inline]
pub(crate) fn canonical_recv(line: &[u8]) -> Option<Urc<'_>> {
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

pub(crate) fn decode<'a>(cur: &mut Cursor<'a>, may_hold_lf: bool) -> Result<Urc<'a>, DecodeError> {
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

/// Writes `+QMTRECV: <tcpconnectID>,<msgID>,"<topic>","<payload>"`.
pub(crate) fn encode_urc<'v>(
    conn_id: u8,
    msg_id: u16,
    topic: &'v str,
    payload: &'v Payload<'_>,
    w: &mut Wire<'_, 'v>,
) -> Result<(), EncodeError> {
    // Received topics have no limit of their own; the line length bounds them (D11).
    check_string("topic", topic.as_bytes(), (1, usize::MAX))?;
    payload.check()?;
    write_id(w, b"+QMTRECV: ", conn_id)?
        .comma()
        .int(msg_id.into())
        .comma();
    w.quoted_unchecked(topic.as_bytes())
        .comma()
        .payload(payload.as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cursor::Mode;
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
                let general = decode(&mut cur, false);
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
}
