//! The proxy's state machine: bytes of each proxied connection in, bytes, closes and log
//! entries out, faults applied per `<tcpconnectID>` (`conn_id`, 0-5) as the runner labels
//! the connections. No sockets, threads or clocks: time is an input.

use std::collections::{BTreeMap, VecDeque};

use bc20_fault::{
    with_connack_code, CloseHow, ConnKey, Fate, Fault, LinkImpairments, LogEntry, PacketInfo,
    Verdict, Way,
};
use bc20_grammar::time::Instant;
use bytes::Bytes;
use thiserror::Error;

use crate::frame::{Framer, Packet};

/// Number of `<tcpconnectID>`s (0-5).
const SLOTS: usize = 6;

/// One end of a proxied connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The module (the side that dialled the proxy).
    Module,
    /// The broker (the side the proxy dialled).
    Broker,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::Module => Side::Broker,
            Side::Broker => Side::Module,
        }
    }
}

/// What the shell must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Write `bytes` to the `to` end of `key`.
    Send {
        /// The connection.
        key: ConnKey,
        /// Which end.
        to: Side,
        /// Whole MQTT packets.
        bytes: Bytes,
    },
    /// Close the `side` end of `key` (the proxy forgets the connection once both are closed).
    Close {
        /// The connection.
        key: ConnKey,
        /// Which end.
        side: Side,
        /// RST or FIN.
        how: CloseHow,
    },
    /// A line for the run's transcript.
    Log(LogEntry),
}

/// Why a fault cannot be applied at the proxy.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProxyError {
    /// The fault happens inside the module (its own TCP/IP stack or PDP context): only the
    /// simulator can inject it.
    #[error("fault `{0}` happens inside the module: only the simulator can inject it")]
    InsideTheModule(Fault),
}

/// A packet held back, its release time, and whether the connection is cut after it (and
/// how towards the module).
type Held = (Instant, Packet, Option<CloseHow>);

#[derive(Debug, Default)]
struct Conn {
    conn_id: Option<u8>,
    /// Framers per direction (0 up, 1 down).
    framers: [Framer; 2],
    /// Held packets per direction, in order.
    held: [VecDeque<Held>; 2],
    /// `kill-link`: nothing passes any more, and nobody is told.
    dead: bool,
    /// An end to close once the packets held towards it are out.
    close_when_flushed: [Option<CloseHow>; 2],
    /// Ends already closed (0 module, 1 broker).
    closed: [bool; 2],
}

fn dir(way_up: bool) -> usize {
    usize::from(!way_up)
}

fn side_index(s: Side) -> usize {
    match s {
        Side::Module => 0,
        Side::Broker => 1,
    }
}

/// The fault proxy's state machine; see the module docs.
#[derive(Debug, Default)]
pub struct Proxy {
    conns: BTreeMap<ConnKey, Conn>,
    /// Per-slot network impairments (a fault names a `<tcpconnectID>`, whichever
    /// connection carries it): bc20-fault's judgement, the simulator's too.
    impair: [LinkImpairments; SLOTS],
    refuse: bool,
    /// Slots whose AT+QMTOPEN went out and whose connection has not arrived yet, in order.
    expected: VecDeque<u8>,
    out: VecDeque<Action>,
}

impl Proxy {
    /// A proxy that passes everything.
    pub fn new() -> Proxy {
        Proxy::default()
    }

    /// The module dialled in as `key`. Returns whether the shell should dial the broker for
    /// it; a refused connection gets a RST (`refuse-connections on`).
    pub fn accept(&mut self, now: Instant, key: ConnKey) -> bool {
        if self.refuse {
            self.out.push_back(Action::Close {
                key,
                side: Side::Module,
                how: CloseHow::Reset,
            });
            self.log(now, key, None, Way::Both, None, Fate::Refused);
            return false;
        }
        self.conns.insert(key, Conn::default());
        if let Some(conn_id) = self.expected.pop_front() {
            self.label(key, conn_id);
        }
        true
    }

