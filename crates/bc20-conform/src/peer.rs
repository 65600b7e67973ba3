//! The broker-side peer: an MQTT client on the same broker as the module, which publishes to
//! it and proves what it really published.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rumqttc::{Client, Event, MqttOptions, Packet, QoS};
use thiserror::Error;

/// A peer failure.
#[derive(Debug, Error)]
pub enum PeerError {
    /// The broker URL is malformed.
    #[error("bad broker URL `{0}`: write mqtt://HOST:PORT")]
    BadUrl(String),
    /// No connection to the broker.
    #[error("cannot reach the broker at {0}")]
    Connect(String),
    /// The broker did not acknowledge a subscription in time.
    #[error("no SUBACK for `{0}` within 5 s")]
    NoSubAck(String),
    /// The broker refused a subscription.
    #[error("the broker refused the subscription to `{0}`")]
    SubscribeRefused(String),
    /// A request could not be queued (the client is gone).
    #[error("peer client failed: {0}")]
    Client(String),
    /// No peer is configured for this run.
    #[error("no broker peer in this run (give --broker, or use --sim)")]
    NoPeer,
}

/// A message the peer received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerMessage {
    /// Topic.
    pub topic: String,
    /// Payload bytes.
    pub payload: Vec<u8>,
    /// QoS it arrived with.
    pub qos: u8,
    /// Retain flag as delivered.
    pub retain: bool,
}

/// The broker-side client of a run.
pub trait BrokerPeer: Send {
    /// One line describing it.
    fn describe(&self) -> String;
    /// Subscribes and waits for the broker's acknowledgement.
    fn subscribe(&mut self, filter: &str, qos: u8) -> Result<(), PeerError>;
    /// Unsubscribes.
    fn unsubscribe(&mut self, filter: &str) -> Result<(), PeerError>;
    /// Publishes.
    fn publish(
        &mut self,
        topic: &str,
        payload: &[u8],
        qos: u8,
        retain: bool,
    ) -> Result<(), PeerError>;
    /// Messages received since the last call (never blocks).
    fn poll(&mut self) -> Vec<PeerMessage>;
}

/// `mqtt://host:port` (or `host:port`) → (host, port); the port defaults to 1883.
pub fn parse_broker_url(url: &str) -> Result<(String, u16), PeerError> {
    let rest = url
        .strip_prefix("mqtt://")
        .or_else(|| url.strip_prefix("tcp://"))
        .unwrap_or(url);
    let rest = rest.trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .map_err(|_| PeerError::BadUrl(url.to_owned()))?,
        ),
        None => (rest, 1883),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() || port == 0 || rest.contains('/') {
        return Err(PeerError::BadUrl(url.to_owned()));
    }
    Ok((host.to_owned(), port))
}

enum PeerEvent {
    Message(PeerMessage),
    SubAck(Vec<bool>),
    Connected,
    Error(String),
}

/// A [`BrokerPeer`] over a real MQTT connection (rumqttc's synchronous client, driven by a
/// thread of its own).
pub struct MqttPeer {
    client: Client,
    events: Receiver<PeerEvent>,
    inbox: Vec<PeerMessage>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    addr: String,
}

const ACK_WAIT: Duration = Duration::from_secs(5);

