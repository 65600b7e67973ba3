//! The shells: a [`Modem`](crate::Modem) driven by a real (or scaled) clock, real TCP
//! connections to a broker, and a host transport — a PTY any serial tool opens, a TCP
//! socket, stdio, or an in-process byte channel ([`SimHandle`]).
//!
//! ```no_run
//! use bc20_sim::shell::{EmbeddedBroker, Route, SimConfig, Simulator, Transport};
//! use std::time::Duration;
//! let broker = EmbeddedBroker::start()?;
//! let mut sim = Simulator::spawn(SimConfig { transport: Transport::InProcess, ..SimConfig::new(Route::Fixed(broker.addr())) })?;
//! sim.write(b"ATE0\r")?;
//! let out = sim.read_until(b"OK\r\n", Duration::from_secs(1))?;
//! # Ok::<(), bc20_sim::shell::SimError>(())
//! ```

mod broker;
mod control;
mod driver;
mod host;
mod net;
mod pty;
mod real_network;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use thiserror::Error;

pub use broker::{free_port, parse_broker, EmbeddedBroker};
pub use control::{parse_control, ControlCommand, ControlServer};
pub use real_network::RealNetwork;

use crate::config::ModemConfig;
use crate::faults::Fault;
use driver::Event;

/// Why the shell could not do something.
#[derive(Debug, Error)]
pub enum SimError {
    /// An operating-system call failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// Creating or configuring the PTY failed.
    #[error("PTY error: {0}")]
    Pty(#[from] nix::Error),
    /// The broker could not be started or reached.
    #[error("broker: {0}")]
    Broker(String),
    /// The simulator has stopped.
    #[error("the simulator has stopped")]
    Stopped,
    /// Nothing (or not the expected bytes) arrived in time; carries what did arrive.
    #[error("timed out; received {}", bc20_grammar::printable::printable(.0))]
    Timeout(Vec<u8>),
    /// The call needs another transport (e.g. reading output of a PTY simulator).
    #[error("not available with this transport: {0}")]
    Transport(&'static str),
    /// A bad setting.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A file the simulator keeps for other programs (`--pty-link`, `--pid-file`) could not be
    /// created.
    #[error("{what} {}: {source}", .path.display())]
    File {
        /// The option that asked for the file.
        what: &'static str,
        /// The file's path.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

/// Where QMTOPEN connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Every QMTOPEN reaches this broker whatever host and port it names (so the note's
    /// `"220.180.239.212",8401` works); names ending in `.invalid` still fail to resolve
    /// (result 4).
    Fixed(SocketAddr),
    /// QMTOPEN connects where it says (real DNS).
    Direct,
}

/// How the host reaches the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Bytes through [`SimHandle::write`] and [`SimHandle::read_timeout`].
    InProcess,
    /// A pseudo-terminal; [`SimHandle::endpoint`] gives its path (e.g. `/dev/pts/7`).
    Pty,
    /// A TCP server on this address (port 0: any free port); one host connection at a time.
    Tcp(SocketAddr),
    /// Standard input and output of the process.
    Stdio,
}

/// Where a running simulator can be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// In-process only.
    InProcess,
    /// The PTY device to open.
    Pty(PathBuf),
    /// The TCP address to connect to.
    Tcp(SocketAddr),
    /// Standard input/output.
    Stdio,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::InProcess => f.write_str("in-process"),
            Endpoint::Pty(p) => write!(f, "{}", p.display()),
            Endpoint::Tcp(a) => write!(f, "tcp://{a}"),
            Endpoint::Stdio => f.write_str("stdio"),
        }
    }
}

/// Everything a shell simulator is built from.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The module model.
    pub modem: ModemConfig,
    /// Where QMTOPEN connects.
    pub route: Route,
    /// How the host reaches the module.
    pub transport: Transport,
    /// Virtual seconds per real second (10: a 10 s pkt_timeout takes 1 s).
    pub time_scale: f64,
}

impl SimConfig {
    /// The default module on a PTY at real-time speed, connecting to `route`.
    pub fn new(route: Route) -> SimConfig {
        SimConfig {
            modem: ModemConfig::default(),
            route,
            transport: Transport::Pty,
            time_scale: 1.0,
        }
    }
}

