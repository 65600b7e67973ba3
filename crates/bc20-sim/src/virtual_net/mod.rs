//! A deterministic, in-memory network and MQTT broker for [`crate::Modem`]s, driven by
//! virtual time: no sockets, no threads, thousands of scenarios per second.
//!
//! [`VirtualNetwork`] takes the modules' [`NetAction`]s and hands back [`NetEvent`]s, with a
//! configurable one-way latency, refused connections and unresolvable names (any name
//! ending in `.invalid` never resolves). Behind it sits a [`Broker`] model. [`Bench`] wires
//! modules, network and clock together for tests and model checkers.

mod behaviour;
mod bench;
mod broker;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bytes::Bytes;

pub use bench::Bench;
pub use broker::{Broker, BrokerBehaviour, BrokerOut, ConnId, Message, Peer};

use crate::modem::{ConnectFailure, NetAction, NetEvent};
use crate::mqtt::{self, Packet};
use crate::time::{earliest, SimTime};

/// Which module (by index) and `<tcpconnectID>` (`conn_id`) a link belongs to.
pub type LinkKey = (usize, u8);

#[derive(Debug, Clone)]
struct Link {
    conn: ConnId,
    /// The broker closed it; the module has not closed its side yet.
    closed_by_broker: bool,
}

#[derive(Debug, Clone)]
enum Delivery {
    ToModule {
        key: LinkKey,
        conn: Option<ConnId>,
        event: NetEvent,
    },
    ToBroker {
        conn: ConnId,
        data: Option<Bytes>,
    },
}

/// The virtual network: see the module documentation.
#[derive(Debug, Default)]
pub struct VirtualNetwork {
    /// The broker every connection reaches.
    pub broker: Broker,
    /// One-way latency of every packet and connection step.
    pub latency: Duration,
    /// Refuse every new connection (QMTOPEN result -1).
    pub refuse: bool,
    /// Never answer connection attempts (QMTOPEN times out after 75 s, result -1).
    pub unreachable: bool,
    /// Host names that do not resolve (QMTOPEN result 4), besides `*.invalid`.
    pub unresolvable: Vec<String>,
    links: HashMap<LinkKey, Link>,
    next_conn: ConnId,
    queue: BTreeMap<(SimTime, u64), Delivery>,
    seq: u64,
}

impl VirtualNetwork {
    /// A network with a well-behaved broker and no latency.
    pub fn new() -> VirtualNetwork {
        VirtualNetwork::default()
    }

    /// Takes one action of module `module`.
    pub fn handle_action(&mut self, now: SimTime, module: usize, action: NetAction) {
        match action {
            NetAction::Open { conn_id, host, .. } => {
                let key = (module, conn_id);
                if let Some(old) = self.links.remove(&key) {
                    self.schedule(
                        now,
                        Delivery::ToBroker {
                            conn: old.conn,
                            data: None,
                        },
                    );
                }
                let failure = if host.ends_with(".invalid") || self.unresolvable.contains(&host) {
                    Some(ConnectFailure::Dns)
                } else if self.refuse {
                    Some(ConnectFailure::Refused)
                } else if self.unreachable {
                    return;
                } else {
                    None
                };
                let at = now + self.latency * 2;
                if let Some(why) = failure {
                    self.schedule(
                        at,
                        Delivery::ToModule {
                            key,
                            conn: None,
                            event: NetEvent::ConnectFailed(why),
                        },
                    );
                    return;
                }
                self.next_conn += 1;
                let conn = self.next_conn;
                self.links.insert(
                    key,
                    Link {
                        conn,
                        closed_by_broker: false,
                    },
                );
                self.broker.accept(conn, now);
                self.schedule(
                    at,
                    Delivery::ToModule {
                        key,
                        conn: Some(conn),
                        event: NetEvent::Connected,
                    },
                );
            }
            NetAction::Send { conn_id, bytes } => {
                if let Some(link) = self
                    .links
                    .get(&(module, conn_id))
                    .filter(|l| !l.closed_by_broker)
                {
                    let conn = link.conn;
                    self.schedule(
                        now + self.latency,
                        Delivery::ToBroker {
                            conn,
                            data: Some(bytes),
                        },
                    );
                }
            }
            NetAction::Close { conn_id } => {
                if let Some(link) = self.links.remove(&(module, conn_id)) {
                    if !link.closed_by_broker {
                        self.schedule(
                            now + self.latency,
                            Delivery::ToBroker {
                                conn: link.conn,
                                data: None,
                            },
                        );
                    }
                }
            }
        }
    }

