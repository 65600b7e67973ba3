//! Module → host lines: information responses and final result codes ([`Response`]), and
//! unsolicited lines ([`Urc`]): the asynchronous `+QMTxxx:` results of Figure 1, +QMTSTAT
//! and +QMTRECV (chapter 5).

use std::borrow::Cow;

use arrayvec::ArrayVec;
use serde::{Deserialize, Serialize};

use crate::codes::{
    CloseResult, CmeError, ConnState, ConnectReturnCode, GrantedQos, OpenResult, PacketResult,
    QmtStatCode,
};
use crate::command::{write_aliauth, write_will, MqttCommand, Will};
use crate::error::EncodeError;
use crate::limits::{self, MAX_TOPICS};
use crate::serde_int::bool_int;
use crate::text::{check_host_name, check_string, Payload};
use crate::wire::{check_range, Wire};

/// A line the module sends in answer to a command. Serialised with `form` = the spec/ id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "form")]
pub enum Response<'a> {
    /// A test-form answer, e.g. `+QMTOPEN: (0-5),"<host_name>",(1-65535)`: the parameter
    /// description as printed (it describes ranges, it carries no values).
    #[serde(rename = "test.response")]
    Test {
        /// Which command it describes.
        command: MqttCommand,
        /// Everything after `+QMTxxx: `.
        params: Cow<'a, str>,
    },
    /// `+QMTCFG: "keepalive",<keep-alive time>`.
    #[serde(rename = "qmtcfg.keepalive.response")]
    QmtCfgKeepAlive {
        /// `<keep-alive time>`.
        #[serde(rename = "keep-alive time")]
        keepalive: u16,
    },
    /// `+QMTCFG: "session",<clean_session>`.
    #[serde(rename = "qmtcfg.session.response")]
    QmtCfgSession {
        /// `<clean_session>`.
        #[serde(with = "bool_int")]
        clean_session: bool,
    },
    /// `+QMTCFG: "timeout",<pkt_timeout>,<retry_times>,<timeout_notice>`.
    #[serde(rename = "qmtcfg.timeout.response")]
    QmtCfgTimeout {
        /// `<pkt_timeout>`.
        pkt_timeout: u8,
        /// `<retry_times>`.
        retry_times: u8,
        /// `<timeout_notice>`.
        #[serde(with = "bool_int")]
        timeout_notice: bool,
    },
    /// `+QMTCFG: "will",<will_fg>[,<will_qos>,<will_retain>,"<will_topic>","<will_msg>"]`.
    #[serde(rename = "qmtcfg.will.response")]
    QmtCfgWill {
        /// The Will; `None` is `<will_fg>`=0. In JSON its fields stand beside `form`.
        #[serde(flatten)]
        will: Option<Will<'a>>,
    },
    /// `+QMTCFG: "aliauth","<product_key>","<device_name>","<device_secret>"`.
    #[serde(rename = "qmtcfg.aliauth.response")]
    QmtCfgAliAuth {
        /// `<product_key>`.
        product_key: Cow<'a, str>,
        /// `<device_name>`.
        device_name: Cow<'a, str>,
        /// `<device_secret>`.
        device_secret: Cow<'a, str>,
    },
    /// `+QMTOPEN: <tcpconnectID>,"<host_name>",<port>` (read form).
    #[serde(rename = "qmtopen.read.response")]
    QmtOpenRead {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<host_name>`.
        host_name: Cow<'a, str>,
        /// `<port>`.
        port: u16,
    },
    /// `+QMTCONN: <tcpconnectID>,<state>` (read form).
    #[serde(rename = "qmtconn.read.response")]
    QmtConnRead {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<state>`.
        state: ConnState,
    },
    /// `+CPIN: <code>`, e.g. `READY`.
    #[serde(rename = "basic.cpin.response")]
    Cpin {
        /// The SIM state word.
        code: Cow<'a, str>,
    },
    /// `+CEREG: <n>,<stat>`.
    #[serde(rename = "basic.cereg.response")]
    Cereg {
        /// Unsolicited reporting mode.
        n: u8,
        /// Registration state (1 home, 5 roaming).
        stat: u8,
    },
    /// `+CGATT: <state>`.
    #[serde(rename = "basic.cgatt.response")]
    Cgatt {
        /// 1: attached.
        #[serde(with = "bool_int")]
        state: bool,
    },
    /// `+CSQ: <rssi>,<ber>`.
    #[serde(rename = "basic.csq.response")]
    Csq {
        /// Received signal strength, 0-31 or 99.
        rssi: u8,
        /// Bit error rate, 0-7 or 99.
        ber: u8,
    },
    /// A free text line (ATI and AT+CGMR answers, e.g. `Revision: BC20JAR01A04`).
    #[serde(rename = "text")]
    Text {
        /// The line.
        text: Cow<'a, str>,
    },
    /// `OK`.
    #[serde(rename = "final.ok")]
    Ok,
    /// `ERROR`.
    #[serde(rename = "final.error")]
    Error,
    /// `+CME ERROR: <err>`.
    #[serde(rename = "final.cme_error")]
    CmeError {
        /// `<err>`.
        err: CmeError,
    },
}

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
    /// `+QMTSUB: <tcpconnectID>,<msgID>,<result>[,<value>]`.
    #[serde(rename = "qmtsub.result")]
    QmtSub {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<msgID>`.
        #[serde(rename = "msgID")]
        msg_id: u16,
        /// `<result>`.
        result: PacketResult,
        /// `<value>`: present with result 0 and 1, absent with 2.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<SubValue>,
    },
    /// `+QMTUNS: <tcpconnectID>,<msgID>,<result>[,<value>]` (count only with result 1).
    #[serde(rename = "qmtuns.result")]
    QmtUns {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<msgID>`.
        #[serde(rename = "msgID")]
        msg_id: u16,
        /// `<result>`.
        result: PacketResult,
        /// Retransmission count; only with result 1, and optional there (D31).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<u8>,
    },
    /// `+QMTPUB: <tcpconnectID>,<msgID>,<result>[,<value>]` (count only with result 1).
    #[serde(rename = "qmtpub.result")]
    QmtPub {
        /// `<tcpconnectID>`.
        #[serde(rename = "tcpconnectID")]
        conn_id: u8,
        /// `<msgID>`.
        #[serde(rename = "msgID")]
        msg_id: u16,
        /// `<result>`.
        result: PacketResult,
        /// Retransmission count; only with result 1.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<u8>,
    },
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

