//! The driver thread: owns the [`Modem`], a scaled clock, the real network and the host sink,
//! and moves bytes and events between them.

use std::net::TcpStream;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::host::HostSink;
use super::net::RealNet;
use super::{SimConfig, SimError};
use crate::faults::Fault;
use crate::modem::{Modem, NetEvent};
use crate::time::SimTime;

/// What the driver reacts to.
#[derive(Debug)]
pub(crate) enum Event {
    /// Bytes from the host.
    Host(Vec<u8>),
    /// The host side ended (stdin EOF): stop.
    HostEof,
    /// A TCP connection for `slot`'s link number `gen` is up.
    Connected {
        slot: u8,
        gen: u64,
        stream: TcpStream,
    },
    /// Something happened on `slot`'s link number `gen`.
    Net { slot: u8, gen: u64, event: NetEvent },
    /// A fault to apply.
    Fault(Fault),
    /// Stop.
    Shutdown,
}

/// Virtual time from a real clock: `scale` virtual seconds per real second.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    start: Instant,
    scale: f64,
}

impl Clock {
    pub(crate) fn new(scale: f64) -> Clock {
        Clock {
            start: Instant::now(),
            scale,
        }
    }

    pub(crate) fn now(&self) -> SimTime {
        SimTime::from_millis((self.start.elapsed().as_secs_f64() * 1000.0 * self.scale) as u64)
    }

    /// Real time until virtual time `t`.
    pub(crate) fn until(&self, t: SimTime) -> Duration {
        let ms = t.as_millis().saturating_sub(self.now().as_millis());
        Duration::try_from_secs_f64(ms as f64 / 1000.0 / self.scale).unwrap_or(Duration::MAX)
    }
}

/// The longest the driver sleeps without a timer (it also retries held host output).
const IDLE_WAKE: Duration = Duration::from_millis(200);

/// Starts the driver and returns once the module has booted (its boot output is written).
pub(crate) fn spawn(
    config: SimConfig,
    rx: Receiver<Event>,
    tx: Sender<Event>,
    sink: HostSink,
) -> Result<JoinHandle<()>, SimError> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let handle = thread::Builder::new()
        .name("bc20-sim-driver".into())
        .spawn(move || {
            let clock = Clock::new(config.time_scale);
            let modem = Modem::new(config.modem.clone(), clock.now());
            let net = RealNet::new(config.route.clone(), tx);
            let mut driver = Driver {
                clock,
                modem,
                net,
                sink,
            };
            driver.pump();
            let _ = ready_tx.send(());
            driver.run(&rx);
        })
        .map_err(SimError::Io)?;
    ready_rx
        .recv_timeout(Duration::from_secs(10))
        .map_err(|_| SimError::Stopped)?;
    Ok(handle)
}

struct Driver {
    clock: Clock,
    modem: Modem,
    net: RealNet,
    sink: HostSink,
}

impl Driver {
    fn run(mut self, rx: &Receiver<Event>) {
        loop {
            let now = self.clock.now();
            self.modem.handle_timeout(now);
            self.pump();
            let mut wait = self
                .modem
                .poll_timeout()
                .map_or(IDLE_WAKE, |t| self.clock.until(t))
                .min(IDLE_WAKE);
            if self.sink.has_pending() {
                wait = wait.min(Duration::from_millis(5));
            }
            let event = match rx.recv_timeout(wait) {
                Ok(e) => e,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            if !self.handle(event) {
                break;
            }
            // Take whatever else is queued before sleeping again.
            while let Ok(event) = rx.try_recv() {
                if !self.handle(event) {
                    self.net.close_all();
                    return;
                }
            }
        }
        self.net.close_all();
    }

    /// Applies one event; `false` to stop.
    fn handle(&mut self, event: Event) -> bool {
        let now = self.clock.now();
        match event {
            Event::Host(bytes) => self.modem.handle_host_bytes(now, &bytes),
            Event::Connected { slot, gen, stream } => {
                if let Some(event) = self.net.connected(slot, gen, stream) {
                    self.modem.handle_net(now, slot, event);
                }
            }
            Event::Net { slot, gen, event } => {
                if self.net.accept_event(slot, gen, &event) {
                    self.modem.handle_net(now, slot, event);
                }
            }
            Event::Fault(fault) => self.modem.inject_fault(now, fault),
            Event::HostEof | Event::Shutdown => return false,
        }
        self.pump();
        true
    }

    /// Moves the modem's output to the network and the host.
    fn pump(&mut self) {
        for _ in 0..1000 {
            let mut progress = false;
            while let Some(action) = self.modem.poll_net() {
                progress = true;
                if let Some((slot, event)) = self.net.apply(action) {
                    let now = self.clock.now();
                    self.modem.handle_net(now, slot, event);
                }
            }
            if let Some(bytes) = self.modem.poll_host() {
                self.sink.write(&bytes);
            }
            if !progress {
                break;
            }
        }
        self.sink.flush();
    }
}