/// Slowest accepted `time_scale` (a virtual second per 1000 real seconds).
pub const MIN_TIME_SCALE: f64 = 0.001;
/// Fastest accepted `time_scale`.
pub const MAX_TIME_SCALE: f64 = 1_000_000.0;

/// Starts shell simulators.
#[derive(Debug)]
pub struct Simulator;

impl Simulator {
    /// Starts one simulated module on its own thread.
    pub fn spawn(config: SimConfig) -> Result<SimHandle, SimError> {
        if !(MIN_TIME_SCALE..=MAX_TIME_SCALE).contains(&config.time_scale) {
            return Err(SimError::Config(format!(
                "time scale must be in {MIN_TIME_SCALE}..={MAX_TIME_SCALE}, not {}",
                config.time_scale
            )));
        }
        let (tx, rx) = mpsc::channel();
        let (sink, endpoint, output) = host::open(&config.transport, tx.clone())?;
        let thread = driver::spawn(config, rx, tx.clone(), sink)?;
        Ok(SimHandle {
            tx,
            output,
            endpoint,
            thread: Some(thread),
            buffer: Vec::new(),
        })
    }
}

/// A running shell simulator. Dropping it stops the module.
#[derive(Debug)]
pub struct SimHandle {
    tx: Sender<Event>,
    output: Option<Receiver<Vec<u8>>>,
    endpoint: Endpoint,
    thread: Option<JoinHandle<()>>,
    buffer: Vec<u8>,
}

impl SimHandle {
    /// Where the host reaches it.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Bytes from the host (works with every transport: they join what the transport reads).
    pub fn write(&self, bytes: &[u8]) -> Result<(), SimError> {
        self.tx
            .send(Event::Host(bytes.to_vec()))
            .map_err(|_| SimError::Stopped)
    }

    /// Waits up to `timeout` for module output, then returns all that is there (possibly
    /// nothing). In-process transport only.
    pub fn read_timeout(&mut self, timeout: Duration) -> Result<Vec<u8>, SimError> {
        let rx = self
            .output
            .as_ref()
            .ok_or(SimError::Transport("reading needs Transport::InProcess"))?;
        let mut out = std::mem::take(&mut self.buffer);
        if out.is_empty() {
            match rx.recv_timeout(timeout) {
                Ok(chunk) => out.extend_from_slice(&chunk),
                Err(RecvTimeoutError::Timeout) => return Ok(out),
                Err(RecvTimeoutError::Disconnected) => return Err(SimError::Stopped),
            }
        }
        while let Ok(chunk) = rx.try_recv() {
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// Reads until the output contains `pattern` (returned up to and including it; the rest is
    /// kept for the next read), or fails with what arrived after `timeout`.
    pub fn read_until(&mut self, pattern: &[u8], timeout: Duration) -> Result<Vec<u8>, SimError> {
        let deadline = Instant::now() + timeout;
        let mut got = std::mem::take(&mut self.buffer);
        loop {
            if let Some(at) = find(&got, pattern) {
                self.buffer = got.split_off(at + pattern.len());
                return Ok(got);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(SimError::Timeout(got));
            }
            let chunk = self.read_timeout(left)?;
            got.extend_from_slice(&chunk);
        }
    }

    /// Applies a fault to the module's link.
    pub fn inject(&self, fault: Fault) -> Result<(), SimError> {
        self.tx
            .send(Event::Fault(fault))
            .map_err(|_| SimError::Stopped)
    }

    /// A sender for control commands of this module (used by the control channel).
    pub(crate) fn sender(&self) -> Sender<Event> {
        self.tx.clone()
    }

    /// Waits until the simulator stops by itself (stdin EOF with `--stdio`) or `deadline`
    /// passes, then stops it.
    pub fn wait_until(mut self, deadline: Instant) {
        while Instant::now() < deadline {
            let finished = match &self.thread {
                Some(t) => t.is_finished(),
                None => true,
            };
            if finished {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop();
    }

    /// Stops the module and waits for its thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.tx.send(Event::Shutdown);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}
