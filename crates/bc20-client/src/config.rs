//! Settings: the driver's own ([`ClientConfig`]) and the AT+QMTCFG settings of a slot
//! ([`Setting`], remembered as [`SlotConfig`] because they determine response times).

use std::time::Duration;

use bc20_grammar::{limits, Command, Mode, Qos, Will, DEFAULT_MAX_LINE_LEN};

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
        /// Seconds.
        seconds: u16,
    },
    /// `"session"`: `<clean_session>`.
    Session {
        /// 1: discard the session on connect.
        clean: bool,
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
        match self {
            Setting::KeepAlive { seconds } => Command::QmtCfgKeepAlive {
                conn_id,
                keepalive: *seconds,
            },
            Setting::Session { clean } => Command::QmtCfgSession {
                conn_id,
                clean_session: *clean,
            },
            Setting::Timeout {
                pkt_timeout,
                retry_times,
                timeout_notice,
            } => Command::QmtCfgTimeout {
                conn_id,
                pkt_timeout: *pkt_timeout,
                retry_times: Some(*retry_times),
                timeout_notice: Some(*timeout_notice),
            },
            Setting::Will(will) => Command::QmtCfgWill {
                conn_id,
                will: will.as_ref().map(|w| Will {
                    will_qos: w.qos,
                    will_retain: w.retain,
                    will_topic: w.topic.as_str().into(),
                    will_msg: w.message.as_str().into(),
                }),
            },
            Setting::AliAuth {
                product_key,
                device_name,
                device_secret,
            } => Command::QmtCfgAliAuth {
                conn_id,
                product_key: product_key.as_str().into(),
                device_name: device_name.as_str().into(),
                device_secret: device_secret.as_str().into(),
            },
        }
    }
}

/// What the driver remembers of a slot's AT+QMTCFG settings: the values that determine the
/// maximum response times (D23), at the defaults of 3.2.1 until changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotConfig {
    /// `<pkt_timeout>` in seconds.
    pub pkt_timeout: u8,
    /// `<retry_times>`.
    pub retry_times: u8,
    /// `<timeout_notice>`.
    pub timeout_notice: bool,
    /// `<keep-alive time>` in seconds.
    pub keepalive: u16,
    /// `<clean_session>`.
    pub clean_session: bool,
}

impl Default for SlotConfig {
    fn default() -> Self {
        SlotConfig {
            pkt_timeout: limits::PKT_TIMEOUT_DEFAULT,
            retry_times: limits::RETRY_TIMES_DEFAULT,
            timeout_notice: false,
            keepalive: limits::KEEPALIVE_DEFAULT,
            clean_session: limits::CLEAN_SESSION_DEFAULT,
        }
    }
}

impl SlotConfig {
    /// The configuration after `setting` was accepted by the module.
    pub fn apply(&mut self, setting: &Setting) {
        match setting {
            Setting::KeepAlive { seconds } => self.keepalive = *seconds,
            Setting::Session { clean } => self.clean_session = *clean,
            Setting::Timeout {
                pkt_timeout,
                retry_times,
                timeout_notice,
            } => {
                self.pkt_timeout = *pkt_timeout;
                self.retry_times = *retry_times;
                self.timeout_notice = *timeout_notice;
            }
            Setting::Will(_) | Setting::AliAuth { .. } => {}
        }
    }
}
