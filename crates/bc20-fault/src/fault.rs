//! The typed fault, its names and its canonical text.

use std::fmt;
use std::time::Duration;

use bc20_grammar::OpenResult;

use crate::duration::format_duration;
use crate::packet::{type_name, PacketType};
use crate::way::Way;

/// The highest `conn_id` (the note's `<tcpconnectID>`, 0-5).
pub const MAX_CONN_ID: u8 = 5;

pub use crate::duration::MAX_DURATION;

/// One fault: an impairment of the module's network link, or of the module's own TCP/IP
/// stack. `conn_id` is the note's `<tcpconnectID>` (0-5), the MQTT slot whose link is meant.
///
/// Every variant but five is named for what a network between the module and the broker
/// does, so the fault proxy produces it on any module as well as the simulator does inside
/// its link layer, with the same meaning (D65); `SendFail`, `LinkDown`, `HoldClose`,
/// `FailNextOpen` and `FailNextClose` happen inside the module and only the simulator can
/// inject them ([`Fault::inside_the_module`]).
///
/// `Display` writes the canonical text (`black-hole 0 up 5s`), `FromStr` reads it; see
/// [`SYNTAX`] for every form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// `drop-link CONN_ID [reset|fin]`: the broker side closes the TCP connection now, with a
    /// RST (the default) or a FIN the module did not ask for; the broker sees a FIN (and
    /// publishes the Will). The module reports `+QMTSTAT: <id>,1` (`+QMTOPEN: <id>,5` while
    /// QMTOPEN is still connecting).
    DropLink {
        /// The `<tcpconnectID>`.
        conn_id: u8,
        /// RST or FIN towards the module.
        how: CloseHow,
    },
    /// `kill-link CONN_ID`: the path dies: nothing more crosses it either way, and neither
    /// side is told (no FIN, no RST). The module finds out by itself, when a PINGREQ or a
    /// retransmitted packet stays unanswered (`+QMTSTAT: <id>,2` at the keep-alive, D65).
    KillLink {
        /// The `<tcpconnectID>`.
        conn_id: u8,
    },
    /// `link-down CONN_ID`: the module's own bearer goes (radio link or PDP context lost):
    /// its stack drops the link and reports `+QMTSTAT: <id>,7` at once. Simulator only.
    LinkDown {
        /// The `<tcpconnectID>`.
        conn_id: u8,
    },
    /// `garbage CONN_ID`: the broker side sends bytes that are no MQTT packet (`00 00`);
    /// the module drops the link: `+QMTSTAT: <id>,7` (D43).
    Garbage {
        /// The `<tcpconnectID>`.
        conn_id: u8,
    },
    /// `drop-packet CONN_ID [up|down|both] TYPE [id PKID] [times N]`: packets of `TYPE`
    /// (MQTT's name: `PINGRESP`, `PUBACK`, ...) travelling `way` vanish whole, every one or
    /// the next `times`, only those with packet identifier `id` when given.
    DropPacket {
        /// The `<tcpconnectID>`.
        conn_id: u8,
        /// Which direction.
        way: Way,
        /// Which packets.
        filter: PacketFilter,
    },
    /// `hold-packet CONN_ID [up|down|both] TYPE DURATION [id PKID] [times N]`: packets of
    /// `TYPE` travelling `way` are withheld for `delay` each, then passed on (order kept).
    HoldPacket {
        /// The `<tcpconnectID>`.
        conn_id: u8,
        /// Which direction.
        way: Way,
        /// Which packets.
        filter: PacketFilter,
        /// How long each is held.
        delay: Duration,
    },
    /// `close-after CONN_ID [up|down|both] TYPE [id PKID] [fin|reset]`: the next packet of
    /// `TYPE` travelling `way` is passed on, then the connection is closed both ways (FIN, the
    /// default, or RST towards the module, FIN towards the broker). FIN by default because a
    /// RST makes the module's TCP stack throw away bytes it has not read yet, the packet
    /// just passed on among them.
    CloseAfter {
        /// The `<tcpconnectID>`.
        conn_id: u8,
        /// Which direction.
        way: Way,
        /// Which packet (`times` is 1: the fault acts once).
        filter: PacketFilter,
        /// RST or FIN towards the module.
        how: CloseHow,
    },
    /// `connack CONN_ID CODE`: the next CONNACK to the module carries return code `code`
    /// (1-5: the connection refused, [MQTT-3.2.2-5]) instead of the broker's; the link is
    /// then closed, as a server that refuses closes it. The module reports
    /// `+QMTCONN: <id>,0,<code>`.
    Connack {
        /// The `<tcpconnectID>`.
        conn_id: u8,
        /// The CONNACK return code, 1-5.
        code: u8,
    },
    /// `black-hole CONN_ID [up|down|both] DURATION`: whole MQTT packets travelling `way`
    /// vanish for `duration` from now; the TCP connection stays up and its byte stream
    /// well-formed (a packet is dropped whole or not at all; closing the link still passes).
    BlackHole {
        /// The `<tcpconnectID>`.
        conn_id: u8,
        /// Which direction.
        way: Way,
        /// For how long.
        duration: Duration,
    },
    /// `delay CONN_ID [up|down|both] DURATION`: each MQTT packet travelling `way` is passed on
    /// `delay` late, order kept; a zero delay clears the direction's delay.
    Delay {
        /// The `<tcpconnectID>`.
        conn_id: u8,
        /// Which direction.
        way: Way,
        /// How long each packet is held.
        delay: Duration,
    },
    /// `send-fail CONN_ID on|off`: while on, every TCP write of the module fails, as a write
    /// error of its own stack would (nothing reaches the wire): CONNECT gives
    /// `+QMTSTAT: <id>,3`, PINGREQ code 2, a command none of whose transmissions got out
    /// result 2 then code 6. Simulator only.
    SendFail {
        /// The `<tcpconnectID>`.
        conn_id: u8,
        /// On or off.
        on: bool,
    },
    /// `hold-close CONN_ID on|off`: while on, after its DISCONNECT the module keeps the TCP
    /// connection open until the broker closes it (up to `pkt_timeout`), so the broker side
    /// closes first and the module reports `+QMTDISC: <id>,0` then `+QMTSTAT: <id>,5` (D28).
    /// Whether a module waits is its own doing (the simulated one closes at once otherwise):
    /// simulator only (D65).
    HoldClose {
        /// The `<tcpconnectID>`.
        conn_id: u8,
        /// On or off.
        on: bool,
    },
    /// `refuse-connections on|off`: while on, new TCP connections to the broker are refused
    /// (a RST answers the SYN): QMTOPEN reports result -1.
    RefuseConnections {
        /// On or off.
        on: bool,
    },
    /// `fail-next-open RESULT`: the next QMTOPEN (any slot) reports `result` instead of
    /// connecting; no TCP connection is tried. Simulator only.
    FailNextOpen {
        /// The result to report: any `<result>` but 0 (-1, 1, 2, 3, 4, 5).
        result: OpenResult,
    },
    /// `fail-next-close`: the next QMTCLOSE (any slot) fails, `+QMTCLOSE: <id>,-1`, and the
    /// TCP connection stays up. Simulator only.
    FailNextClose,
    /// `clear`: ends every impairment above (on/off faults off, black holes over, delays
    /// zero, packet faults gone); packets already held back are still passed on when due,
    /// and a killed path stays dead.
    Clear,
}

