//! The broker half of the reference model: MQTT 3.1.1 routing as the standard states it,
//! over exact topic names (no wildcards are generated).

use std::collections::BTreeMap;

use bc20_grammar::Qos;

/// A message as a subscriber sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Delivery {
    /// The slot it arrives on.
    pub slot: u8,
    /// Topic name.
    pub topic: String,
    /// Payload bytes.
    pub payload: Vec<u8>,
    /// Delivered QoS: the lower of the publish and the subscription (D37: msgID 0 iff 0).
    pub qos: Qos,
}

/// A published message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    /// Topic name.
    pub topic: String,
    /// Payload bytes.
    pub payload: Vec<u8>,
    /// QoS of the publish.
    pub qos: Qos,
    /// Retain flag.
    pub retain: bool,
}

/// The broker's state: sessions (subscriptions by client id), who is online on which
/// slot, retained messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrokerModel {
    sessions: BTreeMap<String, BTreeMap<String, Qos>>,
    online: BTreeMap<String, u8>,
    /// Online clients whose connection asked for a clean session: theirs ends with the
    /// connection ([MQTT-3.1.2-6]).
    clean: std::collections::BTreeSet<String>,
    retained: BTreeMap<String, (Vec<u8>, Qos)>,
}

fn min_qos(a: Qos, b: Qos) -> Qos {
    if a.code() <= b.code() {
        a
    } else {
        b
    }
}

impl BrokerModel {
    /// A client connects on `slot`. Returns the slot of an older connection with the same
    /// client id, which the broker closes (takeover, 3.2.4 NOTE; no will).
    pub fn connect(&mut self, slot: u8, client: &str, clean: bool) -> Option<u8> {
        let old = self.online.get(client).copied().filter(|&s| s != slot);
        if self.online.contains_key(client) && self.clean.contains(client) {
            // The connection taken over had a clean session: it ends with that connection
            // ([MQTT-3.1.2-6]), so a clean-session-0 connect finds nothing to resume.
            self.sessions.remove(client);
        }
        if clean {
            self.sessions.remove(client);
            self.clean.insert(client.to_owned());
        } else {
            self.clean.remove(client);
        }
        self.sessions.entry(client.to_owned()).or_default();
        self.online.insert(client.to_owned(), slot);
        old
    }

    /// Whether the broker holds a session for `client` (CONNACK session present with
    /// clean session 0).
    pub fn has_session(&self, client: &str) -> bool {
        self.sessions.contains_key(client)
    }

    /// The client on `slot` went away (any reason).
    pub fn offline(&mut self, client: &str) {
        self.online.remove(client);
        // A clean session lasts as long as its connection: nothing of it is reused
        // ([MQTT-3.1.2-6]), not even by a later connect with clean session 0.
        if self.clean.remove(client) {
            self.sessions.remove(client);
        }
    }

    /// SUBSCRIBE: every filter is granted its QoS; retained messages follow, per filter.
    pub fn subscribe(&mut self, slot: u8, client: &str, topics: &[(String, Qos)]) -> Vec<Delivery> {
        let subs = self.sessions.entry(client.to_owned()).or_default();
        for (t, q) in topics {
            subs.insert(t.clone(), *q);
        }
        let mut out = Vec::new();
        for (t, q) in topics {
            if let Some((payload, rq)) = self.retained.get(t) {
                out.push(Delivery {
                    slot,
                    topic: t.clone(),
                    payload: payload.clone(),
                    qos: min_qos(*rq, *q),
                });
            }
        }
        out
    }

    /// UNSUBSCRIBE.
    pub fn unsubscribe(&mut self, client: &str, topics: &[String]) {
        if let Some(subs) = self.sessions.get_mut(client) {
            for t in topics {
                subs.remove(t);
            }
        }
    }

    /// PUBLISH: stored when retained (deleted by an empty retained payload), delivered to
    /// every online client subscribed to the topic.
    pub fn publish(&mut self, p: &Publication) -> Vec<Delivery> {
        if p.retain {
            if p.payload.is_empty() {
                self.retained.remove(&p.topic);
            } else {
                self.retained
                    .insert(p.topic.clone(), (p.payload.clone(), p.qos));
            }
        }
        self.subscribers(&p.topic)
            .into_iter()
            .map(|(slot, q)| Delivery {
                slot,
                topic: p.topic.clone(),
                payload: p.payload.clone(),
                qos: min_qos(p.qos, q),
            })
            .collect()
    }

    /// The online slots subscribed to `topic`, with their subscription QoS.
    pub fn subscribers(&self, topic: &str) -> Vec<(u8, Qos)> {
        self.online
            .iter()
            .filter_map(|(client, &slot)| {
                let q = self.sessions.get(client)?.get(topic)?;
                Some((slot, *q))
            })
            .collect()
    }
}
