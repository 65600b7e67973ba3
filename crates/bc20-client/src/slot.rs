//! The life of one MQTT slot (a `<tcpconnectID>`, `conn_id` in Rust) as the driver sees it:
//! its states, the events that move it, and the one table ([`TRANSITIONS`]) that the driver
//! consults for every move and that the state diagram is drawn from.

use std::fmt;

use bc20_grammar::limits;

/// How many slots the module has: `<tcpconnectID>` 0-5 (3.2.x).
pub const SLOT_COUNT: usize = (limits::CONN_ID.1 - limits::CONN_ID.0 + 1) as usize;

/// The state of one slot.
///
/// The transitional states (`Opening`, `Connecting`, `Disconnecting`, `Closing`) last from
/// the `OK` of the command to its asynchronous `+QMTxxx:` result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum SlotState {
    /// No network opened (boot state, and after close, disconnect or +QMTSTAT).
    #[default]
    Closed,
    /// AT+QMTOPEN answered `OK`; waiting for `+QMTOPEN:`.
    Opening,
    /// The TCP connection is open; no MQTT session.
    Open,
    /// AT+QMTCONN answered `OK`; waiting for `+QMTCONN:`.
    Connecting,
    /// The MQTT session is up: subscribe, unsubscribe and publish are possible.
    Connected,
    /// AT+QMTDISC answered `OK`; waiting for `+QMTDISC:`.
    Disconnecting,
    /// AT+QMTCLOSE answered `OK`; waiting for `+QMTCLOSE:`.
    Closing,
}

impl SlotState {
    /// Every state, in the order of a session's life.
    pub const ALL: [SlotState; 7] = [
        SlotState::Closed,
        SlotState::Opening,
        SlotState::Open,
        SlotState::Connecting,
        SlotState::Connected,
        SlotState::Disconnecting,
        SlotState::Closing,
    ];

    /// Whether the slot waits for an asynchronous result that decides its next state.
    pub const fn is_transitional(self) -> bool {
        matches!(
            self,
            SlotState::Opening
                | SlotState::Connecting
                | SlotState::Disconnecting
                | SlotState::Closing
        )
    }

    /// The state's name as the diagram prints it.
    pub const fn name(self) -> &'static str {
        match self {
            SlotState::Closed => "Closed",
            SlotState::Opening => "Opening",
            SlotState::Open => "Open",
            SlotState::Connecting => "Connecting",
            SlotState::Connected => "Connected",
            SlotState::Disconnecting => "Disconnecting",
            SlotState::Closing => "Closing",
        }
    }
}

impl fmt::Display for SlotState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What moves a slot from one state to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// `OK` to AT+QMTOPEN.
    OpenAccepted,
    /// `+QMTOPEN: <id>,0`.
    Opened,
    /// `+QMTOPEN: <id>,2`: the module already has this id open (the driver's view was stale).
    OpenOccupied,
    /// `+QMTOPEN: <id>,<result>` with any other result.
    OpenFailed,
    /// `OK` to AT+QMTCONN.
    ConnectAccepted,
    /// `+QMTCONN: <id>,0,0`: CONNACK accepted.
    Connected,
    /// `+QMTCONN: <id>,2` or a refusing `<ret_code>`: no session, TCP still open.
    ConnectFailed,
    /// `OK` to AT+QMTSUB, AT+QMTUNS or AT+QMTPUB: the session carries on.
    PacketAccepted,
    /// `OK` to AT+QMTDISC.
    DisconnectAccepted,
    /// `+QMTDISC: <id>,<result>`: the id is closed whatever the result (D28).
    Disconnected,
    /// `OK` to AT+QMTCLOSE.
    CloseAccepted,
    /// `+QMTCLOSE: <id>,<result>`.
    Closed,
    /// `+QMTSTAT: <id>,<err_code>`: the module closed the connection (5.1).
    LinkLost,
    /// No asynchronous result within the maximum response time plus grace.
    Timeout,
}

