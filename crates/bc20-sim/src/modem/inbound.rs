//! Packets from the broker: CONNACK, acknowledgements completing commands (result 0), and
//! incoming PUBLISH reported as `+QMTRECV` and acknowledged per its QoS (D37); one whose
//! line would exceed the line bound is acknowledged and dropped (D61).

use bc20_grammar::{
    ConnectReturnCode, GrantedQos, MqttCommand, PacketOutcome, PacketResult, Qos, SubValue, Urc,
};

use super::session::Stage;
use super::slot::Phase;
use super::Modem;
use crate::mqtt::{self, Packet, PubAck, PubComp, PubRec, PubRel, SubscribeReasonCode};
use crate::quirks::Quirk;

impl Modem {
    pub(super) fn on_packet(&mut self, conn_id: u8, packet: Packet) {
        let phase = self.slots[conn_id].phase;
        if let Phase::Connecting = phase {
            let Packet::ConnAck(ack) = packet else {
                return self.protocol_error(conn_id);
            };
            let code = ack.code as u8;
            let accepted = code == 0;
            let reported = match (self.config.quirks.has(Quirk::WrongRetCode), accepted) {
                (true, true) => 5,
                (true, false) => 0,
                (false, _) => code,
            };
            if accepted {
                self.enter(conn_id, Phase::Connected);
                self.sync_ping(conn_id);
            } else {
                self.enter(conn_id, Phase::Opened);
            }
            let resumed = if accepted {
                self.session_start(conn_id, ack.session_present)
            } else {
                Vec::new()
            };
            let ret_code = ConnectReturnCode::from_code(reported);
            self.result(Urc::QmtConn {
                conn_id,
                result: PacketResult::Sent,
                ret_code,
                value: None,
            });
            // D63: the resumed session's unacknowledged packets go out again, in order.
            for packet in resumed {
                self.transmit(conn_id, packet);
            }
            return;
        }
        if !matches!(phase, Phase::Connected | Phase::Disconnecting) {
            return;
        }
        let session = &mut self.slots[conn_id].session;
        match packet {
            Packet::PingResp => self.ping_answered(conn_id),
            Packet::PubAck(a) => self.acked(conn_id, MqttCommand::QmtPub, a.pkid, Stage::Ack, None),
            Packet::PubRec(a) => self.pubrec(conn_id, a.pkid),
            Packet::PubComp(a) => {
                self.acked(conn_id, MqttCommand::QmtPub, a.pkid, Stage::Comp, None)
            }
            Packet::UnsubAck(a) => {
                self.acked(conn_id, MqttCommand::QmtUns, a.pkid, Stage::Ack, None)
            }
            Packet::SubAck(a) => {
                let granted = a
                    .return_codes
                    .iter()
                    .take(bc20_grammar::MAX_TOPICS)
                    .map(|c| match c {
                        SubscribeReasonCode::Success(q) => {
                            GrantedQos::Granted(Qos::from_code(*q as u8).unwrap_or(Qos::AtMostOnce))
                        }
                        SubscribeReasonCode::Failure => GrantedQos::Rejected,
                    })
                    .collect::<arrayvec::ArrayVec<_, { bc20_grammar::MAX_TOPICS }>>();
                let value = (!granted.is_empty()).then_some(SubValue::Granted(granted));
                self.acked(conn_id, MqttCommand::QmtSub, a.pkid, Stage::Ack, value);
            }
            Packet::Publish(p) => self.incoming_publish(conn_id, p),
            Packet::PubRel(r) => {
                session.incoming_qos2.retain(|&x| x != r.pkid);
                self.send_packet(conn_id, &Packet::PubComp(PubComp::new(r.pkid)));
            }
            // Packets a server never sends to a client: ignored.
            Packet::Connect(_)
            | Packet::ConnAck(_)
            | Packet::Subscribe(_)
            | Packet::Unsubscribe(_)
            | Packet::PingReq
            | Packet::Disconnect => {}
        }
    }

    /// CONNACK accepted: a clean-session-0 connection resumes the stored session of its
    /// client conn_id when the server has it (session present), otherwise starts afresh; returns
    /// the packets to send again ([MQTT-4.4.0-1], [MQTT-3.2.2-2], D63).
    fn session_start(&mut self, conn_id: u8, session_present: bool) -> Vec<bytes::Bytes> {
        let slot = &mut self.slots[conn_id];
        let stored = slot.stored.take();
        let Some((client_id, false)) = slot.session.connect.clone() else {
            return Vec::new();
        };
        slot.session.persist = Some(client_id.clone());
        let Some(stored) = stored.filter(|s| session_present && s.client_id == client_id) else {
            return Vec::new();
        };
        slot.session.incoming_qos2 = stored.incoming_qos2;
        let resend = stored.inflight.iter().map(|i| i.packet.clone()).collect();
        slot.session.inflight = stored.inflight;
        resend
    }

