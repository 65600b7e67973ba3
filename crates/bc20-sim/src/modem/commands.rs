//! The write forms answered `OK` and later `+QMTxxx: <result>` (Figure 1): QMTOPEN,
//! QMTCLOSE, QMTCONN, QMTDISC, QMTSUB, QMTUNS, QMTPUB.

use bc20_grammar::{
    CloseResult, CmeError, Command, MqttCommand, OpenResult, PacketOutcome, PacketResult, Qos, Urc,
};

use super::host::{Done, Fail};
use super::session::{Inflight, Session, Stage};
use super::slot::Phase;
use super::timers::SlotTimer;
use super::{Modem, NetAction};
use crate::config::{AliAuthMode, MqttVersion};
use crate::mqtt::{
    self, Connect, LastWill, Login, Packet, Publish, Subscribe, SubscribeFilter, Unsubscribe,
};
use crate::quirks::Quirk;
use crate::time::secs;

/// `+CME ERROR: 3`: parameters fine, state forbids it (D6).
const NOT_ALLOWED: Fail = Fail::Cme(CmeError::OperationNotAllowed);

impl Modem {
    pub(super) fn execute_async(&mut self, cmd: Command<'static>) -> Result<Done, Fail> {
        use Command::*;
        match cmd {
            QmtOpen {
                conn_id,
                host_name,
                port,
            } => return self.qmtopen(conn_id, host_name.into_owned(), port),
            QmtClose { conn_id } => self.qmtclose(conn_id)?,
            QmtConn {
                conn_id,
                client_id,
                username,
                password,
            } => self.qmtconn(
                conn_id,
                &client_id,
                username.as_deref(),
                password.as_deref(),
            )?,
            QmtDisc { conn_id } => self.qmtdisc(conn_id)?,
            QmtSub {
                conn_id,
                msg_id,
                topics,
            } => {
                // Topics MQTT forbids never get here: the decoder refuses the line (D62),
                // and map_decode_error answers it with +CME ERROR: 50.
                let filters = topics
                    .iter()
                    .map(|t| SubscribeFilter::new(t.topic.to_string(), mqtt::qos(t.qos)))
                    .collect();
                let packet = Packet::Subscribe(Subscribe {
                    pkid: msg_id,
                    filters,
                });
                self.start_inflight(conn_id, MqttCommand::QmtSub, msg_id, Stage::Ack, &packet)?;
            }
            QmtUns {
                conn_id,
                msg_id,
                topics,
            } => {
                let packet = Packet::Unsubscribe(Unsubscribe {
                    pkid: msg_id,
                    topics: topics.iter().map(|t| t.to_string()).collect(),
                });
                self.start_inflight(conn_id, MqttCommand::QmtUns, msg_id, Stage::Ack, &packet)?;
            }
            QmtPub {
                conn_id,
                msg_id,
                qos,
                retain,
                topic,
                msg,
            } => {
                let mut p = Publish::from_bytes(
                    topic.into_owned(),
                    mqtt::qos(qos),
                    bytes::Bytes::from(msg.0.into_owned()),
                );
                p.retain = retain;
                if qos == Qos::AtMostOnce {
                    return self.publish_qos0(conn_id, msg_id, p);
                }
                p.pkid = msg_id;
                let stage = if qos == Qos::AtLeastOnce {
                    Stage::Ack
                } else {
                    Stage::Rec
                };
                self.start_inflight(
                    conn_id,
                    MqttCommand::QmtPub,
                    msg_id,
                    stage,
                    &Packet::Publish(p),
                )?;
            }
            _ => return Err(Fail::Error),
        }
        Ok(Done::Async)
    }

