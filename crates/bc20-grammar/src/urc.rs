//! Unsolicited module → host lines ([`Urc`]): the asynchronous `+QMTxxx:` results of Figure 1,
//! +QMTSTAT and +QMTRECV (chapter 5). Their codecs live with their command family (`families/`).

use std::borrow::Cow;

use arrayvec::ArrayVec;
use serde::{Deserialize, Serialize};

use crate::codes::{
    CloseResult, ConnectReturnCode, GrantedQos, OpenResult, PacketResult, QmtStatCode,
};
use crate::limits::MAX_TOPICS;
use crate::mqtt_command::MqttCommand;
use crate::text::Payload;

/// The `<value>` of a +QMTSUB result: granted QoS per topic (result 0) or a retransmission
/// count (result 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    untagged,
    expecting = "a list of granted QoS (0, 1, 2, 128) or a retransmission count"
)]
pub enum SubValue {
    /// Result 0: one granted QoS (or 128) per topic, in topic order.
    Granted(ArrayVec<GrantedQos, MAX_TOPICS>),
    /// Result 1: how many times the packet was retransmitted.
    Retransmissions(u8),
}

/// The body of a `+QMTSUB`, `+QMTUNS` or `+QMTPUB` result (3.2.6-3.2.8): what became of
/// the packet a command with a `<msgID>` sent. `V` is the `<value>`: a [`SubValue`] for
/// +QMTSUB, a retransmission count (`u8`) for +QMTUNS and +QMTPUB. In JSON its fields stand
/// beside the line's `form`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(deserialize = "V: Deserialize<'de>"))]
pub struct PacketOutcome<V> {
    /// `<tcpconnectID>`, 0-5.
    #[serde(rename = "tcpconnectID")]
    pub conn_id: u8,
    /// `<msgID>`: 1-65535 for +QMTSUB and +QMTUNS, 0-65535 for +QMTPUB (0 for QoS 0).
    #[serde(rename = "msgID")]
    pub msg_id: u16,
    /// `<result>`: sent (0), retransmitted (1) or failed (2).
    pub result: PacketResult,
    /// `<value>`, when the line has one (which results have one depends on the command).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<V>,
}

/// An unsolicited line. Serialised with `form` = the spec/ id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "form")]
pub enum Urc<'a> {
    /// `+QMTOPEN: <tcpconnectID>,<result>`.
    #[serde(rename = "qmtopen.result")]
    QmtOpen {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<result>`.
        result: OpenResult,
    },
    /// `+QMTCLOSE: <tcpconnectID>,<result>`.
    #[serde(rename = "qmtclose.result")]
    QmtClose {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<result>`.
        result: CloseResult,
    },
    /// `+QMTCONN: <tcpconnectID>,<result>[,<ret_code>]`; `ret_code` comes with result 0 only.
    #[serde(rename = "qmtconn.result")]
    QmtConn {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<result>`.
        result: PacketResult,
        /// `<ret_code>`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ret_code: Option<ConnectReturnCode>,
        /// A retransmission count that some firmware appends after result 1; outside the note,
        /// so only lenient decoding produces it and encoding refuses it (D27).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<u8>,
    },
    /// `+QMTDISC: <tcpconnectID>,<result>`.
    #[serde(rename = "qmtdisc.result")]
    QmtDisc {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<result>`.
        result: CloseResult,
    },
    /// `+QMTSUB: <tcpconnectID>,<msgID>,<result>[,<value>]`: `value` is present with result
    /// 0 and 1, absent with 2.
    #[serde(rename = "qmtsub.result")]
    QmtSub(PacketOutcome<SubValue>),
    /// `+QMTUNS: <tcpconnectID>,<msgID>,<result>[,<value>]`: the retransmission count, only
    /// with result 1, and optional there (D31).
    #[serde(rename = "qmtuns.result")]
    QmtUns(PacketOutcome<u8>),
    /// `+QMTPUB: <tcpconnectID>,<msgID>,<result>[,<value>]`: the retransmission count, only
    /// with result 1.
    #[serde(rename = "qmtpub.result")]
    QmtPub(PacketOutcome<u8>),
    /// `+QMTSTAT: <tcpconnectID>,<err_code>` (5.1).
    #[serde(rename = "urc.qmtstat")]
    QmtStat {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<err_code>`.
        err_code: QmtStatCode,
    },
    /// `+QMTRECV: <tcpconnectID>,<msgID>,"<topic>","<payload>"` (5.2).
    #[serde(rename = "urc.qmtrecv")]
    QmtRecv {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<msgID>` (0 for QoS 0 deliveries).
        #[serde(rename = "msgID")]
        msg_id: u16,
        /// `<topic>`.
        topic: Cow<'a, str>,
        /// `<payload>`, raw bytes.
        payload: Payload<'a>,
    },
    /// A `+XXX:` line whose prefix is outside the grammar, kept whole (spec/DECISIONS.md D41).
    #[serde(rename = "unknown")]
    Unknown {
        /// The whole line.
        text: Cow<'a, str>,
    },
    /// `+IP: <addr>`: the PDP address after first attach.
    #[serde(rename = "basic.ip.urc")]
    Ip {
        /// The address as printed.
        addr: Cow<'a, str>,
    },
}

