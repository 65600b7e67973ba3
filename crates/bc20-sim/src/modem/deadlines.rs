//! What the module's timers do: arming them from the slot's state (one path each, so a
//! retransmission is armed by [`Modem::arm_retransmission`] only) and firing them in the
//! order the timer table gives (see `timers.rs`).

use bc20_fault::{Fate, Way};
use bc20_grammar::{CloseResult, MqttCommand, OpenResult, PacketResult, QmtStatCode, Urc};
use bytes::Bytes;

use super::link::retry_urc;
use super::session::Stage;
use super::slot::{timing, Phase, Timing};
use super::timers::{SlotTimer, TimerKey};
use super::Modem;
use crate::mqtt::Packet;
use crate::quirks::Quirk;
use crate::time::SimTime;

/// Most firing passes one entry point runs: a bound, not a limit anything reaches (every
/// pass fires or moves the timers due at its instant).
const MAX_PASSES: usize = 100_000;

impl Modem {
    /// Runs every timer due at or before `now`, each at its own time: instant by instant,
    /// the module's clock is moved to the earliest deadline and everything due by then fires
    /// in [`TimerKey`] order.
    pub(super) fn fire_due(&mut self, now: SimTime) {
        for _ in 0..MAX_PASSES {
            match self.timers.next() {
                Some(t) if t <= now => {
                    self.now = self.now.max(t);
                    self.fire_pass();
                }
                _ => break,
            }
        }
        self.now = self.now.max(now);
    }

    /// One pass at `self.now`: fires each key due by then, in key order. A timer is disarmed
    /// when it fires; its handler arms it again if it must.
    fn fire_pass(&mut self) {
        let mut after = None;
        while let Some(key) = self.timers.next_due_after(after, self.now) {
            after = Some(key);
            self.timers.cancel(key);
            match key {
                TimerKey::Attach => {
                    self.attached = true;
                    let addr = self.config.ip_address.clone();
                    self.urc(&Urc::Ip { addr: addr.into() });
                }
                TimerKey::Slot(conn_id, kind) => self.fire_slot(conn_id, kind),
            }
        }
    }

    fn fire_slot(&mut self, conn_id: u8, kind: SlotTimer) {
        match kind {
            SlotTimer::Open => {
                self.close_link(conn_id);
                self.result(Urc::QmtOpen {
                    conn_id,
                    result: OpenResult::FailedToOpen,
                });
            }
            SlotTimer::Connack => self.connect_failed(conn_id, QmtStatCode::ConnackFailed),
            SlotTimer::ServerClose => {
                self.close_link(conn_id);
                self.result(Urc::QmtDisc {
                    conn_id,
                    result: CloseResult::Closed,
                });
            }
            SlotTimer::PingResp => self.teardown(conn_id, Some(QmtStatCode::PingFailed)),
            SlotTimer::PingReq => self.ping(conn_id),
            SlotTimer::Retransmit(exchange) => self.retransmit(conn_id, exchange),
            SlotTimer::ReleaseUp => self.release_up(conn_id),
            SlotTimer::ReleaseDown => self.release_down(conn_id),
            SlotTimer::NetworkClose => {
                if self.slots[conn_id].phase != Phase::Closed {
                    self.on_net(conn_id, super::NetEvent::Closed);
                }
            }
        }
    }

    /// Moves the slot to `phase`, which waits for nothing (no phase timer). Leaving the
    /// connected phase stops the session's timers.
    pub(super) fn enter(&mut self, conn_id: u8, phase: Phase) {
        self.slots[conn_id].phase = phase;
        let connected = phase == Phase::Connected;
        self.timers
            .cancel_slot(conn_id, |k| k.is_phase() || (!connected && k.is_session()));
    }

    /// Moves the slot to `phase`, which waits until `deadline` with the phase timer `timer`
    /// (open, CONNACK or server close).
    pub(super) fn enter_until(
        &mut self,
        conn_id: u8,
        phase: Phase,
        timer: SlotTimer,
        deadline: SimTime,
    ) {
        debug_assert!(timer.is_phase());
        self.enter(conn_id, phase);
        self.timers.arm(TimerKey::Slot(conn_id, timer), deadline);
    }

    /// (Re)starts the retransmission timer of `exchange`: `pkt_timeout` from now, as the
    /// exchange captured it when first sent (D20). The one place a retransmission is armed:
    /// first send, each retransmission, and PUBREC (a fresh timer for PUBCOMP, Figure 1).
    pub(super) fn arm_retransmission(&mut self, conn_id: u8, exchange: u64, timing: &Timing) {
        let at = self.now + timing.pkt_timeout;
        self.timers
            .arm(TimerKey::Slot(conn_id, SlotTimer::Retransmit(exchange)), at);
    }

    /// Stops the retransmission timer of `exchange` (acknowledged).
    pub(super) fn cancel_retransmission(&mut self, conn_id: u8, exchange: u64) {
        self.timers
            .cancel(TimerKey::Slot(conn_id, SlotTimer::Retransmit(exchange)));
    }

