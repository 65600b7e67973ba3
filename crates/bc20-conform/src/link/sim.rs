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
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bc20_sim::shell::{RealNetwork, Route};
use bc20_sim::virtual_net::BrokerBehaviour;
use bc20_sim::{
    Modem, ModemConfig, MqttVersion, NetAction, Quirks, SimTime, VirtualNetwork, SLOTS,
};

use super::in_flight::InFlight;
use super::{Fault, LinkError, ModuleLink, Reset, MAX_BLOCK};
use crate::peer::{BrokerPeer, MqttPeer, PeerError, PeerMessage};

/// How long (real time) the clock waits for a predicted packet before it gives the
/// prediction up. A localhost broker answers in well under a millisecond; the bound is for
/// a loaded CI machine, and for the rare prediction the real broker does not share.
pub const REPLY_BOUND: Duration = Duration::from_secs(2);

/// Real-time slice of one wait on the network (the peer's arrivals are checked between).
const WAIT_SLICE: Duration = Duration::from_millis(1);

/// Upper bound on events handled in one settle: a runaway model stops instead of hanging.
const MAX_STEPS: usize = 1_000_000;

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
struct World {
    now: SimTime,
    /// The link's clock: never behind `now`, and exactly at a read's deadline after it.
    link_now: Duration,
    modem: Modem,
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
    unread: Vec<u8>,
    options: SimOptions,
    trace: bool,
}

impl World {
    fn boot(options: SimOptions) -> World {
        let mut w = World {
            now: SimTime::ZERO,
            link_now: Duration::ZERO,
            modem: Modem::new(options.modem_config(), SimTime::ZERO),
            net: RealNetwork::new(Route::Fixed(options.broker)),
            shadow: shadow(),
            in_flight: InFlight::default(),
            shadow_peers: Vec::new(),
            received: Vec::new(),
            peer_seen: 0,
            waiting_since: None,
            unread: Vec::new(),
            options,
            trace: std::env::var_os("BC20_BED_TRACE").is_some_and(|v| v != "0"),
        };
        w.settle();
        w
    }

    fn peer_received(&self) -> u64 {
        self.received
            .iter()
            .map(|c| c.load(Ordering::Acquire))
            .sum()
    }