impl Trigger {
    /// The label the state diagram prints on the edge.
    pub const fn label(self) -> &'static str {
        match self {
            Trigger::OpenAccepted => "OK to AT+QMTOPEN",
            Trigger::Opened => "+QMTOPEN: id,0",
            Trigger::OpenOccupied => "+QMTOPEN: id,2 (occupied)",
            Trigger::OpenFailed => "+QMTOPEN: id,-1|1|3|4|5",
            Trigger::ConnectAccepted => "OK to AT+QMTCONN",
            Trigger::Connected => "+QMTCONN: id,0,0",
            Trigger::ConnectFailed => "+QMTCONN: id,2 or ret_code > 0",
            Trigger::PacketAccepted => "OK to AT+QMTSUB/UNS/PUB",
            Trigger::DisconnectAccepted => "OK to AT+QMTDISC",
            Trigger::Disconnected => "+QMTDISC: id,result",
            Trigger::CloseAccepted => "OK to AT+QMTCLOSE",
            Trigger::Closed => "+QMTCLOSE: id,result",
            Trigger::LinkLost => "+QMTSTAT: id,err_code",
            Trigger::Timeout => "timeout",
        }
    }
}

use SlotState as S;
use Trigger as T;

/// Every legal move: `(from, trigger, to)`. The driver changes a slot's state only through
/// [`next_state`], which reads this table; a pair that is not listed leaves the state as it
/// is. A command whose `OK` has no row here is refused before it is sent.
pub const TRANSITIONS: &[(SlotState, Trigger, SlotState)] = &[
    (S::Closed, T::OpenAccepted, S::Opening),
    (S::Opening, T::Opened, S::Open),
    (S::Opening, T::OpenOccupied, S::Open),
    (S::Opening, T::OpenFailed, S::Closed),
    (S::Opening, T::Timeout, S::Closed),
    (S::Open, T::ConnectAccepted, S::Connecting),
    (S::Connecting, T::Connected, S::Connected),
    (S::Connecting, T::ConnectFailed, S::Open),
    (S::Connecting, T::Timeout, S::Open),
    (S::Connected, T::PacketAccepted, S::Connected),
    (S::Connected, T::DisconnectAccepted, S::Disconnecting),
    (S::Disconnecting, T::Disconnected, S::Closed),
    (S::Disconnecting, T::Timeout, S::Closed),
    (S::Open, T::CloseAccepted, S::Closing),
    (S::Connected, T::CloseAccepted, S::Closing),
    (S::Closing, T::Closed, S::Closed),
    (S::Closing, T::Timeout, S::Closed),
    (S::Opening, T::LinkLost, S::Closed),
    (S::Open, T::LinkLost, S::Closed),
    (S::Connecting, T::LinkLost, S::Closed),
    (S::Connected, T::LinkLost, S::Closed),
    (S::Disconnecting, T::LinkLost, S::Closed),
    (S::Closing, T::LinkLost, S::Closed),
];

/// The state `trigger` leads to from `from`, or `None` when the table has no such move.
pub fn next_state(from: SlotState, trigger: Trigger) -> Option<SlotState> {
    TRANSITIONS
        .iter()
        .find(|(f, t, _)| *f == from && *t == trigger)
        .map(|(_, _, to)| *to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_deterministic() {
        for (i, (f, t, _)) in TRANSITIONS.iter().enumerate() {
            for (g, u, _) in &TRANSITIONS[i + 1..] {
                assert!(!(f == g && t == u), "two rows for {f:?} --{t:?}-->");
            }
        }
    }

    #[test]
    fn every_state_is_reachable_and_every_transitional_state_can_end() {
        for s in SlotState::ALL {
            if s != SlotState::Closed {
                assert!(
                    TRANSITIONS.iter().any(|(_, _, to)| *to == s),
                    "{s} unreachable"
                );
            }
            if s.is_transitional() {
                assert_eq!(next_state(s, Trigger::Timeout).map(|_| ()), Some(()));
                assert_eq!(next_state(s, Trigger::LinkLost), Some(SlotState::Closed));
            }
        }
    }

    #[test]
    fn publish_is_only_accepted_when_connected() {
        for s in SlotState::ALL {
            let ok = next_state(s, Trigger::PacketAccepted).is_some();
            assert_eq!(ok, s == SlotState::Connected, "{s}");
        }
    }
}
