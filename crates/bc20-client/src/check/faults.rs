//! The reference model under faults: outages (black-holed packets) and stalls (a broker
//! that stops acknowledging), each ending with the slot closed so the model stays exact.

use bc20_grammar::{QmtStatCode, Qos};

use crate::check::broker::{Delivery, Publication};
use crate::check::expect::{CallExpect, Expected, LinkLossExpect, Refusal};
use crate::check::model::{Model, SlotModel};
use crate::check::step::{topic, StallOp};
use crate::{Completion, Failure, SlotState};

impl Model {
    pub(super) fn outage(&mut self, s: u8, during: &[(Qos, u8, u8)], ex: &mut Expected) {
        let Some(slot) = self.slots.get_mut(usize::from(s)) else {
            return;
        };
        let previous = slot.state;
        for (qos, t, n) in during {
            if previous != SlotState::Connected {
                ex.calls
                    .push(CallExpect::Refused(Refusal::InvalidState(previous)));
                continue;
            }
            if *qos == Qos::AtMostOnce {
                // Sent into the hole; QoS 0 needs no acknowledgement (3.2.8).
                ex.calls
                    .push(CallExpect::Completes(Ok(Completion::Published {
                        msg_id: 0,
                        retransmissions: 0,
                    })));
                continue;
            }
            let msg_id = slot.allocate();
            slot.unacked.push(Publication {
                topic: topic(*t).to_owned(),
                payload: format!("o{n}").into_bytes(),
                qos: *qos,
                retain: false,
            });
            ex.calls.push(CallExpect::OutagePublish {
                msg_id,
                max_retx: slot.retry_times,
                notices: slot.notice,
            });
            let topic = topic(*t);
            for (to, q) in self.broker.subscribers(topic) {
                let payload = format!("o{n}").into_bytes();
                let qos = if q.code() < qos.code() { q } else { *qos };
                ex.optional_deliveries.push(Delivery {
                    slot: to,
                    topic: topic.to_owned(),
                    payload,
                    qos,
                });
            }
        }
        if previous == SlotState::Closed {
            return;
        }
        let codes = match previous {
            SlotState::Connected => vec![QmtStatCode::ClosedByPeer, QmtStatCode::PingFailed],
            _ => vec![QmtStatCode::ClosedByPeer],
        };
        ex.link_losses.push(LinkLossExpect {
            slot: s,
            codes,
            previous,
        });
        self.end_session(s, true, ex);
    }

    /// A stall: see [`crate::check::Step::Stall`]. Everything here is exact: all commands are
    /// written at the same instant, so their retransmission schedules coincide (D25).
    pub(super) fn stall(
        &mut self,
        s: u8,
        ops: &[StallOp],
        wait: u8,
        kill: bool,
        ex: &mut Expected,
    ) {
        let Some(slot) = self.slots.get(usize::from(s)) else {
            return;
        };
        let state = slot.state;
        let (p, r, notice) = (u32::from(slot.pkt_timeout), slot.retry_times, slot.notice);
        let wait = u32::from(wait);
        // Retransmissions made by the end of the wait, and whether result 2 came (D23, D25).
        let done = u8::try_from(wait / p).unwrap_or(u8::MAX).min(r);
        let failed = wait >= p * (u32::from(r) + 1);
        let mut waiting = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            if state != SlotState::Connected {
                ex.calls
                    .push(CallExpect::Refused(Refusal::InvalidState(state)));
                continue;
            }
            if let StallOp::Publish(q, t, n) = op {
                let p = Publication {
                    topic: topic(*t).to_owned(),
                    payload: format!("s{n}").into_bytes(),
                    qos: *q,
                    retain: false,
                };
                // QoS 1 is routed at each transmission that reaches the broker (no PUBACK
                // stops them); QoS 2 is held until its PUBREL (method A of [MQTT-4.3.3], as
                // mosquitto and rumqttd do), which never comes while the broker is silent.
                let times = match q {
                    Qos::AtMostOnce => 1,
                    Qos::AtLeastOnce => 1 + usize::from(done),
                    Qos::ExactlyOnce => 0,
                };
                for _ in 0..times {
                    ex.deliveries.extend(self.broker.publish(&p));
                }
                if *q == Qos::AtMostOnce {
                    ex.calls
                        .push(CallExpect::Completes(Ok(Completion::Published {
                            msg_id: 0,
                            retransmissions: 0,
                        })));
                    continue;
                }
                self.slots[usize::from(s)].unacked.push(p);
            }
            self.slots[usize::from(s)].allocate();
            let notices = if notice { done } else { 0 };
            if failed {
                let result = Err(Failure::SendFailed {
                    retransmissions: notices,
                });
                ex.calls
                    .push(CallExpect::CompletesAfterNotices(result, notices));
            } else {
                ex.calls.push(CallExpect::Refused(Refusal::Encode)); // replaced below
                waiting.push((i, notices));
            }
        }
        if state == SlotState::Closed {
            return;
        }
        let code = if kill {
            QmtStatCode::LinkNotAlive
        } else {
            QmtStatCode::ClosedByPeer
        };
        let base = ex.calls.len() - ops.len();
        for (i, notices) in waiting {
            ex.calls[base + i] =
                CallExpect::CompletesAfterNotices(Err(Failure::LinkLost(code)), notices);
        }
        ex.link_losses.push(LinkLossExpect {
            slot: s,
            codes: vec![code],
            previous: state,
        });
        self.end_session(s, true, ex);
    }
}

/// How long an outage step runs after the hole opens: the hole, then every retry and
/// keep-alive consequence (D22, D23, the broker's 1.5 x keep-alive), plus a margin.
pub fn outage_span_secs(slot: &SlotModel, hole_secs: u8) -> u64 {
    let p = u64::from(slot.pkt_timeout);
    let retries = p * (u64::from(slot.retry_times) + 1);
    let k = slot.session.as_ref().map_or(0, |(_, k, _)| u64::from(*k));
    let keepalive = if k == 0 {
        0
    } else {
        (k + p).max(k * 3 / 2 + 1)
    };
    u64::from(hole_secs) + retries.max(keepalive) + 3
}
