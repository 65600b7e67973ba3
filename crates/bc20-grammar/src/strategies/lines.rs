//! Structure-aware generators of module lines: every variant of [`Response`] and [`Urc`],
//! with the ranges of crate::limits and spec/DECISIONS.md (D11 lengths, D27 ret_code,
//! D30 the QMTSUB value list, D35/D36 received payloads), and [`line()`], which also draws
//! commands ([`super::commands`]).

use std::borrow::Cow;

use crate::limits::{self, MAX_TOPICS};
use crate::mqtt_topic;
use crate::{
    CloseResult, ConnState, ConnectReturnCode, GrantedQos, Line, MqttCommand, OpenResult,
    PacketOutcome, PacketResult, Payload, QmtStatCode, Qos, Response, SubValue, Urc, Will,
    HOST_NAME_MAX_LEN,
};

use super::commands::command;
use super::Gen;

/// What a quoted string parameter may hold: no `"`, no control byte (the encoder's
/// `check_quoted`); commas, blanks, backslashes and non-ASCII (typographic quotes too) are
/// all plain bytes there.
pub(super) const QUOTED: &[&str] = &[
    "a", "Z", "0", "9", "/", "#", "+", ",", " ", "\\", "-", "_", ".", ":", "'", "é", "€",
    "\u{201c}", "\u{201d}", "😀",
];
/// A bare word (`+CPIN:` state words): graphic ASCII without `,` or `"`.
const WORD: &[&str] = &[
    "R", "E", "A", "D", "Y", "S", "I", "M", "P", "N", "0", "-", "_", "/", "(", ")", "+", ":",
];
/// An address as `+IP:` prints it.
const ADDR: &[&str] = &["1", "0", ".", "2", "5", "a", "f", ":"];
/// Free text after `+XXX: ` or on an ATI line: anything printable.
const FREE: &[&str] = &[
    "a", "Z", "0", "\"", ",", " ", "(", ")", "<", ">", "-", ":", "é", "\u{201c}", "?",
];
/// Test response parameters: ranges as printed (no typographic quotes, D2).
const TEST: &[&str] = &[
    "0", "5", "-", ",", "(", ")", "<", ">", "\"", "[", "]", ".", "a", " ",
];

/// Test responses as the note prints them (they describe ranges; D14); the proptest
/// [`super::response`] draws them beside [`Gen::response`]'s made-up ones.
pub const TEST_RESPONSES: &[(MqttCommand, &str)] = &[
    (MqttCommand::QmtCfg, "\"keepalive\",(0-5),(0-3600)"),
    (MqttCommand::QmtCfg, "\"session\",(0-5),(0,1)"),
    (MqttCommand::QmtCfg, "\"timeout\",(0-5),(1-60),(1-10),(0,1)"),
    (
        MqttCommand::QmtCfg,
        "\"will\",(0-5),(0,1),(0-2),(0,1),\"will_topic\",\"will_msg\"",
    ),
    (
        MqttCommand::QmtCfg,
        "\"aliauth\",(0-5),\"productkey\",\"devicename\",\"devicesecret\"",
    ),
    (MqttCommand::QmtOpen, "(0-5),\"<host_name>\",(1-65535)"),
    (MqttCommand::QmtClose, "(0-5)"),
    (
        MqttCommand::QmtConn,
        "(0-5),\"<clientID>\"[,\"<username>\"[,\"<password>\"]]",
    ),
    (MqttCommand::QmtDisc, "(0-5)"),
    (MqttCommand::QmtSub, "(0-5),(1-65535),\"<topic>\",(0-2)"),
    (MqttCommand::QmtUns, "(0-5),(1-65535),\"<topic>\""),
    (
        MqttCommand::QmtPub,
        "(0-5),(0-65535),(0-2),(0,1),\"<topic>\",\"<msg>\"",
    ),
    (
        MqttCommand::QmtSub,
        "(0-5),<msgID>,\"<topic>\",<qos>[,\"<topic>\",<qos>...]",
    ),
];

const QMTCFG_KEYWORDS: &[&str] = &["keepalive", "session", "timeout", "will", "aliauth"];
/// A few `+XXX:` names the grammar does not know (D41).
const UNKNOWN_NAMES: &[&str] = &[
    "CEREG2",
    "QIURC",
    "QMTX",
    "X",
    "QMTRECV2",
    "CGEV",
    "QNBIOTEVENT",
];

/// Any line, commands and module output alike.
pub(crate) fn line(g: &mut Gen<'_, '_>) -> Line<'static> {
    match g.index(3) {
        0 => Line::Command(command(g)),
        1 => Line::Response(response(g)),
        _ => Line::Urc(urc(g)),
    }
}

pub(super) fn s(v: String) -> Cow<'static, str> {
    Cow::Owned(v)
}

