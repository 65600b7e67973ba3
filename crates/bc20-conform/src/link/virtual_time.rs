//! The simulator on a discrete-event clock: one [`bc20_sim::Modem`] and a
//! [`bc20_sim::VirtualNetwork`] (with its virtual broker) in one world, and no real
//! sleeping. A read jumps virtual time to the next event (module output, a timer, a network
//! delivery) or to the deadline, whichever comes first; the broker-side peer
//! ([`VirtualPeer`]) is a client of the same virtual broker, in the same world. The link
//! itself is the shared [`SteppedLink`].
//!
//! Same inputs, same outputs: a script run on this link is deterministic, which is what the
//! unit tests, the model check, mutants and the fuzz oracle need.

use std::time::Duration;

use bc20_sim::{conn_ids, ModemConfig, NetAction, SimTime, VirtualNetwork};

use super::stepped::{millis_floor, Core, Shared, SteppedLink, World, MAX_STEPS};
use crate::peer::{BrokerPeer, PeerError, PeerMessage};

/// One module, its network and the broker, at one virtual instant.
#[derive(Debug)]
pub struct VirtualWorld {
    core: Core,
    net: VirtualNetwork,
}

/// A [`super::ModuleLink`] to a simulated module on virtual time with the virtual broker
/// (see the module docs).
pub type VirtualLink = SteppedLink<VirtualWorld>;

impl VirtualWorld {
    fn next_event(&self) -> Option<SimTime> {
        match (self.core.modem.poll_timeout(), self.net.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

impl World for VirtualWorld {
    fn core(&mut self) -> &mut Core {
        &mut self.core
    }

    fn core_ref(&self) -> &Core {
        &self.core
    }

    fn settle(&mut self) {
        let now = self.core.now;
        for _ in 0..MAX_STEPS {
            let mut progress = false;
            while let Some(action) = self.core.modem.poll_net() {
                self.net.handle_action(now, 0, action);
                progress = true;
            }
            progress |= self.core.collect_output();
            while let Some((_, conn_id, event)) = self.net.poll_event(now) {
                self.core.modem.handle_net(now, conn_id, event);
                progress = true;
            }
            if !progress {
                return;
            }
        }
    }

    /// Advances to the first instant at or before the deadline at which the module has
    /// said something, or to the deadline; output is always handed out.
    fn advance(&mut self, deadline: Duration) -> bool {
        if !self.core.unread.is_empty() || deadline <= self.core.link_now {
            self.core.output_seen();
            return true;
        }
        let target = millis_floor(deadline);
        self.settle();
        for _ in 0..MAX_STEPS {
            if !self.core.unread.is_empty() {
                break;
            }
            match self.next_event() {
                Some(t) if t <= target => {
                    self.core.advance_to(t);
                    self.settle();
                }
                _ => break,
            }
        }
        if self.core.unread.is_empty() {
            self.core.advance_to(target);
            self.settle();
        }
        if self.core.unread.is_empty() {
            self.core.link_now = self.core.link_now.max(deadline);
        } else {
            self.core.output_seen();
        }
        true
    }

    fn close_links(&mut self) {
        let now = self.core.now;
        for conn_id in conn_ids() {
            self.net.handle_action(now, 0, NetAction::Close { conn_id });
        }
    }

    fn describe(&self) -> String {
        "simulator, in-process, virtual time".to_owned()
    }

    fn open_peer(world: &Shared<Self>, client_id: &str) -> Result<Box<dyn BrokerPeer>, PeerError> {
        Ok(Box::new(peer(world, client_id)))
    }
}

impl VirtualLink {
    /// Boots a fresh module, network and broker at virtual time zero.
    pub fn open(config: ModemConfig) -> VirtualLink {
        SteppedLink::new(VirtualWorld {
            core: Core::boot(config),
            net: VirtualNetwork::new(),
        })
    }

    /// A client of this link's virtual broker (`name` for messages).
    pub fn peer(&mut self, name: &str) -> VirtualPeer {
        peer(&self.world, name)
    }
}

fn peer(world: &Shared<VirtualWorld>, name: &str) -> VirtualPeer {
    let index = world.lock().net.broker.add_peer(name);
    VirtualPeer {
        world: world.clone(),
        index,
        name: name.to_owned(),
    }
}

/// A [`BrokerPeer`] inside the virtual broker of a [`VirtualLink`]'s world: what it
/// publishes reaches the module at the same virtual instant, and it receives what the module
/// publishes as the broker routes it.
#[derive(Debug)]
pub struct VirtualPeer {
    world: Shared<VirtualWorld>,
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
        let now = w.core.now;
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
    use crate::link::ModuleLink;

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
