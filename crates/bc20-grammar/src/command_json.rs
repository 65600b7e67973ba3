//! The JSON shape of [`Command`]: flat, one `form` per spec/ form id, with the note's field
//! names. It is a public format (`bc20 decode --json`, `bc20 encode`, the snapshots), so it
//! stays as it was when every AT+QMTCFG form was a variant of its own; [`Command`] converts to
//! and from it (`#[serde(from, into)]`), and only the AT+QMTCFG forms differ in shape.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::cfg_setting::{CfgKeyword, CfgSetting, Will};
use crate::codes::Qos;
use crate::command::{Command, SubTopics, UnsTopics};
use crate::serde_int::{bool_int, opt_bool_int};
use crate::text::Payload;

/// The flat JSON shape of [`Command`], one variant per spec/ form (the public format).
#[derive(Serialize, Deserialize)]
#[serde(tag = "form", rename = "Command")]
pub(crate) enum CommandJson<'a> {
    /// `AT+QMTCFG=?`
    #[serde(rename = "qmtcfg.test")]
    QmtCfgTest,
    /// `AT+QMTCFG="keepalive",<id>` (query).
    #[serde(rename = "qmtcfg.keepalive.query")]
    QmtCfgKeepAliveQuery {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
    },
    /// `AT+QMTCFG="keepalive",<id>,<keep-alive time>`.
    #[serde(rename = "qmtcfg.keepalive.write")]
    QmtCfgKeepAlive {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<keep-alive time>` in seconds, 0-3600 (0: no keep-alive).
        #[serde(rename = "keep-alive time")]
        keepalive: u16,
    },
    /// `AT+QMTCFG="session",<id>` (query).
    #[serde(rename = "qmtcfg.session.query")]
    QmtCfgSessionQuery {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
    },
    /// `AT+QMTCFG="session",<id>,<clean_session>`.
    #[serde(rename = "qmtcfg.session.write")]
    QmtCfgSession {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<clean_session>`.
        #[serde(with = "bool_int")]
        clean_session: bool,
    },
    /// `AT+QMTCFG="timeout",<id>` (query).
    #[serde(rename = "qmtcfg.timeout.query")]
    QmtCfgTimeoutQuery {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
    },
    /// `AT+QMTCFG="timeout",<id>,<pkt_timeout>[,<retry_times>[,<timeout_notice>]]`.
    #[serde(rename = "qmtcfg.timeout.write")]
    QmtCfgTimeout {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<pkt_timeout>` in seconds, 1-60.
        pkt_timeout: u8,
        /// `<retry_times>`, 0-10.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_times: Option<u8>,
        /// `<timeout_notice>`; only with `retry_times` (positional, spec/DECISIONS.md).
        #[serde(
            default,
            with = "opt_bool_int",
            skip_serializing_if = "Option::is_none"
        )]
        timeout_notice: Option<bool>,
    },
    /// `AT+QMTCFG="will",<id>` (query).
    #[serde(rename = "qmtcfg.will.query")]
    QmtCfgWillQuery {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
    },
    /// `AT+QMTCFG="will",<id>,<will_fg>[,<will_qos>,<will_retain>,"<will_topic>","<will_msg>"]`.
    #[serde(rename = "qmtcfg.will.write")]
    QmtCfgWill {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// The Will; `None` is `<will_fg>`=0. In JSON its fields stand beside `tcpconnectID`.
        #[serde(flatten)]
        will: Option<Will<'a>>,
    },
    /// `AT+QMTCFG="aliauth",<id>` (query).
    #[serde(rename = "qmtcfg.aliauth.query")]
    QmtCfgAliAuthQuery {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
    },
    /// `AT+QMTCFG="aliauth",<id>,"<product_key>","<device_name>","<device_secret>"`.
    #[serde(rename = "qmtcfg.aliauth.write")]
    QmtCfgAliAuth {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<product_key>`.
        product_key: Cow<'a, str>,
        /// `<device_name>`.
        device_name: Cow<'a, str>,
        /// `<device_secret>`.
        device_secret: Cow<'a, str>,
    },
    /// `AT+QMTOPEN=?`
    #[serde(rename = "qmtopen.test")]
    QmtOpenTest,
    /// `AT+QMTOPEN?`
    #[serde(rename = "qmtopen.read")]
    QmtOpenRead,
    /// `AT+QMTOPEN=<id>,"<host_name>",<port>`.
    #[serde(rename = "qmtopen.write")]
    QmtOpen {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<host_name>`: IP address or domain name, at most 100 bytes.
        host_name: Cow<'a, str>,
        /// `<port>`, 1-65535.
        port: u16,
    },
    /// `AT+QMTCLOSE=?`
    #[serde(rename = "qmtclose.test")]
    QmtCloseTest,
    /// `AT+QMTCLOSE=<id>`.
    #[serde(rename = "qmtclose.write")]
    QmtClose {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
    },
    /// `AT+QMTCONN=?`
    #[serde(rename = "qmtconn.test")]
    QmtConnTest,
    /// `AT+QMTCONN?`
    #[serde(rename = "qmtconn.read")]
    QmtConnRead,
    /// `AT+QMTCONN=<id>,"<clientID>"[,"<username>"[,"<password>"]]`.
    #[serde(rename = "qmtconn.write")]
    QmtConn {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<clientID>`.
        #[serde(rename = "clientID")]
        client_id: Cow<'a, str>,
        /// `<username>`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        username: Option<Cow<'a, str>>,
        /// `<password>`; only with `username`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        password: Option<Cow<'a, str>>,
    },
    /// `AT+QMTDISC=?`
    #[serde(rename = "qmtdisc.test")]
    QmtDiscTest,
    /// `AT+QMTDISC=<id>`.
    #[serde(rename = "qmtdisc.write")]
    QmtDisc {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
    },
    /// `AT+QMTSUB=?`
    #[serde(rename = "qmtsub.test")]
    QmtSubTest,
    /// `AT+QMTSUB=<id>,<msgID>,"<topic1>",<qos1>[,"<topic2>",<qos2>…]`.
    #[serde(rename = "qmtsub.write")]
    QmtSub {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<msgID>`, 1-65535.
        #[serde(rename = "msgID")]
        msg_id: u16,
        /// The topics with their requested QoS, at least one.
        topics: SubTopics<'a>,
    },
    /// `AT+QMTUNS=?`
    #[serde(rename = "qmtuns.test")]
    QmtUnsTest,
    /// `AT+QMTUNS=<id>,<msgID>,"<topic1>"[,"<topic2>"…]`.
    #[serde(rename = "qmtuns.write")]
    QmtUns {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<msgID>`, 1-65535.
        #[serde(rename = "msgID")]
        msg_id: u16,
        /// The topics, at least one.
        topics: UnsTopics<'a>,
    },
    /// `AT+QMTPUB=?`
    #[serde(rename = "qmtpub.test")]
    QmtPubTest,
    /// `AT+QMTPUB=<id>,<msgID>,<qos>,<retain>,"<topic>","<msg>"`.
    #[serde(rename = "qmtpub.write")]
    QmtPub {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<msgID>`: 0 if and only if `qos` is 0.
        #[serde(rename = "msgID")]
        msg_id: u16,
        /// `<qos>`.
        qos: Qos,
        /// `<retain>`.
        #[serde(with = "bool_int")]
        retain: bool,
        /// `<topic>`.
        topic: Cow<'a, str>,
        /// `<msg>`; cannot contain `"`, CR or LF.
        msg: Payload<'a>,
    },
    /// `AT`: attention.
    #[serde(rename = "basic.at")]
    At,
    /// `ATE0` / `ATE1`: command echo off / on.
    #[serde(rename = "basic.ate")]
    Echo {
        /// 1: echo on.
        #[serde(with = "bool_int")]
        on: bool,
    },
    /// `ATI`: product identification.
    #[serde(rename = "basic.ati")]
    Ati,
    /// `AT+CGMR`: firmware revision.
    #[serde(rename = "basic.cgmr")]
    Cgmr,
    /// `AT+CMEE=<n>`: error reporting mode (0 `ERROR`, 1 numeric, 2 verbose).
    #[serde(rename = "basic.cmee.write")]
    Cmee {
        /// `<n>`, 0-2.
        n: u8,
    },
    /// `AT+CPIN?`: SIM state.
    #[serde(rename = "basic.cpin.read")]
    CpinRead,
    /// `AT+CEREG?`: EPS registration state.
    #[serde(rename = "basic.cereg.read")]
    CeregRead,
    /// `AT+CGATT?`: packet domain attach state.
    #[serde(rename = "basic.cgatt.read")]
    CgattRead,
    /// `AT+CSQ`: signal quality.
    #[serde(rename = "basic.csq")]
    Csq,
}