    /// When something is next due (a delivery or a broker keep-alive check).
    pub fn poll_timeout(&self) -> Option<SimTime> {
        earliest(
            self.queue.keys().next().map(|k| k.0),
            self.broker.next_deadline(),
        )
    }

    /// The next event for a module due at or before `now`; broker-bound deliveries due by
    /// then are processed on the way.
    pub fn poll_event(&mut self, now: SimTime) -> Option<(usize, u8, NetEvent)> {
        loop {
            if self.broker.next_deadline().is_some_and(|t| t <= now) {
                self.broker.tick(now);
                self.collect_broker(now);
            }
            let (&key, _) = self.queue.iter().next().filter(|(k, _)| k.0 <= now)?;
            let delivery = self.queue.remove(&key)?;
            let at = key.0;
            match delivery {
                Delivery::ToBroker {
                    conn,
                    data: Some(bytes),
                } => {
                    self.broker.receive(conn, at, &bytes);
                    self.collect_broker(at);
                }
                Delivery::ToBroker { conn, data: None } => {
                    self.broker.closed(conn);
                    self.collect_broker(at);
                }
                Delivery::ToModule { key, conn, event } => {
                    let current = self.links.get(&key).map(|l| l.conn);
                    if conn.is_none() || current == conn {
                        return Some((key.0, key.1, event));
                    }
                }
            }
        }
    }

    /// The broker connection behind the link of a module's `conn_id`.
    pub fn conn_of(&self, module: usize, conn_id: u8) -> Option<ConnId> {
        self.links
            .get(&(module, conn_id))
            .filter(|l| !l.closed_by_broker)
            .map(|l| l.conn)
    }

    /// The broker sends `packet` on a module's link (for odd-server tests).
    pub fn send_from_broker(&mut self, now: SimTime, module: usize, conn_id: u8, packet: &Packet) {
        if let Ok(bytes) = mqtt::encode(packet, crate::config::MqttVersion::V311) {
            self.send_raw_from_broker(now, module, conn_id, bytes);
        }
    }

    /// The broker sends raw bytes on a module's link (malformed-server tests).
    pub fn send_raw_from_broker(&mut self, now: SimTime, module: usize, conn_id: u8, bytes: Bytes) {
        if let Some(conn) = self.conn_of(module, conn_id) {
            self.schedule(
                now + self.latency,
                Delivery::ToModule {
                    key: (module, conn_id),
                    conn: Some(conn),
                    event: NetEvent::Data(bytes),
                },
            );
        }
    }

    /// The broker drops a module's link (its will is published): `+QMTSTAT: <id>,1`.
    pub fn close_from_broker(&mut self, now: SimTime, module: usize, conn_id: u8) {
        if let Some(conn) = self.conn_of(module, conn_id) {
            self.broker.closed(conn);
            self.mark_closed(now, conn);
        }
    }

    /// Makes what the broker produced outside a delivery (peer publishes, direct calls)
    /// travel to the modules.
    pub fn flush_broker(&mut self, now: SimTime) {
        self.collect_broker(now);
    }

    fn collect_broker(&mut self, now: SimTime) {
        for out in self.broker.drain() {
            match out {
                BrokerOut::Send(conn, bytes) => {
                    if let Some(key) = self.key_of(conn) {
                        self.schedule(
                            now + self.latency,
                            Delivery::ToModule {
                                key,
                                conn: Some(conn),
                                event: NetEvent::Data(bytes),
                            },
                        );
                    }
                }
                BrokerOut::Close(conn) => self.mark_closed(now, conn),
            }
        }
    }

    fn mark_closed(&mut self, now: SimTime, conn: ConnId) {
        if let Some(key) = self.key_of(conn) {
            if let Some(link) = self.links.get_mut(&key) {
                link.closed_by_broker = true;
            }
            self.schedule(
                now + self.latency,
                Delivery::ToModule {
                    key,
                    conn: Some(conn),
                    event: NetEvent::Closed,
                },
            );
        }
    }

    fn key_of(&self, conn: ConnId) -> Option<LinkKey> {
        self.links
            .iter()
            .find(|(_, l)| l.conn == conn && !l.closed_by_broker)
            .map(|(k, _)| *k)
    }

    fn schedule(&mut self, at: SimTime, d: Delivery) {
        self.seq += 1;
        self.queue.insert((at, self.seq), d);
    }
}
