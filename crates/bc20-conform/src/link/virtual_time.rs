//! The simulator on a discrete-event clock: one [`bc20_sim::Modem`] and a
//! [`bc20_sim::VirtualNetwork`] (with its virtual broker) in one [`World`], and no real
//! sleeping. [`VirtualLink::read`] jumps virtual time to the next event (module output, a
//! timer, a network delivery) or to the deadline, whichever comes first; the broker-side
//! peer ([`VirtualPeer`]) is a client of the same virtual broker, in the same world.
//!
//! Same inputs, same outputs: a script run on this link is deterministic, which is what the
//! unit tests, the model check, mutants and the fuzz oracle need.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bc20_sim::{conn_ids, Modem, ModemConfig, NetAction, SimTime, VirtualNetwork};

use super::{Fault, LinkError, ModuleLink, Reset};
use crate::peer::{BrokerPeer, PeerError, PeerMessage};

/// Upper bound on events handled in one call: a runaway model stops instead of hanging.
const MAX_STEPS: usize = 1_000_000;

/// One module, its network and the broker, at one virtual instant.
#[derive(Debug)]
struct World {
    /// Virtual time of the model (whole milliseconds).
    now: SimTime,
    /// The link's clock: never behind `now`, and exactly at a read's deadline after it.
    link_now: Duration,
    modem: Modem,
    net: VirtualNetwork,
    /// Module output the host has not read yet.
    unread: Vec<u8>,
    config: ModemConfig,
}

impl World {
    fn boot(config: ModemConfig) -> World {
        let mut w = World {
            now: SimTime::ZERO,
            link_now: Duration::ZERO,
            modem: Modem::new(config.clone(), SimTime::ZERO),
            net: VirtualNetwork::new(),
            unread: Vec::new(),
            config,
        };
        w.settle();
        w
    }

    /// Moves actions and events between module, network and host until nothing more
    /// happens at the current instant.
    fn settle(&mut self) {
        let now = self.now;
        for _ in 0..MAX_STEPS {
            let mut progress = false;
            while let Some(action) = self.modem.poll_net() {
                self.net.handle_action(now, 0, action);
                progress = true;
            }
            while let Some(bytes) = self.modem.poll_host() {
                self.unread.extend_from_slice(&bytes);
                progress = true;
            }
            while let Some((_, conn_id, event)) = self.net.poll_event(now) {
                self.modem.handle_net(now, conn_id, event);
                progress = true;
            }
            if !progress {
                return;
            }
        }
    }

