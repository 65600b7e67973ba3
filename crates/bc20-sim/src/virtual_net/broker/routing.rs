//! Publishes: a client's PUBLISH acknowledged per its QoS, retained messages, and delivery to
//! every matching subscriber at min(publish QoS, subscription QoS).

use rumqttc::mqttbytes::{matches, valid_topic};

use super::{Broker, ConnId, Message};
use crate::mqtt::{self, Packet, Publish, QoS};

impl Broker {
    pub(super) fn client_publish(&mut self, conn: ConnId, p: Publish) {
        if !valid_topic(&p.topic) {
            return self.drop_conn(conn, true);
        }
        let silent = self.behaviour.silent_puback;
        let msg = Message {
            topic: p.topic.clone(),
            payload: p.payload.clone(),
            qos: p.qos as u8,
            retain: p.retain,
        };
        match p.qos {
            QoS::AtMostOnce => self.route(msg),
            QoS::AtLeastOnce => {
                if !silent {
                    self.send_packet(conn, &Packet::PubAck(mqtt::PubAck::new(p.pkid)));
                }
                self.route(msg);
            }
            QoS::ExactlyOnce => {
                let Some(c) = self.conns.get(&conn) else {
                    return;
                };
                let seen = self
                    .incoming_qos2
                    .entry(c.client_id.clone().unwrap_or_default())
                    .or_default();
                let first = !seen.iter().any(|(id, _)| *id == p.pkid);
                // Method A of [MQTT-4.3.3] (mosquitto, rumqttd) holds the message until
                // PUBREL; method B delivers it now and keeps only the packet id.
                let on_pubrel = self.behaviour.qos2_on_pubrel;
                if first {
                    seen.push((p.pkid, on_pubrel.then(|| msg.clone())));
                }
                if !silent {
                    self.send_packet(conn, &Packet::PubRec(mqtt::PubRec::new(p.pkid)));
                }
                if first && !on_pubrel {
                    self.route(msg);
                }
            }
        }
    }

    /// Stores (if retained) and delivers a message to every matching subscriber.
    pub(super) fn route(&mut self, msg: Message) {
        self.published.push(msg.clone());
        if msg.retain {
            if msg.payload.is_empty() {
                self.retained.remove(&msg.topic);
            } else {
                self.retained.insert(msg.topic.clone(), msg.clone());
            }
        }
        let mut targets = Vec::new();
        for (client, subs) in &self.sessions {
            let Some(q) = subs
                .iter()
                .filter(|(f, _)| matches(&msg.topic, f))
                .map(|(_, q)| *q)
                .max()
            else {
                continue;
            };
            if let Some(&conn) = self.online.get(client) {
                targets.push((conn, q));
            } else if let Some(queue) = self.offline.get_mut(client) {
                // QoS 0 is not queued for an offline client (mosquitto's default too).
                let qos = msg.qos.min(q);
                if qos > 0 {
                    queue.push(Message {
                        qos,
                        retain: false,
                        ..msg.clone()
                    });
                }
            }
        }
        targets.sort_unstable();
        for (conn, q) in targets {
            self.deliver(conn, &msg, q);
        }
        for p in &mut self.peers {
            if let Some(q) = p
                .subs
                .iter()
                .filter(|(f, _)| matches(&msg.topic, f))
                .map(|(_, q)| *q)
                .max()
            {
                p.inbox.push(Message {
                    retain: false,
                    qos: msg.qos.min(q),
                    ..msg.clone()
                });
            }
        }
    }

    pub(super) fn deliver(&mut self, conn: ConnId, msg: &Message, sub_qos: u8) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let qos = msg.qos.min(sub_qos);
        let mut p = Publish::from_bytes(
            msg.topic.clone(),
            mqtt::qos(bc20_grammar::Qos::from_code(qos).unwrap_or(bc20_grammar::Qos::AtMostOnce)),
            msg.payload.clone(),
        );
        if qos > 0 {
            c.next_pkid = c.next_pkid.checked_add(1).unwrap_or(1).max(1);
            p.pkid = c.next_pkid;
        }
        self.send_packet(conn, &Packet::Publish(p));
    }
}
