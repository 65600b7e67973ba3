//! The typed fault, its names and its canonical text.

use std::fmt;
use std::time::Duration;

use bc20_grammar::OpenResult;

use crate::duration::format_duration;
use crate::way::Way;

/// The highest `conn_id` (the note's `<tcpconnectID>`, 0-5).
pub const MAX_CONN_ID: u8 = 5;

pub use crate::duration::MAX_DURATION;

/// One fault: an impairment of the module's network link, or of the module's own TCP/IP
/// stack. `conn_id` is the note's `<tcpconnectID>` (0-5), the MQTT slot whose link is meant.
///
/// The variants that change what crosses the wire (`DropLink`, `KillLink`, `BlackHole`,
/// `Delay`, `HoldClose`, `RefuseConnections`) are named for what a network between the
/// module and the broker does, so a network proxy can produce them as well as the simulator;
/// `SendFail`, `FailNextOpen` and `FailNextClose` happen inside the module and only the
/// simulator can inject them.
///
/// `Display` writes the canonical text (`black-hole 0 up 5s`), `FromStr` reads it; see
/// [`SYNTAX`] for every form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Fault {
    /// `drop-link CONN_ID`: the broker side resets the TCP connection now (on the wire: a RST,
    /// or a FIN the module did not ask for). The module reports `+QMTSTAT: <id>,1`
    /// (`+QMTOPEN: <id>,5` while QMTOPEN is still connecting).
    DropLink {
        /// The `<tcpconnectID>`.
        conn_id: u8,
    },
    /// `kill-link CONN_ID`: the path dies: nothing more crosses it either way, and neither
    /// side sends a FIN or a RST. The simulated module notices at once: `+QMTSTAT: <id>,7`.
    KillLink {
        /// The `<tcpconnectID>`.
        conn_id: u8,
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
    /// `hold-close CONN_ID on|off`: while on, after the module's DISCONNECT the broker side
    /// closes the TCP connection before the module does (the module waits up to
    /// `pkt_timeout` for it), so the module reports `+QMTDISC: <id>,0` then
    /// `+QMTSTAT: <id>,5` (D28).
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
    /// zero); packets already held back are still passed on when due.
    Clear,
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
        args: "CONN_ID",
        effect: "the broker side resets the TCP link: +QMTSTAT: <id>,1",
    },
    Syntax {
        name: "kill-link",
        args: "CONN_ID",
        effect: "the link dies without a word: +QMTSTAT: <id>,7",
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
        effect: "every send fails (CONNECT -> 3, PINGREQ -> 2, else 6)",
    },
    Syntax {
        name: "hold-close",
        args: "CONN_ID on|off",
        effect: "after QMTDISC the server closes first: +QMTSTAT: <id>,5",
    },
    Syntax {
        name: "refuse-connections",
        args: "on|off",
        effect: "new TCP connections are refused: +QMTOPEN: <id>,-1",
    },
    Syntax {
        name: "fail-next-open",
        args: "RESULT",
        effect: "the next QMTOPEN reports RESULT (-1, 1, 2, 3, 4, 5)",
    },
    Syntax {
        name: "fail-next-close",
        args: "",
        effect: "the next QMTCLOSE reports -1",
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
            Fault::DropLink { conn_id }
            | Fault::KillLink { conn_id }
            | Fault::BlackHole { conn_id, .. }
            | Fault::Delay { conn_id, .. }
            | Fault::SendFail { conn_id, .. }
            | Fault::HoldClose { conn_id, .. } => Some(conn_id),
            _ => None,
        }
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
            Fault::DropLink { conn_id } | Fault::KillLink { conn_id } => {
                write!(f, "{name} {conn_id}")
            }
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
            Fault::DropLink { conn_id: 0 },
            Fault::KillLink { conn_id: 0 },
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
