//! Host → module commands (chapter 3, and the basic commands of spec/basic.toml).
//!
//! Throughout, `conn_id` is the note's `<tcpconnectID>` and `msg_id` its `<msgID>`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

pub use crate::cfg_setting::{CfgKeyword, CfgSetting, Will};
use crate::codes::Qos;
use crate::command_json::CommandJson;
pub use crate::mqtt_command::MqttCommand;
use crate::text::Payload;
pub use crate::topics::{SubTopic, SubTopics, UnsTopics};

/// A command line the host sends.
///
/// Serialised flat with `form` = the spec/ form id and the note's field names
/// (`tcpconnectID`, `msgID`, ...): the JSON of `bc20 decode --json`, unchanged by the nesting
/// of [`Command::QmtCfg`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "CommandJson<'a>", into = "CommandJson<'a>")]
pub enum Command<'a> {
    /// `AT+QMTCFG=?`
    QmtCfgTest,
    /// `AT+QMTCFG="<keyword>",<id>[,...]`: a query or a write of one setting of the slot.
    /// In JSON it is flat, one `form` per keyword and kind (`qmtcfg.timeout.write`, ...).
    QmtCfg {
        /// `<tcpconnectID>`.
        conn_id: u8,
        /// What the line asks about or sets.
        setting: CfgSetting<'a>,
    },
    /// `AT+QMTOPEN=?`
    QmtOpenTest,
    /// `AT+QMTOPEN?`
    QmtOpenRead,
    /// `AT+QMTOPEN=<id>,"<host_name>",<port>`.
    QmtOpen {
        /// `<tcpconnectID>`.
        conn_id: u8,
        /// `<host_name>`: IP address or domain name, at most 100 bytes.
        host_name: Cow<'a, str>,
        /// `<port>`, 1-65535.
        port: u16,
    },
    /// `AT+QMTCLOSE=?`
    QmtCloseTest,
    /// `AT+QMTCLOSE=<id>`.
    QmtClose {
        /// `<tcpconnectID>`.
        conn_id: u8,
    },
    /// `AT+QMTCONN=?`
    QmtConnTest,
    /// `AT+QMTCONN?`
    QmtConnRead,
    /// `AT+QMTCONN=<id>,"<clientID>"[,"<username>"[,"<password>"]]`.
    QmtConn {
        /// `<tcpconnectID>`.
        conn_id: u8,
        /// `<clientID>`.
        client_id: Cow<'a, str>,
        /// `<username>`.
        username: Option<Cow<'a, str>>,
        /// `<password>`; only with `username`.
        password: Option<Cow<'a, str>>,
    },
    /// `AT+QMTDISC=?`
    QmtDiscTest,
    /// `AT+QMTDISC=<id>`.
    QmtDisc {
        /// `<tcpconnectID>`.
        conn_id: u8,
    },
    /// `AT+QMTSUB=?`
    QmtSubTest,
    /// `AT+QMTSUB=<id>,<msgID>,"<topic1>",<qos1>[,"<topic2>",<qos2>…]`.
    QmtSub {
        /// `<tcpconnectID>`.
        conn_id: u8,
        /// `<msgID>`, 1-65535.
        msg_id: u16,
        /// The topics with their requested QoS, at least one.
        topics: SubTopics<'a>,
    },
    /// `AT+QMTUNS=?`
    QmtUnsTest,
    /// `AT+QMTUNS=<id>,<msgID>,"<topic1>"[,"<topic2>"…]`.
    QmtUns {
        /// `<tcpconnectID>`.
        conn_id: u8,
        /// `<msgID>`, 1-65535.
        msg_id: u16,
        /// The topics, at least one.
        topics: UnsTopics<'a>,
    },
    /// `AT+QMTPUB=?`
    QmtPubTest,
    /// `AT+QMTPUB=<id>,<msgID>,<qos>,<retain>,"<topic>","<msg>"`.
    QmtPub {
        /// `<tcpconnectID>`.
        conn_id: u8,
        /// `<msgID>`: 0 if and only if `qos` is 0.
        msg_id: u16,
        /// `<qos>`.
        qos: Qos,
        /// `<retain>`.
        retain: bool,
        /// `<topic>`.
        topic: Cow<'a, str>,
        /// `<msg>`; cannot contain `"`, CR or LF.
        msg: Payload<'a>,
    },
    /// `AT`: attention.
    At,
    /// `ATE0` / `ATE1`: command echo off / on.
    Echo {
        /// 1: echo on.
        on: bool,
    },
    /// `ATI`: product identification.
    Ati,
    /// `AT+CGMR`: firmware revision.
    Cgmr,
    /// `AT+CMEE=<n>`: error reporting mode (0 `ERROR`, 1 numeric, 2 verbose).
    Cmee {
        /// `<n>`, 0-2.
        n: u8,
    },
    /// `AT+CPIN?`: SIM state.
    CpinRead,
    /// `AT+CEREG?`: EPS registration state.
    CeregRead,
    /// `AT+CGATT?`: packet domain attach state.
    CgattRead,
    /// `AT+CSQ`: signal quality.
    Csq,
}

impl Command<'_> {
    /// The spec/ form id, e.g. `qmtopen.write`.
    pub fn spec_id(&self) -> &'static str {
        use Command::*;
        match self {
            QmtCfgTest => "qmtcfg.test",
            QmtCfg { setting, .. } => setting.spec_id(),
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
            QmtCfgTest | QmtCfg { .. } => MqttCommand::QmtCfg,
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

    /// The command's name as written, e.g. `AT+QMTOPEN`, `ATE`, `ATI`, `AT+CSQ`.
    pub fn name(&self) -> &'static str {
        use Command::*;
        match self.mqtt_command() {
            Some(mqtt) => mqtt.at_name(),
            None => match self {
                Echo { .. } => "ATE",
                Ati => "ATI",
                Cgmr => "AT+CGMR",
                Cmee { .. } => "AT+CMEE",
                CpinRead => "AT+CPIN",
                CeregRead => "AT+CEREG",
                CgattRead => "AT+CGATT",
                Csq => "AT+CSQ",
                _ => "AT",
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
