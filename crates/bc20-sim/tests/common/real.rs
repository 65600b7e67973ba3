//! Helpers for tests against real things: a PTY host, an independent MQTT client, mosquitto.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{open, OFlag};
use nix::sys::stat::Mode;
use nix::sys::termios::{cfmakeraw, tcgetattr, tcsetattr, SetArg};

/// The host end of a simulator's PTY, opened as a serial tool would.
pub struct PtyHost {
    fd: OwnedFd,
    pending: Vec<u8>,
}

impl PtyHost {
    pub fn open(path: &Path) -> PtyHost {
        let fd = open(
            path,
            OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_NONBLOCK,
            Mode::empty(),
        )
        .expect("open the PTY slave");
        let mut t = tcgetattr(&fd).expect("tcgetattr");
        cfmakeraw(&mut t);
        tcsetattr(&fd, SetArg::TCSANOW, &t).expect("tcsetattr");
        PtyHost {
            fd,
            pending: Vec::new(),
        }
    }

    /// Writes all of `bytes` (waiting while the PTY buffer is full).
    pub fn send(&self, mut bytes: &[u8]) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !bytes.is_empty() {
            match nix::unistd::write(&self.fd, bytes) {
                Ok(n) => bytes = &bytes[n..],
                Err(Errno::EAGAIN | Errno::EINTR) => {
                    assert!(Instant::now() < deadline, "PTY write stalled");
                    thread::sleep(Duration::from_micros(200));
                }
                Err(e) => panic!("PTY write: {e}"),
            }
        }
    }

    fn read_some(&mut self) {
        let mut buf = [0u8; 4096];
        loop {
            match nix::unistd::read(&self.fd, &mut buf) {
                Ok(0) | Err(Errno::EAGAIN) => return,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                Err(Errno::EINTR) => {}
                Err(e) => panic!("PTY read: {e}"),
            }
        }
    }

    /// Reads until `want` bytes arrived (or `timeout`), then `grace` longer for extra bytes;
    /// returns everything read.
    pub fn read_n(&mut self, want: usize, timeout: Duration, grace: Duration) -> Vec<u8> {
        let deadline = Instant::now() + timeout;
        while self.pending.len() < want && Instant::now() < deadline {
            self.read_some();
            thread::sleep(Duration::from_millis(1));
        }
        let end = Instant::now() + grace;
        while Instant::now() < end {
            self.read_some();
            thread::sleep(Duration::from_millis(2));
        }
        std::mem::take(&mut self.pending)
    }

    /// Reads until the bytes read end with `suffix` (or `timeout`).
    pub fn read_until(&mut self, suffix: &[u8], timeout: Duration) -> Vec<u8> {
        let deadline = Instant::now() + timeout;
        while !self.pending.ends_with(suffix) && Instant::now() < deadline {
            self.read_some();
            thread::sleep(Duration::from_millis(1));
        }
        std::mem::take(&mut self.pending)
    }

    /// Sends `line` + CR and expects exactly `expected` back.
    pub fn exchange(&mut self, line: &str, expected: &str) {
        self.send(format!("{line}\r").as_bytes());
        let got = self.read_n(
            expected.len(),
            Duration::from_secs(5),
            Duration::from_millis(30),
        );
        assert_eq!(String::from_utf8_lossy(&got), expected, "after {line}");
    }
}

/// A second, independent MQTT client on the broker (rumqttc).
pub struct Peer {
    pub client: rumqttc::Client,
    pub publishes: Receiver<rumqttc::Publish>,
    acks: Receiver<()>,
}

impl Peer {
    pub fn connect(broker: SocketAddr, id: &str) -> Peer {
        let mut opts = rumqttc::MqttOptions::new(id, broker.ip().to_string(), broker.port());
        opts.set_keep_alive(Duration::from_secs(30));
        let (client, mut connection) = rumqttc::Client::new(opts, 64);
        let (pub_tx, publishes) = mpsc::channel();
        let (ack_tx, acks) = mpsc::channel();
        thread::spawn(move || {
            for event in connection.iter() {
                match event {
                    Ok(rumqttc::Event::Incoming(rumqttc::Packet::Publish(p))) => {
                        if pub_tx.send(p).is_err() {
                            return;
                        }
                    }
                    Ok(rumqttc::Event::Incoming(
                        rumqttc::Packet::SubAck(_) | rumqttc::Packet::ConnAck(_),
                    )) => {
                        let _ = ack_tx.send(());
                    }
                    Ok(_) => {}
                    Err(_) => thread::sleep(Duration::from_millis(50)),
                }
            }
        });
        let peer = Peer {
            client,
            publishes,
            acks,
        };
        peer.acks
            .recv_timeout(Duration::from_secs(5))
            .expect("peer CONNACK");
        peer
    }