impl Response<'_> {
    /// The spec/ id, e.g. `qmtopen.read.response`.
    pub fn spec_id(&self) -> &'static str {
        use Response::*;
        match self {
            Test { command, .. } => match command {
                MqttCommand::QmtCfg => "qmtcfg.test.response",
                MqttCommand::QmtOpen => "qmtopen.test.response",
                MqttCommand::QmtClose => "qmtclose.test.response",
                MqttCommand::QmtConn => "qmtconn.test.response",
                MqttCommand::QmtDisc => "qmtdisc.test.response",
                MqttCommand::QmtSub => "qmtsub.test.response",
                MqttCommand::QmtUns => "qmtuns.test.response",
                MqttCommand::QmtPub => "qmtpub.test.response",
            },
            QmtCfgKeepAlive { .. } => "qmtcfg.keepalive.response",
            QmtCfgSession { .. } => "qmtcfg.session.response",
            QmtCfgTimeout { .. } => "qmtcfg.timeout.response",
            QmtCfgWill { .. } => "qmtcfg.will.response",
            QmtCfgAliAuth { .. } => "qmtcfg.aliauth.response",
            QmtOpenRead { .. } => "qmtopen.read.response",
            QmtConnRead { .. } => "qmtconn.read.response",
            Cpin { .. } => "basic.cpin.response",
            Cereg { .. } => "basic.cereg.response",
            Cgatt { .. } => "basic.cgatt.response",
            Csq { .. } => "basic.csq.response",
            Text { .. } => "text",
            Ok => "final.ok",
            Error => "final.error",
            CmeError { .. } => "final.cme_error",
        }
    }

    /// The line's name as printed, e.g. `+QMTOPEN`, `OK`, `+CME ERROR`.
    pub fn name(&self) -> &'static str {
        use Response::*;
        match self {
            Test { command, .. } => plus_name(*command),
            QmtCfgKeepAlive { .. }
            | QmtCfgSession { .. }
            | QmtCfgTimeout { .. }
            | QmtCfgWill { .. }
            | QmtCfgAliAuth { .. } => "+QMTCFG",
            QmtOpenRead { .. } => "+QMTOPEN",
            QmtConnRead { .. } => "+QMTCONN",
            Cpin { .. } => "+CPIN",
            Cereg { .. } => "+CEREG",
            Cgatt { .. } => "+CGATT",
            Csq { .. } => "+CSQ",
            Text { .. } => "text",
            Ok => "OK",
            Error => "ERROR",
            CmeError { .. } => "+CME ERROR",
        }
    }

    /// Whether this ends a command (`OK`, `ERROR`, `+CME ERROR`).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Response::Ok | Response::Error | Response::CmeError { .. }
        )
    }

    /// Appends `\r\n<line>\r\n`, after checking every field.
    ///
    /// # Errors
    ///
    /// An [`EncodeError`] naming the field that breaks the note or a decision (range, length,
    /// a byte the wire cannot carry, a rule), or `LineTooLong` when the line would exceed
    /// [`crate::DEFAULT_MAX_LINE_LEN`] bytes (D12, D50); `out` is then left as it was.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.extend_from_slice(b"\r\n");
        // The line between its CR LFs must fit the bound every peer decodes (D12, D50).
        let result = self
            .encode_line(out)
            .and_then(|()| crate::wire::check_line_len(out.len() - start - 2));
        match result {
            Result::Ok(()) => out.extend_from_slice(b"\r\n"),
            Err(_) => out.truncate(start),
        }
        result
    }

    /// The encoded bytes in a new buffer.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(32);
        self.encode(&mut out)?;
        Result::Ok(out)
    }

    fn encode_line(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        use Response::*;
        let mut w = Wire::new(out);
        match self {
            Test { command, params } => {
                let b = params.as_bytes();
                if let Some(at) = b.iter().position(|&c| c < 0x20 || c == 0x7f) {
                    return Err(EncodeError::Unrepresentable {
                        field: "params",
                        byte: b[at],
                        at,
                    });
                }
                // Blanks before the line end are a deviation strict decoding refuses (D46):
                // the encoder never writes a line its own decoder rejects.
                if b.last().is_some_and(|&c| c == b' ' || c == b'\t') {
                    return Err(EncodeError::Rule {
                        field: "params",
                        rule: "no blank or tab before the line end (D46)",
                    });
                }
                w.raw(plus_name(*command).as_bytes()).raw(b": ");
                // The wire has ASCII quotes only (D2): typographic ones read leniently become `"`.
                for (i, part) in params.split(['\u{201c}', '\u{201d}']).enumerate() {
                    if i > 0 {
                        w.raw(b"\"");
                    }
                    w.raw(part.as_bytes());
                }
            }
            QmtCfgKeepAlive { keepalive } => {
                range("keep-alive time", *keepalive, limits::KEEPALIVE)?;
                w.raw(b"+QMTCFG: \"keepalive\",").int((*keepalive).into());
            }
            QmtCfgSession { clean_session } => {
                w.raw(b"+QMTCFG: \"session\",").int((*clean_session).into());
            }
            QmtCfgTimeout {
                pkt_timeout,
                retry_times,
                timeout_notice,
            } => {
                range("pkt_timeout", *pkt_timeout, limits::PKT_TIMEOUT)?;
                range("retry_times", *retry_times, limits::RETRY_TIMES)?;
                w.raw(b"+QMTCFG: \"timeout\",")
                    .int((*pkt_timeout).into())
                    .comma();
                w.int((*retry_times).into())
                    .comma()
                    .int((*timeout_notice).into());
            }
            QmtCfgWill { will } => {
                write_will(w.raw(b"+QMTCFG: \"will\","), will.as_ref())?;
            }
            QmtCfgAliAuth {
                product_key,
                device_name,
                device_secret,
            } => {
                let w = w.raw(b"+QMTCFG: \"aliauth\",");
                write_aliauth(w, product_key, device_name, device_secret)?;
            }
            QmtOpenRead {
                conn_id,
                host_name,
                port,
            } => {
                check_host_name(host_name)?;
                range("port", *port, limits::PORT)?;
                conn(&mut w, b"+QMTOPEN: ", *conn_id)?
                    .comma()
                    .quoted_unchecked(host_name.as_bytes())
                    .comma()
                    .int((*port).into());
            }
            QmtConnRead { conn_id, state } => {
                conn(&mut w, b"+QMTCONN: ", *conn_id)?
                    .comma()
                    .int(state.code().into());
            }
            Cpin { code } => {
                for part in code.split(' ') {
                    word("code", part)?;
                }
                w.raw(b"+CPIN: ").raw(code.as_bytes());
            }
            Cereg { n, stat } => {
                range("n", *n, (0, 5))?;
                range("stat", *stat, (0, 10))?;
                w.raw(b"+CEREG: ")
                    .int((*n).into())
                    .comma()
                    .int((*stat).into());
            }
            Cgatt { state } => {
                w.raw(b"+CGATT: ").int((*state).into());
            }
            Csq { rssi, ber } => {
                range("rssi", *rssi, (0, 99))?;
                range("ber", *ber, (0, 99))?;
                w.raw(b"+CSQ: ")
                    .int((*rssi).into())
                    .comma()
                    .int((*ber).into());
            }
            Text { text } => {
                check_free_text(text)?;
                w.raw(text.as_bytes());
            }
            Ok => {
                w.raw(b"OK");
            }
            Error => {
                w.raw(b"ERROR");
            }
            CmeError { err } => {
                w.raw(b"+CME ERROR: ").int(err.code().into());
            }
        }
        Result::Ok(())
    }

    /// An owned copy that outlives the input buffer.
    pub fn into_owned(self) -> Response<'static> {
        use Response::*;
        match self {
            Test { command, params } => Test {
                command,
                params: own(params),
            },
            QmtCfgKeepAlive { keepalive } => QmtCfgKeepAlive { keepalive },
            QmtCfgSession { clean_session } => QmtCfgSession { clean_session },
            QmtCfgTimeout {
                pkt_timeout,
                retry_times,
                timeout_notice,
            } => QmtCfgTimeout {
                pkt_timeout,
                retry_times,
                timeout_notice,
            },
            QmtCfgWill { will } => QmtCfgWill {
                will: will.map(Will::into_owned),
            },
            QmtCfgAliAuth {
                product_key,
                device_name,
                device_secret,
            } => QmtCfgAliAuth {
                product_key: own(product_key),
                device_name: own(device_name),
                device_secret: own(device_secret),
            },
            QmtOpenRead {
                conn_id,
                host_name,
                port,
            } => QmtOpenRead {
                conn_id,
                host_name: own(host_name),
                port,
            },
            QmtConnRead { conn_id, state } => QmtConnRead { conn_id, state },
            Cpin { code } => Cpin { code: own(code) },
            Cereg { n, stat } => Cereg { n, stat },
            Cgatt { state } => Cgatt { state },
            Csq { rssi, ber } => Csq { rssi, ber },
            Text { text } => Text { text: own(text) },
            Ok => Ok,
            Error => Error,
            CmeError { err } => CmeError { err },
        }
    }
}