    fn next_event(&self) -> Option<SimTime> {
        match (self.modem.poll_timeout(), self.net.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Advances to the first instant at or before `target` at which the module has said
    /// something, or to `target`.
    fn run_until_output(&mut self, target: SimTime) {
        self.settle();
        for _ in 0..MAX_STEPS {
            if !self.unread.is_empty() {
                return;
            }
            match self.next_event() {
                Some(t) if t <= target => {
                    self.now = self.now.max(t);
                    let now = self.now;
                    self.modem.handle_timeout(now);
                    self.settle();
                }
                _ => break,
            }
        }
        if self.unread.is_empty() {
            self.now = self.now.max(target);
            let now = self.now;
            self.modem.handle_timeout(now);
            self.settle();
        }
    }

    /// Replaces the module by a freshly booted one; its old links close (their wills go).
    fn reboot(&mut self) {
        let now = self.now;
        for conn_id in conn_ids() {
            self.net.handle_action(now, 0, NetAction::Close { conn_id });
        }
        self.modem = Modem::new(self.config.clone(), now);
        self.unread.clear();
        self.settle();
    }
}

fn millis_floor(d: Duration) -> SimTime {
    SimTime::from_millis(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A shared world: the link and its peers run on one worker thread, one at a time.
#[derive(Debug, Clone)]
struct Shared(Arc<Mutex<World>>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, World> {
        // A panic elsewhere leaves the model as it was: keep going with it.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A [`ModuleLink`] to a simulated module on virtual time (see the module docs).
#[derive(Debug)]
pub struct VirtualLink {
    world: Shared,
}

impl VirtualLink {
    /// Boots a fresh module, network and broker at virtual time zero.
    pub fn open(config: ModemConfig) -> VirtualLink {
        VirtualLink {
            world: Shared(Arc::new(Mutex::new(World::boot(config)))),
        }
    }

    /// A client of this link's virtual broker (`name` for messages).
    pub fn peer(&mut self, name: &str) -> VirtualPeer {
        let index = self.world.lock().net.broker.add_peer(name);
        VirtualPeer {
            world: self.world.clone(),
            index,
            name: name.to_owned(),
        }
    }
}

impl ModuleLink for VirtualLink {
    fn describe(&self) -> String {
        "simulator, in-process, virtual time".to_owned()
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
        if w.unread.is_empty() && deadline > w.link_now {
            w.run_until_output(millis_floor(deadline));
        }
        let n = w.unread.len();
        if n == 0 {
            w.link_now = w.link_now.max(deadline);
        } else {
            let at = Duration::from_millis(w.now.as_millis());
            w.link_now = w.link_now.max(at);
            buf.append(&mut w.unread);
        }
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
        Some(Ok(Box::new(self.peer(client_id))))
    }
}

/// A [`BrokerPeer`] inside the virtual broker of a [`VirtualLink`]'s world: what it
/// publishes reaches the module at the same virtual instant, and it receives what the module
/// publishes as the broker routes it.
#[derive(Debug)]
pub struct VirtualPeer {
    world: Shared,
    index: usize,
    name: String,
}

impl BrokerPeer for VirtualPeer {
    fn describe(&self) -> String {
        format!("virtual peer {}", self.name)
    }

    fn subscribe(&mut self, filter: &str, qos: u8) -> Result<(), PeerError> {
        if !rumqttc::mqttbytes::valid_filter(filter) {
            return Err(PeerError::SubscribeRefused(filter.to_owned()));
        }
        self.world
            .lock()
            .net
            .broker
            .peer_subscribe(self.index, filter, qos);
        Ok(())
    }

    fn unsubscribe(&mut self, filter: &str) -> Result<(), PeerError> {
        self.world
            .lock()
            .net
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
        let mut w = self.world.lock();
        w.net.broker.peer_publish(topic, payload, qos, retain);
        let now = w.now;
        w.net.flush_broker(now);
        w.settle();
        Ok(())
    }

    fn poll(&mut self) -> Vec<PeerMessage> {
        self.world
            .lock()
            .net
            .broker
            .take_inbox(self.index)
            .into_iter()
            .map(|m| PeerMessage {
                topic: m.topic,
                payload: m.payload.to_vec(),
                qos: m.qos,
                retain: m.retain,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(link: &mut VirtualLink, line: &str, wait: Duration) -> String {
        link.write(format!("{line}\r").as_bytes()).unwrap();
        let until = link.now() + wait;
        let mut buf = Vec::new();
        while link.now() < until {
            link.read(until, &mut buf).unwrap();
        }
        String::from_utf8_lossy(&buf).into_owned()
    }

    #[test]
    fn a_read_jumps_virtual_time_to_the_deadline_without_sleeping() {
        let mut link = VirtualLink::open(ModemConfig::default());
        let mut buf = Vec::new();
        while link.now() < Duration::from_secs(5) {
            link.read(Duration::from_secs(5), &mut buf).unwrap();
        }
        let real = std::time::Instant::now();
        let mut buf = Vec::new();
        assert_eq!(link.read(Duration::from_secs(3600), &mut buf).unwrap(), 0);
        assert_eq!(link.now(), Duration::from_secs(3600));
        assert!(real.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn a_peer_publish_reaches_the_module_through_the_virtual_broker() {
        let mut link = VirtualLink::open(ModemConfig::echo_off());
        let mut peer = link.peer("peer");
        let wait = Duration::from_secs(2);
        command(&mut link, "AT+QMTOPEN=0,\"broker\",1883", wait);
        let conn = command(&mut link, "AT+QMTCONN=0,\"c0\"", wait);
        assert!(conn.contains("+QMTCONN: 0,0,0"), "{conn}");
        let sub = command(&mut link, "AT+QMTSUB=0,1,\"t/x\",1", wait);
        assert!(sub.contains("+QMTSUB: 0,1,0,1"), "{sub}");
        peer.subscribe("t/#", 1).unwrap();
        peer.publish("t/x", b"hi", 1, false).unwrap();
        let mut buf = Vec::new();
        let until = link.now() + wait;
        while link.now() < until {
            link.read(until, &mut buf).unwrap();
        }
        let text = String::from_utf8_lossy(&buf);
        assert!(text.contains("+QMTRECV: 0,1,\"t/x\",\"hi\""), "{text}");
        assert_eq!(peer.poll().len(), 1);
    }
}
