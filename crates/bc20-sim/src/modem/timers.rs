//! The timer table: every deadline of the module in one place, in milliseconds of
//! [`SimTime`].
//!
//! Each deadline the core can have is a [`TimerKey`]: the attach timer of the module, and per
//! slot the timer of the phase it waits in (the open timer, the CONNACK wait, the server's
//! close after DISCONNECT), the keep-alive timers (PINGREQ due, PINGRESP wait), one
//! retransmission timer per exchange in flight, and the release of packets a delay fault
//! holds back. [`Timers`] keeps at most one deadline per key: [`Timers::arm`] sets (or moves)
//! it, [`Timers::cancel`] removes it, [`Timers::next`] is what `Modem::poll_timeout` reports,
//! and [`Timers::next_due_after`] walks the keys due at an instant in firing order.
//!
//! **Firing order.** `Modem::handle_timeout` (and every other entry point) fires what is due
//! instant by instant: it takes the earliest deadline, moves the module's clock there, and
//! fires every key due by then in [`TimerKey`] order: the attach timer, then slot by slot in
//! `conn_id` order, and within a slot its phase timer, the PINGRESP wait, the PINGREQ timer,
//! the retransmission timers in the order their exchanges started, then the held packets on
//! the way up and on the way down. A timer that firing arms for the same instant fires in the
//! same pass if its key comes later, otherwise in the next pass at that instant. The order is
//! a total order on keys, so a run is deterministic.

use std::collections::BTreeMap;

use crate::time::SimTime;

/// One deadline of the module: see the module documentation for what fires when.
///
/// The derived order is the firing order of keys due at the same instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum TimerKey {
    /// The module attaches to the network (`+IP:` URC; `ModemConfig::attach_after`).
    Attach,
    /// A timer of the slot `conn_id` (0-5).
    Slot(u8, SlotTimer),
}

/// The timers of one slot, in firing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum SlotTimer {
    /// QMTOPEN waits for TCP (`ModemConfig::open_timeout`, 75 s by default): result 1.
    Open,
    /// QMTCONN waits for CONNACK (`pkt_timeout`): result 2 and `+QMTSTAT` 4.
    Connack,
    /// QMTDISC waits for the server to close (`pkt_timeout`, hold-close fault, D28).
    ServerClose,
    /// A PINGREQ is out; its PINGRESP is due by then (`pkt_timeout`): `+QMTSTAT` 2.
    PingResp,
    /// The next PINGREQ: keep-alive after the module last sent a packet (D22).
    PingReq,
    /// Retransmission of the exchange with this number ([`Timers::new_exchange`]):
    /// `pkt_timeout` after its packet was last sent, as captured when it was first sent (D20).
    Retransmit(u64),
    /// The first packet a delay fault holds on the way to the broker is due.
    ReleaseUp,
    /// The first packet a delay fault holds on the way to the module is due.
    ReleaseDown,
    /// The network closes the link (`close-after` on a packet going up): armed for the
    /// instant the packet left, so that the command that sent it finishes first (its
    /// retransmission timer is then cancelled with the link, D38).
    NetworkClose,
}

impl SlotTimer {
    /// The timer of the phase a slot waits in (open, CONNACK, server close).
    pub(crate) fn is_phase(self) -> bool {
        matches!(
            self,
            SlotTimer::Open | SlotTimer::Connack | SlotTimer::ServerClose
        )
    }

    /// A timer of the MQTT session, which runs only while the slot is connected
    /// (keep-alive and retransmissions).
    pub(crate) fn is_session(self) -> bool {
        matches!(
            self,
            SlotTimer::PingResp | SlotTimer::PingReq | SlotTimer::Retransmit(_)
        )
    }
}

/// The module's timer table: at most one deadline per [`TimerKey`].
#[derive(Debug, Default)]
pub(crate) struct Timers {
    table: BTreeMap<TimerKey, SimTime>,
    /// The number the next exchange in flight gets (its `SlotTimer::Retransmit` key).
    exchanges: u64,
}

impl Timers {
    /// Sets the deadline of `key` to `at`, replacing the one it had. `at` may be in the past:
    /// the timer then fires at the next entry point.
    pub(crate) fn arm(&mut self, key: TimerKey, at: SimTime) {
        self.table.insert(key, at);
    }

