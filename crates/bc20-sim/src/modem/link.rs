//! The network side of the module: link events, sending through the fault layer, incoming
//! packets, keep-alive and retransmission timers, and closing a link with `+QMTSTAT`.

use bc20_fault::{Fate, Way};
use bc20_grammar::{
    CloseResult, MqttCommand, OpenResult, PacketOutcome, PacketResult, QmtStatCode, SubValue, Urc,
};
use bytes::Bytes;

use super::slot::Phase;
use super::{ConnectFailure, Modem, NetAction, NetEvent, SLOTS};
use crate::faults::Fault;
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
        let now = self.now;
        let slot = &mut self.slots[conn_id];
        if slot.imp.send_fail {
            return false;
        }
        slot.session.last_sent = now;
        // A black hole loses the packet after the module sent it.
        if slot.imp.blackholed_up(now) {
            self.tap(conn_id, Way::Up, &bytes, Fate::Dropped("black-hole"));
        } else if !slot.imp.delay_up.is_zero() || !slot.imp.held_up.is_empty() {
            let at = now + slot.imp.delay_up;
            slot.imp.held_up.push_back((at, bytes.clone()));
            self.tap(conn_id, Way::Up, &bytes, Fate::Held(at));
            self.sync_release(conn_id);
        } else {
            self.tap(conn_id, Way::Up, &bytes, Fate::Passed);
            self.net_out.push_back(NetAction::Send { conn_id, bytes });
        }
        self.sync_ping(conn_id);
        true
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
        for (_, bytes) in slot.imp.held_up.drain(..) {
            self.net_out.push_back(NetAction::Send { conn_id, bytes });
        }
        slot.imp.flush();
        slot.phase = Phase::Closed;
        if let Some(stored) = slot.session.take_stored() {
            slot.stored = Some(stored);
        }
        slot.session.inflight.clear();
        slot.session.incoming_qos2.clear();
        // Every timer of the link ends with it.
        self.timers.cancel_slot(conn_id, |_| true);
        self.net_out.push_back(NetAction::Close { conn_id });
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
            Fault::DropLink { conn_id } | Fault::KillLink { conn_id }
                if usize::from(conn_id) < SLOTS =>
            {
                let event = if matches!(fault, Fault::DropLink { .. }) {
                    NetEvent::Closed
                } else {
                    NetEvent::LinkDown
                };
                if self.slots[conn_id].phase != Phase::Closed {
                    // Handled as the network event it imitates; every phase ends Closed.
                    self.on_net(conn_id, event);
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
                    let held_up = std::mem::take(&mut s.imp.held_up);
                    let held_down = std::mem::take(&mut s.imp.held_down);
                    s.imp = crate::faults::Impairment {
                        held_up,
                        held_down,
                        ..Default::default()
                    };
                }
            }
            Fault::BlackHole { conn_id, .. }
            | Fault::Delay { conn_id, .. }
            | Fault::SendFail { conn_id, .. }
            | Fault::HoldClose { conn_id, .. } => {
                if let Some(s) = self.slots.get_mut(conn_id) {
                    s.imp.apply(now, &fault);
                }
            }
            Fault::DropLink { .. } | Fault::KillLink { .. } => {}
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
            let now = self.now;
            let imp = &mut self.slots[conn_id].imp;
            if imp.blackholed_down(now) {
                self.tap(conn_id, Way::Down, &frame, Fate::Dropped("black-hole"));
                continue;
            }
            if !imp.delay_down.is_zero() || !imp.held_down.is_empty() {
                let at = now + imp.delay_down;
                imp.held_down.push_back((at, frame.clone()));
                self.tap(conn_id, Way::Down, &frame, Fate::Held(at));
                self.sync_release(conn_id);
                continue;
            }
            self.tap(conn_id, Way::Down, &frame, Fate::Passed);
            self.on_frame(conn_id, &frame);
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
