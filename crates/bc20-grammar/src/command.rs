//! Host → module commands (chapter 3, and the basic commands of spec/basic.toml).
//!
//! Throughout, `conn_id` is the note's `<tcpconnectID>` and `msg_id` its `<msgID>`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::codes::Qos;
pub use crate::mqtt_command::MqttCommand;
use crate::serde_int::{bool_int, opt_bool_int};
use crate::text::Payload;
pub use crate::topics::{SubTopic, SubTopics, UnsTopics};

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
}
