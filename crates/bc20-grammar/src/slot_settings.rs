//! The AT+QMTCFG state of one slot (`<tcpconnectID>`, `conn_id` in Rust): the one model of
//! it that the simulator holds, the host driver remembers, the conformance runner times
//! commands against and the model check compares with (issue 11: one concept, one place).
//!
//! It knows the note's defaults (3.2.1, spec/DECISIONS.md D20), how each write form changes
//! them (D18: a timeout value left off keeps its setting), what each query form answers, and the
//! note's maximum response time that follows from them (D23).

use std::borrow::Cow;
use std::time::Duration;

use crate::command::{CfgKeyword, CfgSetting, Command, MqttCommand, Will};
use crate::limits::{
    self, CLEAN_SESSION_DEFAULT, KEEPALIVE_DEFAULT, PKT_TIMEOUT_DEFAULT, RETRY_TIMES_DEFAULT,
    TIMEOUT_NOTICE_DEFAULT,
};
use crate::response::Response;

/// An AliCloud device triple as `AT+QMTCFG="ALIAUTH"` sets it (3.2.1, D21); each part 1-64
/// bytes (D11).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AliAuth {
    /// `<product_key>`.
    pub product_key: String,
    /// `<device_name>`.
    pub device_name: String,
    /// `<device_secret>`.
    pub device_secret: String,
}

/// What `AT+QMTCFG` sets for one slot (3.2.1), at the note's defaults until changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotSettings {
    /// `<keep-alive time>` in seconds, 0-3600 (default 120; 0 disables keep-alive, D22).
    pub keepalive: u16,
    /// `<clean_session>` (default 1, clean).
    pub clean_session: bool,
    /// `<pkt_timeout>` in seconds, 1-60 (default 10).
    pub pkt_timeout: u8,
    /// `<retry_times>`, 0-10 (default 3).
    pub retry_times: u8,
    /// `<timeout_notice>` (default 0, D20).
    pub timeout_notice: bool,
    /// The Will, when `<will_fg>` is 1 (off by default, D20).
    pub will: Option<Will<'static>>,
    /// The AliCloud device triple, when configured (none by default; only a reset clears it,
    /// D20, D21).
    pub aliauth: Option<AliAuth>,
}

impl Default for SlotSettings {
    fn default() -> Self {
        SlotSettings {
            keepalive: KEEPALIVE_DEFAULT,
            clean_session: CLEAN_SESSION_DEFAULT,
            pkt_timeout: PKT_TIMEOUT_DEFAULT,
            retry_times: RETRY_TIMES_DEFAULT,
            timeout_notice: TIMEOUT_NOTICE_DEFAULT,
            will: None,
            aliauth: None,
        }
    }
}

impl SlotSettings {
    /// Applies an `AT+QMTCFG` write form the module accepted (`OK`). Returns whether `cmd`
    /// was one; any other command (queries and tests included) changes nothing. The slot is
    /// the caller's: `cmd`'s `conn_id` is not compared with anything.
    pub fn apply(&mut self, cmd: &Command<'_>) -> bool {
        match cmd {
            Command::QmtCfg { setting, .. } => self.set(setting),
            _ => false,
        }
    }

    /// Applies one AT+QMTCFG setting the module accepted. Returns whether it was a write form;
    /// a query changes nothing.
    pub fn set(&mut self, setting: &CfgSetting<'_>) -> bool {
        match setting {
            CfgSetting::Query(_) => return false,
            CfgSetting::KeepAlive { keepalive } => self.keepalive = *keepalive,
            CfgSetting::Session { clean_session } => self.clean_session = *clean_session,
            CfgSetting::Timeout {
                pkt_timeout,
                retry_times,
                timeout_notice,
            } => {
                // D18: positional; a value left off keeps its setting.
                self.pkt_timeout = *pkt_timeout;
                self.retry_times = retry_times.unwrap_or(self.retry_times);
                self.timeout_notice = timeout_notice.unwrap_or(self.timeout_notice);
            }
            CfgSetting::Will(will) => {
                self.will = will.as_ref().map(|w| w.clone().into_owned());
            }
            CfgSetting::AliAuth {
                product_key,
                device_name,
                device_secret,
            } => {
                self.aliauth = Some(AliAuth {
                    product_key: product_key.to_string(),
                    device_name: device_name.to_string(),
                    device_secret: device_secret.to_string(),
                });
            }
        }
        true
    }

