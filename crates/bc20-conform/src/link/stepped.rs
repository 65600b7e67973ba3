//! What both simulator beds share: a simulated module stepped by the runner's own reads on
//! virtual time, in a world behind a lock that its broker-side peer shares. The beds differ
//! only in their network and in how time may advance ([`World`]); the module, its clock,
//! the output the host has not read, and the [`ModuleLink`] itself are written once here.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bc20_sim::{Modem, ModemConfig, SimTime};

use super::{Fault, LinkError, ModuleLink, Reset};
use crate::peer::{BrokerPeer, PeerError};

/// Upper bound on events handled in one step: a runaway model stops instead of hanging.
pub(super) const MAX_STEPS: usize = 1_000_000;

/// The module part of a world.
#[derive(Debug)]
pub struct Core {
    /// Virtual time of the model (whole milliseconds).
    pub(super) now: SimTime,
    /// The link's clock: never behind `now`, and exactly at a read's deadline after it.
    pub(super) link_now: Duration,
    pub(super) modem: Modem,
    /// Module output the host has not read yet.
    pub(super) unread: Vec<u8>,
    config: ModemConfig,
}

impl Core {
    /// A module booted at virtual time zero, keeping a network log.
    pub(super) fn boot(config: ModemConfig) -> Core {
        Core {
            now: SimTime::ZERO,
            link_now: Duration::ZERO,
            modem: logging_modem(config.clone(), SimTime::ZERO),
            unread: Vec::new(),
            config,
        }
    }

    /// Lets the module's timers due at `t` fire (time never goes back).
    pub(super) fn advance_to(&mut self, t: SimTime) {
        self.now = self.now.max(t);
        self.modem.handle_timeout(self.now);
    }

    /// Moves the module's output for the host into `unread`; whether there was any.
    pub(super) fn collect_output(&mut self) -> bool {
        let mut any = false;
        while let Some(bytes) = self.modem.poll_host() {
            self.unread.extend_from_slice(&bytes);
            any = true;
        }
        any
    }

    /// The link's clock catches up with the instant of the output it hands out.
    pub(super) fn output_seen(&mut self) {
        let at = Duration::from_millis(self.now.as_millis());
        self.link_now = self.link_now.max(at);
    }

    fn reboot(&mut self) {
        self.modem = logging_modem(self.config.clone(), self.now);
        self.unread.clear();
    }
}

/// A module booted at `now` that keeps a network log: the runner's timing checks
/// (`expect-keepalive`, `expect-retransmissions`) read it through
/// [`ModuleLink::take_network_log`], as they read the fault proxy's on a serial port.
fn logging_modem(config: ModemConfig, now: SimTime) -> Modem {
    let mut modem = Modem::new(config, now);
    modem.record_network();
    modem
}

/// A read's deadline on the model's millisecond clock (rounded down).
pub(super) fn millis_floor(d: Duration) -> SimTime {
    SimTime::from_millis(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// One bed's world: the [`Core`] and its network.
pub trait World: Send + Sized + 'static {
    /// The module.
    fn core(&mut self) -> &mut Core;
    /// The module, read-only.
    fn core_ref(&self) -> &Core;
    /// Moves actions and events between module, network and host until nothing more
    /// happens at the current instant.
    fn settle(&mut self);
    /// Advances virtual time towards `deadline` (link time) until the module has said
    /// something or the deadline is reached (or the bed's own reason to return early);
    /// `false` when the output must not be handed out yet.
    fn advance(&mut self, deadline: Duration) -> bool;
    /// Closes the module's links, as a power cycle does (their wills go).
    fn close_links(&mut self);
    /// One line for [`ModuleLink::describe`].
    fn describe(&self) -> String;
    /// A broker-side peer in this world (see [`ModuleLink::open_peer`]).
    fn open_peer(world: &Shared<Self>, client_id: &str) -> Result<Box<dyn BrokerPeer>, PeerError>;
}

/// A world shared by the link and its peers (they run on one worker thread, one at a time).
#[derive(Debug)]
pub struct Shared<W>(Arc<Mutex<W>>);

impl<W> Clone for Shared<W> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<W> Shared<W> {
    pub(super) fn new(world: W) -> Shared<W> {
        Shared(Arc::new(Mutex::new(world)))
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, W> {
        // A panic elsewhere leaves the model as it was: keep going with it.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A [`ModuleLink`] to a simulated module stepped on virtual time; the bed is `W`
/// ([`crate::link::VirtualLink`], [`crate::link::SimLink`]).
#[derive(Debug)]
pub struct SteppedLink<W> {
    pub(super) world: Shared<W>,
}

impl<W: World> SteppedLink<W> {
    /// A link to `world`, settled at its first instant.
    pub(super) fn new(mut world: W) -> SteppedLink<W> {
        world.settle();
        SteppedLink {
            world: Shared::new(world),
        }
    }
}

impl<W: World> ModuleLink for SteppedLink<W> {
    fn describe(&self) -> String {
        self.world.lock().describe()
    }

    fn now(&self) -> Duration {
        self.world.lock().core_ref().link_now
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        let mut w = self.world.lock();
        let c = w.core();
        c.modem.handle_host_bytes(c.now, bytes);
        w.settle();
        Ok(())
    }

    fn read(&mut self, deadline: Duration, buf: &mut Vec<u8>) -> Result<usize, LinkError> {
        let mut w = self.world.lock();
        if !w.advance(deadline) {
            return Ok(0);
        }
        let c = w.core();
        let n = c.unread.len();
        buf.append(&mut c.unread);
        Ok(n)
    }

    fn supports_faults(&self) -> bool {
        true
    }

    fn inject(&mut self, fault: &Fault) -> Result<(), LinkError> {
        let f = fault.parse()?;
        let mut w = self.world.lock();
        let c = w.core();
        c.modem.inject_fault(c.now, f);
        w.settle();
        Ok(())
    }

    fn has_network_log(&self) -> bool {
        true
    }

    fn take_network_log(&mut self) -> Vec<(Duration, bc20_fault::LogEntry)> {
        // The module's clock is the link's (both start at virtual zero, a reboot keeps the
        // time): its whole milliseconds are link time as they are.
        let mut w = self.world.lock();
        w.core()
            .modem
            .take_network_log()
            .into_iter()
            .map(|e| (Duration::from_millis(e.at.as_millis()), e))
            .collect()
    }

    fn can_reset(&self) -> bool {
        true
    }

    fn reset(&mut self) -> Result<Reset, LinkError> {
        let mut w = self.world.lock();
        w.close_links();
        w.core().reboot();
        w.settle();
        Ok(Reset {
            settle: Duration::ZERO,
            notes: vec!["a fresh simulated module booted".to_owned()],
        })
    }

    fn open_peer(&mut self, client_id: &str) -> Option<Result<Box<dyn BrokerPeer>, PeerError>> {
        Some(W::open_peer(&self.world, client_id))
    }
}
