//! The network side of the module: link events, sending through the fault layer, incoming
//! packets, keep-alive and retransmission timers, and closing a link with `+QMTSTAT`.

use bc20_fault::{with_connack_code, Fate, PacketInfo, Verdict, Way};
use bc20_grammar::{
    CloseResult, MqttCommand, OpenResult, PacketOutcome, PacketResult, QmtStatCode, SubValue, Urc,
};
use bytes::Bytes;

use super::slot::Phase;
use super::timers::{SlotTimer, TimerKey};
use super::{ConnectFailure, Modem, NetAction, NetEvent, SLOTS};
use crate::faults::{Fault, Then};
use crate::mqtt::{self, Packet};

impl Modem {
    pub(super) fn on_net(&mut self, conn_id: u8, event: NetEvent) {
        let phase = self.slots[conn_id].phase;
        match (phase, event) {
            (Phase::Opening, NetEvent::Connected) => {
                self.enter(conn_id, Phase::Opened);
                self.result(Urc::QmtOpen {
                    conn_id,
                    result: OpenResult::Opened,
                });
            }
            (Phase::Opening, NetEvent::ConnectFailed(why)) => {
                self.enter(conn_id, Phase::Closed);
                let result = if why == ConnectFailure::Dns {
                    OpenResult::DomainNameParseFailed
                } else {
                    OpenResult::FailedToOpen
                };
                self.result(Urc::QmtOpen { conn_id, result });
            }
            (Phase::Opening, NetEvent::Closed | NetEvent::LinkDown | NetEvent::SendFailed) => {
                self.open_lost(conn_id)
            }
            (Phase::Closed | Phase::Opening, _) => {}
            (_, NetEvent::Data(bytes)) => self.on_data(conn_id, &bytes),
            (_, NetEvent::Connected | NetEvent::ConnectFailed(_)) => {}
            (Phase::Disconnecting, NetEvent::Closed | NetEvent::LinkDown) => {
                // D28: the server closed first after our DISCONNECT.
                self.teardown(conn_id, None);
                self.result(Urc::QmtDisc {
                    conn_id,
                    result: CloseResult::Closed,
                });
                self.urc(&Urc::QmtStat {
                    conn_id,
                    err_code: QmtStatCode::ServerClosedAfterDisconnect,
                });
            }
            (Phase::Connecting, NetEvent::Closed | NetEvent::LinkDown) => {
                self.connect_failed(conn_id, QmtStatCode::ConnackFailed)
            }
            (Phase::Connecting, NetEvent::SendFailed) => {
                self.connect_failed(conn_id, QmtStatCode::ConnectFailed)
            }
            (Phase::Disconnecting, NetEvent::SendFailed) => {
                self.teardown(conn_id, None);
                self.result(Urc::QmtDisc {
                    conn_id,
                    result: CloseResult::Failed,
                });
            }
            (_, NetEvent::Closed) => self.teardown(conn_id, Some(QmtStatCode::ClosedByPeer)),
            (_, NetEvent::LinkDown) => self.teardown(conn_id, Some(QmtStatCode::LinkNotAlive)),
            (_, NetEvent::SendFailed) => self.teardown(conn_id, Some(QmtStatCode::SendFailures)),
        }
    }

    /// The link went away while QMTOPEN was still connecting: result 5.
    fn open_lost(&mut self, conn_id: u8) {
        self.close_link(conn_id);
        self.result(Urc::QmtOpen {
            conn_id,
            result: OpenResult::NetworkDisconnected,
        });
    }

    /// QMTCONN failed: `+QMTCONN: <conn_id>,2`, the link is closed and `+QMTSTAT` says why (D23).
    pub(super) fn connect_failed(&mut self, conn_id: u8, code: QmtStatCode) {
        self.result(Urc::QmtConn {
            conn_id,
            result: PacketResult::Failed,
            ret_code: None,
            value: None,
        });
        self.teardown(conn_id, Some(code));
    }

    /// Sends whole packets through the fault layer; `false` when the send failed.
    pub(super) fn transmit(&mut self, conn_id: u8, bytes: Bytes) -> bool {
        let slot = &mut self.slots[conn_id];
        if slot.imp.send_fail {
            return false;
        }
        slot.session.last_sent = self.now;
        if slot.imp.dead {
            // The module sent it; the dead path loses it.
            self.tap(conn_id, Way::Up, &bytes, Fate::Dropped("kill-link"));
        } else {
            self.through_network(conn_id, true, bytes);
        }
        if self.slots[conn_id].phase.is_open() {
            self.sync_ping(conn_id);
        }
        true
    }

