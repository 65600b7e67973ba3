//! Host → module commands (chapter 3, and the basic commands of spec/basic.toml).
//!
//! Throughout, `conn_id` is the note's `<tcpconnectID>` and `msg_id` its `<msgID>`.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codes::Qos;
use crate::error::EncodeError;
use crate::limits::{self, MAX_TOPICS};
use crate::mqtt_topic::TopicKind;
use crate::serde_int::{bool_int, opt_bool_int};
use crate::text::{check_host_name, check_string, check_topic, Payload};
pub use crate::topics::{SubTopic, SubTopics, UnsTopics};
use crate::wire::{check_range, Wire};

/// A Will message configured with AT+QMTCFG="will" (3.2.1); present means `<will_fg>`=1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Will<'a> {
    /// `<will_qos>`.
    pub will_qos: Qos,
    /// `<will_retain>`.
    #[serde(with = "bool_int")]
    pub will_retain: bool,
    /// `<will_topic>`.
    pub will_topic: Cow<'a, str>,
    /// `<will_msg>`; may be empty.
    pub will_msg: Cow<'a, str>,
}

impl Will<'_> {
    /// An owned copy.
    pub fn into_owned(self) -> Will<'static> {
        Will {
            will_qos: self.will_qos,
            will_retain: self.will_retain,
            will_topic: Cow::Owned(self.will_topic.into_owned()),
            will_msg: Cow::Owned(self.will_msg.into_owned()),
        }
    }
}

/// A command line the host sends. Serialised with `form` = the spec/ form id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "form")]
pub enum Command<'a> {
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

/// Which MQTT command a line belongs to (for test responses and bookkeeping).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum MqttCommand {
    /// AT+QMTCFG (3.2.1).
    #[serde(rename = "QMTCFG")]
    QmtCfg,
    /// AT+QMTOPEN (3.2.2).
    #[serde(rename = "QMTOPEN")]
    QmtOpen,
    /// AT+QMTCLOSE (3.2.3).
    #[serde(rename = "QMTCLOSE")]
    QmtClose,
    /// AT+QMTCONN (3.2.4).
    #[serde(rename = "QMTCONN")]
    QmtConn,
    /// AT+QMTDISC (3.2.5).
    #[serde(rename = "QMTDISC")]
    QmtDisc,
    /// AT+QMTSUB (3.2.6).
    #[serde(rename = "QMTSUB")]
    QmtSub,
    /// AT+QMTUNS (3.2.7).
    #[serde(rename = "QMTUNS")]
    QmtUns,
    /// AT+QMTPUB (3.2.8).
    #[serde(rename = "QMTPUB")]
    QmtPub,
}

impl MqttCommand {
    /// All eight, in the note's order.
    pub const ALL: [MqttCommand; 8] = [
        MqttCommand::QmtCfg,
        MqttCommand::QmtOpen,
        MqttCommand::QmtClose,
        MqttCommand::QmtConn,
        MqttCommand::QmtDisc,
        MqttCommand::QmtSub,
        MqttCommand::QmtUns,
        MqttCommand::QmtPub,
    ];

    /// The name without `AT+` or `+`, e.g. `QMTOPEN`.
    pub const fn name(self) -> &'static str {
        match self {
            MqttCommand::QmtCfg => "QMTCFG",
            MqttCommand::QmtOpen => "QMTOPEN",
            MqttCommand::QmtClose => "QMTCLOSE",
            MqttCommand::QmtConn => "QMTCONN",
            MqttCommand::QmtDisc => "QMTDISC",
            MqttCommand::QmtSub => "QMTSUB",
            MqttCommand::QmtUns => "QMTUNS",
            MqttCommand::QmtPub => "QMTPUB",
        }
    }

    /// The clause of the note that specifies it.
    pub const fn clause(self) -> &'static str {
        match self {
            MqttCommand::QmtCfg => "3.2.1",
            MqttCommand::QmtOpen => "3.2.2",
            MqttCommand::QmtClose => "3.2.3",
            MqttCommand::QmtConn => "3.2.4",
            MqttCommand::QmtDisc => "3.2.5",
            MqttCommand::QmtSub => "3.2.6",
            MqttCommand::QmtUns => "3.2.7",
            MqttCommand::QmtPub => "3.2.8",
        }
    }

    /// Looks a name up (`QMTOPEN`), ASCII case-insensitively.
    pub fn from_name(name: &[u8]) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.name().as_bytes().eq_ignore_ascii_case(name))
    }
}