/// One match arm per variant that has the same shape on both sides, then the AT+QMTCFG arms.
macro_rules! convert {
    ($value:expr, $from:ident => $to:ident, { $($cfg:tt)* }) => {{
        use $from as F;
        use $to as T;
        match $value {
            F::QmtCfgTest => T::QmtCfgTest,
            F::QmtOpenTest => T::QmtOpenTest,
            F::QmtOpenRead => T::QmtOpenRead,
            F::QmtOpen { conn_id, host_name, port } => T::QmtOpen { conn_id, host_name, port },
            F::QmtCloseTest => T::QmtCloseTest,
            F::QmtClose { conn_id } => T::QmtClose { conn_id },
            F::QmtConnTest => T::QmtConnTest,
            F::QmtConnRead => T::QmtConnRead,
            F::QmtConn { conn_id, client_id, username, password } => {
                T::QmtConn { conn_id, client_id, username, password }
            }
            F::QmtDiscTest => T::QmtDiscTest,
            F::QmtDisc { conn_id } => T::QmtDisc { conn_id },
            F::QmtSubTest => T::QmtSubTest,
            F::QmtSub { conn_id, msg_id, topics } => T::QmtSub { conn_id, msg_id, topics },
            F::QmtUnsTest => T::QmtUnsTest,
            F::QmtUns { conn_id, msg_id, topics } => T::QmtUns { conn_id, msg_id, topics },
            F::QmtPubTest => T::QmtPubTest,
            F::QmtPub { conn_id, msg_id, qos, retain, topic, msg } => {
                T::QmtPub { conn_id, msg_id, qos, retain, topic, msg }
            }
            F::At => T::At,
            F::Echo { on } => T::Echo { on },
            F::Ati => T::Ati,
            F::Cgmr => T::Cgmr,
            F::Cmee { n } => T::Cmee { n },
            F::CpinRead => T::CpinRead,
            F::CeregRead => T::CeregRead,
            F::CgattRead => T::CgattRead,
            F::Csq => T::Csq,
            $($cfg)*
        }
    }};
}

