//! The sans-IO BC20 model: bytes and time in, bytes and network actions out.
//!
//! A [`Modem`] is a plain state machine. Drivers feed it host bytes
//! ([`Modem::handle_host_bytes`]), network events for a slot ([`Modem::handle_net`]) and the
//! passage of time ([`Modem::handle_timeout`]), each with the current [`SimTime`], and drain
//! what it produced: bytes for the host ([`Modem::poll_host`]) and actions for the network
//! ([`Modem::poll_net`]: open a TCP connection, send bytes, close). [`Modem::poll_timeout`]
//! says when it next needs [`Modem::handle_timeout`]. No threads, sockets, sleeps or clocks.
//!
//! Every entry point first fires the timers that are due at `now`, so a driver that calls
//! late loses nothing; timers fire at their own time, so schedules stay exact. Every deadline
//! lives in one timer table (`timers.rs`: what the keys are and in which order timers due at
//! the same instant fire); `deadlines.rs` arms them and says what each does when it fires.
//!
//! Contract for drivers: after a [`NetAction::Close`] for a slot (or a failed open), no event
//! of that link may be delivered any more; a new [`NetAction::Open`] starts a new link.

mod basic;
mod commands;
mod deadlines;
mod host;
mod inbound;
mod link;
pub(crate) mod session;
pub(crate) mod slot;
mod timers;

use std::collections::VecDeque;

use bc20_fault::{Fate, LogEntry, PacketInfo, Way};
use bc20_grammar::{Direction, OpenResult, StreamConfig, StreamDecoder};
use bytes::Bytes;

use crate::config::ModemConfig;
use crate::faults::Fault;
use crate::time::SimTime;
use host::HostOut;
use slot::Slots;
pub use slot::{conn_ids, SlotSettings, SlotState};
use timers::{TimerKey, Timers};

/// Number of MQTT slots (`<tcpconnectID>` 0-5).
pub const SLOTS: usize = 6;

/// Why a TCP connection could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectFailure {
    /// Connection refused or reset (QMTOPEN result -1).
    Refused,
    /// No answer in time (result -1).
    Timeout,
    /// The host name did not resolve (result 4).
    Dns,
}

/// Something the network did to a slot's link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetEvent {
    /// The TCP connection asked for by [`NetAction::Open`] is up.
    Connected,
    /// It could not be opened.
    ConnectFailed(ConnectFailure),
    /// Bytes from the broker, in any chunking.
    Data(Bytes),
    /// The peer closed or reset the connection (`+QMTSTAT: <id>,1`, or 5 after QMTDISC).
    Closed,
    /// The link died (timeout, unreachable): `+QMTSTAT: <id>,7`.
    LinkDown,
    /// A [`NetAction::Send`] could not be written (TCP write error): the link is unusable
    /// (`+QMTSTAT` 3 while connecting, 6 when connected).
    SendFailed,
}

/// Something the module asks the network to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetAction {
    /// Open a TCP connection for `conn_id` to `host:port` (answer with [`NetEvent::Connected`]
    /// or [`NetEvent::ConnectFailed`]).
    Open {
        /// `<tcpconnectID>`.
        conn_id: u8,
        /// `<host_name>` as the host gave it.
        host: String,
        /// `<port>`.
        port: u16,
    },
    /// Send these bytes (always whole MQTT packets) on the slot's connection.
    Send {
        /// `<tcpconnectID>`.
        conn_id: u8,
        /// The packet bytes.
        bytes: Bytes,
    },
    /// Close the slot's connection.
    Close {
        /// `<tcpconnectID>`.
        conn_id: u8,
    },
}

/// A simulated BC20: see the module documentation.
#[derive(Debug)]
pub struct Modem {
    config: ModemConfig,
    now: SimTime,
    echo: bool,
    cmee: u8,
    attached: bool,
    /// Every deadline of the module.
    timers: Timers,
    decoder: Option<StreamDecoder>,
    out: HostOut,
    slots: Slots,
    net_out: VecDeque<NetAction>,
    refuse: bool,
    fail_next_open: Option<OpenResult>,
    fail_next_close: bool,
    /// Incoming messages too long for a +QMTRECV line, acknowledged and dropped (D61).
    oversized_dropped: u64,
    /// TCP connections asked for so far: the network log's connection numbers.
    links_opened: u64,
    /// The network log, while one is kept ([`Modem::record_network`]).
    net_log: Option<Vec<LogEntry>>,
}