    /// The runner just sent `AT+QMTOPEN=<conn_id>,...`: the next connection to arrive is
    /// that slot's (module TCP stacks open one connection at a time per command, and the
    /// runner sends one command at a time). Connections arriving with nothing expected stay
    /// unlabelled (no fault reaches them) until [`Proxy::label`].
    pub fn expect_connection(&mut self, conn_id: u8) {
        self.expected.push_back(conn_id);
    }

    /// The module reported that slot `conn_id`'s AT+QMTOPEN made no connection
    /// (`+QMTOPEN: <id>,<result>` with a result other than 0): its expectation, if still
    /// waiting, goes, so it cannot label a later connection of another slot.
    pub fn cancel_expected(&mut self, conn_id: u8) {
        if let Some(i) = self.expected.iter().rposition(|&c| c == conn_id) {
            self.expected.remove(i);
        }
    }

    /// Labels `key` with the `<tcpconnectID>` whose AT+QMTOPEN the runner just sent (MQTT
    /// carries no slot number). The newest connection of a slot carries its faults.
    pub fn label(&mut self, key: ConnKey, conn_id: u8) {
        for (k, c) in &mut self.conns {
            if *k != key && c.conn_id == Some(conn_id) {
                c.conn_id = None;
            }
        }
        if let Some(c) = self.conns.get_mut(&key) {
            c.conn_id = Some(conn_id);
        }
    }

    /// Bytes that arrived from the `from` end of `key`, in any chunking.
    pub fn receive(&mut self, now: Instant, key: ConnKey, from: Side, data: &[u8]) {
        let up = from == Side::Module;
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        c.framers[dir(up)].push(data);
        loop {
            let Some(c) = self.conns.get_mut(&key) else {
                return;
            };
            match c.framers[dir(up)].next_packet() {
                Ok(Some(p)) => self.route(now, key, up, p),
                Ok(None) => return,
                Err(e) => {
                    let why = format!("not MQTT from the {from:?} side: {e}");
                    self.cut(now, key, CloseHow::Reset, why);
                    return;
                }
            }
        }
    }

    /// The `side` end closed its socket (FIN, RST or an error): the other end is closed too,
    /// after the packets already held towards it.
    pub fn closed(&mut self, now: Instant, key: ConnKey, side: Side) {
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        c.closed[side_index(side)] = true;
        let conn_id = c.conn_id;
        if c.dead {
            // A dead path carries no FIN either.
            return self.forget_if_closed(key);
        }
        let other = side.other();
        // Towards the other end: direction up when the other end is the broker.
        let towards = dir(other == Side::Broker);
        if c.held[towards].is_empty() {
            if !c.closed[side_index(other)] {
                c.closed[side_index(other)] = true;
                self.out.push_back(Action::Close {
                    key,
                    side: other,
                    how: CloseHow::Fin,
                });
            }
        } else {
            c.close_when_flushed[side_index(other)] = Some(CloseHow::Fin);
        }
        self.log(
            now,
            key,
            conn_id,
            Way::Both,
            None,
            Fate::Closed(format!("{side:?} closed")),
        );
        self.forget_if_closed(key);
    }

    /// Whether a network between module and broker can produce `fault` (all but
    /// `send-fail`, `link-down`, `fail-next-open` and `fail-next-close`, which happen inside
    /// the module).
    pub fn can_produce(fault: &Fault) -> bool {
        !fault.inside_the_module()
    }