/// How the network closes a TCP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CloseHow {
    /// An abortive close (RST): `reset`.
    #[default]
    Reset,
    /// An orderly close (FIN): `fin`.
    Fin,
}

impl CloseHow {
    /// The word of the text: `reset` or `fin`.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseHow::Reset => "reset",
            CloseHow::Fin => "fin",
        }
    }
}

/// Which packets a packet fault acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketFilter {
    /// Their MQTT type.
    pub kind: PacketType,
    /// Only the packets with this packet identifier (1-65535), when given.
    pub pkid: Option<u16>,
    /// Only the next `times` matching packets (at least 1), when given; every one otherwise.
    pub times: Option<u32>,
}

impl PacketFilter {
    /// Every packet of `kind`.
    pub fn every(kind: PacketType) -> PacketFilter {
        PacketFilter {
            kind,
            pkid: None,
            times: None,
        }
    }

    /// Whether a packet of `kind` with identifier `pkid` is one of these (the count aside).
    pub fn matches(&self, kind: PacketType, pkid: Option<u16>) -> bool {
        self.kind == kind && (self.pkid.is_none() || self.pkid == pkid)
    }
}

impl fmt::Display for PacketFilter {
    /// `PUBACK id 7 times 2`: the type, then what narrows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(type_name(self.kind))?;
        self.write_narrowing(f)
    }
}