impl Modem {
    /// A module that boots at `now` with `config`.
    pub fn new(config: ModemConfig, now: SimTime) -> Modem {
        let decoder = StreamDecoder::new(StreamConfig {
            mode: config.mode,
            max_line_len: config.max_line_len,
            direction: Direction::HostToModem,
        });
        let slots = Slots::new(config.max_packet_size);
        let mut timers = Timers::default();
        if let Some(d) = config.attach_after {
            timers.arm(TimerKey::Attach, now + d);
        }
        let mut modem = Modem {
            echo: config.echo,
            cmee: config.cmee,
            attached: false,
            timers,
            decoder: Some(decoder),
            out: HostOut::default(),
            slots,
            net_out: VecDeque::new(),
            refuse: false,
            fail_next_open: None,
            fail_next_close: false,
            oversized_dropped: 0,
            links_opened: 0,
            net_log: None,
            now,
            config,
        };
        modem.fire_due(now);
        modem
    }

    /// The configuration the module was built with.
    pub fn config(&self) -> &ModemConfig {
        &self.config
    }

    /// The latest time the module has seen.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Whether command echo is on (`ATE1`).
    pub fn echo(&self) -> bool {
        self.echo
    }

    /// The `AT+CMEE` mode in force.
    pub fn cmee(&self) -> u8 {
        self.cmee
    }

    /// Whether the module is attached (`+CGATT: 1`).
    pub fn attached(&self) -> bool {
        self.attached
    }

    /// The state of the slot of `conn_id` (`Closed` for ids outside 0-5).
    pub fn slot_state(&self, conn_id: u8) -> SlotState {
        self.slots
            .get(conn_id)
            .map_or(SlotState::Closed, |s| s.phase.state())
    }

    /// The QMTCFG settings of the slot of `conn_id`.
    pub fn slot_config(&self, conn_id: u8) -> Option<&SlotSettings> {
        self.slots.get(conn_id).map(|s| &s.cfg)
    }

    /// How many incoming messages were acknowledged but not reported because their
    /// `+QMTRECV` line would exceed [`ModemConfig::max_line_len`] (D61).
    pub fn oversized_dropped(&self) -> u64 {
        self.oversized_dropped
    }

    /// From now on the module keeps a network log: every MQTT packet it sends (when it
    /// leaves its stack, whatever the network then does with it) and every packet it
    /// receives, with what its network faults did to it. The same vocabulary as the fault
    /// proxy's log, so timing checks read both alike. Off by default (nobody may drain it).
    pub fn record_network(&mut self) {
        self.net_log.get_or_insert_with(Vec::new);
    }

    /// The network log since the last call (empty unless [`Modem::record_network`]).
    pub fn take_network_log(&mut self) -> Vec<LogEntry> {
        self.net_log
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Records one packet in the network log, if one is kept.
    pub(crate) fn tap(&mut self, conn_id: u8, way: Way, frame: &Bytes, fate: Fate) {
        if self.net_log.is_some() {
            self.record(conn_id, way, PacketInfo::read(frame), fate);
        }
    }

    /// Records a connection event (no packet) in the network log, if one is kept.
    pub(crate) fn tap_event(&mut self, conn_id: u8, fate: Fate) {
        self.record(conn_id, Way::Both, None, fate);
    }

    fn record(&mut self, conn_id: u8, way: Way, packet: Option<PacketInfo>, fate: Fate) {
        let Some(log) = self.net_log.as_mut() else {
            return;
        };
        log.push(LogEntry {
            at: self.now,
            key: self.slots[conn_id].link_key,
            conn_id: Some(conn_id),
            way,
            packet,
            fate,
        });
    }

    /// Bytes the host typed.
    pub fn handle_host_bytes(&mut self, now: SimTime, bytes: &[u8]) {
        self.fire_due(now);
        self.feed_host(bytes);
        self.drain_queued();
    }

    /// Something happened on the link of `conn_id`. Events for ids outside 0-5 are ignored.
    pub fn handle_net(&mut self, now: SimTime, conn_id: u8, event: NetEvent) {
        self.fire_due(now);
        if self.slots.get(conn_id).is_some() {
            self.on_net(conn_id, event);
        }
        self.drain_queued();
    }

    /// Time passed: fires every timer due at or before `now`.
    pub fn handle_timeout(&mut self, now: SimTime) {
        self.fire_due(now);
        self.drain_queued();
    }

    /// Applies a fault to the module's link (see [`Fault`]).
    pub fn inject_fault(&mut self, now: SimTime, fault: Fault) {
        self.fire_due(now);
        self.apply_fault(fault);
        self.drain_queued();
    }

    /// When [`Modem::handle_timeout`] must next be called, if any timer runs.
    pub fn poll_timeout(&self) -> Option<SimTime> {
        self.timers.next()
    }

    /// All bytes produced for the host since the last call, or `None`.
    pub fn poll_host(&mut self) -> Option<Vec<u8>> {
        self.out.take_ready()
    }

    /// The next network action, or `None`.
    pub fn poll_net(&mut self) -> Option<NetAction> {
        self.net_out.pop_front()
    }
}