impl Command<'_> {
    /// The spec/ form id, e.g. `qmtopen.write`.
    pub fn spec_id(&self) -> &'static str {
        use Command::*;
        match self {
            QmtCfgTest => "qmtcfg.test",
            QmtCfgKeepAliveQuery { .. } => "qmtcfg.keepalive.query",
            QmtCfgKeepAlive { .. } => "qmtcfg.keepalive.write",
            QmtCfgSessionQuery { .. } => "qmtcfg.session.query",
            QmtCfgSession { .. } => "qmtcfg.session.write",
            QmtCfgTimeoutQuery { .. } => "qmtcfg.timeout.query",
            QmtCfgTimeout { .. } => "qmtcfg.timeout.write",
            QmtCfgWillQuery { .. } => "qmtcfg.will.query",
            QmtCfgWill { .. } => "qmtcfg.will.write",
            QmtCfgAliAuthQuery { .. } => "qmtcfg.aliauth.query",
            QmtCfgAliAuth { .. } => "qmtcfg.aliauth.write",
            QmtOpenTest => "qmtopen.test",
            QmtOpenRead => "qmtopen.read",
            QmtOpen { .. } => "qmtopen.write",
            QmtCloseTest => "qmtclose.test",
            QmtClose { .. } => "qmtclose.write",
            QmtConnTest => "qmtconn.test",
            QmtConnRead => "qmtconn.read",
            QmtConn { .. } => "qmtconn.write",
            QmtDiscTest => "qmtdisc.test",
            QmtDisc { .. } => "qmtdisc.write",
            QmtSubTest => "qmtsub.test",
            QmtSub { .. } => "qmtsub.write",
            QmtUnsTest => "qmtuns.test",
            QmtUns { .. } => "qmtuns.write",
            QmtPubTest => "qmtpub.test",
            QmtPub { .. } => "qmtpub.write",
            At => "basic.at",
            Echo { .. } => "basic.ate",
            Ati => "basic.ati",
            Cgmr => "basic.cgmr",
            Cmee { .. } => "basic.cmee.write",
            CpinRead => "basic.cpin.read",
            CeregRead => "basic.cereg.read",
            CgattRead => "basic.cgatt.read",
            Csq => "basic.csq",
        }
    }

    /// The MQTT command this line belongs to, or `None` for basic commands.
    pub fn mqtt_command(&self) -> Option<MqttCommand> {
        use Command::*;
        Some(match self {
            QmtCfgTest
            | QmtCfgKeepAliveQuery { .. }
            | QmtCfgKeepAlive { .. }
            | QmtCfgSessionQuery { .. }
            | QmtCfgSession { .. }
            | QmtCfgTimeoutQuery { .. }
            | QmtCfgTimeout { .. }
            | QmtCfgWillQuery { .. }
            | QmtCfgWill { .. }
            | QmtCfgAliAuthQuery { .. }
            | QmtCfgAliAuth { .. } => MqttCommand::QmtCfg,
            QmtOpenTest | QmtOpenRead | QmtOpen { .. } => MqttCommand::QmtOpen,
            QmtCloseTest | QmtClose { .. } => MqttCommand::QmtClose,
            QmtConnTest | QmtConnRead | QmtConn { .. } => MqttCommand::QmtConn,
            QmtDiscTest | QmtDisc { .. } => MqttCommand::QmtDisc,
            QmtSubTest | QmtSub { .. } => MqttCommand::QmtSub,
            QmtUnsTest | QmtUns { .. } => MqttCommand::QmtUns,
            QmtPubTest | QmtPub { .. } => MqttCommand::QmtPub,
            At
            | Echo { .. }
            | Ati
            | Cgmr
            | Cmee { .. }
            | CpinRead
            | CeregRead
            | CgattRead
            | Csq => return None,
        })
    }

    /// The command's name as written after `AT`, e.g. `+QMTOPEN`, `E`, `I`, `+CSQ`.
    pub fn name(&self) -> &'static str {
        use Command::*;
        match self {
            At => "AT",
            Echo { .. } => "ATE",
            Ati => "ATI",
            Cgmr => "AT+CGMR",
            Cmee { .. } => "AT+CMEE",
            CpinRead => "AT+CPIN",
            CeregRead => "AT+CEREG",
            CgattRead => "AT+CGATT",
            Csq => "AT+CSQ",
            other => match other.mqtt_command() {
                Some(MqttCommand::QmtCfg) => "AT+QMTCFG",
                Some(MqttCommand::QmtOpen) => "AT+QMTOPEN",
                Some(MqttCommand::QmtClose) => "AT+QMTCLOSE",
                Some(MqttCommand::QmtConn) => "AT+QMTCONN",
                Some(MqttCommand::QmtDisc) => "AT+QMTDISC",
                Some(MqttCommand::QmtSub) => "AT+QMTSUB",
                Some(MqttCommand::QmtUns) => "AT+QMTUNS",
                Some(MqttCommand::QmtPub) => "AT+QMTPUB",
                None => unreachable!("basic commands are matched above"),
            },
        }
    }

    /// Whether the module answers `OK` first and the real result later as a `+QMTxxx:` URC.
    pub fn has_async_result(&self) -> bool {
        matches!(
            self,
            Command::QmtOpen { .. }
                | Command::QmtClose { .. }
                | Command::QmtConn { .. }
                | Command::QmtDisc { .. }
                | Command::QmtSub { .. }
                | Command::QmtUns { .. }
                | Command::QmtPub { .. }
        )
    }

    /// Appends the exact bytes the module expects, `AT...\r`, after checking every field.
    ///
    /// # Errors
    ///
    /// An [`EncodeError`] naming the field that breaks the note or a decision (range, length,
    /// a byte the wire cannot carry, a rule), or `LineTooLong` when the line would exceed
    /// [`crate::DEFAULT_MAX_LINE_LEN`] bytes (D12, D50); `out` is then left as it was.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        // The line without its CR must fit the bound every peer decodes (D12, D50).
        let result = self
            .encode_inner(out)
            .and_then(|()| crate::wire::check_line_len(out.len() - start - 1));
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// The encoded bytes in a new buffer.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(64);
        self.encode(&mut out)?;
        Ok(out)
    }

    fn encode_inner(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        use Command::*;
        let mut w = Wire::new(out);
        match self {
            QmtCfgTest => w.raw(b"AT+QMTCFG=?"),
            QmtCfgKeepAliveQuery { conn_id } => cfg(&mut w, b"keepalive", *conn_id)?,
            QmtCfgKeepAlive { conn_id, keepalive } => {
                range("keep-alive time", *keepalive, limits::KEEPALIVE)?;
                cfg(&mut w, b"keepalive", *conn_id)?
                    .comma()
                    .int((*keepalive).into())
            }
            QmtCfgSessionQuery { conn_id } => cfg(&mut w, b"session", *conn_id)?,
            QmtCfgSession {
                conn_id,
                clean_session,
            } => cfg(&mut w, b"session", *conn_id)?
                .comma()
                .int((*clean_session).into()),
            QmtCfgTimeoutQuery { conn_id } => cfg(&mut w, b"timeout", *conn_id)?,
            QmtCfgTimeout {
                conn_id,
                pkt_timeout,
                retry_times,
                timeout_notice,
            } => {
                range("pkt_timeout", *pkt_timeout, limits::PKT_TIMEOUT)?;
                if let Some(r) = retry_times {
                    range("retry_times", *r, limits::RETRY_TIMES)?;
                }
                if timeout_notice.is_some() && retry_times.is_none() {
                    return Err(EncodeError::Rule {
                        field: "timeout_notice",
                        rule: "timeout_notice needs retry_times (parameters are positional)",
                    });
                }
                let w = cfg(&mut w, b"timeout", *conn_id)?
                    .comma()
                    .int((*pkt_timeout).into());
                if let Some(r) = retry_times {
                    w.comma().int((*r).into());
                }
                if let Some(n) = timeout_notice {
                    w.comma().int((*n).into());
                }
                w
            }
            QmtCfgWillQuery { conn_id } => cfg(&mut w, b"will", *conn_id)?,
            QmtCfgWill { conn_id, will } => {
                let w = cfg(&mut w, b"will", *conn_id)?.comma();
                write_will(w, will.as_ref())?
            }
            QmtCfgAliAuthQuery { conn_id } => cfg(&mut w, b"aliauth", *conn_id)?,
            QmtCfgAliAuth {
                conn_id,
                product_key,
                device_name,
                device_secret,
            } => {
                let w = cfg(&mut w, b"aliauth", *conn_id)?.comma();
                write_aliauth(w, product_key, device_name, device_secret)?
            }
            QmtOpenTest => w.raw(b"AT+QMTOPEN=?"),
            QmtOpenRead => w.raw(b"AT+QMTOPEN?"),
            QmtOpen {
                conn_id,
                host_name,
                port,
            } => {
                check_host_name(host_name)?;
                range("port", *port, limits::PORT)?;
                write_id(&mut w, b"AT+QMTOPEN=", *conn_id)?
                    .comma()
                    .quoted_unchecked(host_name.as_bytes())
                    .comma()
                    .int((*port).into())
            }
            QmtCloseTest => w.raw(b"AT+QMTCLOSE=?"),
            QmtClose { conn_id } => write_id(&mut w, b"AT+QMTCLOSE=", *conn_id)?,
            QmtConnTest => w.raw(b"AT+QMTCONN=?"),
            QmtConnRead => w.raw(b"AT+QMTCONN?"),
            QmtConn {
                conn_id,
                client_id,
                username,
                password,
            } => {
                if password.is_some() && username.is_none() {
                    return Err(EncodeError::Rule {
                        field: "password",
                        rule: "password needs username (parameters are positional)",
                    });
                }
                check_string("clientID", client_id.as_bytes(), limits::CLIENT_ID_LEN)?;
                for (field, v) in [("username", username), ("password", password)] {
                    if let Some(v) = v {
                        check_string(field, v.as_bytes(), limits::CREDENTIAL_LEN)?;
                    }
                }
                let w = write_id(&mut w, b"AT+QMTCONN=", *conn_id)?.comma();
                w.quoted("clientID", client_id.as_bytes())?;
                if let Some(u) = username {
                    w.comma().quoted("username", u.as_bytes())?;
                }
                if let Some(p) = password {
                    w.comma().quoted("password", p.as_bytes())?;
                }
                w
            }
            QmtDiscTest => w.raw(b"AT+QMTDISC=?"),
            QmtDisc { conn_id } => write_id(&mut w, b"AT+QMTDISC=", *conn_id)?,
            QmtSubTest => w.raw(b"AT+QMTSUB=?"),
            QmtSub {
                conn_id,
                msg_id,
                topics,
            } => {
                range("msgID", *msg_id, limits::SUB_MSG_ID)?;
                topic_count(topics.len())?;
                let w = write_id(&mut w, b"AT+QMTSUB=", *conn_id)?
                    .comma()
                    .int((*msg_id).into());
                for t in topics.iter() {
                    check_topic("topic", &t.topic, TopicKind::Filter)?;
                    w.comma()
                        .quoted_unchecked(t.topic.as_bytes())
                        .comma()
                        .int(t.qos.code().into());
                }
                w
            }
            QmtUnsTest => w.raw(b"AT+QMTUNS=?"),
            QmtUns {
                conn_id,
                msg_id,
                topics,
            } => {
                range("msgID", *msg_id, limits::SUB_MSG_ID)?;
                topic_count(topics.len())?;
                let w = write_id(&mut w, b"AT+QMTUNS=", *conn_id)?
                    .comma()
                    .int((*msg_id).into());
                for t in topics.iter() {
                    check_topic("topic", t, TopicKind::Filter)?;
                    w.comma().quoted_unchecked(t.as_bytes());
                }
                w
            }
            QmtPubTest => w.raw(b"AT+QMTPUB=?"),
            QmtPub {
                conn_id,
                msg_id,
                qos,
                retain,
                topic,
                msg,
            } => {
                check_pub_msg_id(*msg_id, *qos)?;
                check_topic("topic", topic, TopicKind::Name)?;
                check_string("msg", msg.as_bytes(), limits::MSG_LEN)?;
                let w = write_id(&mut w, b"AT+QMTPUB=", *conn_id)?;
                w.comma()
                    .int((*msg_id).into())
                    .comma()
                    .int(qos.code().into());
                w.comma()
                    .int((*retain).into())
                    .comma()
                    .quoted_unchecked(topic.as_bytes())
                    .comma();
                w.quoted("msg", msg.as_bytes())?
            }
            At => w.raw(b"AT"),
            Echo { on } => w.raw(if *on { b"ATE1" } else { b"ATE0" }),
            Ati => w.raw(b"ATI"),
            Cgmr => w.raw(b"AT+CGMR"),
            Cmee { n } => {
                range("n", *n, limits::CMEE)?;
                w.raw(b"AT+CMEE=").int((*n).into())
            }
            CpinRead => w.raw(b"AT+CPIN?"),
            CeregRead => w.raw(b"AT+CEREG?"),
            CgattRead => w.raw(b"AT+CGATT?"),
            Csq => w.raw(b"AT+CSQ"),
        }
        .raw(b"\r");
        Ok(())
    }

    /// An owned copy that outlives the input buffer.
    pub fn into_owned(self) -> Command<'static> {
        use Command::*;
        fn own(s: Cow<'_, str>) -> Cow<'static, str> {
            Cow::Owned(s.into_owned())
        }
        match self {
            QmtCfgTest => QmtCfgTest,
            QmtCfgKeepAliveQuery { conn_id } => QmtCfgKeepAliveQuery { conn_id },
            QmtCfgKeepAlive { conn_id, keepalive } => QmtCfgKeepAlive { conn_id, keepalive },
            QmtCfgSessionQuery { conn_id } => QmtCfgSessionQuery { conn_id },
            QmtCfgSession {
                conn_id,
                clean_session,
            } => QmtCfgSession {
                conn_id,
                clean_session,
            },
            QmtCfgTimeoutQuery { conn_id } => QmtCfgTimeoutQuery { conn_id },
            QmtCfgTimeout {
                conn_id,
                pkt_timeout,
                retry_times,
                timeout_notice,
            } => QmtCfgTimeout {
                conn_id,
                pkt_timeout,
                retry_times,
                timeout_notice,
            },
            QmtCfgWillQuery { conn_id } => QmtCfgWillQuery { conn_id },
            QmtCfgWill { conn_id, will } => QmtCfgWill {
                conn_id,
                will: will.map(Will::into_owned),
            },
            QmtCfgAliAuthQuery { conn_id } => QmtCfgAliAuthQuery { conn_id },
            QmtCfgAliAuth {
                conn_id,
                product_key,
                device_name,
                device_secret,
            } => QmtCfgAliAuth {
                conn_id,
                product_key: own(product_key),
                device_name: own(device_name),
                device_secret: own(device_secret),
            },
            QmtOpenTest => QmtOpenTest,
            QmtOpenRead => QmtOpenRead,
            QmtOpen {
                conn_id,
                host_name,
                port,
            } => QmtOpen {
                conn_id,
                host_name: own(host_name),
                port,
            },
            QmtCloseTest => QmtCloseTest,
            QmtClose { conn_id } => QmtClose { conn_id },
            QmtConnTest => QmtConnTest,
            QmtConnRead => QmtConnRead,
            QmtConn {
                conn_id,
                client_id,
                username,
                password,
            } => QmtConn {
                conn_id,
                client_id: own(client_id),
                username: username.map(own),
                password: password.map(own),
            },
            QmtDiscTest => QmtDiscTest,
            QmtDisc { conn_id } => QmtDisc { conn_id },
            QmtSubTest => QmtSubTest,
            QmtSub {
                conn_id,
                msg_id,
                topics,
            } => QmtSub {
                conn_id,
                msg_id,
                topics: topics.into_owned(),
            },
            QmtUnsTest => QmtUnsTest,
            QmtUns {
                conn_id,
                msg_id,
                topics,
            } => QmtUns {
                conn_id,
                msg_id,
                topics: topics.into_owned(),
            },
            QmtPubTest => QmtPubTest,
            QmtPub {
                conn_id,
                msg_id,
                qos,
                retain,
                topic,
                msg,
            } => QmtPub {
                conn_id,
                msg_id,
                qos,
                retain,
                topic: own(topic),
                msg: msg.into_owned(),
            },
            At => At,
            Echo { on } => Echo { on },
            Ati => Ati,
            Cgmr => Cgmr,
            Cmee { n } => Cmee { n },
            CpinRead => CpinRead,
            CeregRead => CeregRead,
            CgattRead => CgattRead,
            Csq => Csq,
        }
    }
}