impl MqttPeer {
    /// Connects to `host:port` as `client_id` (clean session) and waits for the CONNACK.
    pub fn connect(host: &str, port: u16, client_id: &str) -> Result<Self, PeerError> {
        let mut opts = MqttOptions::new(client_id, host, port);
        opts.set_keep_alive(Duration::from_secs(30));
        opts.set_clean_session(true);
        opts.set_max_packet_size(1 << 20, 1 << 20);
        let (client, mut connection) = Client::new(opts, 64);
        let (tx, rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::Builder::new()
            .name("bc20-peer".to_owned())
            .spawn(move || {
                for ev in connection.iter() {
                    if stop2.load(Ordering::Relaxed) {
                        break;
                    }
                    let msg = match ev {
                        Ok(Event::Incoming(Packet::Publish(p))) => {
                            PeerEvent::Message(PeerMessage {
                                topic: p.topic.clone(),
                                payload: p.payload.to_vec(),
                                qos: p.qos as u8,
                                retain: p.retain,
                            })
                        }
                        Ok(Event::Incoming(Packet::SubAck(a))) => PeerEvent::SubAck(
                            a.return_codes
                                .iter()
                                .map(|c| !matches!(c, rumqttc::SubscribeReasonCode::Failure))
                                .collect(),
                        ),
                        Ok(Event::Incoming(Packet::ConnAck(_))) => PeerEvent::Connected,
                        Ok(_) => continue,
                        Err(e) => {
                            let _ = tx.send(PeerEvent::Error(e.to_string()));
                            std::thread::sleep(Duration::from_millis(200));
                            continue;
                        }
                    };
                    if tx.send(msg).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| PeerError::Client(e.to_string()))?;
        let mut peer = MqttPeer {
            client,
            events: rx,
            inbox: Vec::new(),
            stop,
            thread: Some(thread),
            addr: format!("{host}:{port}"),
        };
        let until = Instant::now() + ACK_WAIT;
        loop {
            match peer.next_event(until) {
                Some(PeerEvent::Connected) => return Ok(peer),
                Some(PeerEvent::Message(m)) => peer.inbox.push(m),
                Some(PeerEvent::Error(e)) => {
                    return Err(PeerError::Connect(format!("{}: {e}", peer.addr)))
                }
                Some(PeerEvent::SubAck(_)) => {}
                None => return Err(PeerError::Connect(peer.addr.clone())),
            }
        }
    }

    fn next_event(&mut self, until: Instant) -> Option<PeerEvent> {
        let wait = until.saturating_duration_since(Instant::now());
        self.events.recv_timeout(wait).ok()
    }
}

fn qos_of(q: u8) -> QoS {
    match q {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

impl BrokerPeer for MqttPeer {
    fn describe(&self) -> String {
        format!("mqtt peer at {}", self.addr)
    }

    fn subscribe(&mut self, filter: &str, qos: u8) -> Result<(), PeerError> {
        self.client
            .subscribe(filter, qos_of(qos))
            .map_err(|e| PeerError::Client(e.to_string()))?;
        let until = Instant::now() + ACK_WAIT;
        loop {
            match self.next_event(until) {
                Some(PeerEvent::SubAck(codes)) => {
                    return if codes.iter().all(|ok| *ok) {
                        Ok(())
                    } else {
                        Err(PeerError::SubscribeRefused(filter.to_owned()))
                    };
                }
                Some(PeerEvent::Message(m)) => self.inbox.push(m),
                Some(_) => {}
                None => return Err(PeerError::NoSubAck(filter.to_owned())),
            }
        }
    }

    fn unsubscribe(&mut self, filter: &str) -> Result<(), PeerError> {
        self.client
            .unsubscribe(filter)
            .map_err(|e| PeerError::Client(e.to_string()))
    }

    fn publish(
        &mut self,
        topic: &str,
        payload: &[u8],
        qos: u8,
        retain: bool,
    ) -> Result<(), PeerError> {
        self.client
            .publish(topic, qos_of(qos), retain, payload.to_vec())
            .map_err(|e| PeerError::Client(e.to_string()))
    }

    fn poll(&mut self) -> Vec<PeerMessage> {
        while let Ok(ev) = self.events.try_recv() {
            if let PeerEvent::Message(m) = ev {
                self.inbox.push(m);
            }
        }
        std::mem::take(&mut self.inbox)
    }
}

impl Drop for MqttPeer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.client.disconnect();
        if let Some(t) = self.thread.take() {
            // The event loop ends once the disconnect is sent; do not hang on a dead broker.
            let deadline = Instant::now() + Duration::from_secs(2);
            while !t.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_urls() {
        assert_eq!(
            parse_broker_url("mqtt://127.0.0.1:1884").unwrap(),
            ("127.0.0.1".to_owned(), 1884)
        );
        assert_eq!(
            parse_broker_url("broker.local").unwrap(),
            ("broker.local".to_owned(), 1883)
        );
        assert!(parse_broker_url("mqtt://:1").is_err());
        assert!(parse_broker_url("mqtt://h:0").is_err());
        assert!(parse_broker_url("mqtt://h:x").is_err());
    }
}