    /// The information response an `AT+QMTCFG` query form gets from a slot in this state
    /// (3.2.1): `None` for an AliAuth query on a slot without a triple (the module answers
    /// only `OK`, D21) and for every command that is not a QMTCFG query.
    pub fn answer(&self, cmd: &Command<'_>) -> Option<Response<'static>> {
        match cmd {
            Command::QmtCfg {
                setting: CfgSetting::Query(keyword),
                ..
            } => self.query(*keyword),
            _ => None,
        }
    }

    /// The `+QMTCFG:` response that reports `keyword`'s setting on this slot (3.2.1); `None`
    /// for `aliauth` on a slot without a triple (the module answers only `OK`, D21).
    pub fn query(&self, keyword: CfgKeyword) -> Option<Response<'static>> {
        Some(match keyword {
            CfgKeyword::KeepAlive => Response::QmtCfgKeepAlive {
                keepalive: self.keepalive,
            },
            CfgKeyword::Session => Response::QmtCfgSession {
                clean_session: self.clean_session,
            },
            CfgKeyword::Timeout => Response::QmtCfgTimeout {
                pkt_timeout: self.pkt_timeout,
                retry_times: self.retry_times,
                timeout_notice: self.timeout_notice,
            },
            CfgKeyword::Will => Response::QmtCfgWill {
                will: self.will.clone(),
            },
            CfgKeyword::AliAuth => {
                let a = self.aliauth.as_ref()?;
                Response::QmtCfgAliAuth {
                    product_key: Cow::Owned(a.product_key.clone()),
                    device_name: Cow::Owned(a.device_name.clone()),
                    device_secret: Cow::Owned(a.device_secret.clone()),
                }
            }
        })
    }

    /// The note's maximum response time of `command` on this slot (D23): 300 ms for QMTCFG,
    /// QMTCLOSE and QMTDISC, 75 s for QMTOPEN, `pkt_timeout` for QMTCONN, and
    /// `pkt_timeout × (retry_times + 1)` for QMTSUB, QMTUNS and QMTPUB.
    pub fn max_response(&self, command: MqttCommand) -> Duration {
        Duration::from_millis(limits::max_response_ms(
            command,
            self.pkt_timeout,
            self.retry_times,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode_line, Context, Line, Mode};

    fn cmd(text: &str) -> Command<'static> {
        match decode_line(text.as_bytes(), Mode::Strict, Context::default())
            .unwrap()
            .line
        {
            Line::Command(c) => c.into_owned(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn defaults_are_the_notes() {
        let s = SlotSettings::default();
        assert_eq!(
            (s.keepalive, s.clean_session, s.pkt_timeout, s.retry_times),
            (120, true, 10, 3)
        );
        assert!(!s.timeout_notice && s.will.is_none() && s.aliauth.is_none());
        assert_eq!(s.max_response(MqttCommand::QmtPub), Duration::from_secs(40));
    }

    #[test]
    fn each_write_form_changes_its_setting_and_queries_read_it_back() {
        let mut s = SlotSettings::default();
        for (write, query, answer) in [
            (
                "AT+QMTCFG=\"keepalive\",2,60",
                "AT+QMTCFG=\"keepalive\",2",
                "+QMTCFG: \"keepalive\",60",
            ),
            (
                "AT+QMTCFG=\"session\",2,0",
                "AT+QMTCFG=\"session\",2",
                "+QMTCFG: \"session\",0",
            ),
            (
                "AT+QMTCFG=\"timeout\",2,5,1,1",
                "AT+QMTCFG=\"timeout\",2",
                "+QMTCFG: \"timeout\",5,1,1",
            ),
            // D18: values left off keep their settings.
            (
                "AT+QMTCFG=\"timeout\",2,7",
                "AT+QMTCFG=\"timeout\",2",
                "+QMTCFG: \"timeout\",7,1,1",
            ),
            (
                "AT+QMTCFG=\"will\",2,1,1,0,\"w\",\"bye\"",
                "AT+QMTCFG=\"will\",2",
                "+QMTCFG: \"will\",1,1,0,\"w\",\"bye\"",
            ),
            (
                "AT+QMTCFG=\"ALIAUTH\",2,\"pk\",\"dn\",\"ds\"",
                "AT+QMTCFG=\"ALIAUTH\",2",
                "+QMTCFG: \"aliauth\",\"pk\",\"dn\",\"ds\"",
            ),
        ] {
            assert!(s.apply(&cmd(write)), "{write}");
            let r = s.answer(&cmd(query)).expect(query);
            let bytes = r.to_bytes().unwrap();
            assert_eq!(String::from_utf8_lossy(&bytes).trim(), answer, "{write}");
        }
        assert_eq!(s.max_response(MqttCommand::QmtSub), Duration::from_secs(14));
        assert_eq!(s.max_response(MqttCommand::QmtConn), Duration::from_secs(7));
    }

    #[test]
    fn other_commands_change_nothing_and_answer_nothing() {
        let mut s = SlotSettings::default();
        for text in [
            "AT+QMTCFG=\"keepalive\",0",
            "AT+QMTCFG=?",
            "AT+QMTOPEN=0,\"h\",1883",
            "AT",
        ] {
            assert!(!s.apply(&cmd(text)), "{text}");
        }
        assert_eq!(s, SlotSettings::default());
        assert_eq!(s.answer(&cmd("AT+QMTCFG=\"ALIAUTH\",0")), None);
        assert_eq!(s.answer(&cmd("AT+QMTOPEN?")), None);
    }
}