/// Writes `<will_fg>[,<will_qos>,<will_retain>,"<will_topic>","<will_msg>"]`, shared by the
/// write command and the query response of AT+QMTCFG="will".
pub(crate) fn write_will<'w, 'o>(
    w: &'w mut Wire<'o>,
    will: Option<&Will<'_>>,
) -> Result<&'w mut Wire<'o>, EncodeError> {
    let Some(will) = will else {
        return Ok(w.int(0));
    };
    check_topic("will_topic", &will.will_topic, TopicKind::Name)?;
    check_string("will_msg", will.will_msg.as_bytes(), limits::MSG_LEN)?;
    w.int(1).comma().int(will.will_qos.code().into()).comma();
    w.int(will.will_retain.into()).comma();
    w.quoted("will_topic", will.will_topic.as_bytes())?.comma();
    w.quoted("will_msg", will.will_msg.as_bytes())
}

/// Writes `"<product_key>","<device_name>","<device_secret>"`, shared by the write command and
/// the query response of AT+QMTCFG="aliauth".
pub(crate) fn write_aliauth<'w, 'o>(
    w: &'w mut Wire<'o>,
    product_key: &str,
    device_name: &str,
    device_secret: &str,
) -> Result<&'w mut Wire<'o>, EncodeError> {
    let fields = [
        ("product_key", product_key),
        ("device_name", device_name),
        ("device_secret", device_secret),
    ];
    for (field, value) in fields {
        check_string(field, value.as_bytes(), limits::ALIAUTH_LEN)?;
    }
    for (i, (field, value)) in fields.into_iter().enumerate() {
        if i > 0 {
            w.comma();
        }
        w.quoted(field, value.as_bytes())?;
    }
    Ok(w)
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

fn range<T: Into<i64>>(
    field: &'static str,
    value: T,
    (min, max): (i64, i64),
) -> Result<(), EncodeError> {
    check_range(field, value.into(), min, max)
}

/// 1 to [`MAX_TOPICS`] topics per QMTSUB/QMTUNS (D29).
fn topic_count(len: usize) -> Result<(), EncodeError> {
    match len {
        0 => Err(EncodeError::NoTopics),
        n if n > MAX_TOPICS => Err(EncodeError::TooManyTopics { max: MAX_TOPICS }),
        _ => Ok(()),
    }
}

fn write_id<'w, 'o>(
    w: &'w mut Wire<'o>,
    head: &[u8],
    conn_id: u8,
) -> Result<&'w mut Wire<'o>, EncodeError> {
    range("tcpconnectID", conn_id, limits::CONN_ID)?;
    Ok(w.raw(head).int(conn_id.into()))
}

fn cfg<'w, 'o>(
    w: &'w mut Wire<'o>,
    keyword: &[u8],
    conn_id: u8,
) -> Result<&'w mut Wire<'o>, EncodeError> {
    range("tcpconnectID", conn_id, limits::CONN_ID)?;
    Ok(w.raw(b"AT+QMTCFG=")
        .quoted_unchecked(keyword)
        .comma()
        .int(conn_id.into()))
}

impl fmt::Display for Command<'_> {
    /// The wire line without its CR, or `<invalid: reason>` when a field cannot be encoded.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_bytes() {
            Ok(mut b) => {
                b.pop();
                f.write_str(&String::from_utf8_lossy(&b))
            }
            Err(e) => write!(f, "<invalid {}: {e}>", self.name()),
        }
    }
}
