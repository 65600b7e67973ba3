//! [`Bench`]: modules + virtual network + virtual clock, with a readable transcript.

use std::fmt::Write as _;
use std::time::Duration;

use super::VirtualNetwork;
use crate::config::ModemConfig;
use crate::faults::Fault;
use crate::modem::Modem;
use crate::time::{earliest, SimTime};

/// Upper bound on steps in one [`Bench::settle`] or [`Bench::advance`]: a runaway
/// scenario stops instead of hanging a test or a model checker.
const MAX_STEPS: usize = 1_000_000;

/// A deterministic test bench: `n` modules on one [`VirtualNetwork`], time advanced by hand.
///
/// ```
/// use bc20_sim::{Bench, ModemConfig};
/// let mut bench = Bench::new(ModemConfig::echo_off());
/// assert_eq!(bench.command("AT+QMTOPEN=0,\"broker\",1883"), "\r\nOK\r\n\r\n+QMTOPEN: 0,0\r\n");
/// ```
#[derive(Debug)]
pub struct Bench {
    /// The current virtual time.
    pub now: SimTime,
    /// The modules.
    pub modems: Vec<Modem>,
    /// The network and its broker.
    pub net: VirtualNetwork,
    /// Module output not yet read, per module.
    unread: Vec<Vec<u8>>,
    /// Everything that crossed the serial lines, timestamped (see [`Bench::transcript`]).
    transcript: String,
}

impl Bench {
    /// One module booted at time zero, with the `+IP:` URC of its boot already read.
    pub fn new(config: ModemConfig) -> Bench {
        Bench::with_modules(1, config)
    }

    /// `n` modules with the same configuration.
    pub fn with_modules(n: usize, config: ModemConfig) -> Bench {
        let modems = (0..n)
            .map(|_| Modem::new(config.clone(), SimTime::ZERO))
            .collect();
        let mut bench = Bench {
            now: SimTime::ZERO,
            modems,
            net: VirtualNetwork::new(),
            unread: vec![Vec::new(); n],
            transcript: String::new(),
        };
        bench.settle();
        for m in 0..n {
            bench.read(m);
        }
        bench.transcript.clear();
        bench
    }

    /// The host writes `bytes` to module `module` (processed at once).
    pub fn write(&mut self, module: usize, bytes: &[u8]) {
        let Some(m) = self.modems.get_mut(module) else {
            return;
        };
        let _ = writeln!(
            self.transcript,
            "{:>9} {module}> {}",
            self.now.to_string(),
            bc20_grammar::printable::printable(bytes)
        );
        m.handle_host_bytes(self.now, bytes);
        self.settle();
    }

    /// Sends `line` + CR to module 0, lets the network answer what it can at this instant,
    /// and returns everything module 0 said since the last read.
    pub fn command(&mut self, line: &str) -> String {
        let mut bytes = line.as_bytes().to_vec();
        bytes.push(b'\r');
        self.write(0, &bytes);
        self.read_text(0)
    }

    /// Takes module `module`'s unread output.
    pub fn read(&mut self, module: usize) -> Vec<u8> {
        self.unread
            .get_mut(module)
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// [`Bench::read`] as (lossy) text.
    pub fn read_text(&mut self, module: usize) -> String {
        String::from_utf8_lossy(&self.read(module)).into_owned()
    }

    /// Advances virtual time by `d`, firing every timer and delivery on the way, and returns
    /// module 0's output in that time.
    pub fn advance(&mut self, d: Duration) -> String {
        self.advance_to(self.now + d);
        self.read_text(0)
    }

    /// Advances virtual time to `target` (never backwards).
    pub fn advance_to(&mut self, target: SimTime) {
        self.settle();
        for _ in 0..MAX_STEPS {
            match self.next_timer() {
                Some(t) if t <= target => {
                    self.now = self.now.max(t);
                    let now = self.now;
                    for m in &mut self.modems {
                        m.handle_timeout(now);
                    }
                    self.settle();
                }
                _ => break,
            }
        }
        self.now = self.now.max(target);
        self.settle();
    }

    /// When the next timer of any module or of the network fires.
    pub fn next_timer(&self) -> Option<SimTime> {
        let modules = self.modems.iter().filter_map(Modem::poll_timeout).min();
        earliest(modules, self.net.poll_timeout())
    }

    /// Moves actions and events between modules and network until nothing more happens at
    /// the current instant.
    pub fn settle(&mut self) {
        let now = self.now;
        for _ in 0..MAX_STEPS {
            let mut progress = false;
            for (i, m) in self.modems.iter_mut().enumerate() {
                while let Some(action) = m.poll_net() {
                    self.net.handle_action(now, i, action);
                    progress = true;
                }
                if let Some(bytes) = m.poll_host() {
                    let _ = writeln!(
                        self.transcript,
                        "{:>9} {i}< {}",
                        now.to_string(),
                        bc20_grammar::printable::printable(&bytes)
                    );
                    self.unread[i].extend_from_slice(&bytes);
                }
            }
            while let Some((module, conn_id, event)) = self.net.poll_event(now) {
                if let Some(m) = self.modems.get_mut(module) {
                    m.handle_net(now, conn_id, event);
                    progress = true;
                }
            }
            if !progress {
                return;
            }
        }
    }

    /// Applies a fault to module `module` now.
    pub fn inject(&mut self, module: usize, fault: Fault) {
        if let Some(m) = self.modems.get_mut(module) {
            m.inject_fault(self.now, fault);
        }
        self.settle();
    }

    /// Adds a peer client inside the broker; returns its index.
    pub fn peer(&mut self, name: &str) -> usize {
        self.net.broker.add_peer(name)
    }

    /// Another device publishes on the broker now.
    pub fn publish(&mut self, topic: &str, payload: &[u8], qos: u8, retain: bool) {
        self.net.broker.peer_publish(topic, payload, qos, retain);
        self.flush_broker();
    }

    /// Makes the broker's pending output (after direct broker calls) travel.
    pub fn flush_broker(&mut self) {
        let now = self.now;
        self.net.flush_broker(now);
        self.settle();
    }

    /// Everything that crossed the serial lines since the bench was built, one chunk a line:
    /// `  1.500s 0> AT\r` (host to module 0) and `  1.500s 0< \r\nOK\r\n` (module 0 to host).
    pub fn transcript(&self) -> &str {
        &self.transcript
    }
}
