//! AT+QMTSUB (3.2.6): subscribe to topics. The write command with its topic list and the
//! result URC `+QMTSUB: <tcpconnectID>,<msgID>,<result>[,<value>]`, whose `<value>` is the
//! granted QoS per topic (result 0) or a retransmission count (result 1).

use arrayvec::ArrayVec;

use crate::codes::{GrantedQos, PacketResult};
use crate::command::{Command, SubTopics};
use crate::cursor::Cursor;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError, WarningKind};
use crate::fields::{conn_id, packet_head, qos, topic, topic_list};
use crate::limits::{self, MAX_TOPICS};
use crate::mqtt_topic::TopicKind;
use crate::text::check_topic;
use crate::urc::{PacketOutcome, SubValue, Urc};
use crate::wire::{range, write_id, write_topic_list_head, Wire};

/// `AT+QMTSUB=<tcpconnectID>,<msgID>,"<topic1>",<qos1>[,...]`, after the `=`.
pub(crate) fn decode_write<'a>(cur: &mut Cursor<'a>) -> Result<Command<'a>, DecodeError> {
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
    Ok(Command::QmtSub {
        conn_id,
        msg_id,
        topics,
    })
}

/// The result URC, after `+QMTSUB: `.
pub(crate) fn decode_answer<'a>(cur: &mut Cursor<'a>) -> Result<Urc<'a>, DecodeError> {
    let (conn_id, msg_id, result) = packet_head(cur, limits::SUB_MSG_ID)?;
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
                        DecodeError::new(at, DecodeErrorKind::TooManyTopics { max: MAX_TOPICS })
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
    Ok(Urc::QmtSub(PacketOutcome {
        conn_id,
        msg_id,
        result,
        value,
    }))
}

/// Writes `AT+QMTSUB=<tcpconnectID>,<msgID>,"<topic1>",<qos1>[,...]` (without its CR).
pub(crate) fn encode_command<'v>(
    conn_id: u8,
    msg_id: u16,
    topics: &'v SubTopics<'_>,
    w: &mut Wire<'_, 'v>,
) -> Result<(), EncodeError> {
    let w = write_topic_list_head(w, b"AT+QMTSUB=", conn_id, msg_id, topics.len())?;
    for (topic, qos) in topics.pairs() {
        check_topic("topic", topic, TopicKind::Filter)?;
        w.comma()
            .quoted_unchecked(topic.as_bytes())
            .comma()
            .int(qos.code().into());
    }
    Ok(())
}

/// Writes the result URC `+QMTSUB: <tcpconnectID>,<msgID>,<result>[,<value>]`.
pub(crate) fn encode_urc(
    p: &PacketOutcome<SubValue>,
    w: &mut Wire<'_, '_>,
) -> Result<(), EncodeError> {
    let PacketOutcome {
        conn_id,
        msg_id,
        result,
        value,
    } = p;
    range("msgID", *msg_id, limits::SUB_MSG_ID)?;
    match (result, value) {
        (PacketResult::Sent, Some(SubValue::Granted(g))) if !g.is_empty() => {}
        (PacketResult::Retransmission, Some(SubValue::Retransmissions(_)))
        | (PacketResult::Failed, None) => {}
        _ => {
            return Err(EncodeError::Rule {
                field: "value",
                rule: "value is the granted QoS list with result 0, the retransmission count \
                       with result 1, absent with result 2",
            })
        }
    }
    write_id(w, b"+QMTSUB: ", *conn_id)?
        .comma()
        .int((*msg_id).into())
        .comma()
        .int(result.code().into());
    match value {
        Some(SubValue::Granted(g)) => {
            for q in g {
                w.comma().int(q.code().into());
            }
        }
        Some(SubValue::Retransmissions(n)) => {
            w.comma().int((*n).into());
        }
        None => {}
    }
    Ok(())
}