impl<'a> From<CommandJson<'a>> for Command<'a> {
    fn from(json: CommandJson<'a>) -> Self {
        let cfg = |conn_id, setting| Command::QmtCfg { conn_id, setting };
        convert!(json, CommandJson => Command, {
            F::QmtCfgKeepAliveQuery { conn_id } => cfg(conn_id, CfgSetting::Query(CfgKeyword::KeepAlive)),
            F::QmtCfgSessionQuery { conn_id } => cfg(conn_id, CfgSetting::Query(CfgKeyword::Session)),
            F::QmtCfgTimeoutQuery { conn_id } => cfg(conn_id, CfgSetting::Query(CfgKeyword::Timeout)),
            F::QmtCfgWillQuery { conn_id } => cfg(conn_id, CfgSetting::Query(CfgKeyword::Will)),
            F::QmtCfgAliAuthQuery { conn_id } => cfg(conn_id, CfgSetting::Query(CfgKeyword::AliAuth)),
            F::QmtCfgKeepAlive { conn_id, keepalive } => cfg(conn_id, CfgSetting::KeepAlive { keepalive }),
            F::QmtCfgSession { conn_id, clean_session } => {
                cfg(conn_id, CfgSetting::Session { clean_session })
            }
            F::QmtCfgTimeout { conn_id, pkt_timeout, retry_times, timeout_notice } => cfg(
                conn_id,
                CfgSetting::Timeout { pkt_timeout, retry_times, timeout_notice },
            ),
            F::QmtCfgWill { conn_id, will } => cfg(conn_id, CfgSetting::Will(will)),
            F::QmtCfgAliAuth { conn_id, product_key, device_name, device_secret } => cfg(
                conn_id,
                CfgSetting::AliAuth { product_key, device_name, device_secret },
            ),
        })
    }
}

impl<'a> From<Command<'a>> for CommandJson<'a> {
    fn from(cmd: Command<'a>) -> Self {
        convert!(cmd, Command => CommandJson, {
            F::QmtCfg { conn_id, setting } => match setting {
                CfgSetting::Query(k) => match k {
                    CfgKeyword::KeepAlive => T::QmtCfgKeepAliveQuery { conn_id },
                    CfgKeyword::Session => T::QmtCfgSessionQuery { conn_id },
                    CfgKeyword::Timeout => T::QmtCfgTimeoutQuery { conn_id },
                    CfgKeyword::Will => T::QmtCfgWillQuery { conn_id },
                    CfgKeyword::AliAuth => T::QmtCfgAliAuthQuery { conn_id },
                },
                CfgSetting::KeepAlive { keepalive } => T::QmtCfgKeepAlive { conn_id, keepalive },
                CfgSetting::Session { clean_session } => T::QmtCfgSession { conn_id, clean_session },
                CfgSetting::Timeout { pkt_timeout, retry_times, timeout_notice } => T::QmtCfgTimeout {
                    conn_id,
                    pkt_timeout,
                    retry_times,
                    timeout_notice,
                },
                CfgSetting::Will(will) => T::QmtCfgWill { conn_id, will },
                CfgSetting::AliAuth { product_key, device_name, device_secret } => T::QmtCfgAliAuth {
                    conn_id,
                    product_key,
                    device_name,
                    device_secret,
                },
            },
        })
    }
}
