//! The network side of the module: link events, sending through the fault layer, incoming
//! packets, keep-alive and retransmission timers, and closing a link with `+QMTSTAT`.

use bc20_grammar::{
    CloseResult, MqttCommand, OpenResult, PacketResult, QmtStatCode, SubValue, Urc,
};
use bytes::Bytes;

use super::session::Stage;
use super::slot::Phase;
use super::{ConnectFailure, Modem, NetAction, NetEvent, SLOTS};
use crate::faults::Fault;
use crate::mqtt::{self, Packet};

impl Modem {
    pub(super) fn on_net(&mut self, id: usize, event: NetEvent) {
        let conn_id = id as u8;
        let phase = self.slots[id].phase;
        match (phase, event) {
            (Phase::Opening { .. }, NetEvent::Connected) => {
                self.slots[id].phase = Phase::Opened;
                self.result(Urc::QmtOpen {
                    conn_id,
                    result: OpenResult::Opened,
                });
            }
            (Phase::Opening { .. }, NetEvent::ConnectFailed(why)) => {
                self.slots[id].phase = Phase::Closed;
                let result = if why == ConnectFailure::Dns {
                    OpenResult::DomainNameParseFailed
                } else {
                    OpenResult::FailedToOpen
                };
                self.result(Urc::QmtOpen { conn_id, result });
            }
            (
                Phase::Opening { .. },
                NetEvent::Closed | NetEvent::LinkDown | NetEvent::SendFailed,
            ) => self.open_lost(id),
            (Phase::Closed | Phase::Opening { .. }, _) => {}
            (_, NetEvent::Data(bytes)) => self.on_data(id, &bytes),
            (_, NetEvent::Connected | NetEvent::ConnectFailed(_)) => {}
            (Phase::Disconnecting { .. }, NetEvent::Closed | NetEvent::LinkDown) => {
                // D28: the server closed first after our DISCONNECT.
                self.teardown(id, None);
                self.result(Urc::QmtDisc {
                    conn_id,
                    result: CloseResult::Closed,
                });
                self.urc(&Urc::QmtStat {
                    conn_id,
                    err_code: QmtStatCode::ServerClosedAfterDisconnect,
                });
            }
            (Phase::Connecting { .. }, NetEvent::Closed | NetEvent::LinkDown) => {
                self.connect_failed(id, QmtStatCode::ConnackFailed)
            }
            (Phase::Connecting { .. }, NetEvent::SendFailed) => {
                self.connect_failed(id, QmtStatCode::ConnectFailed)
            }
            (Phase::Disconnecting { .. }, NetEvent::SendFailed) => {
                self.teardown(id, None);
                self.result(Urc::QmtDisc {
                    conn_id,
                    result: CloseResult::Failed,
                });
            }
            (_, NetEvent::Closed) => self.teardown(id, Some(QmtStatCode::ClosedByPeer)),
            (_, NetEvent::LinkDown) => self.teardown(id, Some(QmtStatCode::LinkNotAlive)),
            (_, NetEvent::SendFailed) => self.teardown(id, Some(QmtStatCode::SendFailures)),
        }
    }

    /// The link went away while QMTOPEN was still connecting: result 5.
    fn open_lost(&mut self, id: usize) {
        self.close_link(id);
        self.result(Urc::QmtOpen {
            conn_id: id as u8,
            result: OpenResult::NetworkDisconnected,
        });
    }

    /// QMTCONN failed: `+QMTCONN: <id>,2`, the link is closed and `+QMTSTAT` says why (D23).
    pub(super) fn connect_failed(&mut self, id: usize, code: QmtStatCode) {
        self.result(Urc::QmtConn {
            conn_id: id as u8,
            result: PacketResult::Failed,
            ret_code: None,
            value: None,
        });
        self.teardown(id, Some(code));
    }

    /// Sends whole packets through the fault layer; `false` when the send failed.
    pub(super) fn transmit(&mut self, id: usize, bytes: Bytes) -> bool {
        let now = self.now;
        let slot = &mut self.slots[id];
        if slot.imp.send_fail {
            return false;
        }
        slot.session.last_sent = now;
        if slot.imp.blackholed_up(now) {
            return true;
        }
        if !slot.imp.delay_up.is_zero() || !slot.imp.held_up.is_empty() {
            let at = now + slot.imp.delay_up;
            slot.imp.held_up.push_back((at, bytes));
        } else {
            self.net_out.push_back(NetAction::Send {
                slot: id as u8,
                bytes,
            });
        }
        true
    }