    pub fn subscribe(&self, filter: &str, qos: rumqttc::QoS) {
        self.client.subscribe(filter, qos).expect("subscribe");
        self.acks
            .recv_timeout(Duration::from_secs(5))
            .expect("peer SUBACK");
    }

    pub fn publish(&self, topic: &str, qos: rumqttc::QoS, payload: &[u8]) {
        self.client
            .publish(topic, qos, false, payload.to_vec())
            .expect("publish");
    }

    pub fn next(&self) -> rumqttc::Publish {
        self.publishes
            .recv_timeout(Duration::from_secs(5))
            .expect("the peer received a publish")
    }
}

/// Chapter 6's session over a real PTY against the broker at `broker`, byte for byte, with
/// an independent client that publishes the first +QMTRECV and sees the module's publish.
pub fn chapter6_over_pty(broker: SocketAddr, broker_upgrades_qos: bool) {
    use bc20_sim::shell::{Endpoint, Route, SimConfig, Simulator, Transport};
    let modem = bc20_sim::ModemConfig {
        test_style: bc20_sim::TestStyle::Chapter6,
        ..bc20_sim::ModemConfig::default()
    };
    let sim = Simulator::spawn(SimConfig {
        modem,
        transport: Transport::Pty,
        ..SimConfig::new(Route::Fixed(broker))
    })
    .expect("spawn");
    let Endpoint::Pty(path) = sim.endpoint().clone() else {
        panic!("not a PTY")
    };
    let mut host = PtyHost::open(&path);
    // The module boots with echo on (D4): switch it off first, as drivers do.
    host.exchange("ATE0", "ATE0\r\r\nOK\r\n");
    let peer = Peer::connect(broker, "chapter6-peer");
    peer.subscribe("topic/pub", rumqttc::QoS::AtLeastOnce);

    let steps = super::chapter6_steps();
    let mut i = 0;
    while i < steps.len() {
        let (dir, line) = &steps[i];
        assert_eq!(dir, "host");
        let mut expected = String::new();
        let mut j = i + 1;
        while j < steps.len() && steps[j].0 == "modem" {
            expected.push_str(&format!("\r\n{}\r\n", steps[j].1));
            j += 1;
        }
        let recv_example = "+QMTRECV: 0,0,\"topic/example\"";
        if let Some(at) = expected.find(recv_example) {
            // Another device publishes once the SUBSCRIBE is acknowledged.
            let before = expected[..at - 2].to_owned();
            host.exchange(line, &before);
            peer.publish(
                "topic/example",
                rumqttc::QoS::AtMostOnce,
                b"This is the payload related to topic",
            );
            let rest = &expected[at - 2..];
            let got = host.read_n(
                rest.len(),
                Duration::from_secs(5),
                Duration::from_millis(30),
            );
            let got = String::from_utf8_lossy(&got).into_owned();
            if broker_upgrades_qos {
                let tail = rest
                    .strip_prefix("\r\n+QMTRECV: 0,0")
                    .expect("vector shape");
                let id = got
                    .strip_prefix("\r\n+QMTRECV: 0,")
                    .and_then(|g| g.strip_suffix(tail))
                    .unwrap_or_else(|| panic!("{got:?}"));
                assert!(id.parse::<u16>().is_ok_and(|n| n >= 1), "{got:?}");
            } else {
                assert_eq!(got, rest);
            }
        } else {
            host.exchange(line, &expected);
        }
        if line.starts_with("AT+QMTPUB=0,0,0,0") {
            let p = peer.next();
            assert_eq!(
                (p.topic.as_str(), &p.payload[..]),
                ("topic/pub", &b"hello MQTT."[..])
            );
        }
        i = j;
    }
    sim.shutdown();
}