impl Urc<'_> {
    /// The spec/ id, e.g. `urc.qmtrecv`, `qmtopen.result`.
    pub fn spec_id(&self) -> &'static str {
        match self {
            Urc::QmtOpen { .. } => "qmtopen.result",
            Urc::QmtClose { .. } => "qmtclose.result",
            Urc::QmtConn { .. } => "qmtconn.result",
            Urc::QmtDisc { .. } => "qmtdisc.result",
            Urc::QmtSub { .. } => "qmtsub.result",
            Urc::QmtUns { .. } => "qmtuns.result",
            Urc::QmtPub { .. } => "qmtpub.result",
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
            Urc::QmtSub { .. } => "+QMTSUB",
            Urc::QmtUns { .. } => "+QMTUNS",
            Urc::QmtPub { .. } => "+QMTPUB",
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
            | Urc::QmtSub { conn_id, .. }
            | Urc::QmtUns { conn_id, .. }
            | Urc::QmtPub { conn_id, .. }
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
            Urc::QmtSub { .. } => MqttCommand::QmtSub,
            Urc::QmtUns { .. } => MqttCommand::QmtUns,
            Urc::QmtPub { .. } => MqttCommand::QmtPub,
            Urc::QmtStat { .. } | Urc::QmtRecv { .. } | Urc::Ip { .. } | Urc::Unknown { .. } => {
                return None
            }
        })
    }

    /// Appends `\r\n<line>\r\n`, after checking every field.
    ///
    /// # Errors
    ///
    /// An [`EncodeError`] naming the field that breaks the note or a decision (range, length,
    /// a byte the wire cannot carry, a rule), or `LineTooLong` when the line would exceed
    /// [`crate::DEFAULT_MAX_LINE_LEN`] bytes (D12, D50); `out` is then left as it was.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.extend_from_slice(b"\r\n");
        // The line between its CR LFs must fit the bound every peer decodes (D12, D50).
        let result = self
            .encode_line(out)
            .and_then(|()| crate::wire::check_line_len(out.len() - start - 2));
        match result {
            Ok(()) => out.extend_from_slice(b"\r\n"),
            Err(_) => out.truncate(start),
        }
        result
    }

    /// The encoded bytes in a new buffer.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(32);
        self.encode(&mut out)?;
        Ok(out)
    }

    fn encode_line(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let mut w = Wire::new(out);
        match self {
            Urc::QmtOpen { conn_id, result } => {
                conn(&mut w, b"+QMTOPEN: ", *conn_id)?
                    .comma()
                    .int(result.code().into());
            }
            Urc::QmtClose { conn_id, result } => {
                conn(&mut w, b"+QMTCLOSE: ", *conn_id)?
                    .comma()
                    .int(result.code().into());
            }
            Urc::QmtConn {
                conn_id,
                result,
                ret_code,
                value,
            } => {
                if value.is_some() {
                    return Err(EncodeError::Rule {
                        field: "value",
                        rule: "+QMTCONN carries no retransmission count in the note (D27)",
                    });
                }
                if (*result == PacketResult::Sent) != ret_code.is_some() {
                    return Err(EncodeError::Rule {
                        field: "ret_code",
                        rule: "ret_code is present if and only if result is 0",
                    });
                }
                conn(&mut w, b"+QMTCONN: ", *conn_id)?
                    .comma()
                    .int(result.code().into());
                if let Some(rc) = ret_code {
                    w.comma().int(rc.code().into());
                }
            }
            Urc::QmtDisc { conn_id, result } => {
                conn(&mut w, b"+QMTDISC: ", *conn_id)?
                    .comma()
                    .int(result.code().into());
            }
            Urc::QmtSub {
                conn_id,
                msg_id,
                result,
                value,
            } => {
                range("msgID", *msg_id, limits::SUB_MSG_ID)?;
                match (result, value) {
                    (PacketResult::Sent, Some(SubValue::Granted(g))) if !g.is_empty() => {}
                    (PacketResult::Retransmission, Some(SubValue::Retransmissions(_))) | (PacketResult::Failed, None) => {}
                    _ => {
                        return Err(EncodeError::Rule {
                            field: "value",
                            rule: "value is the granted QoS list with result 0, the retransmission count with result 1, absent with result 2",
                        })
                    }
                }
                conn(&mut w, b"+QMTSUB: ", *conn_id)?
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
            }
            Urc::QmtUns {
                conn_id,
                msg_id,
                result,
                value,
            } => {
                range("msgID", *msg_id, limits::SUB_MSG_ID)?;
                // The count is optional on +QMTUNS (D31), but never without result 1.
                if value.is_some() && *result != PacketResult::Retransmission {
                    count_rule(*result, *value)?;
                }
                conn(&mut w, b"+QMTUNS: ", *conn_id)?
                    .comma()
                    .int((*msg_id).into())
                    .comma()
                    .int(result.code().into());
                if let Some(n) = value {
                    w.comma().int((*n).into());
                }
            }
            Urc::QmtPub {
                conn_id,
                msg_id,
                result,
                value,
            } => {
                count_rule(*result, *value)?;
                conn(&mut w, b"+QMTPUB: ", *conn_id)?
                    .comma()
                    .int((*msg_id).into())
                    .comma()
                    .int(result.code().into());
                if let Some(n) = value {
                    w.comma().int((*n).into());
                }
            }
            Urc::QmtStat { conn_id, err_code } => {
                if err_code.code() == 0 {
                    return Err(EncodeError::OutOfRange {
                        field: "err_code",
                        value: 0,
                        min: 1,
                        max: 255,
                    });
                }
                conn(&mut w, b"+QMTSTAT: ", *conn_id)?
                    .comma()
                    .int(err_code.code().into());
            }
            Urc::QmtRecv {
                conn_id,
                msg_id,
                topic,
                payload,
            } => {
                // Received topics have no limit of their own; the line length bounds them (D11).
                check_string("topic", topic.as_bytes(), (1, usize::MAX))?;
                payload.check()?;
                conn(&mut w, b"+QMTRECV: ", *conn_id)?
                    .comma()
                    .int((*msg_id).into())
                    .comma();
                w.quoted_unchecked(topic.as_bytes())
                    .comma()
                    .quoted_unchecked(payload.as_bytes());
            }
            Urc::Ip { addr } => {
                word("addr", addr)?;
                w.raw(b"+IP: ").raw(addr.as_bytes());
            }
            Urc::Unknown { text } => {
                let b = text.as_bytes();
                if b.first() != Some(&b'+') || !b.contains(&b':') {
                    return Err(EncodeError::Rule {
                        field: "line",
                        rule: "an unknown URC starts with '+' and has a ':'",
                    });
                }
                if let Some(at) = b.iter().position(|&c| c < 0x20 || c == 0x7f) {
                    return Err(EncodeError::Unrepresentable {
                        field: "line",
                        byte: b[at],
                        at,
                    });
                }
                w.raw(b);
            }
        }
        Ok(())
    }

    /// An owned copy that outlives the input buffer.
    pub fn into_owned(self) -> Urc<'static> {
        match self {
            Urc::QmtOpen { conn_id, result } => Urc::QmtOpen { conn_id, result },
            Urc::QmtClose { conn_id, result } => Urc::QmtClose { conn_id, result },
            Urc::QmtConn {
                conn_id,
                result,
                ret_code,
                value,
            } => Urc::QmtConn {
                conn_id,
                result,
                ret_code,
                value,
            },
            Urc::QmtDisc { conn_id, result } => Urc::QmtDisc { conn_id, result },
            Urc::QmtSub {
                conn_id,
                msg_id,
                result,
                value,
            } => Urc::QmtSub {
                conn_id,
                msg_id,
                result,
                value,
            },
            Urc::QmtUns {
                conn_id,
                msg_id,
                result,
                value,
            } => Urc::QmtUns {
                conn_id,
                msg_id,
                result,
                value,
            },
            Urc::QmtPub {
                conn_id,
                msg_id,
                result,
                value,
            } => Urc::QmtPub {
                conn_id,
                msg_id,
                result,
                value,
            },
            Urc::QmtStat { conn_id, err_code } => Urc::QmtStat { conn_id, err_code },
            Urc::QmtRecv {
                conn_id,
                msg_id,
                topic,
                payload,
            } => Urc::QmtRecv {
                conn_id,
                msg_id,
                topic: own(topic),
                payload: payload.into_owned(),
            },
            Urc::Ip { addr } => Urc::Ip { addr: own(addr) },
            Urc::Unknown { text } => Urc::Unknown { text: own(text) },
        }
    }
}