impl PacketFilter {
    /// ` id 7 times 2`: what narrows the filter, each part with its leading blank.
    fn write_narrowing(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(id) = self.pkid {
            write!(f, " id {id}")?;
        }
        if let Some(n) = self.times {
            write!(f, " times {n}")?;
        }
        Ok(())
    }
}

/// One form of a fault's text, for usage lines and help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syntax {
    /// The fault's name, the text's first word.
    pub name: &'static str,
    /// Its arguments (`CONN_ID [up|down|both] DURATION`), empty when it has none.
    pub args: &'static str,
    /// What it does, in a few words.
    pub effect: &'static str,
}

/// Every fault's text: name, arguments and effect, in [`NAMES`] order.
pub const SYNTAX: &[Syntax] = &[
    Syntax {
        name: "drop-link",
        args: "CONN_ID [reset|fin]",
        effect: "the broker side closes the TCP link: +QMTSTAT: <id>,1",
    },
    Syntax {
        name: "kill-link",
        args: "CONN_ID",
        effect: "the path dies without a word: the module finds out at its keep-alive",
    },
    Syntax {
        name: "link-down",
        args: "CONN_ID",
        effect: "the module's own bearer goes: +QMTSTAT: <id>,7 (simulator only)",
    },
    Syntax {
        name: "garbage",
        args: "CONN_ID",
        effect: "the broker side sends bytes that are not MQTT: +QMTSTAT: <id>,7",
    },
    Syntax {
        name: "drop-packet",
        args: "CONN_ID [up|down|both] TYPE [id PKID] [times N]",
        effect: "MQTT packets of TYPE vanish",
    },
    Syntax {
        name: "hold-packet",
        args: "CONN_ID [up|down|both] TYPE DURATION [id PKID] [times N]",
        effect: "MQTT packets of TYPE are withheld for DURATION",
    },
    Syntax {
        name: "close-after",
        args: "CONN_ID [up|down|both] TYPE [id PKID] [fin|reset]",
        effect: "the link is closed right after the next packet of TYPE",
    },
    Syntax {
        name: "connack",
        args: "CONN_ID CODE",
        effect: "the next CONNACK refuses with CODE (1-5): +QMTCONN: <id>,0,CODE",
    },
    Syntax {
        name: "black-hole",
        args: "CONN_ID [up|down|both] DURATION",
        effect: "MQTT packets vanish for DURATION",
    },
    Syntax {
        name: "delay",
        args: "CONN_ID [up|down|both] DURATION",
        effect: "MQTT packets are held back by DURATION (0s clears)",
    },
    Syntax {
        name: "send-fail",
        args: "CONN_ID on|off",
        effect: "every send fails (CONNECT -> 3, PINGREQ -> 2, else 6) (simulator only)",
    },
    Syntax {
        name: "hold-close",
        args: "CONN_ID on|off",
        effect: "after QMTDISC the module waits for the server to close: +QMTSTAT: <id>,5 (simulator only)",
    },
    Syntax {
        name: "refuse-connections",
        args: "on|off",
        effect: "new TCP connections are refused: +QMTOPEN: <id>,-1",
    },
    Syntax {
        name: "fail-next-open",
        args: "RESULT",
        effect: "the next QMTOPEN reports RESULT (-1, 1, 2, 3, 4, 5) (simulator only)",
    },
    Syntax {
        name: "fail-next-close",
        args: "",
        effect: "the next QMTCLOSE reports -1 (simulator only)",
    },
    Syntax {
        name: "clear",
        args: "",
        effect: "removes every impairment",
    },
];

