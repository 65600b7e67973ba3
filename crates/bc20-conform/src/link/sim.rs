//! The simulator in-process on a real broker (the embedded one or `--broker`), on the broker
//! bed's clock: virtual time that stands still while the real broker owes an answer and
//! jumps to the module's next deadline when it owes nothing.
//!
//! One [`bc20_sim::Modem`] and its real TCP links ([`RealNetwork`]) are stepped by the
//! caller's reads, like the virtual bed's world, without a driver thread. The clock:
//! - while something real is on its way (a CONNACK, PUBACK, SUBACK, PINGRESP, a message the
//!   broker routes to the module or to the peer, a connect or a close), virtual time does
//!   not move and the read waits in real time for it, bounded by [`REPLY_BOUND`]; what is
//!   on its way is what a shadow virtual broker, given the same actions, sends
//!   ([`InFlight`](super::in_flight) explains why a prediction and not a quiet-time guess);
//! - otherwise virtual time jumps to the module's next timer or the read's deadline.
//!
//! So a 10 s × 3 retransmission takes no real time, a broker round trip takes only its real
//! time, every response time in the transcript is the module's own (exactly the virtual
//! bed's), and two runs give the same transcript; the messages themselves went through the
//! real broker. Set `BC20_BED_TRACE=1` to see on stderr each prediction the real broker did
//! not fulfil within the bound.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bc20_sim::shell::{RealNetwork, Route};
use bc20_sim::virtual_net::BrokerBehaviour;
use bc20_sim::{conn_ids, ModemConfig, MqttVersion, NetAction, Quirks, VirtualNetwork};

use super::in_flight::InFlight;
use super::stepped::{millis_floor, Core, Shared, SteppedLink, World, MAX_STEPS};
use super::{LinkError, MAX_BLOCK};
use crate::peer::{BrokerPeer, MqttPeer, PeerError, PeerMessage};

/// How long (real time) the clock waits for a predicted packet before it gives the
/// prediction up. A localhost broker answers in well under a millisecond; the bound is for
/// a loaded CI machine, and for the rare prediction the real broker does not share.
pub const REPLY_BOUND: Duration = Duration::from_secs(2);

/// Real-time slice of one wait on the network (the peer's arrivals are checked between).
const WAIT_SLICE: Duration = Duration::from_millis(1);

/// How to build simulated modules.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// The broker every QMTOPEN reaches (whatever host name it gives, except `*.invalid`).
    pub broker: SocketAddr,
    /// Quirk profiles that are on.
    pub quirks: Quirks,
    /// The MQTT version of the modules' CONNECT (D39; 3.1 also limits client ids, D64).
    pub mqtt_version: MqttVersion,
}

impl SimOptions {
    fn modem_config(&self) -> ModemConfig {
        ModemConfig {
            quirks: self.quirks,
            mqtt_version: self.mqtt_version,
            ..ModemConfig::default()
        }
    }
}

/// One module, its real links and the shadow broker, at one virtual instant.
pub struct SimWorld {
    core: Core,
    net: RealNetwork,
    /// The virtual broker given every action the module and the peers take: what it sends
    /// is what the real broker owes.
    shadow: VirtualNetwork,
    in_flight: InFlight,
    /// The shadow's peers (their deliveries are the real peers' predictions).
    shadow_peers: Vec<usize>,
    /// Messages the real peers have received so far, one counter per peer.
    received: Vec<Arc<AtomicU64>>,
    /// Their sum when virtual time last moved on (the caller has polled those).
    peer_seen: u64,
    /// When the current wait for a predicted packet began (real time).
    waiting_since: Option<Instant>,
    options: SimOptions,
    trace: bool,
}

/// A [`super::ModuleLink`] to an in-process simulated module on a real broker, on the
/// broker bed's clock (see the module docs).
pub type SimLink = SteppedLink<SimWorld>;

impl SimWorld {
    fn peer_received(&self) -> u64 {
        self.received
            .iter()
            .map(|c| c.load(Ordering::Acquire))
            .sum()
    }

