//! What the reference model says a step must produce, what the harness saw, and the
//! comparison of the two.

use std::collections::BTreeMap;

use bc20_grammar::{QmtStatCode, Qos};

use crate::check::broker::Delivery;
use crate::{Completion, Event, Failure, Handle, RequestError, SlotState, SLOT_COUNT};

/// Why the model says a call is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Slot 6 or above.
    NoSuchSlot,
    /// The slot will be in this state.
    InvalidState(SlotState),
    /// A parameter cannot be encoded.
    Encode,
}

/// What the model says about one API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallExpect {
    /// Refused at once.
    Refused(Refusal),
    /// Accepted, and completes within the step with exactly this result.
    Completes(Result<Completion, Failure>),
    /// Accepted; reports `Retransmitted` 1, 2, ... up to the count, then this result.
    CompletesAfterNotices(Result<Completion, Failure>, u8),
    /// Accepted during an outage: completes within the step with `Published` (at most
    /// `max_retx` retransmissions), `SendFailed` or `LinkLost` (code 1 or 2).
    OutagePublish {
        /// The msgID the driver must have used.
        msg_id: u16,
        /// The slot's retry_times.
        max_retx: u8,
        /// Whether `Retransmitted` notices may come (timeout_notice).
        notices: bool,
    },
}

/// A `+QMTSTAT` the model expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkLossExpect {
    /// The slot.
    pub slot: u8,
    /// The codes any one of which is right.
    pub codes: Vec<QmtStatCode>,
    /// The slot's state before.
    pub previous: SlotState,
}

/// Everything one step must produce.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    /// One entry per API call of the step, in order.
    pub calls: Vec<CallExpect>,
    /// Exactly these link losses (any order).
    pub link_losses: Vec<LinkLossExpect>,
    /// Exactly these deliveries (a multiset).
    pub deliveries: Vec<Delivery>,
    /// Deliveries that may each appear once, or not at all (outages).
    pub optional_deliveries: Vec<Delivery>,
    /// Diagnostic events (garbage lines).
    pub diagnostics: usize,
    /// The slot states after the step.
    pub states: [SlotState; SLOT_COUNT],
}

/// What the harness saw during one step.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    /// What each API call returned.
    pub calls: Vec<Result<Handle, RequestError>>,
    /// Every event the driver reported.
    pub events: Vec<Event>,
    /// The driver's slot states after the step.
    pub driver_states: Vec<SlotState>,
    /// The module's own slot states after the step (mapped to the driver's names), where
    /// the environment can see them.
    pub sim_states: Option<Vec<SlotState>>,
    /// msgIDs the driver still holds, per slot.
    pub msg_ids: Vec<Vec<u16>>,
    /// Requests the driver has not completed.
    pub outstanding: usize,
}

fn refusal_matches(r: &Refusal, e: &RequestError) -> bool {
    match (r, e) {
        (Refusal::NoSuchSlot, RequestError::NoSuchSlot { .. }) => true,
        (Refusal::InvalidState(s), RequestError::InvalidState { state, .. }) => s == state,
        (Refusal::Encode, RequestError::Encode(_)) => true,
        _ => false,
    }
}

fn outage_result_ok(r: &Result<Completion, Failure>, msg_id: u16, max_retx: u8) -> bool {
    match r {
        Ok(Completion::Published {
            msg_id: m,
            retransmissions,
        }) => *m == msg_id && *retransmissions <= max_retx,
        Err(Failure::SendFailed { retransmissions }) => *retransmissions <= max_retx,
        Err(Failure::LinkLost(c)) => {
            matches!(c, QmtStatCode::ClosedByPeer | QmtStatCode::PingFailed)
        }
        _ => false,
    }
}