    /// One whole packet crossing the network `up` (module → broker) or down, judged by the
    /// link's network faults (bc20-fault's judgement, the fault proxy's too): lost, held,
    /// passed on (to the network, or to the module's MQTT layer), altered, or followed by
    /// the network closing the link.
    pub(super) fn through_network(&mut self, conn_id: u8, up: bool, frame: Bytes) {
        let now = self.now;
        let way = if up { Way::Up } else { Way::Down };
        let imp = &mut self.slots[conn_id].imp;
        let verdict = if imp.net.is_clear(now) {
            Verdict::Pass
        } else {
            match PacketInfo::read(&frame) {
                Some(info) => imp.net.judge(now, up, &info),
                None => Verdict::Pass,
            }
        };
        let (at, frame, then) = match verdict {
            Verdict::Drop(why) => return self.tap(conn_id, way, &frame, Fate::Dropped(why)),
            Verdict::Pass => (now, frame, Then::Go),
            Verdict::Hold(at) => (at, frame, Then::Go),
            Verdict::PassThenClose(_) => (now, frame, Then::Close),
            Verdict::Refuse(code) => match with_connack_code(&frame, code) {
                Some(refusing) => (now, refusing, Then::Close),
                None => (now, frame, Then::Go),
            },
        };
        // Logged once, when it crossed: as changed, or as passed.
        let fate_now = match verdict {
            Verdict::Refuse(code) => Fate::Altered(format!("connack {code}")),
            _ => Fate::Passed,
        };
        let imp = &mut self.slots[conn_id].imp;
        let queue = if up {
            &mut imp.held_up
        } else {
            &mut imp.held_down
        };
        if at <= now && queue.is_empty() {
            self.tap(conn_id, way, &frame, fate_now);
            self.deliver(conn_id, up, frame, then);
        } else {
            // Order is kept: a packet never overtakes one held before it.
            let due = queue.back().map_or(at, |h| h.0.max(at));
            queue.push_back((due, frame.clone(), then));
            self.tap(conn_id, way, &frame, Fate::Held(due));
            self.sync_release(conn_id);
        }
    }

    /// Hands a packet the network let through to its receiver; `Then::Close`: the network
    /// then closes the link (the module sees the peer close it).
    pub(super) fn deliver(&mut self, conn_id: u8, up: bool, frame: Bytes, then: Then) {
        if up {
            self.net_out.push_back(NetAction::Send {
                conn_id,
                bytes: frame,
            });
            if then == Then::Close {
                // Not here: the command sending the packet has not finished (it arms its
                // retransmission after this returns).
                let key = TimerKey::Slot(conn_id, SlotTimer::NetworkClose);
                self.timers.arm(key, self.now);
            }
        } else {
            self.on_frame(conn_id, &frame);
            if then == Then::Close && self.slots[conn_id].phase != Phase::Closed {
                self.on_net(conn_id, NetEvent::Closed);
            }
        }
    }

    pub(super) fn send_packet(&mut self, conn_id: u8, packet: &Packet) -> bool {
        match mqtt::encode(packet, self.config.mqtt_version) {
            Ok(bytes) => self.transmit(conn_id, bytes),
            Err(_) => false,
        }
    }

    /// Closes the TCP connection (packets held on the way up go first) and frees the slot.
    pub(super) fn close_link(&mut self, conn_id: u8) {
        let slot = &mut self.slots[conn_id];
        for (_, bytes, _) in slot.imp.held_up.drain(..) {
            self.net_out.push_back(NetAction::Send { conn_id, bytes });
        }
        slot.imp.flush();
        let was_open = slot.phase != Phase::Closed;
        slot.phase = Phase::Closed;
        if let Some(stored) = slot.session.take_stored() {
            slot.stored = Some(stored);
        }
        slot.session.inflight.clear();
        slot.session.incoming_qos2.clear();
        // Every timer of the link ends with it.
        self.timers.cancel_slot(conn_id, |_| true);
        self.net_out.push_back(NetAction::Close { conn_id });
        if was_open {
            // The log shows the connection's end, as the proxy's does: the keep-alive check
            // stops its clock there.
            self.tap_event(conn_id, Fate::Closed("link closed".to_owned()));
        }
    }