    fn deliver(&mut self, conn_id: u8, event: bc20_sim::NetEvent) {
        self.in_flight.observed(conn_id, &event);
        self.core.modem.handle_net(self.core.now, conn_id, event);
    }
}

impl World for SimWorld {
    fn core(&mut self) -> &mut Core {
        &mut self.core
    }

    fn core_ref(&self) -> &Core {
        &self.core
    }

    /// Moves actions and events between module, both networks and host until nothing
    /// more happens at the current instant (without waiting).
    fn settle(&mut self) {
        let now = self.core.now;
        for _ in 0..MAX_STEPS {
            let mut progress = false;
            while let Some(action) = self.core.modem.poll_net() {
                self.in_flight.module_action(&action);
                self.shadow.handle_action(now, 0, action.clone());
                self.net.handle_action(action);
                progress = true;
            }
            progress |= self.core.collect_output();
            while let Some((_, conn_id, event)) = self.shadow.poll_event(now) {
                self.in_flight.predicted(conn_id, &event);
                progress = true;
            }
            for &p in &self.shadow_peers {
                self.in_flight
                    .peer_predicted(self.shadow.broker.take_inbox(p).len());
            }
            while let Some((conn_id, event)) = self.net.poll_event(Duration::ZERO) {
                self.deliver(conn_id, event);
                progress = true;
            }
            if !progress {
                return;
            }
        }
    }

    /// Advances until the module has said something, `deadline` (link time) is reached, or
    /// `MAX_BLOCK` of real time has passed waiting for the broker; returns whether the
    /// module's output may be handed out.
    ///
    /// Nothing is handed out while the broker still owes something at this instant: a
    /// message routed to the peer at the same instant as a module line is then always
    /// polled after it, so the transcript's order does not depend on which real packet
    /// happened to come first.
    fn advance(&mut self, deadline: Duration) -> bool {
        let started = Instant::now();
        self.settle();
        let mut waited = false;
        for _ in 0..MAX_STEPS {
            let received = self.peer_received();
            if self.in_flight.pending(received) {
                let since = *self.waiting_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= REPLY_BOUND {
                    if self.trace {
                        eprintln!(
                            "bc20 broker bed: at {} gave up waiting for{}",
                            self.core.now,
                            self.in_flight.describe(received)
                        );
                    }
                    self.in_flight.forget(received);
                    self.waiting_since = None;
                    continue;
                }
                if started.elapsed() >= MAX_BLOCK {
                    return false;
                }
                if let Some((conn_id, event)) = self.net.poll_event(WAIT_SLICE) {
                    self.deliver(conn_id, event);
                }
                self.settle();
                waited = true;
                continue;
            }
            self.waiting_since = None;
            // The caller polls the peer after every read: what arrived so far is seen.
            let arrived = received > self.peer_seen;
            self.peer_seen = received;
            if !self.core.unread.is_empty() {
                self.core.output_seen();
                return true;
            }
            if self.core.link_now >= deadline || waited || arrived {
                // What was awaited has come, or a peer's message arrived since the caller
                // last looked: the caller sees it before time moves on, at the virtual
                // instant it belongs to, whatever real time it took.
                return true;
            }
            let target = millis_floor(deadline);
            match self.core.modem.poll_timeout() {
                Some(t) if t <= target => self.core.advance_to(t),
                _ => {
                    self.core.advance_to(target);
                    self.core.link_now = self.core.link_now.max(deadline);
                }
            }
            self.settle();
        }
        true
    }

    fn close_links(&mut self) {
        let now = self.core.now;
        for conn_id in conn_ids() {
            let close = NetAction::Close { conn_id };
            self.in_flight.module_action(&close);
            self.shadow.handle_action(now, 0, close);
        }
        self.net.close_all();
    }

