//! Commands answered at once: the basic commands (D40), AT+QMTCFG (3.2.1), and the test and
//! read forms of the MQTT commands (D14, D24, D26). Write forms with an asynchronous result
//! are in `commands.rs`.

use std::borrow::Cow;

use bc20_grammar::{Command, MqttCommand, Response};

use super::host::{Done, Fail};
use super::Modem;
use crate::config::TestStyle;

/// QMTCFG's test response, verbatim from 3.2.1 (D14, D18: `(1-10)` included).
const QMTCFG_TEST: [&str; 5] = [
    r#""keepalive",(0-5),(0-3600)"#,
    r#""session",(0-5),(0,1)"#,
    r#""timeout",(0-5),(1-60),(1-10),(0,1)"#,
    r#""will",(0-5),(0,1),(0-2),(0,1),"will_topic","will_msg""#,
    r#""aliauth",(0-5),"productkey","devicename","devicesecret""#,
];

/// The test response of an MQTT command other than QMTCFG: (D14 ranges, chapter 6 text).
fn test_text(c: MqttCommand) -> (&'static str, &'static str) {
    match c {
        MqttCommand::QmtOpen => (
            r#"(0-5),"<host_name>",(1-65535)"#,
            r#"(0-5),"<host_name>",<port>"#,
        ),
        MqttCommand::QmtClose => ("(0-5)", "(0-5)"),
        MqttCommand::QmtConn => (
            r#"(0-5),"<clientID>"[,"<username>"[,"<password>"]]"#,
            r#"(0-5),"<clientID>"[,"<username>"[,"<password>"]]"#,
        ),
        MqttCommand::QmtDisc => ("(0-5)", "(0-5)"),
        MqttCommand::QmtSub => (
            r#"(0-5),(1-65535),"<topic>",(0-2)"#,
            r#"(0-5),<msgID>,"<topic>",<qos>[,"<topic>",<qos>...]"#,
        ),
        MqttCommand::QmtUns => (r#"(0-5),(1-65535),"<topic>""#, r#"(0-5),<msgID>,"<topic>""#),
        MqttCommand::QmtPub => (
            r#"(0-5),(0-65535),(0-2),(0,1),"<topic>","<msg>""#,
            r#"(0-5),<msgID>,<qos>,<retain>,"<topic>","<msg>""#,
        ),
        MqttCommand::QmtCfg => ("", ""),
    }
}

impl Modem {
    /// Runs one decoded command; the caller sends the final result code.
    pub(super) fn execute(&mut self, cmd: Command<'static>) -> Result<Done, Fail> {
        use Command::*;
        match cmd {
            At => {}
            Echo { on } => self.set_echo(on),
            Ati => {
                let rev = format!("Revision: {}", self.config.revision);
                for text in ["Quectel", "BC20", rev.as_str()] {
                    self.info(Response::Text {
                        text: Cow::Borrowed(text),
                    });
                }
            }
            Cgmr => {
                let rev = format!("Revision: {}", self.config.revision);
                self.info(Response::Text {
                    text: Cow::Owned(rev),
                });
            }
            Cmee { n } => self.cmee = n,
            CpinRead => self.info(Response::Cpin {
                code: Cow::Borrowed("READY"),
            }),
            CeregRead => {
                let stat = if self.attached {
                    self.config.cereg_stat
                } else {
                    2
                };
                self.info(Response::Cereg { n: 0, stat });
            }
            CgattRead => self.info(Response::Cgatt {
                state: self.attached,
            }),
            Csq => {
                let (rssi, ber) = self.config.csq;
                self.info(Response::Csq { rssi, ber });
            }
            QmtCfgTest => {
                for params in QMTCFG_TEST {
                    self.info(Response::Test {
                        command: MqttCommand::QmtCfg,
                        params: Cow::Borrowed(params),
                    });
                }
            }
            QmtOpenTest | QmtCloseTest | QmtConnTest | QmtDiscTest | QmtSubTest | QmtUnsTest
            | QmtPubTest => {
                let command = cmd.mqtt_command().unwrap_or(MqttCommand::QmtOpen);
                let (ranges, chapter6) = test_text(command);
                let params = if self.config.test_style == TestStyle::Chapter6 {
                    chapter6
                } else {
                    ranges
                };
                self.info(Response::Test {
                    command,
                    params: Cow::Borrowed(params),
                });
            }
            QmtOpenRead => self.read_open(),
            QmtConnRead => self.read_conn(),
            // Every other AT+QMTCFG form (the test form is answered above).
            cfg if cfg.mqtt_command() == Some(MqttCommand::QmtCfg) => self.qmtcfg(cfg)?,
            async_cmd => return self.execute_async(async_cmd),
        }
        Ok(Done::Sync)
    }

    /// `AT+QMTOPEN?`: one line per opened id, ascending (D24).
    fn read_open(&mut self) {
        for conn_id in super::slot::conn_ids() {
            let s = &self.slots[conn_id];
            if s.phase.is_open() {
                let r = Response::QmtOpenRead {
                    conn_id,
                    host_name: Cow::Owned(s.host_name.clone()),
                    port: s.port,
                };
                self.info(r);
            }
        }
    }

    /// `AT+QMTCONN?`: one line per opened id with its state, ascending (D26).
    fn read_conn(&mut self) {
        for conn_id in super::slot::conn_ids() {
            if let Some(state) = self.slots[conn_id].phase.state().conn_state() {
                self.info(Response::QmtConnRead { conn_id, state });
            }
        }
    }

    /// AT+QMTCFG write and query forms (3.2.1, D15-D21).
    fn qmtcfg(&mut self, cmd: Command<'static>) -> Result<(), Fail> {
        // Every QMTCFG form but the test form names a slot.
        let conn_id = match (cmd.mqtt_command(), cmd.conn_id()) {
            (Some(bc20_grammar::MqttCommand::QmtCfg), Some(conn_id)) => conn_id,
            _ => return Err(Fail::Error),
        };
        let cfg = &mut self
            .slots
            .get_mut(conn_id)
            .ok_or(Fail::Cme(bc20_grammar::CmeError::IncorrectParameters))?
            .cfg;
        // One model of the QMTCFG state (bc20_grammar::SlotSettings): writes change it,
        // queries read it; a query of an unset AliAuth answers only OK (D21).
        let response = cfg.answer(&cmd);
        cfg.apply(&cmd);
        if let Some(r) = response {
            self.info(r);
        }
        Ok(())
    }
}
