//! Peer clients that live inside the broker: tests publish from them and read what they
//! receive, with no network in between.

use bytes::Bytes;
use rumqttc::mqttbytes::matches;

use super::{Broker, Message};

/// A client that lives inside the broker (no network), for tests: it subscribes and
/// publishes directly and keeps what it receives.
#[derive(Debug, Default, Clone)]
pub struct Peer {
    /// Its name (for messages and logs).
    pub name: String,
    pub(super) subs: Vec<(String, u8)>,
    /// Messages delivered to it, oldest first.
    pub inbox: Vec<Message>,
}

impl Broker {
    /// Adds an in-broker peer client; returns its index.
    pub fn add_peer(&mut self, name: &str) -> usize {
        self.peers.push(Peer {
            name: name.to_owned(),
            ..Peer::default()
        });
        self.peers.len() - 1
    }

    /// Subscribes a peer; retained messages matching are delivered at once.
    pub fn peer_subscribe(&mut self, peer: usize, filter: &str, qos: u8) {
        let Some(p) = self.peers.get_mut(peer) else {
            return;
        };
        p.subs.push((filter.to_owned(), qos.min(2)));
        let retained: Vec<Message> = self
            .retained
            .values()
            .filter(|m| matches(&m.topic, filter))
            .cloned()
            .collect();
        p.inbox.extend(retained);
    }

    /// Unsubscribes a peer from exactly `filter`.
    pub fn peer_unsubscribe(&mut self, peer: usize, filter: &str) {
        if let Some(p) = self.peers.get_mut(peer) {
            p.subs.retain(|(f, _)| f != filter);
        }
    }

    /// Publishes from a peer (or from "another device").
    pub fn peer_publish(&mut self, topic: &str, payload: &[u8], qos: u8, retain: bool) {
        let msg = Message {
            topic: topic.to_owned(),
            payload: Bytes::copy_from_slice(payload),
            qos: qos.min(2),
            retain,
        };
        self.route(msg);
    }

    /// A peer by index.
    pub fn peer(&self, peer: usize) -> Option<&Peer> {
        self.peers.get(peer)
    }

    /// Takes what a peer received so far.
    pub fn take_inbox(&mut self, peer: usize) -> Vec<Message> {
        self.peers
            .get_mut(peer)
            .map(|p| std::mem::take(&mut p.inbox))
            .unwrap_or_default()
    }
}