    /// AT+QMTOPEN (3.2.2, D24).
    fn qmtopen(&mut self, conn_id: u8, host_name: String, port: u16) -> Result<Done, Fail> {
        let early = if self.slots[conn_id].phase != Phase::Closed {
            Some(OpenResult::IdentifierOccupied)
        } else if !self.attached {
            Some(OpenResult::PdpActivationFailed)
        } else if let Some(r) = self
            .fail_next_open
            .take()
            .filter(|r| *r != OpenResult::Opened)
        {
            Some(r)
        } else if self.refuse {
            Some(OpenResult::FailedToOpen)
        } else {
            None
        };
        if let Some(result) = early {
            self.result(Urc::QmtOpen { conn_id, result });
            return Ok(Done::Async);
        }
        let deadline = self.now + self.config.open_timeout;
        self.enter_until(conn_id, Phase::Opening, SlotTimer::Open, deadline);
        let slot = &mut self.slots[conn_id];
        slot.host_name = host_name.clone();
        slot.port = port;
        slot.session = Session::new(self.config.max_packet_size);
        slot.imp.flush();
        self.links_opened += 1;
        slot.link_key = self.links_opened;
        self.sync_release(conn_id);
        self.net_out.push_back(NetAction::Open {
            conn_id,
            host: host_name,
            port,
        });
        Ok(Done::Async)
    }

    /// AT+QMTCLOSE (3.2.3): closes TCP, connected or not, without DISCONNECT (D28).
    fn qmtclose(&mut self, conn_id: u8) -> Result<(), Fail> {
        if !self.slots[conn_id].phase.is_open() {
            return Err(NOT_ALLOWED);
        }
        if std::mem::take(&mut self.fail_next_close) {
            self.result(Urc::QmtClose {
                conn_id,
                result: CloseResult::Failed,
            });
            return Ok(());
        }
        self.close_link(conn_id);
        self.result(Urc::QmtClose {
            conn_id,
            result: CloseResult::Closed,
        });
        Ok(())
    }

    /// AT+QMTCONN (3.2.4, D23, D27).
    fn qmtconn(
        &mut self,
        conn_id: u8,
        client_id: &str,
        username: Option<&str>,
        password: Option<&str>,
    ) -> Result<(), Fail> {
        // D64: MQTT 3.1 allows client ids of 1-23 bytes; a parameter error, before the state.
        let v31 = self.config.mqtt_version == MqttVersion::V31;
        if v31 && client_id.len() > mqtt::V31_MAX_CLIENT_ID {
            return Err(Fail::Cme(CmeError::IncorrectParameters));
        }
        if self.slots[conn_id].phase != Phase::Opened {
            return Err(NOT_ALLOWED);
        }
        let cfg = &self.slots[conn_id].cfg;
        let mut connect = Connect::new(client_id);
        connect.keep_alive = cfg.keepalive;
        connect.clean_session = cfg.clean_session;
        connect.last_will = cfg.will.as_ref().map(|w| {
            LastWill::new(
                w.will_topic.to_string(),
                w.will_msg.as_bytes().to_vec(),
                mqtt::qos(w.will_qos),
                w.will_retain,
            )
        });
        // MQTT forbids a password without a user name; an empty user name sends neither.
        connect.login = match (username, password) {
            (Some(u), p) if !u.is_empty() => Some(Login::new(u, p.unwrap_or(""))),
            _ => None,
        };
        if let (None, Some(ali), AliAuthMode::Sign) = (username, &cfg.aliauth, self.config.aliauth)
        {
            let creds = crate::aliauth::sign(ali, client_id);
            connect.client_id = creds.client_id;
            connect.login = Some(Login::new(creds.username, creds.password));
        }
        if v31 && connect.client_id.len() > mqtt::V31_MAX_CLIENT_ID {
            // The AliAuth-signed conn_id (D21) is longer than 3.1 allows.
            return Err(Fail::Cme(CmeError::IncorrectParameters));
        }
        let timing = super::slot::timing(cfg);
        let keepalive = secs(cfg.keepalive.into());
        let (effective_id, clean_session) = (connect.client_id.clone(), connect.clean_session);
        let Ok(bytes) = mqtt::encode(&Packet::Connect(connect), self.config.mqtt_version) else {
            return Err(Fail::Cme(CmeError::IncorrectParameters));
        };
        if !self.transmit(conn_id, bytes) {
            // Figure 1 Excep1: CONNECT could not be sent.
            self.result(Urc::QmtConn {
                conn_id,
                result: PacketResult::Failed,
                ret_code: None,
                value: None,
            });
            self.teardown(conn_id, Some(bc20_grammar::QmtStatCode::ConnectFailed));
            return Ok(());
        }
        let slot = &mut self.slots[conn_id];
        slot.session.connect = Some((effective_id, clean_session));
        slot.session.keepalive = keepalive;
        let deadline = self.now + timing.pkt_timeout;
        self.enter_until(conn_id, Phase::Connecting, SlotTimer::Connack, deadline);
        Ok(())
    }