impl Expected {
    /// Compares with what happened; the error says what differs.
    pub fn check(&self, obs: &Observation) -> Result<(), String> {
        if obs.calls.len() != self.calls.len() {
            return Err(format!(
                "{} calls made, {} expected",
                obs.calls.len(),
                self.calls.len()
            ));
        }
        let mut completed: BTreeMap<Handle, Vec<&Result<Completion, Failure>>> = BTreeMap::new();
        let mut notices: BTreeMap<Handle, Vec<u8>> = BTreeMap::new();
        let mut losses = Vec::new();
        let mut received = Vec::new();
        let mut diagnostics = 0;
        for e in &obs.events {
            match e {
                Event::Completed { handle, result } => {
                    completed.entry(*handle).or_default().push(result)
                }
                Event::Retransmitted { handle, count } => {
                    notices.entry(*handle).or_default().push(*count)
                }
                Event::LinkLost {
                    conn_id,
                    code,
                    previous,
                    ..
                } => losses.push((*conn_id, *code, *previous)),
                Event::Received(m) => received.push(m.clone()),
                Event::Diagnostic(_) => diagnostics += 1,
                Event::Unsolicited { line } => {
                    return Err(format!("unexpected unsolicited line {line:?}"))
                }
            }
        }
        for (i, (want, got)) in self.calls.iter().zip(&obs.calls).enumerate() {
            match (want, got) {
                (CallExpect::Refused(r), Err(e)) if refusal_matches(r, e) => {}
                (CallExpect::Refused(r), other) => {
                    return Err(format!("call {i}: expected refusal {r:?}, got {other:?}"))
                }
                (_, Err(e)) => return Err(format!("call {i}: expected acceptance, got {e:?}")),
                (want, Ok(h)) => {
                    let results = completed.remove(h).unwrap_or_default();
                    let [result] = results[..] else {
                        return Err(format!(
                            "call {i} ({h}): {} completions, expected exactly 1",
                            results.len()
                        ));
                    };
                    let counts = notices.remove(h).unwrap_or_default();
                    match want {
                        CallExpect::Completes(r) if r == result && counts.is_empty() => {}
                        CallExpect::CompletesAfterNotices(r, n)
                            if r == result && counts.iter().copied().eq(1..=*n) => {}
                        CallExpect::OutagePublish { msg_id, max_retx, notices } => {
                            if !outage_result_ok(result, *msg_id, *max_retx) {
                                return Err(format!("call {i} ({h}): outage publish ended {result:?}"));
                            }
                            let increasing = counts.windows(2).all(|w| w[0] < w[1]);
                            let bounded = counts.iter().all(|c| (1..=*max_retx).contains(c));
                            if (!notices && !counts.is_empty()) || !increasing || !bounded {
                                return Err(format!("call {i} ({h}): retransmission notices {counts:?}"));
                            }
                        }
                        _ => return Err(format!("call {i} ({h}): expected {want:?}, got {result:?} (notices {counts:?})")),
                    }
                }
            }
        }
        if let Some((h, r)) = completed.iter().next() {
            return Err(format!(
                "completion for unknown or refused request {h}: {r:?}"
            ));
        }
        if let Some((h, _)) = notices.iter().next() {
            return Err(format!(
                "retransmission notice for {h}, which had none to give"
            ));
        }
        self.check_losses(&losses)?;
        self.check_deliveries(received)?;
        if diagnostics != self.diagnostics {
            return Err(format!(
                "{diagnostics} diagnostics, expected {}",
                self.diagnostics
            ));
        }
        self.check_states(obs)
    }

    fn check_losses(&self, seen: &[(u8, QmtStatCode, SlotState)]) -> Result<(), String> {
        let mut left = self.link_losses.clone();
        for (slot, code, previous) in seen {
            let at = left
                .iter()
                .position(|l| l.slot == *slot && l.codes.contains(code) && l.previous == *previous)
                .ok_or_else(|| {
                    format!(
                        "unexpected +QMTSTAT: {slot},{} from {previous}",
                        code.code()
                    )
                })?;
            left.remove(at);
        }
        match left.first() {
            Some(l) => Err(format!("missing link loss {l:?}")),
            None => Ok(()),
        }
    }

    /// Matches received messages to deliveries; the msgID must be 0 exactly when the
    /// delivered QoS is 0 (D37).
    fn check_deliveries(&self, mut seen: Vec<crate::Message>) -> Result<(), String> {
        let fits = |d: &Delivery, m: &crate::Message| {
            d.slot == m.conn_id
                && d.topic == m.topic
                && d.payload == m.payload
                && (d.qos == Qos::AtMostOnce) == (m.msg_id == 0)
        };
        for d in &self.deliveries {
            let at = seen
                .iter()
                .position(|m| fits(d, m))
                .ok_or_else(|| format!("missing delivery {d:?}"))?;
            seen.remove(at);
        }
        let mut optional = self.optional_deliveries.clone();
        for m in seen {
            let at = optional
                .iter()
                .position(|d| fits(d, &m))
                .ok_or_else(|| format!("unexpected delivery {m:?}"))?;
            optional.remove(at);
        }
        Ok(())
    }

    fn check_states(&self, obs: &Observation) -> Result<(), String> {
        if obs.driver_states != self.states {
            return Err(format!(
                "driver states {:?}, model {:?}",
                obs.driver_states, self.states
            ));
        }
        if obs
            .sim_states
            .as_ref()
            .is_some_and(|s| s[..] != self.states)
        {
            return Err(format!(
                "simulator states {:?}, model {:?}",
                obs.sim_states, self.states
            ));
        }
        if obs.outstanding != 0 || obs.msg_ids.iter().any(|ids| !ids.is_empty()) {
            return Err(format!(
                "still outstanding: {} requests, msgIDs {:?}",
                obs.outstanding, obs.msg_ids
            ));
        }
        Ok(())
    }
}
