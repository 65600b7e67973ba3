//! One MQTT slot (`<tcpconnectID>` 0-5): its QMTCFG settings and its link/session state.

use std::ops::{Index, IndexMut};
use std::time::Duration;

use bc20_grammar::ConnState;

use crate::faults::Impairment;
use crate::modem::session::{Session, Stored};
use crate::time::secs;

use super::SLOTS;

/// What `AT+QMTCFG` sets for one slot: the grammar's one slot-settings model (3.2.1, D18,
/// D20), re-exported: the simulator holds no copy of its own.
pub use bc20_grammar::SlotSettings;

/// Retransmission settings captured when a packet is first sent (D20: timeout settings
/// apply to the next packet sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timing {
    pub(crate) pkt_timeout: Duration,
    pub(crate) retry_times: u8,
    pub(crate) timeout_notice: bool,
}

/// The retransmission settings a packet sent now captures from `cfg`.
pub(crate) fn timing(cfg: &SlotSettings) -> Timing {
    Timing {
        pkt_timeout: secs(cfg.pkt_timeout.into()),
        retry_times: cfg.retry_times,
        timeout_notice: cfg.timeout_notice,
    }
}

/// Where a slot is, as an observer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlotState {
    /// Free: no QMTOPEN, or closed since.
    Closed,
    /// QMTOPEN is waiting for the TCP connection.
    Opening,
    /// TCP connected, no MQTT session (`<state>` 1, "MQTT is initial").
    Initial,
    /// CONNECT sent, waiting for CONNACK (`<state>` 2).
    Connecting,
    /// CONNACK accepted (`<state>` 3).
    Connected,
    /// DISCONNECT sent, waiting for the server to close (`<state>` 4; only with the
    /// hold-close fault, D28).
    Disconnecting,
}

impl SlotState {
    /// The `<state>` of the `AT+QMTCONN?` read response, for opened slots.
    pub fn conn_state(self) -> Option<ConnState> {
        match self {
            SlotState::Initial => Some(ConnState::Initial),
            SlotState::Connecting => Some(ConnState::Connecting),
            SlotState::Connected => Some(ConnState::Connected),
            SlotState::Disconnecting => Some(ConnState::Disconnecting),
            SlotState::Closed | SlotState::Opening => None,
        }
    }
}

/// The internal phase; the deadline of a phase that waits (opening, connecting,
/// disconnecting) is its phase timer in the module's timer table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Closed,
    Opening,
    Opened,
    Connecting,
    Connected,
    Disconnecting,
}

impl Phase {
    pub(crate) fn state(self) -> SlotState {
        match self {
            Phase::Closed => SlotState::Closed,
            Phase::Opening => SlotState::Opening,
            Phase::Opened => SlotState::Initial,
            Phase::Connecting => SlotState::Connecting,
            Phase::Connected => SlotState::Connected,
            Phase::Disconnecting => SlotState::Disconnecting,
        }
    }

    /// TCP is up (QMTOPEN reported 0 and nothing closed it since).
    pub(crate) fn is_open(self) -> bool {
        self.state().conn_state().is_some()
    }
}

/// One slot: settings survive closes, the rest is per link.
#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) cfg: SlotSettings,
    pub(crate) phase: Phase,
    pub(crate) host_name: String,
    pub(crate) port: u16,
    pub(crate) session: Session,
    /// A clean-session-0 session from an earlier link, resumed by a CONNACK with
    /// session present (D63).
    pub(crate) stored: Option<Stored>,
    pub(crate) imp: Impairment,
    /// The network log's number for the slot's current TCP connection.
    pub(crate) link_key: u64,
}

impl Slot {
    pub(crate) fn new(max_packet_size: usize) -> Slot {
        Slot {
            cfg: SlotSettings::default(),
            phase: Phase::Closed,
            host_name: String::new(),
            port: 0,
            session: Session::new(max_packet_size),
            stored: None,
            imp: Impairment::default(),
            link_key: 0,
        }
    }
}

/// The six slots, indexed by `<tcpconnectID>` (`conn_id`, 0-5). Indexing with an id outside
/// 0-5 panics; [`Slots::get`] and [`Slots::get_mut`] do not.
#[derive(Debug)]
pub(crate) struct Slots(Vec<Slot>);

impl Slots {
    pub(crate) fn new(max_packet_size: usize) -> Slots {
        Slots((0..SLOTS).map(|_| Slot::new(max_packet_size)).collect())
    }

    pub(crate) fn get(&self, conn_id: u8) -> Option<&Slot> {
        self.0.get(usize::from(conn_id))
    }

    pub(crate) fn get_mut(&mut self, conn_id: u8) -> Option<&mut Slot> {
        self.0.get_mut(usize::from(conn_id))
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Slot> {
        self.0.iter_mut()
    }
}

/// Every `<tcpconnectID>` (`conn_id`), ascending: 0 to [`SLOTS`] − 1, typed as the `u8` the
/// AT commands and [`NetAction`](super::NetAction)s carry.
pub fn conn_ids() -> impl Iterator<Item = u8> {
    (0..).take(SLOTS)
}

impl Index<u8> for Slots {
    type Output = Slot;
    fn index(&self, conn_id: u8) -> &Slot {
        &self.0[usize::from(conn_id)]
    }
}

impl IndexMut<u8> for Slots {
    fn index_mut(&mut self, conn_id: u8) -> &mut Slot {
        &mut self.0[usize::from(conn_id)]
    }
}