/// `+QMTxxx` for an MQTT command.
pub(crate) fn plus_name(c: MqttCommand) -> &'static str {
    match c {
        MqttCommand::QmtCfg => "+QMTCFG",
        MqttCommand::QmtOpen => "+QMTOPEN",
        MqttCommand::QmtClose => "+QMTCLOSE",
        MqttCommand::QmtConn => "+QMTCONN",
        MqttCommand::QmtDisc => "+QMTDISC",
        MqttCommand::QmtSub => "+QMTSUB",
        MqttCommand::QmtUns => "+QMTUNS",
        MqttCommand::QmtPub => "+QMTPUB",
    }
}

fn own(s: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(s.into_owned())
}

fn range<T: Into<i64>>(
    field: &'static str,
    value: T,
    (min, max): (i64, i64),
) -> Result<(), EncodeError> {
    check_range(field, value.into(), min, max)
}

fn conn<'w, 'o>(
    w: &'w mut Wire<'o>,
    head: &[u8],
    conn_id: u8,
) -> Result<&'w mut Wire<'o>, EncodeError> {
    range("tcpconnectID", conn_id, limits::CONN_ID)?;
    Ok(w.raw(head).int(conn_id.into()))
}

fn count_rule(result: PacketResult, value: Option<u8>) -> Result<(), EncodeError> {
    if (result == PacketResult::Retransmission) == value.is_some() {
        Ok(())
    } else {
        Err(EncodeError::Rule {
            field: "value",
            rule: "the retransmission count is present if and only if result is 1",
        })
    }
}

