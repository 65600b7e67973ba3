//! AT+QMTPUB (3.2.8): publish a message. The write command (the note's one-line form with the
//! message quoted; the prompt and length forms of other modules are refused, D34) and the
//! result URC `+QMTPUB: <tcpconnectID>,<msgID>,<result>[,<value>]`.

use std::borrow::Cow;

use crate::codes::{PacketResult, Qos};
use crate::command::Command;
use crate::cursor::{trim_end_blanks, Cursor};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError, WarningKind};
use crate::fields::{conn_id, flag, packet_head, qos, topic};
use crate::limits;
use crate::mqtt_topic::TopicKind;
use crate::text::{check_string, check_topic, Payload};
use crate::urc::{PacketOutcome, Urc};
use crate::wire::{count_rule, write_count_outcome, write_id, Wire};

/// `AT+QMTPUB=<tcpconnectID>,<msgID>,<qos>,<retain>,"<topic>","<msg>"`, after the `=`.
pub(crate) fn decode_write<'a>(cur: &mut Cursor<'a>) -> Result<Command<'a>, DecodeError> {
    let conn_id = conn_id(cur)?;
    cur.comma("msgID")?;
    let id_at = cur.pos();
    let msg_id = cur.int("msgID", limits::PUB_MSG_ID.0, limits::PUB_MSG_ID.1)? as u16;
    cur.comma("qos")?;
    let qos = qos(cur, "qos")?;
    match (qos, msg_id) {
        (Qos::AtMostOnce, 0) => {}
        (Qos::AtMostOnce, _) if cur.lenient() => cur.warn(id_at, WarningKind::Qos0NonZeroMsgId),
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
    Ok(Command::QmtPub {
        conn_id,
        msg_id,
        qos,
        retain,
        topic: Cow::Borrowed(topic),
        msg: Payload::borrowed(msg),
    })
}

/// The result URC, after `+QMTPUB: `.
pub(crate) fn decode_answer<'a>(cur: &mut Cursor<'a>) -> Result<Urc<'a>, DecodeError> {
    let (conn_id, msg_id, result) = packet_head(cur, limits::PUB_MSG_ID)?;
    let value = if result == PacketResult::Retransmission {
        cur.comma("value")?;
        Some(cur.int("value", 0, 255)? as u8)
    } else {
        None
    };
    cur.end()?;
    Ok(Urc::QmtPub(PacketOutcome {
        conn_id,
        msg_id,
        result,
        value,
    }))
}

/// The fields of `AT+QMTPUB=<tcpconnectID>,<msgID>,<qos>,<retain>,"<topic>","<msg>"`, as
/// the dispatcher lends them from [`Command::QmtPub`].
pub(crate) struct PubFields<'v> {
    pub(crate) conn_id: u8,
    pub(crate) msg_id: u16,
    pub(crate) qos: Qos,
    pub(crate) retain: bool,
    pub(crate) topic: &'v str,
    pub(crate) msg: &'v [u8],
}

/// Writes an AT+QMTPUB write line (without its CR).
pub(crate) fn encode_command<'v>(
    p: PubFields<'v>,
    w: &mut Wire<'_, 'v>,
) -> Result<(), EncodeError> {
    check_pub_msg_id(p.msg_id, p.qos)?;
    check_topic("topic", p.topic, TopicKind::Name)?;
    check_string("msg", p.msg, limits::MSG_LEN)?;
    let w = write_id(w, b"AT+QMTPUB=", p.conn_id)?;
    w.comma()
        .int(p.msg_id.into())
        .comma()
        .int(p.qos.code().into());
    w.comma()
        .int(p.retain.into())
        .comma()
        .quoted_unchecked(p.topic.as_bytes())
        .comma();
    w.quoted("msg", p.msg)?;
    Ok(())
}

/// Writes the result URC `+QMTPUB: <tcpconnectID>,<msgID>,<result>[,<value>]`.
pub(crate) fn encode_urc(p: &PacketOutcome<u8>, w: &mut Wire<'_, '_>) -> Result<(), EncodeError> {
    count_rule(p.result, p.value)?;
    write_count_outcome(w, b"+QMTPUB: ", p)
}

/// Checks the +QMTPUB rule "msgID is 0 if and only if qos is 0" (3.2.8).
pub fn check_pub_msg_id(msg_id: u16, qos: Qos) -> Result<(), EncodeError> {
    match (qos, msg_id) {
        (Qos::AtMostOnce, 0) => Ok(()),
        (Qos::AtMostOnce, _) => Err(EncodeError::Rule {
            field: "msgID",
            rule: "msgID must be 0 when qos is 0",
        }),
        (_, 0) => Err(EncodeError::Rule {
            field: "msgID",
            rule: "msgID 0 is only allowed with qos 0",
        }),
        _ => Ok(()),
    }
}
