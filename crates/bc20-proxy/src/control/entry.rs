//! A [`LogEntry`] as it crosses the control channel: one JSON object (serde), since the
//! entry's own Display is for humans and drops what the runner's timing checks read.

use bc20_fault::{type_by_name, type_name, ConnKey, Fate, LogEntry, PacketInfo, Way};
use bc20_grammar::time::Instant;
use serde::{Deserialize, Serialize};

/// What a [`Fate::Dropped`] with a fault name this build does not know reads back as.
pub const UNKNOWN_FAULT: &str = "a fault unknown to this runner";

/// A [`LogEntry`] on the wire: `{"at_ms":12,"key":1,"conn_id":0,"way":"up",
/// "packet":{"kind":"PUBLISH","pkid":7,"dup":false,"qos":1},"fate":"passed"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireEntry {
    /// [`LogEntry::at`]: milliseconds on the proxy's clock.
    pub at_ms: u64,
    /// [`LogEntry::key`].
    pub key: ConnKey,
    /// [`LogEntry::conn_id`].
    pub conn_id: Option<u8>,
    /// [`LogEntry::way`]: `up`, `down` or `both`.
    pub way: String,
    /// [`LogEntry::packet`].
    pub packet: Option<WirePacket>,
    /// [`LogEntry::fate`].
    pub fate: WireFate,
}

/// A [`PacketInfo`] on the wire; `kind` is MQTT's name of the type (`PUBACK`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WirePacket {
    /// [`PacketInfo::kind`].
    pub kind: String,
    /// [`PacketInfo::pkid`].
    pub pkid: Option<u16>,
    /// [`PacketInfo::dup`].
    pub dup: bool,
    /// [`PacketInfo::qos`].
    pub qos: u8,
}

/// A [`Fate`] on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireFate {
    /// [`Fate::Passed`].
    Passed,
    /// [`Fate::Held`], until this many ms on the proxy's clock.
    Held(u64),
    /// [`Fate::Released`].
    Released,
    /// [`Fate::Dropped`], by the fault of this name.
    Dropped(String),
    /// [`Fate::Altered`].
    Altered(String),
    /// [`Fate::Refused`].
    Refused,
    /// [`Fate::Closed`].
    Closed(String),
}

impl From<&LogEntry> for WireEntry {
    fn from(e: &LogEntry) -> WireEntry {
        WireEntry {
            at_ms: e.at.as_millis(),
            key: e.key,
            conn_id: e.conn_id,
            way: e.way.as_str().to_owned(),
            packet: e.packet.map(|p| WirePacket {
                kind: type_name(p.kind).to_owned(),
                pkid: p.pkid,
                dup: p.dup,
                qos: p.qos,
            }),
            fate: match &e.fate {
                Fate::Passed => WireFate::Passed,
                Fate::Held(t) => WireFate::Held(t.as_millis()),
                Fate::Released => WireFate::Released,
                Fate::Dropped(why) => WireFate::Dropped((*why).to_owned()),
                Fate::Altered(what) => WireFate::Altered(what.clone()),
                Fate::Refused => WireFate::Refused,
                Fate::Closed(why) => WireFate::Closed(why.clone()),
            },
        }
    }
}

impl WireEntry {
    /// The entry; `None` when its direction or packet type is unknown (an unknown fault
    /// name reads as [`UNKNOWN_FAULT`]).
    pub fn into_entry(self) -> Option<LogEntry> {
        let packet = match self.packet {
            Some(p) => Some(PacketInfo {
                kind: type_by_name(&p.kind)?,
                pkid: p.pkid,
                dup: p.dup,
                qos: p.qos,
            }),
            None => None,
        };
        let fate = match self.fate {
            WireFate::Passed => Fate::Passed,
            WireFate::Held(ms) => Fate::Held(Instant::from_millis(ms)),
            WireFate::Released => Fate::Released,
            // `Fate::Dropped` names a fault of the vocabulary: read back as that name. A
            // newer proxy's name this runner does not know must not lose the whole log.
            WireFate::Dropped(why) => Fate::Dropped(
                bc20_fault::NAMES
                    .iter()
                    .copied()
                    .find(|n| *n == why)
                    .unwrap_or(UNKNOWN_FAULT),
            ),
            WireFate::Altered(what) => Fate::Altered(what),
            WireFate::Refused => Fate::Refused,
            WireFate::Closed(why) => Fate::Closed(why),
        };
        Some(LogEntry {
            at: Instant::from_millis(self.at_ms),
            key: self.key,
            conn_id: self.conn_id,
            way: Way::from_word(&self.way)?,
            packet,
            fate,
        })
    }
}