pub(super) fn conn_id(g: &mut Gen<'_, '_>) -> u8 {
    g.u8(limits::CONN_ID)
}

/// A topic as the module reports it in `+QMTRECV` (any quotable text: the decoder of module
/// lines does not judge the broker's topics).
pub(super) fn topic(g: &mut Gen<'_, '_>) -> Cow<'static, str> {
    s(g.text(limits::TOPIC_LEN, QUOTED))
}

/// A topic name (AT+QMTPUB, the will): no `+` or `#` (D62), except in one draw in 32, which
/// is wild when it breaks the rule.
pub(super) fn topic_name(g: &mut Gen<'_, '_>) -> Cow<'static, str> {
    let t = g.text(limits::TOPIC_LEN, QUOTED);
    if g.one_in(32) {
        g.wild |= mqtt_topic::check_topic_name(&t).is_err();
        return s(t);
    }
    s(t.replace(['+', '#'], "_"))
}

/// A topic filter (AT+QMTSUB, AT+QMTUNS): `+` and `#` only as whole levels, `#` only last
/// (D62), except in one draw in 32, which is wild when it breaks the rule. Repairs keep the
/// length (one byte for one byte), so D11's bounds still hold.
pub(super) fn topic_filter(g: &mut Gen<'_, '_>) -> Cow<'static, str> {
    let t = g.text(limits::TOPIC_LEN, QUOTED);
    if g.one_in(32) {
        g.wild |= mqtt_topic::check_topic_filter(&t).is_err();
        return s(t);
    }
    let levels: Vec<&str> = t.split('/').collect();
    let last = levels.len() - 1;
    let repaired: Vec<String> = levels
        .iter()
        .enumerate()
        .map(|(i, l)| match *l {
            "+" => "+".to_owned(),
            "#" if i == last => "#".to_owned(),
            l => l.replace(['+', '#'], "_"),
        })
        .collect();
    s(repaired.join("/"))
}

pub(super) fn qos(g: &mut Gen<'_, '_>) -> Qos {
    g.pick(Qos::ALL)
}

pub(super) fn will(g: &mut Gen<'_, '_>) -> Option<Will<'static>> {
    g.flag().then(|| Will {
        will_qos: qos(g),
        will_retain: g.flag(),
        will_topic: topic_name(g),
        will_msg: s(g.text(limits::MSG_LEN, QUOTED)),
    })
}

/// An information response or final result code.
pub(crate) fn response(g: &mut Gen<'_, '_>) -> Response<'static> {
    use Response::*;
    match g.index(16) {
        0 => {
            let command = g.pick(&MqttCommand::ALL);
            let head = if command == MqttCommand::QmtCfg {
                format!("\"{}\",", g.pick(QMTCFG_KEYWORDS))
            } else {
                String::new()
            };
            let open = g.pick(&["(", "<"]);
            // Within the spec: no blank before the line end (D46).
            let params = format!("{head}{open}{}", g.text((0, 40), TEST))
                .trim_end_matches([' ', '\t'])
                .to_owned();
            Test {
                command,
                params: s(params),
            }
        }
        1 => QmtCfgKeepAlive {
            keepalive: g.u16(limits::KEEPALIVE),
        },
        2 => QmtCfgSession {
            clean_session: g.flag(),
        },
        3 => QmtCfgTimeout {
            pkt_timeout: g.u8(limits::PKT_TIMEOUT),
            retry_times: g.u8(limits::RETRY_TIMES),
            timeout_notice: g.flag(),
        },
        4 => QmtCfgWill { will: will(g) },
        5 => QmtCfgAliAuth {
            product_key: s(g.text(limits::ALIAUTH_LEN, QUOTED)),
            device_name: s(g.text(limits::ALIAUTH_LEN, QUOTED)),
            device_secret: s(g.text(limits::ALIAUTH_LEN, QUOTED)),
        },
        6 => QmtOpenRead {
            conn_id: conn_id(g),
            host_name: s(g.text((1, HOST_NAME_MAX_LEN), QUOTED)),
            port: g.u16(limits::PORT),
        },
        7 => QmtConnRead {
            conn_id: conn_id(g),
            state: g.pick(ConnState::ALL),
        },
        8 => {
            let words = g.num((1, 3), 3);
            let code: Vec<String> = (0..words).map(|_| g.text((1, 8), WORD)).collect();
            Cpin {
                code: s(code.join(" ")),
            }
        }
        9 => Cereg {
            n: g.u8((0, 5)),
            stat: g.u8((0, 10)),
        },
        10 => Cgatt { state: g.flag() },
        11 => Csq {
            rssi: rssi_or_ber(g, 31),
            ber: rssi_or_ber(g, 7),
        },
        12 => Text {
            text: s(free_text(g)),
        },
        13 => Ok,
        14 => Error,
        _ => CmeError {
            err: crate::CmeError::from_code(g.u16((0, 65535))),
        },
    }
}