    /// Closes the link and reports `+QMTSTAT` when given a code (D38: the conn_id is closed).
    /// Commands still in flight on the conn_id get no result: the URC ends them.
    pub(super) fn teardown(&mut self, conn_id: u8, code: Option<QmtStatCode>) {
        self.close_link(conn_id);
        if let Some(err_code) = code {
            self.urc(&Urc::QmtStat { conn_id, err_code });
        }
    }

    pub(super) fn apply_fault(&mut self, fault: Fault) {
        let now = self.now;
        match fault {
            Fault::DropLink { conn_id, .. } | Fault::LinkDown { conn_id }
                if usize::from(conn_id) < SLOTS =>
            {
                // Handled as the network event it imitates; every phase ends Closed.
                let event = if matches!(fault, Fault::DropLink { .. }) {
                    NetEvent::Closed
                } else {
                    NetEvent::LinkDown
                };
                if self.slots[conn_id].phase != Phase::Closed {
                    self.on_net(conn_id, event);
                }
            }
            Fault::Garbage { conn_id } if usize::from(conn_id) < SLOTS => {
                if self.slots[conn_id].phase.is_open() && !self.slots[conn_id].imp.dead {
                    // Bytes no MQTT packet starts with: a reserved packet type 0.
                    self.on_data(conn_id, &[0, 0]);
                }
            }
            Fault::RefuseConnections { on } => self.refuse = on,
            Fault::FailNextOpen { result } => self.fail_next_open = Some(result),
            Fault::FailNextClose => self.fail_next_close = true,
            Fault::Clear => {
                self.refuse = false;
                self.fail_next_open = None;
                self.fail_next_close = false;
                for s in self.slots.iter_mut() {
                    s.imp.clear();
                }
            }
            other => {
                if let Some(s) = other.conn_id().and_then(|id| self.slots.get_mut(id)) {
                    s.imp.apply(now, &other);
                }
            }
        }
    }

    fn on_data(&mut self, conn_id: u8, data: &[u8]) {
        self.slots[conn_id].session.reader.push(data);
        loop {
            let next = self.slots[conn_id].session.reader.next_frame();
            let frame = match next {
                Ok(Some(frame)) => frame,
                Ok(None) => return,
                Err(_) => return self.protocol_error(conn_id),
            };
            if self.slots[conn_id].imp.dead {
                self.tap(conn_id, Way::Down, &frame, Fate::Dropped("kill-link"));
                continue;
            }
            self.through_network(conn_id, false, frame);
            if !self.slots[conn_id].phase.is_open() {
                return;
            }
        }
    }

    /// A malformed packet or stream from the server: the module drops the link (code 7).
    pub(super) fn protocol_error(&mut self, conn_id: u8) {
        match self.slots[conn_id].phase {
            Phase::Connecting => self.connect_failed(conn_id, QmtStatCode::ConnackFailed),
            Phase::Closed | Phase::Opening => {}
            _ => self.teardown(conn_id, Some(QmtStatCode::LinkNotAlive)),
        }
    }

    pub(super) fn on_frame(&mut self, conn_id: u8, frame: &[u8]) {
        match self.slots[conn_id].session.reader.decode(frame) {
            Ok((packet, _)) => self.on_packet(conn_id, packet),
            Err(_) => self.protocol_error(conn_id),
        }
    }
}

/// `+QMTSUB`/`+QMTUNS`/`+QMTPUB` with result 1 (count) or 2 (D25, D30, D31).
pub(super) fn retry_urc(
    command: MqttCommand,
    conn_id: u8,
    msg_id: u16,
    result: PacketResult,
    retransmissions: Option<u8>,
) -> Urc<'static> {
    match command {
        MqttCommand::QmtSub => Urc::QmtSub(PacketOutcome {
            conn_id,
            msg_id,
            result,
            value: retransmissions.map(SubValue::Retransmissions),
        }),
        MqttCommand::QmtUns => Urc::QmtUns(PacketOutcome {
            conn_id,
            msg_id,
            result,
            value: retransmissions,
        }),
        _ => Urc::QmtPub(PacketOutcome {
            conn_id,
            msg_id,
            result,
            value: retransmissions,
        }),
    }
}
