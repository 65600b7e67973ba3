//! The real-I/O environment of the PTY model check (against `bc20_testkit::Mosquitto`): the
//! simulator's shell on a PTY opened with `serialport`, and a minimal MQTT publisher.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant as WallClock};

use bc20_client::check::Environment;
use bc20_client::{Qos, SlotState};
use bc20_sim::shell::{Endpoint, Route, SimConfig, SimHandle, Simulator};
use bc20_sim::{Fault, ModemConfig, SimTime};

/// Virtual seconds per real second: a 10 s pkt_timeout takes 0.2 s.
pub const TIME_SCALE: f64 = 50.0;

/// The simulator shell on a PTY, reached through `serialport` like a real module.
pub struct Pty {
    sim: SimHandle,
    port: Box<dyn serialport::SerialPort>,
    start: WallClock,
    broker: SocketAddr,
    peer: usize,
}

impl Pty {
    /// Spawns the simulator (QMTOPEN always reaches `broker`) and opens its PTY.
    pub fn start(broker: SocketAddr) -> Pty {
        let config = SimConfig {
            modem: ModemConfig::default(),
            time_scale: TIME_SCALE,
            ..SimConfig::new(Route::Fixed(broker))
        };
        let sim = Simulator::spawn(config).expect("spawn the simulator on a PTY");
        let Endpoint::Pty(path) = sim.endpoint().clone() else {
            panic!("not a PTY")
        };
        let port = serialport::new(path.to_string_lossy(), 115_200)
            .timeout(Duration::from_millis(10))
            .open()
            .expect("open the PTY");
        Pty {
            sim,
            port,
            start: WallClock::now(),
            broker,
            peer: 0,
        }
    }
}

impl Environment for Pty {
    fn now(&self) -> SimTime {
        SimTime::from_millis((self.start.elapsed().as_secs_f64() * TIME_SCALE * 1000.0) as u64)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.port.write_all(bytes).map_err(|e| e.to_string())
    }

    fn read(&mut self, wait: Duration) -> Result<Vec<u8>, String> {
        let _ = self.port.set_timeout(wait.max(Duration::from_millis(1)));
        let mut buf = vec![0u8; 4096];
        match self.port.read(&mut buf) {
            Ok(n) => Ok(buf[..n].to_vec()),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => Ok(Vec::new()),
            Err(e) => Err(e.to_string()),
        }
    }

    fn inject(&mut self, fault: Fault) -> Result<(), String> {
        self.sim.inject(fault).map_err(|e| e.to_string())
    }

    fn peer_publish(&mut self, topic: &str, payload: &[u8], qos: Qos) -> Result<(), String> {
        self.peer += 1;
        let id = format!("peer{}", self.peer);
        peer_publish(self.broker, &id, topic, payload, qos).map_err(|e| e.to_string())
    }

    fn set_silent(&mut self, _on: bool) -> bool {
        false
    }

    fn slot_state(&self, _conn_id: u8) -> Option<SlotState> {
        None
    }

    fn next_timer(&self) -> Option<SimTime> {
        None
    }

    fn advance_to(&mut self, _t: SimTime) {}

    fn is_virtual(&self) -> bool {
        false
    }
}

/// A minimal MQTT 3.1.1 publisher: CONNECT, PUBLISH with its QoS flow, DISCONNECT.
fn peer_publish(
    broker: SocketAddr,
    id: &str,
    topic: &str,
    payload: &[u8],
    qos: Qos,
) -> std::io::Result<()> {
    let mut s = TcpStream::connect(broker)?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    let string = |v: &[u8]| [&(v.len() as u16).to_be_bytes()[..], v].concat();
    let packet = |kind: u8, body: Vec<u8>| [vec![kind, body.len() as u8], body].concat();
    let connect = [string(b"MQTT"), vec![4, 0x02, 0, 60], string(id.as_bytes())].concat();
    s.write_all(&packet(0x10, connect))?;
    let mut ack = [0u8; 4];
    s.read_exact(&mut ack)?;
    let pkid = 1u16.to_be_bytes();
    let mut body = string(topic.as_bytes());
    if qos != Qos::AtMostOnce {
        body.extend_from_slice(&pkid);
    }
    body.extend_from_slice(payload);
    s.write_all(&packet(0x30 | (qos.code() << 1), body))?;
    match qos {
        Qos::AtMostOnce => {}
        Qos::AtLeastOnce => s.read_exact(&mut ack)?,
        Qos::ExactlyOnce => {
            s.read_exact(&mut ack)?;
            s.write_all(&packet(0x62, pkid.to_vec()))?;
            s.read_exact(&mut ack)?;
        }
    }
    s.write_all(&[0xe0, 0])?;
    Ok(())
}
