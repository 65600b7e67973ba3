//! The network log: what happened to each MQTT packet between a module and its broker, as
//! the fault proxy saw it or the simulator's link layer did. One type for both, so that a
//! transcript's network lines and the runner's timing checks read the same on every bed.

use std::fmt;

use bc20_grammar::time::Instant;

use crate::packet::PacketInfo;
use crate::way::Way;

/// One TCP connection between module and broker, numbered in the order the connections
/// were made (the proxy: accept order; the simulator: connect order).
pub type ConnKey = u64;

/// What happened to a packet or a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Passed on at once.
    Passed,
    /// Held back by a fault; passed on at the given time (a [`Fate::Released`] entry then).
    Held(Instant),
    /// A packet held back earlier, passed on now.
    Released,
    /// Dropped, with the reason (a fault's name).
    Dropped(&'static str),
    /// Changed on its way, with what was changed (`connack 5`).
    Altered(String),
    /// A new connection refused (`refuse-connections on`).
    Refused,
    /// The connection was closed or cut, with the reason.
    Closed(String),
}

/// One line of the network log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// When, on the clock of whoever logged it (the proxy's own, or the simulator's).
    pub at: Instant,
    /// The connection.
    pub key: ConnKey,
    /// Its `<tcpconnectID>` (0-5), where known (the proxy knows it once the runner labelled
    /// the connection).
    pub conn_id: Option<u8>,
    /// The packet's direction ([`Way::Up`]: module → broker); [`Way::Both`] for connection
    /// events.
    pub way: Way,
    /// The packet, `None` for connection events.
    pub packet: Option<PacketInfo>,
    /// What happened to it.
    pub fate: Fate,
}

impl LogEntry {
    /// Whether this entry records the moment the packet was sent by its sender (it arrived
    /// at the proxy, or left the module's stack): every packet has exactly one such entry,
    /// whatever its fate (a held packet's later [`Fate::Released`] entry is not one). The
    /// runner's timing checks count these.
    pub fn is_sending(&self) -> bool {
        self.packet.is_some() && self.fate != Fate::Released
    }
}

impl fmt::Display for LogEntry {
    /// `conn 3 slot 0 up PUBLISH id 7 dup: dropped by black-hole`: one transcript line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conn {}", self.key)?;
        if let Some(id) = self.conn_id {
            write!(f, " slot {id}")?;
        }
        if let Some(p) = self.packet {
            let way = if self.way == Way::Up { "up" } else { "down" };
            write!(f, " {way} {p}")?;
        }
        match &self.fate {
            Fate::Passed => f.write_str(": passed"),
            Fate::Held(until) => write!(f, ": held until {until}"),
            Fate::Released => f.write_str(": released"),
            Fate::Dropped(why) => write!(f, ": dropped by {why}"),
            Fate::Altered(what) => write!(f, ": altered ({what})"),
            Fate::Refused => f.write_str(": connection refused"),
            Fate::Closed(why) => write!(f, ": closed ({why})"),
        }
    }
}