    /// AT+QMTDISC (3.2.5, D28).
    fn qmtdisc(&mut self, conn_id: u8) -> Result<(), Fail> {
        if self.slots[conn_id].phase != Phase::Connected {
            return Err(NOT_ALLOWED);
        }
        let sent = match mqtt::encode(&Packet::Disconnect, self.config.mqtt_version) {
            Ok(bytes) => self.transmit(conn_id, bytes),
            Err(_) => false,
        };
        if !sent {
            self.teardown(conn_id, None);
            self.result(Urc::QmtDisc {
                conn_id,
                result: CloseResult::Failed,
            });
        } else if self.slots[conn_id].imp.hold_close {
            let timeout = super::slot::timing(&self.slots[conn_id].cfg).pkt_timeout;
            self.slots[conn_id].session.inflight.clear();
            let deadline = self.now + timeout;
            self.enter_until(
                conn_id,
                Phase::Disconnecting,
                SlotTimer::ServerClose,
                deadline,
            );
        } else {
            self.close_link(conn_id);
            self.result(Urc::QmtDisc {
                conn_id,
                result: CloseResult::Closed,
            });
        }
        Ok(())
    }

    /// A QoS 0 PUBLISH: no acknowledgement, result 0 once sent (3.2.8).
    fn publish_qos0(&mut self, conn_id: u8, msg_id: u16, p: Publish) -> Result<Done, Fail> {
        if self.slots[conn_id].phase != Phase::Connected {
            return Err(NOT_ALLOWED);
        }
        let sent = match mqtt::encode(&Packet::Publish(p), self.config.mqtt_version) {
            Ok(bytes) => self.transmit(conn_id, bytes),
            Err(_) => false,
        };
        if self.config.quirks.has(Quirk::PubResultMissing) {
            return Ok(Done::Sync);
        }
        let result = if sent {
            PacketResult::Sent
        } else {
            PacketResult::Failed
        };
        self.result(Urc::QmtPub(PacketOutcome {
            conn_id,
            msg_id,
            result,
            value: None,
        }));
        Ok(Done::Async)
    }

    /// Sends a packet that waits for an acknowledgement, with its retransmission timer.
    fn start_inflight(
        &mut self,
        conn_id: u8,
        command: MqttCommand,
        msg_id: u16,
        stage: Stage,
        packet: &Packet,
    ) -> Result<(), Fail> {
        let slot = &self.slots[conn_id];
        if slot.phase != Phase::Connected || slot.session.in_flight(msg_id) {
            return Err(NOT_ALLOWED);
        }
        let timing = super::slot::timing(&slot.cfg);
        let first = mqtt::encode(packet, self.config.mqtt_version)
            .map_err(|_| Fail::Cme(CmeError::IncorrectParameters))?;
        // Retransmissions of a PUBLISH carry DUP (D25); in MQTT 3.1 of every packet (D64).
        let resend =
            mqtt::encode_resend(packet, self.config.mqtt_version).unwrap_or_else(|_| first.clone());
        let ever_sent = self.transmit(conn_id, first);
        let exchange = self.timers.new_exchange();
        let entry = Inflight {
            command,
            msg_id,
            stage,
            packet: resend,
            exchange,
            retransmissions: 0,
            timing,
            ever_sent,
            abandoned: false,
        };
        self.slots[conn_id].session.inflight.push(entry);
        self.arm_retransmission(conn_id, exchange, &timing);
        Ok(())
    }
}