    /// Applies a fault.
    ///
    /// # Errors
    /// [`ProxyError::InsideTheModule`] for `send-fail`, `link-down`, `fail-next-open` and
    /// `fail-next-close`, which no network can produce.
    pub fn inject(&mut self, now: Instant, fault: &Fault) -> Result<(), ProxyError> {
        if fault.inside_the_module() {
            return Err(ProxyError::InsideTheModule(fault.clone()));
        }
        match fault {
            Fault::DropLink { conn_id, how } => {
                if let Some(key) = self.carrier(*conn_id) {
                    self.cut(now, key, *how, "drop-link".to_owned());
                }
            }
            Fault::KillLink { conn_id } => {
                if let Some(key) = self.carrier(*conn_id) {
                    if let Some(c) = self.conns.get_mut(&key) {
                        c.dead = true;
                        c.held = Default::default();
                    }
                    let why = "kill-link: the path is dead".to_owned();
                    self.log(now, key, Some(*conn_id), Way::Both, None, Fate::Closed(why));
                }
            }
            Fault::Garbage { conn_id } => {
                let carrier = self.carrier(*conn_id);
                if let Some(key) = carrier.filter(|k| self.conns.get(k).is_some_and(|c| !c.dead)) {
                    // Bytes no MQTT packet starts with (a reserved packet type 0).
                    self.out.push_back(Action::Send {
                        key,
                        to: Side::Module,
                        bytes: Bytes::from_static(&[0, 0]),
                    });
                    let what = "garbage: 00 00 sent to the module".to_owned();
                    self.log(
                        now,
                        key,
                        Some(*conn_id),
                        Way::Down,
                        None,
                        Fate::Altered(what),
                    );
                }
            }
            Fault::RefuseConnections { on } => self.refuse = *on,
            Fault::Clear => {
                self.impair = Default::default();
                self.refuse = false;
                // A fresh start: no AT+QMTOPEN is waiting for its connection any more.
                self.expected.clear();
            }
            other => {
                if let Some(id) = other.conn_id() {
                    self.impair[usize::from(id).min(SLOTS - 1)].apply(now, other);
                }
            }
        }
        Ok(())
    }

