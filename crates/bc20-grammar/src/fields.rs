//! Field readers shared by the decoders of every family: the note's parameters that several
//! lines carry (`<tcpconnectID>`, flags, QoS, limited strings, topics, results), on top of the
//! lexer in [`crate::cursor`].

use crate::codes::{CloseResult, PacketResult, Qos};
use crate::cursor::Cursor;
use crate::error::{DecodeError, DecodeErrorKind, WarningKind};
use crate::limits::{self, MAX_TOPICS};
use crate::mqtt_topic::TopicKind;

pub(crate) fn conn_id(cur: &mut Cursor<'_>) -> Result<u8, DecodeError> {
    Ok(cur.int("tcpconnectID", limits::CONN_ID.0, limits::CONN_ID.1)? as u8)
}

pub(crate) fn flag(cur: &mut Cursor<'_>, field: &'static str) -> Result<bool, DecodeError> {
    Ok(cur.int(field, 0, 1)? == 1)
}

pub(crate) fn qos(cur: &mut Cursor<'_>, field: &'static str) -> Result<Qos, DecodeError> {
    let v = cur.int(field, 0, 2)?;
    Ok(Qos::from_code(v as u8).expect("range-checked"))
}

/// A string with a byte-length limit (spec/DECISIONS.md D11).
pub(crate) fn limited<'a>(
    cur: &mut Cursor<'a>,
    field: &'static str,
    min: usize,
    max: usize,
) -> Result<&'a str, DecodeError> {
    let unquoted = cur.unquoted;
    limited_as(cur, field, (min, max), unquoted)
}

/// [`limited`] for a string that lenient mode takes unquoted with the warning `unquoted`.
pub(crate) fn limited_as<'a>(
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
pub(crate) fn topic<'a>(
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
pub(crate) fn topic_list(
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

pub(crate) fn packet_result(cur: &mut Cursor<'_>) -> Result<PacketResult, DecodeError> {
    let v = cur.int("result", 0, 2)?;
    Ok(PacketResult::from_code(v as u8).expect("range-checked"))
}

pub(crate) fn close_result(cur: &mut Cursor<'_>) -> Result<CloseResult, DecodeError> {
    let v = cur.int("result", -1, 0)?;
    Ok(CloseResult::from_code(v as i8).expect("range-checked"))
}

/// Bytes a nom predicate already limited to ASCII.
pub(crate) fn ascii(b: &[u8]) -> &str {
    std::str::from_utf8(b).expect("ASCII by construction")
}

/// `<tcpconnectID>,<msgID>,<result>` opening +QMTSUB, +QMTUNS and +QMTPUB results, with the
/// `<msgID>` range of the command (`limits::SUB_MSG_ID` or `limits::PUB_MSG_ID`).
pub(crate) fn packet_head(
    cur: &mut Cursor<'_>,
    msg_id_range: (i64, i64),
) -> Result<(u8, u16, PacketResult), DecodeError> {
    let conn_id = conn_id(cur)?;
    cur.comma("msgID")?;
    let msg_id = cur.int("msgID", msg_id_range.0, msg_id_range.1)? as u16;
    cur.comma("result")?;
    let result = packet_result(cur)?;
    Ok((conn_id, msg_id, result))
}
