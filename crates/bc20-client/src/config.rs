//! Settings: the driver's own ([`ClientConfig`]) and the AT+QMTCFG settings of a slot
//! ([`Setting`], remembered as the grammar's [`bc20_grammar::SlotSettings`], the one model of
//! a slot's QMTCFG state, because they determine response times).

use std::time::Duration;

use bc20_grammar::{CfgSetting, Command, Mode, Qos, Will, DEFAULT_MAX_LINE_LEN};

/// How the driver behaves; [`Default`] is what spec/DECISIONS.md prescribes for the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientConfig {
    /// How modem lines are decoded: lenient by default (D*, "Client").
    pub mode: Mode,
    /// How long to wait for the final result code (`OK`, `ERROR`, `+CME ERROR`) after the
    /// command was written (D23: default 1 s).
    pub final_timeout: Duration,
    /// Added to the note's maximum response time when waiting for an asynchronous result
    /// (D23: default 2 s).
    pub async_grace: Duration,
    /// Most requests accepted but not completed; more are refused with
    /// [`crate::RequestError::QueueFull`].
    pub max_outstanding: usize,
    /// Longest modem line kept (D12).
    pub max_line_len: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            mode: Mode::Lenient,
            final_timeout: Duration::from_secs(1),
            async_grace: Duration::from_secs(2),
            max_outstanding: 256,
            max_line_len: DEFAULT_MAX_LINE_LEN,
        }
    }
}

/// A Will message for AT+QMTCFG="will" (3.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WillConfig {
    /// `<will_qos>`.
    pub qos: Qos,
    /// `<will_retain>`.
    pub retain: bool,
    /// `<will_topic>`: 1-1024 bytes of UTF-8 without `"`, CR or LF.
    pub topic: String,
    /// `<will_msg>`: 0-1548 bytes without `"`, CR or LF.
    pub message: String,
}

/// One AT+QMTCFG write: every setting of 3.2.1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// `"keepalive"`: `<keep-alive time>` in seconds, 0-3600 (0 disables keep-alive).
    KeepAlive {
        /// `<keep-alive time>`, seconds.
        keepalive: u16,
    },
    /// `"session"`: `<clean_session>`.
    Session {
        /// `<clean_session>`; true (1): discard the session on connect.
        clean_session: bool,
    },
    /// `"timeout"`: `<pkt_timeout>` (1-60 s), `<retry_times>` (0-10), `<timeout_notice>`.
    Timeout {
        /// Seconds to wait for each acknowledgement.
        pkt_timeout: u8,
        /// Retransmissions before giving up.
        retry_times: u8,
        /// Report each retransmission as `+QMTxxx: ...,1,<n>`.
        timeout_notice: bool,
    },
    /// `"will"`: set (`Some`) or clear (`None`) the Will.
    Will(Option<WillConfig>),
    /// `"aliauth"`: AliCloud device credentials (AliCloud only, D21).
    AliAuth {
        /// `<product_key>`.
        product_key: String,
        /// `<device_name>`.
        device_name: String,
        /// `<device_secret>`.
        device_secret: String,
    },
}

impl Setting {
    /// The AT+QMTCFG command that writes this setting on `conn_id`.
    pub fn command(&self, conn_id: u8) -> Command<'_> {
        Command::QmtCfg {
            conn_id,
            setting: self.cfg_setting(),
        }
    }

    /// This setting as the grammar's [`CfgSetting`] (a write form).
    pub fn cfg_setting(&self) -> CfgSetting<'_> {
        match self {
            Setting::KeepAlive { keepalive } => CfgSetting::KeepAlive {
                keepalive: *keepalive,
            },
            Setting::Session { clean_session } => CfgSetting::Session {
                clean_session: *clean_session,
            },
            Setting::Timeout {
                pkt_timeout,
                retry_times,
                timeout_notice,
            } => CfgSetting::Timeout {
                pkt_timeout: *pkt_timeout,
                retry_times: Some(*retry_times),
                timeout_notice: Some(*timeout_notice),
            },
            Setting::Will(will) => CfgSetting::Will(will.as_ref().map(|w| Will {
                will_qos: w.qos,
                will_retain: w.retain,
                will_topic: w.topic.as_str().into(),
                will_msg: w.message.as_str().into(),
            })),
            Setting::AliAuth {
                product_key,
                device_name,
                device_secret,
            } => CfgSetting::AliAuth {
                product_key: product_key.as_str().into(),
                device_name: device_name.as_str().into(),
                device_secret: device_secret.as_str().into(),
            },
        }
    }
}
