//! [`MqttCommand`]: which of the note's eight MQTT commands a line belongs to. Below every
//! other module that names a command (limits, the line types, the families).

use serde::{Deserialize, Serialize};

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

    /// `AT+QMTxxx`, the name a command line starts with.
    pub(crate) const fn at_name(self) -> &'static str {
        match self {
            MqttCommand::QmtCfg => "AT+QMTCFG",
            MqttCommand::QmtOpen => "AT+QMTOPEN",
            MqttCommand::QmtClose => "AT+QMTCLOSE",
            MqttCommand::QmtConn => "AT+QMTCONN",
            MqttCommand::QmtDisc => "AT+QMTDISC",
            MqttCommand::QmtSub => "AT+QMTSUB",
            MqttCommand::QmtUns => "AT+QMTUNS",
            MqttCommand::QmtPub => "AT+QMTPUB",
        }
    }

    /// `AT+QMTxxx=?`, the test form's whole line (without its CR).
    pub(crate) const fn test_line(self) -> &'static [u8] {
        match self {
            MqttCommand::QmtCfg => b"AT+QMTCFG=?",
            MqttCommand::QmtOpen => b"AT+QMTOPEN=?",
            MqttCommand::QmtClose => b"AT+QMTCLOSE=?",
            MqttCommand::QmtConn => b"AT+QMTCONN=?",
            MqttCommand::QmtDisc => b"AT+QMTDISC=?",
            MqttCommand::QmtSub => b"AT+QMTSUB=?",
            MqttCommand::QmtUns => b"AT+QMTUNS=?",
            MqttCommand::QmtPub => b"AT+QMTPUB=?",
        }
    }

    /// `+QMTxxx`, the name an answer line prints.
    pub(crate) const fn plus_name(self) -> &'static str {
        match self {
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
}