    pub(super) fn send_packet(&mut self, id: usize, packet: &Packet) -> bool {
        match mqtt::encode(packet, self.config.mqtt_version) {
            Ok(bytes) => self.transmit(id, bytes),
            Err(_) => false,
        }
    }

    /// Closes the TCP connection (packets held on the way up go first) and frees the slot.
    pub(super) fn close_link(&mut self, id: usize) {
        let slot = &mut self.slots[id];
        for (_, bytes) in slot.imp.held_up.drain(..) {
            self.net_out.push_back(NetAction::Send {
                slot: id as u8,
                bytes,
            });
        }
        slot.imp.flush();
        slot.phase = Phase::Closed;
        if let Some(stored) = slot.session.take_stored() {
            slot.stored = Some(stored);
        }
        slot.session.inflight.clear();
        slot.session.incoming_qos2.clear();
        slot.session.ping_deadline = None;
        self.net_out.push_back(NetAction::Close { slot: id as u8 });
    }

    /// Closes the link and reports `+QMTSTAT` when given a code (D38: the id is closed).
    /// Commands still in flight on the id get no result: the URC ends them.
    pub(super) fn teardown(&mut self, id: usize, code: Option<QmtStatCode>) {
        self.close_link(id);
        if let Some(err_code) = code {
            self.urc(&Urc::QmtStat {
                conn_id: id as u8,
                err_code,
            });
        }
    }