/// 27.007's `0..=max` or 99 (not known).
fn rssi_or_ber(g: &mut Gen<'_, '_>, max: i64) -> u8 {
    if g.one_in(8) {
        99
    } else {
        g.u8((0, max))
    }
}

/// An ATI/AT+CGMR text line: not empty, unpadded, not `+`-prefixed, not a command or
/// final result code.
fn free_text(g: &mut Gen<'_, '_>) -> String {
    let first = g.pick(&["Q", "B", "R", "q", "1", "(", "é", "\u{201c}"]);
    let body = g.text((0, 40), FREE);
    let last = g.pick(&["l", "0", ")", "."]);
    format!("{first}{body}{last}")
}

/// An unsolicited line.
pub(crate) fn urc(g: &mut Gen<'_, '_>) -> Urc<'static> {
    let id = conn_id(g);
    match g.index(11) {
        0 => Urc::QmtOpen {
            conn_id: id,
            result: g.pick(OpenResult::ALL),
        },
        1 => Urc::QmtClose {
            conn_id: id,
            result: g.pick(CloseResult::ALL),
        },
        2 => {
            let result = g.pick(PacketResult::ALL);
            let ret_code = (result == PacketResult::Sent).then(|| g.pick(ConnectReturnCode::ALL));
            Urc::QmtConn {
                conn_id: id,
                result,
                ret_code,
                value: None,
            }
        }
        3 => Urc::QmtDisc {
            conn_id: id,
            result: g.pick(CloseResult::ALL),
        },
        4 => {
            let result = g.pick(PacketResult::ALL);
            let value = match result {
                PacketResult::Sent => {
                    let n = g.num((1, MAX_TOPICS as i64), MAX_TOPICS as i64) as usize;
                    let granted = (0..n).map(|_| {
                        if g.one_in(4) {
                            GrantedQos::Rejected
                        } else {
                            GrantedQos::Granted(qos(g))
                        }
                    });
                    Some(SubValue::Granted(granted.collect()))
                }
                PacketResult::Retransmission => {
                    Some(SubValue::Retransmissions(g.u8(limits::RETRY_TIMES)))
                }
                PacketResult::Failed => None,
            };
            Urc::QmtSub(PacketOutcome {
                conn_id: id,
                msg_id: g.u16(limits::SUB_MSG_ID),
                result,
                value,
            })
        }
        5 => {
            let result = g.pick(PacketResult::ALL);
            let value = (result == PacketResult::Retransmission && g.flag())
                .then(|| g.u8(limits::RETRY_TIMES));
            Urc::QmtUns(PacketOutcome {
                conn_id: id,
                msg_id: g.u16(limits::SUB_MSG_ID),
                result,
                value,
            })
        }
        6 => {
            let result = g.pick(PacketResult::ALL);
            let value = (result == PacketResult::Retransmission).then(|| g.u8(limits::RETRY_TIMES));
            Urc::QmtPub(PacketOutcome {
                conn_id: id,
                msg_id: g.u16(limits::PUB_MSG_ID),
                result,
                value,
            })
        }
        7 => Urc::QmtStat {
            conn_id: id,
            err_code: QmtStatCode::from_code(g.u8((1, 255))),
        },
        8 => Urc::QmtRecv {
            conn_id: id,
            msg_id: g.u16((0, 65535)),
            topic: topic(g),
            payload: recv_payload(g),
        },
        9 => {
            let rest = g.text((0, 40), FREE);
            Urc::Unknown {
                text: s(format!("+{}: {rest}", g.pick(UNKNOWN_NAMES))),
            }
        }
        _ => Urc::Ip {
            addr: s(g.text((1, 39), ADDR)),
        },
    }
}

/// Received payload bytes: anything, CR/LF and quotes included, except a `"` right before a
/// line end, or before blanks and a line end (that is what ends the URC, D36, D46).
fn recv_payload(g: &mut Gen<'_, '_>) -> Payload<'static> {
    let n = g.len(limits::MSG_LEN);
    let mut bytes: Vec<u8> = (0..n)
        .map(|_| {
            if g.one_in(8) {
                g.pick(b"\"\r\n,")
            } else {
                g.u.arbitrary().unwrap_or(b'p')
            }
        })
        .collect();
    for i in 0..bytes.len() {
        if bytes[i] != b'"' {
            continue;
        }
        let after = bytes[i + 1..]
            .iter()
            .position(|&b| b != b' ' && b != b'\t')
            .map(|k| bytes[i + 1 + k]);
        if matches!(after, Some(b'\r' | b'\n')) {
            bytes[i] = b'\'';
        }
    }
    Payload(Cow::Owned(bytes))
}