impl Urc<'_> {
    /// The spec/ id, e.g. `urc.qmtrecv`, `qmtopen.result`.
    pub fn spec_id(&self) -> &'static str {
        match self {
            Urc::QmtOpen { .. } => "qmtopen.result",
            Urc::QmtClose { .. } => "qmtclose.result",
            Urc::QmtConn { .. } => "qmtconn.result",
            Urc::QmtDisc { .. } => "qmtdisc.result",
            Urc::QmtSub(_) => "qmtsub.result",
            Urc::QmtUns(_) => "qmtuns.result",
            Urc::QmtPub(_) => "qmtpub.result",
            Urc::QmtStat { .. } => "urc.qmtstat",
            Urc::QmtRecv { .. } => "urc.qmtrecv",
            Urc::Ip { .. } => "basic.ip.urc",
            Urc::Unknown { .. } => "unknown",
        }
    }

    /// The line's name as printed, e.g. `+QMTRECV`.
    pub fn name(&self) -> &'static str {
        match self {
            Urc::QmtOpen { .. } => "+QMTOPEN",
            Urc::QmtClose { .. } => "+QMTCLOSE",
            Urc::QmtConn { .. } => "+QMTCONN",
            Urc::QmtDisc { .. } => "+QMTDISC",
            Urc::QmtSub(_) => "+QMTSUB",
            Urc::QmtUns(_) => "+QMTUNS",
            Urc::QmtPub(_) => "+QMTPUB",
            Urc::QmtStat { .. } => "+QMTSTAT",
            Urc::QmtRecv { .. } => "+QMTRECV",
            Urc::Ip { .. } => "+IP",
            Urc::Unknown { .. } => "unknown",
        }
    }

    /// The slot (`<tcpconnectID>`) the line is about, if any.
    pub fn conn_id(&self) -> Option<u8> {
        match self {
            Urc::QmtOpen { conn_id, .. }
            | Urc::QmtClose { conn_id, .. }
            | Urc::QmtConn { conn_id, .. }
            | Urc::QmtDisc { conn_id, .. }
            | Urc::QmtSub(PacketOutcome { conn_id, .. })
            | Urc::QmtUns(PacketOutcome { conn_id, .. })
            | Urc::QmtPub(PacketOutcome { conn_id, .. })
            | Urc::QmtStat { conn_id, .. }
            | Urc::QmtRecv { conn_id, .. } => Some(*conn_id),
            Urc::Ip { .. } | Urc::Unknown { .. } => None,
        }
    }

    /// The MQTT command whose asynchronous result this is, if it is one.
    pub fn result_of(&self) -> Option<MqttCommand> {
        Some(match self {
            Urc::QmtOpen { .. } => MqttCommand::QmtOpen,
            Urc::QmtClose { .. } => MqttCommand::QmtClose,
            Urc::QmtConn { .. } => MqttCommand::QmtConn,
            Urc::QmtDisc { .. } => MqttCommand::QmtDisc,
            Urc::QmtSub(_) => MqttCommand::QmtSub,
            Urc::QmtUns(_) => MqttCommand::QmtUns,
            Urc::QmtPub(_) => MqttCommand::QmtPub,
            Urc::QmtStat { .. } | Urc::QmtRecv { .. } | Urc::Ip { .. } | Urc::Unknown { .. } => {
                return None
            }
        })
    }
}
