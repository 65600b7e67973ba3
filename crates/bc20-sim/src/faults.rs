//! Fault injection: impairments of the module's network link, applied inside the core so
//! that the virtual network and the real shells behave the same (and virtual time drives
//! them).
//!
//! Black holes and delays act on whole MQTT packets (never on a part of one), so the TCP
//! byte stream stays well-formed; link events (closed, dead) are not delayed.

use std::collections::VecDeque;
use std::time::Duration;

/// The fault vocabulary is bc20-fault's (one type, one text form, one parser).
pub use bc20_fault::{Fault, Way};

use crate::time::SimTime;

/// The impairments of one slot's link.
#[derive(Debug, Clone, Default)]
pub(crate) struct Impairment {
    pub(crate) blackhole_up_until: Option<SimTime>,
    pub(crate) blackhole_down_until: Option<SimTime>,
    pub(crate) delay_up: Duration,
    pub(crate) delay_down: Duration,
    pub(crate) send_fail: bool,
    pub(crate) hold_close: bool,
    /// Packets (already encoded) waiting for their release time, module → broker.
    pub(crate) held_up: VecDeque<(SimTime, bytes::Bytes)>,
    /// Raw MQTT frames waiting for their release time, broker → module.
    pub(crate) held_down: VecDeque<(SimTime, bytes::Bytes)>,
}

impl Impairment {
    pub(crate) fn blackholed_up(&self, now: SimTime) -> bool {
        self.blackhole_up_until.is_some_and(|t| now < t)
    }

    pub(crate) fn blackholed_down(&self, now: SimTime) -> bool {
        self.blackhole_down_until.is_some_and(|t| now < t)
    }

    /// Forgets queued packets (the link they belonged to is gone).
    pub(crate) fn flush(&mut self) {
        self.held_up.clear();
        self.held_down.clear();
    }

    pub(crate) fn apply(&mut self, now: SimTime, fault: &Fault) {
        match fault {
            Fault::BlackHole { way, duration, .. } => {
                let until = Some(now + *duration);
                if way.up() {
                    self.blackhole_up_until = until;
                }
                if way.down() {
                    self.blackhole_down_until = until;
                }
            }
            Fault::Delay { way, delay, .. } => {
                if way.up() {
                    self.delay_up = *delay;
                }
                if way.down() {
                    self.delay_down = *delay;
                }
            }
            Fault::SendFail { on, .. } => self.send_fail = *on,
            Fault::HoldClose { on, .. } => self.hold_close = *on,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
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
        assert!(imp.blackholed_up(SimTime::from_secs(5)));
        assert!(!imp.blackholed_up(SimTime::from_secs(6)));
        assert!(!imp.blackholed_down(SimTime::from_secs(2)));
    }
}
