//! The broker-side peer: an MQTT client on the same broker as the module, which publishes to
//! it and proves what it really published.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    /// The broker URL names port 0, which no broker listens on.
    #[error("bad broker URL `{0}`: the port must be 1-65535, not 0")]
    PortZero(String),
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

/// A broker address as `--broker` gives it: `mqtt://[USER[:PASSWORD]@]HOST[:PORT]` (or
/// `tcp://...`, or bare `HOST[:PORT]`); the port defaults to 1883. The credentials are used by
/// the peer client; [`fmt::Display`] never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct BrokerUrl {
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// TCP port, 1-65535.
    pub port: u16,
    /// MQTT user name, if the URL has one.
    pub username: Option<String>,
    /// MQTT password, if the URL has one.
    pub password: Option<String>,
}

impl fmt::Display for BrokerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "mqtt://")?;
        if let Some(u) = &self.username {
            write!(f, "{u}")?;
            if self.password.is_some() {
                write!(f, ":{}", crate::mask::MASK)?;
            }
            write!(f, "@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Debug for BrokerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Parses a broker URL (see [`BrokerUrl`]) with the `url` crate.
///
/// # Errors
/// [`PeerError::BadUrl`] (with the password masked) for another scheme, a path, a missing
/// host or a bad port.
pub fn parse_broker(text: &str) -> Result<BrokerUrl, PeerError> {
    let bad = || PeerError::BadUrl(crate::mask::mask_url_password(text));
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("mqtt://{text}")
    };
    let u = url::Url::parse(&with_scheme).map_err(|_| bad())?;
    if !matches!(u.scheme(), "mqtt" | "tcp")
        || !matches!(u.path(), "" | "/")
        || u.query().is_some()
        || u.fragment().is_some()
    {
        return Err(bad());
    }
    let host = u
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(bad)?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = u.port().unwrap_or(1883);
    if port == 0 {
        return Err(PeerError::PortZero(crate::mask::mask_url_password(text)));
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    Ok(BrokerUrl {
        host,
        port,
        username: Some(u.username()).filter(|s| !s.is_empty()).map(decode),
        password: u.password().map(decode),
    })
}

/// `mqtt://host:port` (or `host:port`) → (host, port); the port defaults to 1883.
/// Credentials in the URL are accepted and dropped (see [`parse_broker`] to keep them).
///
/// # Errors
/// As [`parse_broker`].
pub fn parse_broker_url(url: &str) -> Result<(String, u16), PeerError> {
    parse_broker(url).map(|b| (b.host, b.port))
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
    received: Arc<AtomicU64>,
}

const ACK_WAIT: Duration = Duration::from_secs(5);

impl MqttPeer {
    /// Connects to `host:port` as `client_id` (clean session) and waits for the CONNACK.
    pub fn connect(host: &str, port: u16, client_id: &str) -> Result<Self, PeerError> {
        Self::connect_to(
            &BrokerUrl {
                host: host.to_owned(),
                port,
                username: None,
                password: None,
            },
            client_id,
        )
    }

    /// Connects to `broker` with its credentials, if any.
    ///
    /// # Errors
    /// As [`MqttPeer::connect`].
    pub fn connect_to(broker: &BrokerUrl, client_id: &str) -> Result<Self, PeerError> {
        let (host, port) = (broker.host.as_str(), broker.port);
        let mut opts = MqttOptions::new(client_id, host, port);
        if let Some(user) = &broker.username {
            opts.set_credentials(user.clone(), broker.password.clone().unwrap_or_default());
        }
        opts.set_keep_alive(Duration::from_secs(30));
        opts.set_clean_session(true);
        opts.set_max_packet_size(1 << 20, 1 << 20);
        let (client, mut connection) = Client::new(opts, 64);
        let (tx, rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let received = Arc::new(AtomicU64::new(0));
        let received2 = received.clone();
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
                    let message = matches!(msg, PeerEvent::Message(_));
                    if tx.send(msg).is_err() {
                        break;
                    }
                    // Counted once it is in the channel: whoever sees the count can poll it.
                    if message {
                        received2.fetch_add(1, Ordering::Release);
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
            received,
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

    /// A counter of the messages this peer has received from the broker so far, raised by
    /// its network thread as each is queued for [`BrokerPeer::poll`] (so a poll after the
    /// count has risen returns the message): the broker bed's clock waits on it for a
    /// routed message it expects.
    pub fn received_counter(&self) -> Arc<AtomicU64> {
        self.received.clone()
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