    /// Passes on the held packets that are due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let keys: Vec<ConnKey> = self.conns.keys().copied().collect();
        for key in keys {
            for d in 0..2 {
                while let Some((_, p, then)) = self.conns.get_mut(&key).and_then(|c| {
                    let due = c.held[d].front().is_some_and(|(t, _, _)| *t <= now);
                    due.then(|| c.held[d].pop_front()).flatten()
                }) {
                    self.forward(now, key, d == 0, p, Fate::Released);
                    if let Some(how) = then {
                        self.cut(now, key, how, "close-after".to_owned());
                    }
                }
                self.close_if_flushed(key, d);
            }
        }
    }

    /// When [`Proxy::handle_timeout`] is next needed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.conns
            .values()
            .flat_map(|c| c.held.iter().filter_map(|q| q.front().map(|(t, _, _)| *t)))
            .min()
    }

    /// The next thing for the shell to do.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.out.pop_front()
    }

    /// Connections open now.
    pub fn connections(&self) -> usize {
        self.conns.len()
    }

    fn carrier(&self, conn_id: u8) -> Option<ConnKey> {
        self.conns
            .iter()
            .find(|(_, c)| c.conn_id == Some(conn_id))
            .map(|(k, _)| *k)
    }

    fn route(&mut self, now: Instant, key: ConnKey, up: bool, p: Packet) {
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        let conn_id = c.conn_id;
        let way = if up { Way::Up } else { Way::Down };
        let described = Some(p.info);
        if c.dead {
            return self.log(
                now,
                key,
                conn_id,
                way,
                described,
                Fate::Dropped("kill-link"),
            );
        }
        let d = dir(up);
        let verdict = match conn_id {
            Some(id) => self.impair[usize::from(id).min(SLOTS - 1)].judge(now, up, &p.info),
            None => Verdict::Pass,
        };
        let (at, p, then, why) = match verdict {
            Verdict::Drop(why) => {
                return self.log(now, key, conn_id, way, described, Fate::Dropped(why))
            }
            Verdict::Pass => (now, p, None, "close-after"),
            Verdict::Hold(at) => (at, p, None, "close-after"),
            Verdict::PassThenClose(how) => (now, p, Some(how), "close-after"),
            Verdict::Refuse(code) => match with_connack_code(&p.bytes, code) {
                Some(bytes) => {
                    let refusing = Packet { bytes, ..p };
                    (now, refusing, Some(CloseHow::Fin), "a refusing CONNACK")
                }
                None => (now, p, None, "close-after"),
            },
        };
        // Logged once, when it crossed: as changed, or as passed.
        let fate_now = match verdict {
            Verdict::Refuse(code) => Fate::Altered(format!("connack {code}")),
            _ => Fate::Passed,
        };
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        if at > now || !c.held[d].is_empty() {
            // Order is kept: a packet never overtakes one held before it.
            let due = c.held[d].back().map_or(at, |(t, _, _)| (*t).max(at));
            c.held[d].push_back((due, p, then));
            return self.log(now, key, conn_id, way, described, Fate::Held(due));
        }
        self.forward(now, key, up, p, fate_now);
        if let Some(how) = then {
            self.cut(now, key, how, why.to_owned());
        }
    }

    /// Writes `p` to the far end of its direction, without a log entry.
    fn send(&mut self, key: ConnKey, up: bool, p: Packet) {
        let to = if up { Side::Broker } else { Side::Module };
        if self
            .conns
            .get(&key)
            .is_some_and(|c| !c.closed[side_index(to)])
        {
            self.out.push_back(Action::Send {
                key,
                to,
                bytes: p.bytes,
            });
        }
    }

    /// Passes `p` on to the far end of its direction and logs it with `fate`.
    fn forward(&mut self, now: Instant, key: ConnKey, up: bool, p: Packet, fate: Fate) {
        let Some(c) = self.conns.get(&key) else {
            return;
        };
        let to = if up { Side::Broker } else { Side::Module };
        if c.closed[side_index(to)] {
            return;
        }
        let conn_id = c.conn_id;
        let way = if up { Way::Up } else { Way::Down };
        let described = Some(p.info);
        self.send(key, up, p);
        self.log(now, key, conn_id, way, described, fate);
    }

    fn close_if_flushed(&mut self, key: ConnKey, d: usize) {
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        // Direction up flows towards the broker (end 1), down towards the module (end 0).
        let end = 1 - d;
        if c.held[d].is_empty() {
            if let Some(how) = c.close_when_flushed[end].take() {
                if !c.closed[end] {
                    c.closed[end] = true;
                    let side = if end == 0 { Side::Module } else { Side::Broker };
                    self.out.push_back(Action::Close { key, side, how });
                }
            }
        }
        self.forget_if_closed(key);
    }

    /// Closes both ends now: `how` towards the module, FIN towards the broker (which then
    /// publishes the module's Will: the connection ended without DISCONNECT).
    fn cut(&mut self, now: Instant, key: ConnKey, how: CloseHow, why: String) {
        let Some(c) = self.conns.remove(&key) else {
            return;
        };
        for (i, side, how) in [(0, Side::Module, how), (1, Side::Broker, CloseHow::Fin)] {
            if !c.closed[i] {
                self.out.push_back(Action::Close { key, side, how });
            }
        }
        self.log(now, key, c.conn_id, Way::Both, None, Fate::Closed(why));
    }

    fn forget_if_closed(&mut self, key: ConnKey) {
        if self
            .conns
            .get(&key)
            .is_some_and(|c| c.closed == [true, true])
        {
            self.conns.remove(&key);
        }
    }

    fn log(
        &mut self,
        at: Instant,
        key: ConnKey,
        conn_id: Option<u8>,
        way: Way,
        packet: Option<PacketInfo>,
        fate: Fate,
    ) {
        self.out.push_back(Action::Log(LogEntry {
            at,
            key,
            conn_id,
            way,
            packet,
            fate,
        }));
    }
}
