//! Fault injection: impairments of the module's network link, applied inside the core so
//! that the virtual network and the real shells behave the same (and virtual time drives
//! them).
//!
//! Black holes and delays act on whole MQTT packets (never on a part of one), so the TCP
//! byte stream stays well-formed; link events (closed, dead) are not delayed.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use bc20_grammar::OpenResult;

use crate::time::SimTime;

/// Which way packets travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Way {
    /// Module → broker.
    Up,
    /// Broker → module.
    Down,
    /// Both.
    Both,
}

impl Way {
    pub(crate) fn up(self) -> bool {
        matches!(self, Way::Up | Way::Both)
    }

    pub(crate) fn down(self) -> bool {
        matches!(self, Way::Down | Way::Both)
    }
}

/// One fault. `slot` is a `<tcpconnectID>` (0-5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The peer resets the slot's TCP link now: `+QMTSTAT: <id>,1` (result 5 while QMTOPEN
    /// is still connecting).
    DropLink {
        /// The slot.
        slot: u8,
    },
    /// The slot's link dies without a word from the peer: `+QMTSTAT: <id>,7`.
    KillLink {
        /// The slot.
        slot: u8,
    },
    /// MQTT packets in `way` vanish for `duration` from now.
    Blackhole {
        /// The slot.
        slot: u8,
        /// Which direction.
        way: Way,
        /// For how long.
        duration: Duration,
    },
    /// MQTT packets in `way` are held back by `delay` (order kept); zero clears.
    Delay {
        /// The slot.
        slot: u8,
        /// Which direction.
        way: Way,
        /// How long each packet is held.
        delay: Duration,
    },
    /// Every send on the slot fails (as a TCP write error would) while `on`: CONNECT gives
    /// `+QMTSTAT: <id>,3`, PINGREQ code 2, a command that never got a packet out code 6.
    SendFail {
        /// The slot.
        slot: u8,
        /// On or off.
        on: bool,
    },
    /// After QMTDISC the module waits (up to pkt_timeout) for the server to close the link
    /// first, so the server wins the race: `+QMTSTAT: <id>,5` (D28).
    HoldClose {
        /// The slot.
        slot: u8,
        /// On or off.
        on: bool,
    },
    /// New TCP connections are refused while `on`: QMTOPEN reports result -1.
    RefuseConnections {
        /// On or off.
        on: bool,
    },
    /// The next QMTOPEN (any slot) fails with this result instead of connecting.
    FailNextOpen {
        /// The result to report (1, 3, 4, 5 or -1).
        result: OpenResult,
    },
    /// The next QMTCLOSE (any slot) fails: `+QMTCLOSE: <id>,-1`, the link stays up.
    FailNextClose,
    /// Removes every impairment.
    Clear,
}

impl fmt::Display for Fault {
    /// The control-channel spelling (see README.md).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let way = |w: &Way| match w {
            Way::Up => "up",
            Way::Down => "down",
            Way::Both => "both",
        };
        let on = |b: &bool| if *b { "on" } else { "off" };
        match self {
            Fault::DropLink { slot } => write!(f, "drop {slot}"),
            Fault::KillLink { slot } => write!(f, "kill {slot}"),
            Fault::Blackhole {
                slot,
                way: w,
                duration,
            } => write!(f, "blackhole {} {slot} {}", way(w), duration.as_millis()),
            Fault::Delay {
                slot,
                way: w,
                delay,
            } => write!(f, "delay {} {slot} {}", way(w), delay.as_millis()),
            Fault::SendFail { slot, on: o } => write!(f, "sendfail {slot} {}", on(o)),
            Fault::HoldClose { slot, on: o } => write!(f, "holdclose {slot} {}", on(o)),
            Fault::RefuseConnections { on: o } => write!(f, "refuse {}", on(o)),
            Fault::FailNextOpen { result } => write!(f, "failopen {}", result.code()),
            Fault::FailNextClose => f.write_str("failclose"),
            Fault::Clear => f.write_str("clear"),
        }
    }
}

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

    /// The next time a held packet is due.
    pub(crate) fn next_release(&self) -> Option<SimTime> {
        crate::time::earliest(
            self.held_up.front().map(|h| h.0),
            self.held_down.front().map(|h| h.0),
        )
    }

    /// Forgets queued packets (the link they belonged to is gone).
    pub(crate) fn flush(&mut self) {
        self.held_up.clear();
        self.held_down.clear();
    }

    pub(crate) fn apply(&mut self, now: SimTime, fault: &Fault) {
        match fault {
            Fault::Blackhole { way, duration, .. } => {
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
            &Fault::Blackhole {
                slot: 0,
                way: Way::Up,
                duration: Duration::from_secs(5),
            },
        );
        assert!(imp.blackholed_up(SimTime::from_secs(5)));
        assert!(!imp.blackholed_up(SimTime::from_secs(6)));
        assert!(!imp.blackholed_down(SimTime::from_secs(2)));
    }

    #[test]
    fn display_is_the_control_syntax() {
        let f = Fault::Blackhole {
            slot: 2,
            way: Way::Both,
            duration: Duration::from_millis(5000),
        };
        assert_eq!(f.to_string(), "blackhole both 2 5000");
        assert_eq!(
            Fault::RefuseConnections { on: true }.to_string(),
            "refuse on"
        );
    }
}