    /// An acknowledgement completed a command: result 0.
    fn acked(
        &mut self,
        conn_id: u8,
        command: MqttCommand,
        msg_id: u16,
        stage: Stage,
        value: Option<SubValue>,
    ) {
        match self.slots[conn_id].session.take(command, msg_id, stage) {
            // D60: the late PUBCOMP of a QoS 2 exchange given up on frees its msgID silently.
            Some(entry) if !entry.abandoned => self.cancel_retransmission(conn_id, entry.exchange),
            _ => return,
        }
        let result = PacketResult::Sent;
        match command {
            MqttCommand::QmtSub if self.config.quirks.has(Quirk::SubMissingValue) => {
                let text = format!("+QMTSUB: {conn_id},{msg_id},0");
                self.frame(text.as_bytes(), true);
            }
            MqttCommand::QmtSub => self.result(Urc::QmtSub(PacketOutcome {
                conn_id,
                msg_id,
                result,
                value,
            })),
            MqttCommand::QmtUns => self.result(Urc::QmtUns(PacketOutcome {
                conn_id,
                msg_id,
                result,
                value: None,
            })),
            _ => self.result(Urc::QmtPub(PacketOutcome {
                conn_id,
                msg_id,
                result,
                value: None,
            })),
        }
    }

    /// PUBREC: answer PUBREL and wait for PUBCOMP with a fresh timer (Figure 1). A PUBREC
    /// for an exchange given up on (result 2 reported) is answered too, without a timer:
    /// the sender must release what the receiver recorded ([MQTT-4.3.3-1], D60).
    fn pubrec(&mut self, conn_id: u8, msg_id: u16) {
        let version = self.config.mqtt_version;
        let packet = Packet::PubRel(PubRel::new(msg_id));
        let (rel, resend) = match (
            mqtt::encode(&packet, version),
            mqtt::encode_resend(&packet, version),
        ) {
            (Ok(first), Ok(again)) => (first, again),
            _ => return,
        };
        let session = &mut self.slots[conn_id].session;
        let Some(entry) = session.inflight.iter_mut().find(|i| {
            i.command == MqttCommand::QmtPub && i.msg_id == msg_id && i.stage != Stage::Ack
        }) else {
            return;
        };
        entry.stage = Stage::Comp;
        entry.packet = resend;
        entry.retransmissions = 0;
        let (exchange, timing, abandoned) = (entry.exchange, entry.timing, entry.abandoned);
        if !abandoned {
            self.arm_retransmission(conn_id, exchange, &timing);
        }
        self.transmit(conn_id, rel);
    }

    /// An incoming PUBLISH: `+QMTRECV`, then the acknowledgement its QoS needs (D37).
    fn incoming_publish(&mut self, conn_id: u8, p: mqtt::Publish) {
        let first = match p.qos {
            mqtt::QoS::ExactlyOnce => {
                let seen = &mut self.slots[conn_id].session.incoming_qos2;
                let first = !seen.contains(&p.pkid);
                if first {
                    seen.push(p.pkid);
                }
                first
            }
            _ => true,
        };
        if first {
            if self.recv_line_len(conn_id, p.pkid, &p.topic, &p.payload) > self.config.max_line_len
            {
                // D61: over the receive buffer; acknowledged below, never written.
                self.oversized_dropped += 1;
            } else {
                self.recv_urc(conn_id, p.pkid, &p.topic, &p.payload);
            }
        }
        match p.qos {
            mqtt::QoS::AtMostOnce => {}
            mqtt::QoS::AtLeastOnce => {
                self.send_packet(conn_id, &Packet::PubAck(PubAck::new(p.pkid)));
            }
            mqtt::QoS::ExactlyOnce => {
                self.send_packet(conn_id, &Packet::PubRec(PubRec::new(p.pkid)));
            }
        }
    }

    /// The length of the +QMTRECV line for a message, CR LF excluded (D12, D61).
    fn recv_line_len(&self, conn_id: u8, msg_id: u16, topic: &str, payload: &[u8]) -> usize {
        let quotes = if self.config.quirks.has(Quirk::UnquotedRecvPayload) {
            0
        } else {
            2
        };
        format!("+QMTRECV: {conn_id},{msg_id},\"{topic}\",").len() + payload.len() + quotes
    }

    /// `+QMTRECV: <conn_id>,<msgID>,"<topic>","<payload>"`, bytes raw (D35, D36).
    fn recv_urc(&mut self, conn_id: u8, msg_id: u16, topic: &str, payload: &[u8]) {
        if !self.config.quirks.has(Quirk::UnquotedRecvPayload) {
            let urc = Urc::QmtRecv {
                conn_id,
                msg_id,
                topic: topic.into(),
                payload: bc20_grammar::Payload::borrowed(payload),
            };
            let mut bytes = Vec::new();
            if urc.encode(&mut bytes).is_ok() {
                return self.urc_bytes(bytes);
            }
        }
        // What the grammar's encoder refuses (a `"` before a line end in the payload, a `"`
        // or control byte in the topic) or a quirk wants: the module sends the bytes anyway.
        let mut line = format!("+QMTRECV: {conn_id},{msg_id},\"{topic}\",").into_bytes();
        if self.config.quirks.has(Quirk::UnquotedRecvPayload) {
            line.extend_from_slice(payload);
        } else {
            line.push(b'"');
            line.extend_from_slice(payload);
            line.push(b'"');
        }
        self.frame(&line, true);
    }
}