    /// Sets the PINGREQ timer from the session: keep-alive after the last packet sent, while
    /// connected with a keep-alive and no PINGREQ out (D22).
    pub(super) fn sync_ping(&mut self, conn_id: u8) {
        let slot = &self.slots[conn_id];
        let ping_out = self
            .timers
            .is_armed(TimerKey::Slot(conn_id, SlotTimer::PingResp));
        let keepalive = if self.config.quirks.has(Quirk::LatePingreq) {
            slot.session.keepalive * 5 / 4
        } else {
            slot.session.keepalive
        };
        let due =
            (slot.phase == Phase::Connected && !slot.session.keepalive.is_zero() && !ping_out)
                .then(|| slot.session.last_sent + keepalive);
        self.timers
            .set(TimerKey::Slot(conn_id, SlotTimer::PingReq), due);
    }

    /// A PINGRESP came: the PINGREQ timer runs again.
    pub(super) fn ping_answered(&mut self, conn_id: u8) {
        self.timers
            .cancel(TimerKey::Slot(conn_id, SlotTimer::PingResp));
        self.sync_ping(conn_id);
    }

    /// Sets the release timers from the slot's held packets (the first of each queue).
    pub(super) fn sync_release(&mut self, conn_id: u8) {
        let imp = &self.slots[conn_id].imp;
        let (up, down) = (
            imp.held_up.front().map(|h| h.0),
            imp.held_down.front().map(|h| h.0),
        );
        self.timers
            .set(TimerKey::Slot(conn_id, SlotTimer::ReleaseUp), up);
        self.timers
            .set(TimerKey::Slot(conn_id, SlotTimer::ReleaseDown), down);
    }

    /// Keep-alive ran out since the last packet sent: PINGREQ, then wait `pkt_timeout` for
    /// PINGRESP (a PINGREQ that cannot be sent ends the link, `+QMTSTAT` 2).
    fn ping(&mut self, conn_id: u8) {
        if !self.send_packet(conn_id, &Packet::PingReq) {
            return self.teardown(conn_id, Some(QmtStatCode::PingFailed));
        }
        let timeout = timing(&self.slots[conn_id].cfg).pkt_timeout;
        self.timers.arm(
            TimerKey::Slot(conn_id, SlotTimer::PingResp),
            self.now + timeout,
        );
        self.sync_ping(conn_id);
    }

    /// The retransmission timer of `exchange` ran out: send it again (with a `timeout_notice`
    /// result 1), or after `retry_times` retransmissions report result 2 (D25, D60).
    fn retransmit(&mut self, conn_id: u8, exchange: u64) {
        let Some(at) = self.slots[conn_id]
            .session
            .inflight
            .iter()
            .position(|i| !i.abandoned && i.exchange == exchange)
        else {
            return;
        };
        let entry = &mut self.slots[conn_id].session.inflight[at];
        if entry.retransmissions < entry.timing.retry_times {
            entry.retransmissions += 1;
            let (command, msg_id, retransmissions, timing, packet) = (
                entry.command,
                entry.msg_id,
                entry.retransmissions,
                entry.timing,
                entry.packet.clone(),
            );
            self.arm_retransmission(conn_id, exchange, &timing);
            let quirks = self.config.quirks;
            // The quirk clears the DUP bit of a PUBLISH (packet type 3) it sends again.
            let publish = packet.first().is_some_and(|b| b >> 4 == 3);
            let packet = if quirks.has(Quirk::ResendDupZero) && publish {
                let mut bytes = packet.to_vec();
                bytes[0] &= !0x08;
                Bytes::from(bytes)
            } else {
                packet
            };
            // The quirk announces the last retransmission below but never sends it.
            let skipped = quirks.has(Quirk::OneRetryFewer) && retransmissions == timing.retry_times;
            if !skipped && self.transmit(conn_id, packet) {
                self.slots[conn_id].session.inflight[at].ever_sent = true;
            }
            if timing.timeout_notice {
                self.result(retry_urc(
                    command,
                    conn_id,
                    msg_id,
                    PacketResult::Retransmission,
                    Some(retransmissions),
                ));
            }
        } else {
            // D60: result 2. A QoS 2 exchange stays open (and its msgID reserved) until
            // PUBCOMP or the end of the connection; the others end here.
            let qos2 = entry.command == MqttCommand::QmtPub && entry.stage != Stage::Ack;
            entry.abandoned = true;
            let (command, msg_id, ever_sent) = (entry.command, entry.msg_id, entry.ever_sent);
            if !qos2 {
                self.slots[conn_id].session.inflight.remove(at);
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
                self.teardown(conn_id, Some(QmtStatCode::SendFailures));
            }
        }
    }

    /// Lets through the packets to the broker whose delay ran out.
    fn release_up(&mut self, conn_id: u8) {
        self.release(conn_id, true);
    }

    /// Lets through the packets to the module whose delay ran out, while the link is open.
    fn release_down(&mut self, conn_id: u8) {
        self.release(conn_id, false);
    }

    fn release(&mut self, conn_id: u8, up: bool) {
        let now = self.now;
        let way = if up { Way::Up } else { Way::Down };
        loop {
            let slot = &mut self.slots[conn_id];
            if !up && !slot.phase.is_open() {
                break;
            }
            let queue = if up {
                &mut slot.imp.held_up
            } else {
                &mut slot.imp.held_down
            };
            let Some((_, frame, then)) = (match queue.front() {
                Some(h) if h.0 <= now => queue.pop_front(),
                _ => None,
            }) else {
                break;
            };
            self.tap(conn_id, way, &frame, Fate::Released);
            self.deliver(conn_id, up, frame, then);
        }
        self.sync_release(conn_id);
    }
}