/// Every fault name, in the order of [`Fault`]'s variants.
pub const NAMES: &[&str] = &[
    "drop-link",
    "kill-link",
    "link-down",
    "garbage",
    "drop-packet",
    "hold-packet",
    "close-after",
    "connack",
    "black-hole",
    "delay",
    "send-fail",
    "hold-close",
    "refuse-connections",
    "fail-next-open",
    "fail-next-close",
    "clear",
];

impl Fault {
    /// The fault's name, the first word of its text.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::DropLink { .. } => "drop-link",
            Fault::KillLink { .. } => "kill-link",
            Fault::LinkDown { .. } => "link-down",
            Fault::Garbage { .. } => "garbage",
            Fault::DropPacket { .. } => "drop-packet",
            Fault::HoldPacket { .. } => "hold-packet",
            Fault::CloseAfter { .. } => "close-after",
            Fault::Connack { .. } => "connack",
            Fault::BlackHole { .. } => "black-hole",
            Fault::Delay { .. } => "delay",
            Fault::SendFail { .. } => "send-fail",
            Fault::HoldClose { .. } => "hold-close",
            Fault::RefuseConnections { .. } => "refuse-connections",
            Fault::FailNextOpen { .. } => "fail-next-open",
            Fault::FailNextClose => "fail-next-close",
            Fault::Clear => "clear",
        }
    }

    /// The `<tcpconnectID>` the fault is about, if it is about one.
    pub fn conn_id(&self) -> Option<u8> {
        match *self {
            Fault::DropLink { conn_id, .. }
            | Fault::KillLink { conn_id }
            | Fault::LinkDown { conn_id }
            | Fault::Garbage { conn_id }
            | Fault::DropPacket { conn_id, .. }
            | Fault::HoldPacket { conn_id, .. }
            | Fault::CloseAfter { conn_id, .. }
            | Fault::Connack { conn_id, .. }
            | Fault::BlackHole { conn_id, .. }
            | Fault::Delay { conn_id, .. }
            | Fault::SendFail { conn_id, .. }
            | Fault::HoldClose { conn_id, .. } => Some(conn_id),
            _ => None,
        }
    }

    /// Whether the fault happens inside the module (its own TCP/IP stack, bearer or PDP
    /// context): `send-fail`, `link-down`, `hold-close`, `fail-next-open`,
    /// `fail-next-close`. No network can produce these; only the simulator injects them.
    pub fn inside_the_module(&self) -> bool {
        matches!(
            self,
            Fault::SendFail { .. }
                | Fault::LinkDown { .. }
                | Fault::HoldClose { .. }
                | Fault::FailNextOpen { .. }
                | Fault::FailNextClose
        )
    }

    /// The [`Syntax`] of the fault named `name`, if there is one.
    pub fn syntax(name: &str) -> Option<&'static Syntax> {
        SYNTAX.iter().find(|s| s.name == name)
    }
}

