//! Structure-aware generator of host commands: every variant of [`Command`], with the
//! ranges of crate::limits and spec/DECISIONS.md (D11 lengths, D18 positional timeout
//! values, D29 topic counts, D32 the QMTPUB msgID rule).

use std::borrow::Cow;

use crate::limits::{self, MAX_TOPICS};
use crate::{CfgKeyword, CfgSetting, Command, Payload, Qos, SubTopic, HOST_NAME_MAX_LEN};

use super::lines::{conn_id, qos, s, topic_filter, topic_name, will, QUOTED};
use super::Gen;

/// Message bytes of AT+QMTPUB: anything but `"` and control bytes, not necessarily UTF-8.
fn msg(g: &mut Gen<'_, '_>) -> Payload<'static> {
    let n = g.len(limits::MSG_LEN);
    let bytes = (0..n)
        .map(|_| match g.u.int_in_range(0x20..=0xffu8).unwrap_or(b'm') {
            b'"' | 0x7f => b'\'',
            b => b,
        })
        .collect();
    Payload(Cow::Owned(bytes))
}

/// A host command.
pub(super) fn command(g: &mut Gen<'_, '_>) -> Command<'static> {
    use Command::*;
    let id = conn_id(g);
    match g.index(36) {
        0 => QmtCfgTest,
        // Odd: the query of a keyword, even: its write form (the fuzz corpus's draw order).
        k @ 1..=10 if k % 2 == 1 => QmtCfg {
            conn_id: id,
            setting: CfgSetting::Query(CfgKeyword::ALL[(k - 1) / 2]),
        },
        k @ 1..=10 => QmtCfg {
            conn_id: id,
            setting: setting(g, CfgKeyword::ALL[(k - 2) / 2]),
        },
        11 => QmtOpenTest,
        12 => QmtOpenRead,
        13 => QmtOpen {
            conn_id: id,
            host_name: s(g.text((1, HOST_NAME_MAX_LEN), QUOTED)),
            port: g.u16(limits::PORT),
        },
        14 => QmtCloseTest,
        15 => QmtClose { conn_id: id },
        16 => QmtConnTest,
        17 => QmtConnRead,
        18 => {
            let username = g.flag().then(|| s(g.text(limits::CREDENTIAL_LEN, QUOTED)));
            let mut password = username
                .as_ref()
                .and_then(|_| g.flag().then(|| s(g.text(limits::CREDENTIAL_LEN, QUOTED))));
            if username.is_none() && g.one_in(32) {
                g.wild = true; // positional: password needs username
                password = Some(s("pw".into()));
            }
            QmtConn {
                conn_id: id,
                client_id: s(g.text(limits::CLIENT_ID_LEN, QUOTED)),
                username,
                password,
            }
        }
        19 => QmtDiscTest,
        20 => QmtDisc { conn_id: id },
        21 => QmtSubTest,
        22 => {
            let n = topic_count(g);
            let topics = (0..n)
                .map(|_| SubTopic {
                    topic: topic_filter(g),
                    qos: qos(g),
                })
                .collect();
            QmtSub {
                conn_id: id,
                msg_id: g.u16(limits::SUB_MSG_ID),
                topics,
            }
        }
        23 => QmtUnsTest,
        24 => {
            let n = topic_count(g);
            QmtUns {
                conn_id: id,
                msg_id: g.u16(limits::SUB_MSG_ID),
                topics: (0..n).map(|_| topic_filter(g)).collect(),
            }
        }
        25 => QmtPubTest,
        26 => {
            let qos = qos(g);
            let mut msg_id = if qos == Qos::AtMostOnce {
                0
            } else {
                g.u16((1, 65535))
            };
            if g.one_in(32) {
                g.wild = true; // D32: msgID is 0 if and only if qos is 0
                msg_id = if msg_id == 0 { 7 } else { 0 };
            }
            QmtPub {
                conn_id: id,
                msg_id,
                qos,
                retain: g.flag(),
                topic: topic_name(g),
                msg: msg(g),
            }
        }
        27 => At,
        28 => Echo { on: g.flag() },
        29 => Ati,
        30 => Cgmr,
        31 => Cmee {
            n: g.u8(limits::CMEE),
        },
        32 => CpinRead,
        33 => CeregRead,
        34 => CgattRead,
        _ => Csq,
    }
}

/// The write form of one AT+QMTCFG keyword.
fn setting(g: &mut Gen<'_, '_>, keyword: CfgKeyword) -> CfgSetting<'static> {
    match keyword {
        CfgKeyword::KeepAlive => CfgSetting::KeepAlive {
            keepalive: g.u16(limits::KEEPALIVE),
        },
        CfgKeyword::Session => CfgSetting::Session {
            clean_session: g.flag(),
        },
        CfgKeyword::Timeout => {
            let pkt_timeout = g.u8(limits::PKT_TIMEOUT);
            let retry_times = g.flag().then(|| g.u8(limits::RETRY_TIMES));
            let mut timeout_notice = retry_times.and_then(|_| g.flag().then(|| g.flag()));
            if retry_times.is_none() && g.one_in(32) {
                g.wild = true; // positional: timeout_notice needs retry_times (D18)
                timeout_notice = Some(true);
            }
            CfgSetting::Timeout {
                pkt_timeout,
                retry_times,
                timeout_notice,
            }
        }
        CfgKeyword::Will => CfgSetting::Will(will(g)),
        CfgKeyword::AliAuth => CfgSetting::AliAuth {
            product_key: s(g.text(limits::ALIAUTH_LEN, QUOTED)),
            device_name: s(g.text(limits::ALIAUTH_LEN, QUOTED)),
            device_secret: s(g.text(limits::ALIAUTH_LEN, QUOTED)),
        },
    }
}

/// 1 to 16 topics (D29); one draw in 32 gives none.
fn topic_count(g: &mut Gen<'_, '_>) -> usize {
    let n = g.num((1, MAX_TOPICS as i64), MAX_TOPICS as i64) as usize;
    if g.one_in(32) {
        g.wild = true;
        return 0;
    }
    n
}