    pub(super) fn apply_fault(&mut self, fault: Fault) {
        let now = self.now;
        match fault {
            Fault::DropLink { conn_id } | Fault::KillLink { conn_id }
                if usize::from(conn_id) < SLOTS =>
            {
                let id = usize::from(conn_id);
                let event = if matches!(fault, Fault::DropLink { .. }) {
                    NetEvent::Closed
                } else {
                    NetEvent::LinkDown
                };
                if self.slots[id].phase != Phase::Closed {
                    // Handled as the network event it imitates; every phase ends Closed.
                    self.on_net(id, event);
                }
            }
            Fault::RefuseConnections { on } => self.refuse = on,
            Fault::FailNextOpen { result } => self.fail_next_open = Some(result),
            Fault::FailNextClose => self.fail_next_close = true,
            Fault::Clear => {
                self.refuse = false;
                self.fail_next_open = None;
                self.fail_next_close = false;
                for s in &mut self.slots {
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
                if let Some(s) = self.slots.get_mut(usize::from(conn_id)) {
                    s.imp.apply(now, &fault);
                }
            }
            Fault::DropLink { .. } | Fault::KillLink { .. } => {}
        }
    }

    fn on_data(&mut self, id: usize, data: &[u8]) {
        self.slots[id].session.reader.push(data);
        loop {
            let next = self.slots[id].session.reader.next_frame();
            let frame = match next {
                Ok(Some(frame)) => frame,
                Ok(None) => return,
                Err(_) => return self.protocol_error(id),
            };
            let now = self.now;
            let imp = &mut self.slots[id].imp;
            if imp.blackholed_down(now) {
                continue;
            }
            if !imp.delay_down.is_zero() || !imp.held_down.is_empty() {
                let at = now + imp.delay_down;
                imp.held_down.push_back((at, frame));
                continue;
            }
            self.on_frame(id, &frame);
            if !self.slots[id].phase.is_open() {
                return;
            }
        }
    }

    /// A malformed packet or stream from the server: the module drops the link (code 7).
    pub(super) fn protocol_error(&mut self, id: usize) {
        match self.slots[id].phase {
            Phase::Connecting { .. } => self.connect_failed(id, QmtStatCode::ConnackFailed),
            Phase::Closed | Phase::Opening { .. } => {}
            _ => self.teardown(id, Some(QmtStatCode::LinkNotAlive)),
        }
    }

    pub(super) fn on_frame(&mut self, id: usize, frame: &[u8]) {
        match self.slots[id].session.reader.decode(frame) {
            Ok((packet, _)) => self.on_packet(id, packet),
            Err(_) => self.protocol_error(id),
        }
    }

    /// Fires the slot's timers that are due at `self.now`.
    pub(super) fn fire_slot(&mut self, id: usize) {
        let now = self.now;
        let conn_id = id as u8;
        match self.slots[id].phase {
            Phase::Opening { deadline } if deadline <= now => {
                self.close_link(id);
                self.result(Urc::QmtOpen {
                    conn_id,
                    result: OpenResult::FailedToOpen,
                });
            }
            Phase::Connecting { deadline } if deadline <= now => {
                self.connect_failed(id, QmtStatCode::ConnackFailed)
            }
            Phase::Disconnecting { deadline } if deadline <= now => {
                self.close_link(id);
                self.result(Urc::QmtDisc {
                    conn_id,
                    result: CloseResult::Closed,
                });
            }
            Phase::Connected => self.fire_session(id),
            _ => {}
        }
        self.release_held(id);
    }

    fn fire_session(&mut self, id: usize) {
        let now = self.now;
        let conn_id = id as u8;
        let session = &self.slots[id].session;
        if session.ping_deadline.is_some_and(|t| t <= now) {
            return self.teardown(id, Some(QmtStatCode::PingFailed));
        }
        if session.ping_due().is_some_and(|t| t <= now) {
            if !self.send_packet(id, &Packet::PingReq) {
                return self.teardown(id, Some(QmtStatCode::PingFailed));
            }
            let timeout = super::slot::timing(&self.slots[id].cfg).pkt_timeout;
            self.slots[id].session.ping_deadline = Some(now + timeout);
        }
        while let Some(at) = self.slots[id]
            .session
            .inflight
            .iter()
            .position(|i| !i.abandoned && i.deadline <= now)
        {
            let entry = &mut self.slots[id].session.inflight[at];
            if entry.retries < entry.timing.retry_times {
                entry.retries += 1;
                entry.deadline = now + entry.timing.pkt_timeout;
                let (command, msg_id, n, notice, packet) = (
                    entry.command,
                    entry.msg_id,
                    entry.retries,
                    entry.timing.notice,
                    entry.packet.clone(),
                );
                if self.transmit(id, packet) {
                    self.slots[id].session.inflight[at].ever_sent = true;
                }
                if notice {
                    self.result(retry_urc(
                        command,
                        conn_id,
                        msg_id,
                        PacketResult::Retransmission,
                        Some(n),
                    ));
                }
            } else {
                // D60: result 2. A QoS 2 exchange stays open (and its msgID reserved) until
                // PUBCOMP or the end of the connection; the others end here.
                let qos2 = entry.command == MqttCommand::QmtPub && entry.stage != Stage::Ack;
                entry.abandoned = true;
                let (command, msg_id, ever_sent) = (entry.command, entry.msg_id, entry.ever_sent);
                if !qos2 {
                    self.slots[id].session.inflight.remove(at);
                }
                self.result(retry_urc(
                    command,
                    conn_id,
                    msg_id,
                    PacketResult::Failed,
                    None,
                ));
                if !ever_sent {
                    // Every transmission failed: the module gives the link up (5.1, code 6).
                    return self.teardown(id, Some(QmtStatCode::SendFailures));
                }
            }
        }
    }

    /// Lets through packets whose delay ran out.
    fn release_held(&mut self, id: usize) {
        let now = self.now;
        while self.slots[id]
            .imp
            .held_up
            .front()
            .is_some_and(|h| h.0 <= now)
        {
            if let Some((_, bytes)) = self.slots[id].imp.held_up.pop_front() {
                self.net_out.push_back(NetAction::Send {
                    slot: id as u8,
                    bytes,
                });
            }
        }
        while self.slots[id].phase.is_open()
            && self.slots[id]
                .imp
                .held_down
                .front()
                .is_some_and(|h| h.0 <= now)
        {
            if let Some((_, frame)) = self.slots[id].imp.held_down.pop_front() {
                self.on_frame(id, &frame);
            }
        }
    }
}

/// `+QMTSUB`/`+QMTUNS`/`+QMTPUB` with result 1 (count) or 2 (D25, D30, D31).
fn retry_urc(
    command: MqttCommand,
    conn_id: u8,
    msg_id: u16,
    result: PacketResult,
    n: Option<u8>,
) -> Urc<'static> {
    match command {
        MqttCommand::QmtSub => Urc::QmtSub {
            conn_id,
            msg_id,
            result,
            value: n.map(SubValue::Retransmissions),
        },
        MqttCommand::QmtUns => Urc::QmtUns {
            conn_id,
            msg_id,
            result,
            value: n,
        },
        _ => Urc::QmtPub {
            conn_id,
            msg_id,
            result,
            value: n,
        },
    }
}