    /// Moves actions and events between module, both networks and host until nothing
    /// more happens at the current instant (without waiting).
    fn settle(&mut self) {
        let now = self.now;
        for _ in 0..MAX_STEPS {
            let mut progress = false;
            while let Some(action) = self.modem.poll_net() {
                self.in_flight.module_action(&action);
                self.shadow.handle_action(now, 0, action.clone());
                self.net.handle_action(action);
                progress = true;
            }
            while let Some(bytes) = self.modem.poll_host() {
                self.unread.extend_from_slice(&bytes);
                progress = true;
            }
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

    fn deliver(&mut self, conn_id: u8, event: bc20_sim::NetEvent) {
        self.in_flight.observed(conn_id, &event);
        self.modem.handle_net(self.now, conn_id, event);
    }

    /// Advances until the module has said something, `deadline` (link time) is reached, or
    /// `MAX_BLOCK` of real time has passed waiting for the broker; returns whether the
    /// module's output (in `unread`) may be handed out.
    ///
    /// Nothing is handed out while the broker still owes something at this instant: a
    /// message routed to the peer at the same instant as a module line is then always
    /// polled after it, so the transcript's order does not depend on which real packet
    /// happened to come first.
    fn run(&mut self, deadline: Duration) -> bool {
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
                            self.now,
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
            if !self.unread.is_empty() {
                let at = Duration::from_millis(self.now.as_millis());
                self.link_now = self.link_now.max(at);
                return true;
            }
            if self.link_now >= deadline || waited || arrived {
                // What was awaited has come, or a peer's message arrived since the caller
                // last looked: the caller sees it before time moves on, at the virtual
                // instant it belongs to, whatever real time it took.
                return true;
            }
            let target = millis_floor(deadline);
            match self.modem.poll_timeout() {
                Some(t) if t <= target => self.now = self.now.max(t),
                _ => {
                    self.now = self.now.max(target);
                    self.link_now = self.link_now.max(deadline);
                }
            }
            self.modem.handle_timeout(self.now);
            self.settle();
        }
        true
    }

    /// Replaces the module by a freshly booted one; its old links close (their wills go).
    fn reboot(&mut self) {
        let now = self.now;
        for conn_id in (0u8..).take(SLOTS) {
            let close = NetAction::Close { conn_id };
            self.in_flight.module_action(&close);
            self.shadow.handle_action(now, 0, close);
        }
        self.net.close_all();
        self.modem = Modem::new(self.options.modem_config(), now);
        self.unread.clear();
        self.settle();
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

fn millis_floor(d: Duration) -> SimTime {
    SimTime::from_millis(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A shared world: the link and its peers run on one worker thread, one at a time.
#[derive(Clone)]
struct Shared(Arc<Mutex<World>>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, World> {
        // A panic elsewhere leaves the model as it was: keep going with it.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A [`ModuleLink`] to an in-process simulated module on a real broker, on the broker
/// bed's clock (see the module docs).
pub struct SimLink {
    world: Shared,
}

impl SimLink {
    /// Boots a fresh simulated module at virtual time zero.
    ///
    /// # Errors
    /// None today (the broker is reached only when a script opens a connection); the
    /// `Result` keeps the signature of the other links.
    pub fn open(options: SimOptions) -> Result<Self, LinkError> {
        Ok(SimLink {
            world: Shared(Arc::new(Mutex::new(World::boot(options)))),
        })
    }

    /// A real MQTT client of the broker as `client_id`, whose actions the link's clock
    /// knows of (it waits for the messages the broker routes to it).
    ///
    /// # Errors
    /// [`PeerError::Connect`] when the broker cannot be reached.
    pub fn peer(&mut self, client_id: &str) -> Result<SimPeer, PeerError> {
        let broker = self.world.lock().options.broker;
        let real = MqttPeer::connect(&broker.ip().to_string(), broker.port(), client_id)?;
        let mut w = self.world.lock();
        let index = w.shadow.broker.add_peer(client_id);
        w.shadow_peers.push(index);
        w.received.push(real.received_counter());
        Ok(SimPeer {
            world: self.world.clone(),
            real,
            index,
        })
    }
}

impl ModuleLink for SimLink {
    fn describe(&self) -> String {
        let w = self.world.lock();
        let o = &w.options;
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

    fn now(&self) -> Duration {
        self.world.lock().link_now
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        let mut w = self.world.lock();
        let now = w.now;
        w.modem.handle_host_bytes(now, bytes);
        w.settle();
        Ok(())
    }

    fn read(&mut self, deadline: Duration, buf: &mut Vec<u8>) -> Result<usize, LinkError> {
        let mut w = self.world.lock();
        if !w.run(deadline) {
            return Ok(0);
        }
        let n = w.unread.len();
        buf.append(&mut w.unread);
        Ok(n)
    }

    fn supports_faults(&self) -> bool {
        true
    }

    fn inject(&mut self, fault: &Fault) -> Result<(), LinkError> {
        let f = fault.parse()?;
        let mut w = self.world.lock();
        let now = w.now;
        w.modem.inject_fault(now, f);
        w.settle();
        Ok(())
    }

    fn can_reset(&self) -> bool {
        true
    }

    fn reset(&mut self) -> Result<Reset, LinkError> {
        self.world.lock().reboot();
        Ok(Reset {
            settle: Duration::ZERO,
            notes: vec!["a fresh simulated module booted".to_owned()],
        })
    }

    fn open_peer(&mut self, client_id: &str) -> Option<Result<Box<dyn BrokerPeer>, PeerError>> {
        Some(
            self.peer(client_id)
                .map(|p| Box::new(p) as Box<dyn BrokerPeer>),
        )
    }
}

/// A [`BrokerPeer`] on the real broker whose every action the shadow broker mirrors, so the
/// link's clock waits for what the real broker routes in answer.
pub struct SimPeer {
    world: Shared,
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
        let now = w.now;
        w.shadow.flush_broker(now);
        w.settle();
        Ok(())
    }

    fn poll(&mut self) -> Vec<PeerMessage> {
        self.real.poll()
    }
}
