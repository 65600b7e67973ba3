//! A small MQTT 3.1/3.1.1 broker model for the virtual network: CONNECT (client-id
//! takeover, clean and persistent sessions, will), SUBSCRIBE/UNSUBSCRIBE with wildcards,
//! PUBLISH at QoS 0-2 both ways, QoS 1 and 2 messages queued for offline persistent
//! sessions, retained messages, PINGREQ, DISCONNECT, keep-alive
//! enforcement (1.5 × keep-alive), and in-broker "peer" clients that tests publish from and
//! read deliveries of. [`BrokerBehaviour`] makes it misbehave on purpose.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bytes::Bytes;
use rumqttc::mqttbytes::{matches, valid_filter};

use crate::config::MqttVersion;
use crate::mqtt::{
    self, ConnAck, ConnectReturnCode, LastWill, Packet, PacketReader, PubRel, SubAck,
    SubscribeReasonCode, UnsubAck,
};
use crate::time::SimTime;

pub use super::behaviour::BrokerBehaviour;
pub use peers::Peer;

mod peers;
mod routing;
#[cfg(test)]
mod tests;

/// A connection to the broker (the virtual network numbers them).
pub type ConnId = u64;

/// What the broker asks the network to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokerOut {
    /// Send bytes to a connection.
    Send(ConnId, Bytes),
    /// Close a connection (after what was sent before).
    Close(ConnId),
}

/// A message as the broker stores and routes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Topic name.
    pub topic: String,
    /// Payload bytes.
    pub payload: Bytes,
    /// QoS it was published (or delivered) with.
    pub qos: u8,
    /// Retain flag.
    pub retain: bool,
}

#[derive(Debug)]
struct Conn {
    reader: PacketReader,
    client_id: Option<String>,
    keepalive: Duration,
    last_heard: SimTime,
    will: Option<LastWill>,
    next_pkid: u16,
    /// The CONNECT asked for a clean session.
    clean: bool,
}

/// The broker state machine.
#[derive(Debug, Default)]
pub struct Broker {
    /// How it misbehaves.
    pub behaviour: BrokerBehaviour,
    conns: HashMap<ConnId, Conn>,
    /// Subscriptions by client id (kept across connections when clean_session = 0).
    sessions: HashMap<String, Vec<(String, u8)>>,
    /// Client ids currently connected, and their connection.
    online: HashMap<String, ConnId>,
    /// QoS 2 packet ids received and not yet released, by client id, each with the message
    /// held until its PUBREL (`BrokerBehaviour::qos2_on_pubrel`): part of the session, so
    /// kept across connections with clean session 0 ([MQTT-4.3.3-2], [MQTT-4.4.0-1]).
    incoming_qos2: HashMap<String, Vec<(u16, Option<Message>)>>,
    /// Persistent sessions (clean session 0) whose client is offline, with the QoS 1 and 2
    /// messages queued for it meanwhile ([MQTT-3.1.2-5]), delivered when it reconnects.
    offline: HashMap<String, Vec<Message>>,
    retained: BTreeMap<String, Message>,
    peers: Vec<Peer>,
    /// Every message published to the broker, in order (from modules and peers).
    pub published: Vec<Message>,
    out: Vec<BrokerOut>,
}

/// Largest packet the broker accepts.
const MAX_PACKET: usize = 1 << 20;

impl Broker {
    /// A well-behaved broker.
    pub fn new() -> Broker {
        Broker::default()
    }

    /// A new connection was accepted.
    pub fn accept(&mut self, conn: ConnId, now: SimTime) {
        // Always able to read 3.1; `accept_v31` decides whether CONNACK refuses it (code 1).
        let c = Conn {
            reader: PacketReader::broker(MAX_PACKET),
            client_id: None,
            keepalive: Duration::ZERO,
            last_heard: now,
            will: None,
            next_pkid: 0,
            clean: true,
        };
        self.conns.insert(conn, c);
    }

