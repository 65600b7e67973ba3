//! AT+QMTUNS (3.2.7): unsubscribe from topics. The write command with its topic list and the
//! result URC `+QMTUNS: <tcpconnectID>,<msgID>,<result>[,<value>]` (the count is optional, D31).

use crate::codes::PacketResult;
use crate::command::{Command, UnsTopics};
use crate::cursor::Cursor;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::fields::{conn_id, packet_head, topic, topic_list};
use crate::limits;
use crate::mqtt_topic::TopicKind;
use crate::text::check_topic;
use crate::urc::{PacketOutcome, Urc};
use crate::wire::{count_rule, range, write_count_outcome, write_topic_list_head, Wire};

/// `AT+QMTUNS=<tcpconnectID>,<msgID>,"<topic1>"[,...]`, after the `=`.
pub(crate) fn decode_write<'a>(cur: &mut Cursor<'a>) -> Result<Command<'a>, DecodeError> {
    let conn_id = conn_id(cur)?;
    cur.comma("msgID")?;
    let msg_id = cur.int("msgID", limits::SUB_MSG_ID.0, limits::SUB_MSG_ID.1)? as u16;
    if !cur.comma_or_end()? {
        return Err(cur.error(DecodeErrorKind::NoTopics));
    }
    let start = cur.pos();
    let len = topic_list(cur, |cur| topic(cur, "topic", TopicKind::Filter).map(drop))?;
    let topics = UnsTopics::wire(&cur.line()[start..cur.pos()], cur.mode, len);
    Ok(Command::QmtUns {
        conn_id,
        msg_id,
        topics,
    })
}

/// The result URC, after `+QMTUNS: `.
pub(crate) fn decode_answer<'a>(cur: &mut Cursor<'a>) -> Result<Urc<'a>, DecodeError> {
    let (conn_id, msg_id, result) = packet_head(cur, limits::SUB_MSG_ID)?;
    // The note prints no count on +QMTUNS; D31 accepts an optional one with result 1.
    let value = if result == PacketResult::Retransmission && cur.comma_or_end()? {
        Some(cur.int("value", 0, 255)? as u8)
    } else {
        None
    };
    cur.end()?;
    Ok(Urc::QmtUns(PacketOutcome {
        conn_id,
        msg_id,
        result,
        value,
    }))
}

/// Writes `AT+QMTUNS=<tcpconnectID>,<msgID>,"<topic1>"[,...]` (without its CR).
pub(crate) fn encode_command<'v>(
    conn_id: u8,
    msg_id: u16,
    topics: &'v UnsTopics<'_>,
    w: &mut Wire<'_, 'v>,
) -> Result<(), EncodeError> {
    let w = write_topic_list_head(w, b"AT+QMTUNS=", conn_id, msg_id, topics.len())?;
    for t in topics.iter() {
        check_topic("topic", t, TopicKind::Filter)?;
        w.comma().quoted_unchecked(t.as_bytes());
    }
    Ok(())
}

/// Writes the result URC `+QMTUNS: <tcpconnectID>,<msgID>,<result>[,<value>]`.
pub(crate) fn encode_urc(p: &PacketOutcome<u8>, w: &mut Wire<'_, '_>) -> Result<(), EncodeError> {
    range("msgID", p.msg_id, limits::SUB_MSG_ID)?;
    // The count is optional on +QMTUNS (D31), but never without result 1.
    if p.value.is_some() && p.result != PacketResult::Retransmission {
        count_rule(p.result, p.value)?;
    }
    write_count_outcome(w, b"+QMTUNS: ", p)
}
