//! What one AT+QMTCFG line (3.2.1) asks about or sets: [`CfgSetting`], the `setting` of
//! [`Command::QmtCfg`](crate::Command::QmtCfg), with the five keywords ([`CfgKeyword`]) and the
//! Will they configure ([`Will`]).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::codes::Qos;
use crate::serde_int::bool_int;

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

/// The five `"<keyword>"`s of AT+QMTCFG (3.2.1): one per setting of a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum CfgKeyword {
    /// `"keepalive"`: the keep-alive time.
    KeepAlive,
    /// `"session"`: the clean-session flag.
    Session,
    /// `"timeout"`: packet timeout, retries and timeout notice.
    Timeout,
    /// `"will"`: the Will message.
    Will,
    /// `"aliauth"`: the AliCloud device triple.
    AliAuth,
}

impl CfgKeyword {
    /// Every keyword, in the note's order.
    pub const ALL: [CfgKeyword; 5] = [
        CfgKeyword::KeepAlive,
        CfgKeyword::Session,
        CfgKeyword::Timeout,
        CfgKeyword::Will,
        CfgKeyword::AliAuth,
    ];

    /// The keyword as the note writes it in lower case, without quotes (`"keepalive"`).
    pub fn as_str(self) -> &'static str {
        match self {
            CfgKeyword::KeepAlive => "keepalive",
            CfgKeyword::Session => "session",
            CfgKeyword::Timeout => "timeout",
            CfgKeyword::Will => "will",
            CfgKeyword::AliAuth => "aliauth",
        }
    }
}

/// What an `AT+QMTCFG="<keyword>",<tcpconnectID>[,...]` line does to its slot (3.2.1): ask
/// for one setting (the query form, nothing after the id) or set it (the write form, typed
/// per keyword). Ranges are checked by the encoder and the decoder (`limits`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum CfgSetting<'a> {
    /// `AT+QMTCFG="<keyword>",<id>`: the module answers with the setting's current value.
    Query(CfgKeyword),
    /// `AT+QMTCFG="keepalive",<id>,<keep-alive time>`.
    KeepAlive {
        /// `<keep-alive time>` in seconds, 0-3600 (0: no keep-alive).
        keepalive: u16,
    },
    /// `AT+QMTCFG="session",<id>,<clean_session>`.
    Session {
        /// `<clean_session>`.
        clean_session: bool,
    },
    /// `AT+QMTCFG="timeout",<id>,<pkt_timeout>[,<retry_times>[,<timeout_notice>]]`.
    Timeout {
        /// `<pkt_timeout>` in seconds, 1-60.
        pkt_timeout: u8,
        /// `<retry_times>`, 0-10; left off keeps the slot's value (D18).
        retry_times: Option<u8>,
        /// `<timeout_notice>`; only with `retry_times` (positional, D18).
        timeout_notice: Option<bool>,
    },
    /// `AT+QMTCFG="will",<id>,<will_fg>[,<will_qos>,<will_retain>,"<will_topic>","<will_msg>"]`;
    /// `None` is `<will_fg>`=0.
    Will(Option<Will<'a>>),
    /// `AT+QMTCFG="aliauth",<id>,"<product_key>","<device_name>","<device_secret>"`, each
    /// 1-64 bytes (D11).
    AliAuth {
        /// `<product_key>`.
        product_key: Cow<'a, str>,
        /// `<device_name>`.
        device_name: Cow<'a, str>,
        /// `<device_secret>`.
        device_secret: Cow<'a, str>,
    },
}

impl CfgSetting<'_> {
    /// The keyword the line names.
    pub fn keyword(&self) -> CfgKeyword {
        match self {
            CfgSetting::Query(k) => *k,
            CfgSetting::KeepAlive { .. } => CfgKeyword::KeepAlive,
            CfgSetting::Session { .. } => CfgKeyword::Session,
            CfgSetting::Timeout { .. } => CfgKeyword::Timeout,
            CfgSetting::Will(_) => CfgKeyword::Will,
            CfgSetting::AliAuth { .. } => CfgKeyword::AliAuth,
        }
    }

    /// Whether this is the query form (nothing after `<tcpconnectID>`).
    pub fn is_query(&self) -> bool {
        matches!(self, CfgSetting::Query(_))
    }

    /// The spec/ form id, e.g. `qmtcfg.keepalive.write` or `qmtcfg.will.query`.
    pub fn spec_id(&self) -> &'static str {
        use CfgKeyword as K;
        match (self.is_query(), self.keyword()) {
            (true, K::KeepAlive) => "qmtcfg.keepalive.query",
            (true, K::Session) => "qmtcfg.session.query",
            (true, K::Timeout) => "qmtcfg.timeout.query",
            (true, K::Will) => "qmtcfg.will.query",
            (true, K::AliAuth) => "qmtcfg.aliauth.query",
            (false, K::KeepAlive) => "qmtcfg.keepalive.write",
            (false, K::Session) => "qmtcfg.session.write",
            (false, K::Timeout) => "qmtcfg.timeout.write",
            (false, K::Will) => "qmtcfg.will.write",
            (false, K::AliAuth) => "qmtcfg.aliauth.write",
        }
    }

    /// An owned copy that outlives the input buffer.
    pub fn into_owned(self) -> CfgSetting<'static> {
        let own = |s: Cow<'_, str>| Cow::Owned(s.into_owned());
        match self {
            CfgSetting::Query(k) => CfgSetting::Query(k),
            CfgSetting::KeepAlive { keepalive } => CfgSetting::KeepAlive { keepalive },
            CfgSetting::Session { clean_session } => CfgSetting::Session { clean_session },
            CfgSetting::Timeout {
                pkt_timeout,
                retry_times,
                timeout_notice,
            } => CfgSetting::Timeout {
                pkt_timeout,
                retry_times,
                timeout_notice,
            },
            CfgSetting::Will(will) => CfgSetting::Will(will.map(Will::into_owned)),
            CfgSetting::AliAuth {
                product_key,
                device_name,
                device_secret,
            } => CfgSetting::AliAuth {
                product_key: own(product_key),
                device_name: own(device_name),
                device_secret: own(device_secret),
            },
        }
    }
}