    fn describe(&self) -> String {
        let o = &self.options;
        let quirks: Vec<String> = o.quirks.iter().map(|q| q.to_string()).collect();
        // Not the broker's address: the embedded one's port changes every run, and the
        // report's target names the broker.
        format!(
            "simulator (broker bed{}{})",
            if o.mqtt_version == MqttVersion::V31 {
                ", MQTT 3.1"
            } else {
                ""
            },
            if quirks.is_empty() {
                String::new()
            } else {
                format!(", quirks {}", quirks.join(","))
            }
        )
    }

    fn open_peer(world: &Shared<Self>, client_id: &str) -> Result<Box<dyn BrokerPeer>, PeerError> {
        Ok(Box::new(peer(world, client_id)?))
    }
}

/// The shadow broker: the virtual one, minus what a real broker does only in real time.
fn shadow() -> VirtualNetwork {
    let mut net = VirtualNetwork::new();
    net.broker.behaviour = BrokerBehaviour {
        // The real broker measures keep-alive in real time, which hardly passes here.
        enforce_keepalive: false,
        ..BrokerBehaviour::default()
    };
    net
}

impl SimLink {
    /// Boots a fresh simulated module at virtual time zero.
    ///
    /// # Errors
    /// None today (the broker is reached only when a script opens a connection); the
    /// `Result` keeps the signature of the other links.
    pub fn open(options: SimOptions) -> Result<Self, LinkError> {
        Ok(SteppedLink::new(SimWorld {
            core: Core::boot(options.modem_config()),
            net: RealNetwork::new(Route::Fixed(options.broker)),
            shadow: shadow(),
            in_flight: InFlight::default(),
            shadow_peers: Vec::new(),
            received: Vec::new(),
            peer_seen: 0,
            waiting_since: None,
            options,
            trace: std::env::var_os("BC20_BED_TRACE").is_some_and(|v| v != "0"),
        }))
    }

    /// A real MQTT client of the broker as `client_id`, whose actions the link's clock
    /// knows of (it waits for the messages the broker routes to it).
    ///
    /// # Errors
    /// [`PeerError::Connect`] when the broker cannot be reached.
    pub fn peer(&mut self, client_id: &str) -> Result<SimPeer, PeerError> {
        peer(&self.world, client_id)
    }
}

fn peer(world: &Shared<SimWorld>, client_id: &str) -> Result<SimPeer, PeerError> {
    let broker = world.lock().options.broker;
    let real = MqttPeer::connect(&broker.ip().to_string(), broker.port(), client_id)?;
    let mut w = world.lock();
    let index = w.shadow.broker.add_peer(client_id);
    w.shadow_peers.push(index);
    w.received.push(real.received_counter());
    Ok(SimPeer {
        world: world.clone(),
        real,
        index,
    })
}

/// A [`BrokerPeer`] on the real broker whose every action the shadow broker mirrors, so the
/// link's clock waits for what the real broker routes in answer.
pub struct SimPeer {
    world: Shared<SimWorld>,
    real: MqttPeer,
    index: usize,
}

impl BrokerPeer for SimPeer {
    fn describe(&self) -> String {
        self.real.describe()
    }

    fn subscribe(&mut self, filter: &str, qos: u8) -> Result<(), PeerError> {
        self.real.subscribe(filter, qos)?;
        let mut w = self.world.lock();
        w.shadow.broker.peer_subscribe(self.index, filter, qos);
        w.settle();
        Ok(())
    }

    fn unsubscribe(&mut self, filter: &str) -> Result<(), PeerError> {
        self.real.unsubscribe(filter)?;
        self.world
            .lock()
            .shadow
            .broker
            .peer_unsubscribe(self.index, filter);
        Ok(())
    }

    fn publish(
        &mut self,
        topic: &str,
        payload: &[u8],
        qos: u8,
        retain: bool,
    ) -> Result<(), PeerError> {
        self.real.publish(topic, payload, qos, retain)?;
        let mut w = self.world.lock();
        w.shadow.broker.peer_publish(topic, payload, qos, retain);
        let now = w.core.now;
        w.shadow.flush_broker(now);
        w.settle();
        Ok(())
    }

    fn poll(&mut self) -> Vec<PeerMessage> {
        self.real.poll()
    }
}