    /// Arms `key` at `at`, or cancels it when `at` is `None`.
    pub(crate) fn set(&mut self, key: TimerKey, at: Option<SimTime>) {
        match at {
            Some(at) => self.arm(key, at),
            None => self.cancel(key),
        }
    }

    /// Removes the deadline of `key`, if it had one.
    pub(crate) fn cancel(&mut self, key: TimerKey) {
        self.table.remove(&key);
    }

    /// Removes the timers of slot `conn_id` for which `which` holds.
    pub(crate) fn cancel_slot(&mut self, conn_id: u8, which: impl Fn(SlotTimer) -> bool) {
        self.table.retain(
            |key, _| !matches!(*key, TimerKey::Slot(c, kind) if c == conn_id && which(kind)),
        );
    }

    /// Whether `key` has a deadline.
    pub(crate) fn is_armed(&self, key: TimerKey) -> bool {
        self.table.contains_key(&key)
    }

    /// The earliest deadline, if any timer runs.
    pub(crate) fn next(&self) -> Option<SimTime> {
        self.table.values().min().copied()
    }

    /// The first key after `after` (from the start when `None`), in firing order, whose
    /// deadline is at or before `now`.
    pub(crate) fn next_due_after(&self, after: Option<TimerKey>, now: SimTime) -> Option<TimerKey> {
        use std::ops::Bound::{Excluded, Unbounded};
        let from = after.map_or(Unbounded, Excluded);
        self.table
            .range((from, Unbounded))
            .find(|(_, &at)| at <= now)
            .map(|(&key, _)| key)
    }

    /// A fresh number for an exchange in flight: numbers grow in the order exchanges start,
    /// so their retransmission timers fire in that order.
    pub(crate) fn new_exchange(&mut self) -> u64 {
        self.exchanges += 1;
        self.exchanges
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> SimTime {
        SimTime::from_millis(ms)
    }

    #[test]
    fn next_is_the_earliest_deadline_and_arming_moves_it() {
        let mut t = Timers::default();
        assert_eq!(t.next(), None);
        t.arm(TimerKey::Slot(1, SlotTimer::PingReq), at(30));
        t.arm(TimerKey::Slot(0, SlotTimer::Open), at(75_000));
        assert_eq!(t.next(), Some(at(30)));
        t.arm(TimerKey::Slot(1, SlotTimer::PingReq), at(90_000));
        assert_eq!(t.next(), Some(at(75_000)));
        t.cancel(TimerKey::Slot(0, SlotTimer::Open));
        t.set(TimerKey::Slot(1, SlotTimer::PingReq), None);
        assert_eq!(t.next(), None);
    }

    #[test]
    fn due_keys_come_in_firing_order() {
        let mut t = Timers::default();
        let first = t.new_exchange();
        let second = t.new_exchange();
        t.arm(TimerKey::Slot(1, SlotTimer::Connack), at(5));
        t.arm(TimerKey::Slot(0, SlotTimer::Retransmit(second)), at(5));
        t.arm(TimerKey::Slot(0, SlotTimer::Retransmit(first)), at(5));
        t.arm(TimerKey::Slot(0, SlotTimer::ReleaseUp), at(9));
        t.arm(TimerKey::Attach, at(5));
        let mut order = Vec::new();
        let mut after = None;
        while let Some(key) = t.next_due_after(after, at(5)) {
            order.push(key);
            after = Some(key);
        }
        assert_eq!(
            order,
            [
                TimerKey::Attach,
                TimerKey::Slot(0, SlotTimer::Retransmit(first)),
                TimerKey::Slot(0, SlotTimer::Retransmit(second)),
                TimerKey::Slot(1, SlotTimer::Connack),
            ]
        );
    }

    #[test]
    fn cancel_slot_leaves_other_slots_alone() {
        let mut t = Timers::default();
        t.arm(TimerKey::Slot(0, SlotTimer::PingResp), at(1));
        t.arm(TimerKey::Slot(0, SlotTimer::Open), at(1));
        t.arm(TimerKey::Slot(2, SlotTimer::PingResp), at(1));
        t.cancel_slot(0, SlotTimer::is_session);
        assert!(!t.is_armed(TimerKey::Slot(0, SlotTimer::PingResp)));
        assert!(t.is_armed(TimerKey::Slot(0, SlotTimer::Open)));
        assert!(t.is_armed(TimerKey::Slot(2, SlotTimer::PingResp)));
    }
}