/// A bare word: printable ASCII without separators, not empty.
fn word(field: &'static str, value: &str) -> Result<(), EncodeError> {
    if value.is_empty() {
        return Err(EncodeError::Length {
            field,
            len: 0,
            min: 1,
            max: usize::MAX,
        });
    }
    match value
        .bytes()
        .position(|b| !b.is_ascii_graphic() || b == b',' || b == b'"')
    {
        Some(at) => Err(EncodeError::Unrepresentable {
            field,
            byte: value.as_bytes()[at],
            at,
        }),
        None => Ok(()),
    }
}

/// Free text must not read back as anything else: no control bytes, no leading `+`, no
/// final-result word, no command.
fn check_free_text(text: &str) -> Result<(), EncodeError> {
    let b = text.as_bytes();
    if let Some(at) = b.iter().position(|&c| c < 0x20 || c == 0x7f) {
        return Err(EncodeError::Unrepresentable {
            field: "text",
            byte: b[at],
            at,
        });
    }
    let reserved = b.is_empty()
        || b[0] == b'+'
        || b[0] == b' '
        || b.last() == Some(&b' ')
        || text == "OK"
        || text == "ERROR"
        || (b.len() >= 2 && b[..2].eq_ignore_ascii_case(b"AT"));
    if reserved {
        return Err(EncodeError::Rule {
            field: "text",
            rule: "free text must not be empty, padded, or look like a result code, URC or command",
        });
    }
    Ok(())
}
