//! Fault injection: impairments of the module's network link, applied inside the core so
//! that the virtual network and the real shells behave the same (and virtual time drives
//! them).
//!
//! Black holes, delays and packet faults act on whole MQTT packets (never on a part of one),
//! so the TCP byte stream stays well-formed; link events (closed, dead) are not delayed.

use std::collections::VecDeque;

/// The fault vocabulary is bc20-fault's (one type, one text form, one parser).
pub use bc20_fault::{Fault, Way};

use bc20_fault::LinkImpairments;

use crate::time::SimTime;

/// What comes after a held packet is passed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Then {
    /// Nothing.
    Go,
    /// The network closes the link (`close-after`, a refusing `connack`).
    Close,
}

/// A packet held back by a fault: when it is due, its bytes, what follows it.
pub(crate) type Held = (SimTime, bytes::Bytes, Then);

/// The impairments of one slot's link. What the network does to each packet is
/// bc20-fault's [`LinkImpairments`] (the fault proxy applies the same judgement); what
/// happens inside the module (`send-fail`, `hold-close`) and the dead path of `kill-link` are the link's.
#[derive(Debug, Clone, Default)]
pub(crate) struct Impairment {
    pub(crate) net: LinkImpairments,
    pub(crate) send_fail: bool,
    /// `hold-close`: after its DISCONNECT the module waits for the server to close first.
    pub(crate) hold_close: bool,
    /// `kill-link`: nothing crosses the path any more, and the module is not told.
    pub(crate) dead: bool,
    /// Packets (already encoded) waiting for their release time, module → broker.
    pub(crate) held_up: VecDeque<Held>,
    /// Raw MQTT frames waiting for their release time, broker → module.
    pub(crate) held_down: VecDeque<Held>,
}

impl Impairment {
    /// Forgets queued packets and the dead path (the link they belonged to is gone).
    pub(crate) fn flush(&mut self) {
        self.held_up.clear();
        self.held_down.clear();
        self.dead = false;
    }

    /// `clear`: every impairment ends; packets already held are still passed on when due,
    /// and a dead path stays dead (as at the proxy: `clear` mends no path).
    pub(crate) fn clear(&mut self) {
        self.net.clear();
        self.send_fail = false;
        self.hold_close = false;
    }

    pub(crate) fn apply(&mut self, now: SimTime, fault: &Fault) {
        match fault {
            Fault::SendFail { on, .. } => self.send_fail = *on,
            Fault::HoldClose { on, .. } => self.hold_close = *on,
            Fault::KillLink { .. } => {
                self.dead = true;
                self.held_up.clear();
                self.held_down.clear();
            }
            other => {
                self.net.apply(now, other);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn blackhole_expires() {
        let mut imp = Impairment::default();
        imp.apply(
            SimTime::from_secs(1),
            &Fault::BlackHole {
                conn_id: 0,
                way: Way::Up,
                duration: Duration::from_secs(5),
            },
        );
        assert!(imp.net.black_holed(SimTime::from_secs(5), true));
        assert!(!imp.net.black_holed(SimTime::from_secs(6), true));
        assert!(!imp.net.black_holed(SimTime::from_secs(2), false));
    }
}