    /// Bytes from a connection.
    pub fn receive(&mut self, conn: ConnId, now: SimTime, data: &[u8]) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        c.last_heard = now;
        c.reader.push(data);
        loop {
            let Some(c) = self.conns.get_mut(&conn) else {
                return;
            };
            let decoded = match c.reader.next_frame() {
                Ok(Some(frame)) => c.reader.decode(&frame),
                Ok(None) => return,
                Err(e) => Err(e),
            };
            match decoded {
                Ok((packet, version)) => self.on_packet(conn, packet, version),
                Err(_) => return self.drop_conn(conn, true),
            }
        }
    }

    /// The network closed a connection (not after DISCONNECT): the will is published.
    pub fn closed(&mut self, conn: ConnId) {
        self.forget(conn, true);
    }

    /// Closes connections whose keep-alive ran out (1.5 × keep-alive of silence).
    pub fn tick(&mut self, now: SimTime) {
        if !self.behaviour.enforce_keepalive {
            return;
        }
        let expired: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| {
                !c.keepalive.is_zero() && now >= c.last_heard + c.keepalive.mul_f64(1.5)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            self.drop_conn(id, true);
        }
    }

    /// When [`Broker::tick`] next has something to do.
    pub fn next_deadline(&self) -> Option<SimTime> {
        if !self.behaviour.enforce_keepalive {
            return None;
        }
        self.conns
            .values()
            .filter(|c| !c.keepalive.is_zero())
            .map(|c| c.last_heard + c.keepalive.mul_f64(1.5))
            .min()
    }

    /// What the broker wants sent or closed, in order.
    pub fn drain(&mut self) -> Vec<BrokerOut> {
        std::mem::take(&mut self.out)
    }

    /// Retained messages, by topic.
    pub fn retained(&self) -> &BTreeMap<String, Message> {
        &self.retained
    }

    /// The client id a connection announced, if it connected.
    pub fn client_id(&self, conn: ConnId) -> Option<&str> {
        self.conns.get(&conn)?.client_id.as_deref()
    }

    /// Sends a packet to a connection as the broker (for tests of odd server behaviour).
    pub fn send_packet(&mut self, conn: ConnId, packet: &Packet) {
        if let Ok(bytes) = mqtt::encode(packet, MqttVersion::V311) {
            self.out.push(BrokerOut::Send(conn, bytes));
        }
    }

    fn on_packet(&mut self, conn: ConnId, packet: Packet, version: MqttVersion) {
        let b = self.behaviour.clone();
        match packet {
            Packet::Connect(c) => self.connect(conn, c, version),
            Packet::PingReq if !b.silent_ping => self.send_packet(conn, &Packet::PingResp),
            Packet::Subscribe(s) if !b.silent_suback => {
                let client = self
                    .conns
                    .get(&conn)
                    .and_then(|c| c.client_id.clone())
                    .unwrap_or_default();
                let mut codes = Vec::new();
                let mut granted_filters = Vec::new();
                for f in &s.filters {
                    if !valid_filter(&f.path) || b.reject_filters.contains(&f.path) {
                        codes.push(SubscribeReasonCode::Failure);
                        continue;
                    }
                    let q = (f.qos as u8).min(b.max_qos);
                    codes.push(SubscribeReasonCode::Success(mqtt::qos(
                        bc20_grammar::Qos::from_code(q).unwrap_or(bc20_grammar::Qos::AtMostOnce),
                    )));
                    let subs = self.sessions.entry(client.clone()).or_default();
                    subs.retain(|(existing, _)| existing != &f.path);
                    subs.push((f.path.clone(), q));
                    granted_filters.push((f.path.clone(), q));
                }
                self.send_packet(conn, &Packet::SubAck(SubAck::new(s.pkid, codes)));
                for (filter, q) in granted_filters {
                    let retained: Vec<Message> = self
                        .retained
                        .values()
                        .filter(|m| matches(&m.topic, &filter))
                        .cloned()
                        .collect();
                    for m in retained {
                        self.deliver(conn, &m, q);
                    }
                }
            }
            Packet::Unsubscribe(u) if !b.silent_unsuback => {
                if let Some(client) = self.conns.get(&conn).and_then(|c| c.client_id.clone()) {
                    if let Some(subs) = self.sessions.get_mut(&client) {
                        subs.retain(|(f, _)| !u.topics.contains(f));
                    }
                }
                self.send_packet(conn, &Packet::UnsubAck(UnsubAck::new(u.pkid)));
            }
            Packet::Publish(p) => self.client_publish(conn, p),
            Packet::PubRel(r) => {
                let held = self
                    .conns
                    .get(&conn)
                    .and_then(|c| c.client_id.as_ref())
                    .and_then(|id| self.incoming_qos2.get_mut(id))
                    .and_then(|ids| {
                        let at = ids.iter().position(|(x, _)| *x == r.pkid)?;
                        ids.remove(at).1
                    });
                if !b.silent_pubcomp {
                    self.send_packet(conn, &Packet::PubComp(crate::mqtt::PubComp::new(r.pkid)));
                }
                if let Some(msg) = held {
                    self.route(msg);
                }
            }
            Packet::PubRec(r) => self.send_packet(conn, &Packet::PubRel(PubRel::new(r.pkid))),
            Packet::Disconnect => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.will = None;
                }
                self.drop_conn(conn, false);
            }
            // Ignored: acknowledgements of our deliveries, and answers we were told not to give.
            _ => {}
        }
    }

    fn connect(&mut self, conn: ConnId, c: mqtt::Connect, version: MqttVersion) {
        let refuse = if self.behaviour.silent_connack {
            return;
        } else if version == MqttVersion::V31 && !self.behaviour.accept_v31 {
            Some(1)
        } else if c.client_id.is_empty() && !c.clean_session {
            Some(2)
        } else if version == MqttVersion::V31
            && (c.client_id.is_empty() || c.client_id.len() > mqtt::V31_MAX_CLIENT_ID)
        {
            // A 3.1 broker refuses ids outside 1-23 bytes (identifier rejected).
            Some(2)
        } else {
            self.behaviour.refuse_with.filter(|&rc| rc != 0)
        };
        if let Some(rc) = refuse {
            let code = connack_code(rc);
            self.send_packet(conn, &Packet::ConnAck(ConnAck::new(code, false)));
            return self.drop_conn(conn, false);
        }
        if let Some(old) = self
            .online
            .get(&c.client_id)
            .copied()
            .filter(|&old| old != conn)
        {
            self.drop_conn(old, false); // takeover (3.2.4 NOTE): the older client goes
        }
        let present = !c.clean_session && self.sessions.contains_key(&c.client_id);
        if c.clean_session {
            self.sessions.remove(&c.client_id);
            self.incoming_qos2.remove(&c.client_id);
        }
        let queued = self.offline.remove(&c.client_id).unwrap_or_default();
        self.sessions.entry(c.client_id.clone()).or_default();
        self.online.insert(c.client_id.clone(), conn);
        if let Some(entry) = self.conns.get_mut(&conn) {
            entry.client_id = Some(c.client_id.clone());
            entry.clean = c.clean_session;
            entry.keepalive = Duration::from_secs(c.keep_alive.into());
            entry.will = c.last_will;
        }
        self.send_packet(
            conn,
            &Packet::ConnAck(ConnAck::new(ConnectReturnCode::Success, present)),
        );
        if !c.clean_session {
            for m in queued {
                let q = m.qos;
                self.deliver(conn, &m, q);
            }
        }
    }

    /// The broker closes a connection; with `will`, its will is published first.
    fn drop_conn(&mut self, conn: ConnId, will: bool) {
        if self.conns.contains_key(&conn) {
            self.forget(conn, will);
            self.out.push(BrokerOut::Close(conn));
        }
    }

    fn forget(&mut self, conn: ConnId, publish_will: bool) {
        let Some(c) = self.conns.remove(&conn) else {
            return;
        };
        if let Some(id) = &c.client_id {
            if self.online.get(id) == Some(&conn) {
                self.online.remove(id);
                if c.clean {
                    // A clean session ends with its connection.
                    self.incoming_qos2.remove(id);
                    self.sessions.remove(id);
                } else {
                    // A persistent one waits for its client, collecting messages.
                    self.offline.entry(id.clone()).or_default();
                }
            }
        }
        if let (true, Some(w)) = (publish_will, c.will) {
            self.route(Message {
                topic: w.topic,
                payload: w.message,
                qos: w.qos as u8,
                retain: w.retain,
            });
        }
    }
}

fn connack_code(rc: u8) -> ConnectReturnCode {
    match rc {
        1 => ConnectReturnCode::RefusedProtocolVersion,
        2 => ConnectReturnCode::BadClientId,
        3 => ConnectReturnCode::ServiceUnavailable,
        4 => ConnectReturnCode::BadUserNamePassword,
        _ => ConnectReturnCode::NotAuthorized,
    }
}
