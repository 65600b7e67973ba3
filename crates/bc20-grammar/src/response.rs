//! Module → host lines in answer to a command: information responses and final result codes
//! ([`Response`]). Their codecs live with their command family (`families/`).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::codes::{CmeError, ConnState};
use crate::command::Will;
use crate::mqtt_command::MqttCommand;
use crate::serde_int::bool_int;

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
            Test { command, .. } => command.plus_name(),
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
}