impl fmt::Display for Fault {
    /// The canonical text: single spaces, the direction always written, durations in whole
    /// units (`5s`, `1500ms`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let on = |b: bool| if b { "on" } else { "off" };
        let name = self.name();
        match *self {
            Fault::DropLink { conn_id, how } => match how {
                CloseHow::Reset => write!(f, "{name} {conn_id}"),
                CloseHow::Fin => write!(f, "{name} {conn_id} fin"),
            },
            Fault::KillLink { conn_id }
            | Fault::LinkDown { conn_id }
            | Fault::Garbage { conn_id } => write!(f, "{name} {conn_id}"),
            Fault::DropPacket {
                conn_id,
                way,
                filter,
            } => write!(f, "{name} {conn_id} {way} {filter}"),
            Fault::HoldPacket {
                conn_id,
                way,
                filter,
                delay,
            } => {
                let kind = type_name(filter.kind);
                write!(
                    f,
                    "{name} {conn_id} {way} {kind} {}",
                    format_duration(delay)
                )?;
                filter.write_narrowing(f)
            }
            Fault::CloseAfter {
                conn_id,
                way,
                filter,
                how,
            } => {
                write!(f, "{name} {conn_id} {way} {}", type_name(filter.kind))?;
                if let Some(id) = filter.pkid {
                    write!(f, " id {id}")?;
                }
                write!(f, " {}", how.as_str())
            }
            Fault::Connack { conn_id, code } => write!(f, "{name} {conn_id} {code}"),
            Fault::BlackHole {
                conn_id,
                way,
                duration: d,
            }
            | Fault::Delay {
                conn_id,
                way,
                delay: d,
            } => write!(f, "{name} {conn_id} {way} {}", format_duration(d)),
            Fault::SendFail { conn_id, on: o } | Fault::HoldClose { conn_id, on: o } => {
                write!(f, "{name} {conn_id} {}", on(o))
            }
            Fault::RefuseConnections { on: o } => write!(f, "{name} {}", on(o)),
            Fault::FailNextOpen { result } => write!(f, "{name} {}", result.code()),
            Fault::FailNextClose | Fault::Clear => f.write_str(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_syntax_list_the_same_faults_in_the_same_order() {
        let from_syntax: Vec<&str> = SYNTAX.iter().map(|s| s.name).collect();
        assert_eq!(from_syntax, NAMES);
        let one_of_each = [
            Fault::DropLink {
                conn_id: 0,
                how: CloseHow::Reset,
            },
            Fault::KillLink { conn_id: 0 },
            Fault::LinkDown { conn_id: 0 },
            Fault::Garbage { conn_id: 0 },
            Fault::DropPacket {
                conn_id: 0,
                way: Way::Down,
                filter: PacketFilter::every(PacketType::PingResp),
            },
            Fault::HoldPacket {
                conn_id: 0,
                way: Way::Down,
                filter: PacketFilter::every(PacketType::PubAck),
                delay: Duration::ZERO,
            },
            Fault::CloseAfter {
                conn_id: 0,
                way: Way::Down,
                filter: PacketFilter::every(PacketType::SubAck),
                how: CloseHow::Fin,
            },
            Fault::Connack {
                conn_id: 0,
                code: 5,
            },
            Fault::BlackHole {
                conn_id: 0,
                way: Way::Both,
                duration: Duration::ZERO,
            },
            Fault::Delay {
                conn_id: 0,
                way: Way::Both,
                delay: Duration::ZERO,
            },
            Fault::SendFail {
                conn_id: 0,
                on: true,
            },
            Fault::HoldClose {
                conn_id: 0,
                on: true,
            },
            Fault::RefuseConnections { on: true },
            Fault::FailNextOpen {
                result: OpenResult::FailedToOpen,
            },
            Fault::FailNextClose,
            Fault::Clear,
        ];
        let names: Vec<&str> = one_of_each.iter().map(Fault::name).collect();
        assert_eq!(names, NAMES);
    }

    #[test]
    fn conn_id_is_there_for_the_faults_of_one_link() {
        assert_eq!(Fault::KillLink { conn_id: 4 }.conn_id(), Some(4));
        assert_eq!(Fault::RefuseConnections { on: false }.conn_id(), None);
        assert_eq!(
            Fault::syntax("delay").map(|s| s.args),
            Some("CONN_ID [up|down|both] DURATION")
        );
        assert_eq!(Fault::syntax("drop"), None);
    }
}
