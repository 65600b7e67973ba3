//! The reference model: what a host driving a BC20 (the note, spec/DECISIONS.md) behind
//! a well-behaved MQTT broker must observe, step by step. Written from the specification,
//! not from the driver: it shares only the driver's public vocabulary (states, results).
//!
//! With a loss-free network without latency every command completes within its step, so
//! the model is exact there. Outages are the one place timing matters; there the model
//! states what is allowed (any retransmission count up to retry_times, a send failure, a
//! link loss) and forces the step to end with the slot closed, so that it stays exact after.

use bc20_grammar::{ConnectReturnCode, GrantedQos, OpenResult, QmtStatCode, Qos};

use crate::check::broker::{BrokerModel, Publication};
use crate::check::expect::{CallExpect, Expected, LinkLossExpect, Refusal};
use crate::check::step::{noise, topic, ApiOp, SettingChoice, Step, CLIENT_IDS};
use crate::{Completion, Failure, SlotState, SLOT_COUNT};

/// What the model knows of one slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotModel {
    /// Closed, Open or Connected (nothing stays in between across steps).
    pub state: SlotState,
    /// keep-alive (s) to use at the next connect.
    pub keepalive: u16,
    /// clean_session for the next connect.
    pub clean: bool,
    /// pkt_timeout (s).
    pub pkt_timeout: u8,
    /// retry_times.
    pub retry_times: u8,
    /// timeout_notice.
    pub notice: bool,
    /// The will for the next connect.
    pub will: Option<Publication>,
    /// AT+QMTCFG="aliauth" was set: a connect without user name signs in AliCloud's way,
    /// which changes the MQTT client id (D21).
    pub aliauth: bool,
    /// While connected: the client id, the keep-alive and the will of the connection.
    pub session: Option<(String, u16, Option<Publication>)>,
    /// The next msgID to hand out (D33: 1-65535 cycling).
    pub next_id: u16,
    /// The connection asked for a clean session (captured at connect).
    pub connected_clean: bool,
    /// QoS 1/2 publishes of this connection that may still be unacknowledged (outages and
    /// stalls), for the session to send again (D63).
    pub unacked: Vec<Publication>,
    /// A clean-session-0 session that ended with `unacked` publishes, by client id: the
    /// module sends them again when it reconnects as that client and the broker still has
    /// the session (D63).
    pub stored: Option<(String, Vec<Publication>)>,
}

impl Default for SlotModel {
    fn default() -> Self {
        // The note's defaults come from the one slot-settings model; how a setting changes
        // them is written again below on purpose, from the note, so the check does not trust
        // the driver's (and the simulator's) `SlotSettings::apply`.
        let d = bc20_grammar::SlotSettings::default();
        SlotModel {
            state: SlotState::Closed,
            keepalive: d.keepalive,
            clean: d.clean_session,
            pkt_timeout: d.pkt_timeout,
            retry_times: d.retry_times,
            notice: d.timeout_notice,
            will: None,
            aliauth: false,
            session: None,
            next_id: 1,
            connected_clean: true,
            unacked: Vec::new(),
            stored: None,
        }
    }
}

/// Host + module + broker, abstractly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Model {
    /// The six slots.
    pub slots: [SlotModel; SLOT_COUNT],
    /// The broker.
    pub broker: BrokerModel,
}

/// Which states each call needs (the note: open a closed id, connect an open one, ...).
fn allowed(op: &ApiOp, state: SlotState) -> bool {
    use SlotState::*;
    match op {
        ApiOp::Configure { .. } => true,
        ApiOp::Open { .. } => state == Closed,
        ApiOp::Close { .. } => matches!(state, Open | Connected),
        ApiOp::Connect { .. } => state == Open,
        ApiOp::Disconnect { .. }
        | ApiOp::Subscribe { .. }
        | ApiOp::Unsubscribe { .. }
        | ApiOp::Publish { .. } => state == Connected,
    }
}

/// The state after the call succeeds.
fn success(op: &ApiOp, state: SlotState) -> SlotState {
    use SlotState::*;
    match op {
        ApiOp::Open { .. } => Open,
        ApiOp::Connect { .. } => Connected,
        ApiOp::Close { .. } | ApiOp::Disconnect { .. } => Closed,
        _ => state,
    }
}

fn slot_of(op: &ApiOp) -> u8 {
    match op {
        ApiOp::Configure { slot, .. }
        | ApiOp::Open { slot, .. }
        | ApiOp::Close { slot }
        | ApiOp::Connect { slot, .. }
        | ApiOp::Disconnect { slot }
        | ApiOp::Subscribe { slot, .. }
        | ApiOp::Unsubscribe { slot, .. }
        | ApiOp::Publish { slot, .. } => *slot,
    }
}

/// Whether the call's parameters can be put on the wire (D10, D11, D29, 3.2.1 ranges).
fn encodable(op: &ApiOp) -> bool {
    match op {
        ApiOp::Configure { setting, .. } => match setting {
            SettingChoice::KeepAlive(k) => *k <= 3600,
            SettingChoice::Timeout(p, r, _) => (1..=60).contains(p) && *r <= 10,
            _ => true,
        },
        ApiOp::Subscribe { topics, .. } => (1..=16).contains(&topics.len()),
        ApiOp::Unsubscribe { topics, .. } => (1..=16).contains(&topics.len()),
        ApiOp::Publish { payload, .. } => !payload.quote,
        _ => true,
    }
}

/// Whether the call takes a msgID (D32, D33).
fn takes_id(op: &ApiOp) -> bool {
    match op {
        ApiOp::Subscribe { .. } | ApiOp::Unsubscribe { .. } => true,
        ApiOp::Publish { qos, .. } => *qos != Qos::AtMostOnce,
        _ => false,
    }
}

impl SlotModel {
    /// Hands out the next msgID. No id stays in flight across steps, so none is skipped: a
    /// QoS 2 publish given up on (result 2) holds its id until the slot closes (D60), and
    /// every step that gives one up (outage, stall) ends with the slot closed.
    pub(super) fn allocate(&mut self) -> u16 {
        let id = self.next_id;
        self.next_id = if id == u16::MAX { 1 } else { id + 1 };
        id
    }
}

impl Model {
    /// The slot states.
    pub fn states(&self) -> [SlotState; SLOT_COUNT] {
        std::array::from_fn(|i| self.slots[i].state)
    }

    /// Applies one step; returns what it must produce.
    pub fn apply(&mut self, step: &Step) -> Expected {
        let mut ex = Expected::default();
        match step {
            Step::Api(ops) => self.api(ops, &mut ex),
            Step::PeerPublish {
                topic: t,
                qos,
                payload,
            } => {
                let p = Publication {
                    topic: topic(*t).to_owned(),
                    payload: format!("p{payload}").into_bytes(),
                    qos: *qos,
                    retain: false,
                };
                ex.deliveries = self.broker.publish(&p);
            }
            Step::DropLink { slot } => self.lose(*slot, QmtStatCode::ClosedByPeer, &mut ex),
            Step::LinkDown { slot } => self.lose(*slot, QmtStatCode::LinkNotAlive, &mut ex),
            Step::Garbage { bytes } => ex.diagnostics = usize::from(!noise(bytes).is_empty()),
            Step::Advance { .. } => {}
            Step::Outage { slot, during, .. } => self.outage(*slot, during, &mut ex),
            Step::Stall {
                slot,
                ops,
                wait,
                kill,
            } => self.stall(*slot, ops, *wait, *kill, &mut ex),
        }
        ex.states = self.states();
        ex
    }

    fn api(&mut self, ops: &[ApiOp], ex: &mut Expected) {
        // Submission: each call is judged against the state its slot will have once the
        // calls before it succeed.
        let mut projected = self.states();
        let mut accepted: Vec<(usize, Option<u16>)> = Vec::new();
        for op in ops {
            let s = slot_of(op);
            let Some(&state) = projected.get(usize::from(s)) else {
                ex.calls.push(CallExpect::Refused(Refusal::NoSuchSlot));
                continue;
            };
            if !allowed(op, state) {
                ex.calls
                    .push(CallExpect::Refused(Refusal::InvalidState(state)));
                continue;
            }
            if !encodable(op) {
                ex.calls.push(CallExpect::Refused(Refusal::Encode));
                continue;
            }
            let id = takes_id(op).then(|| self.slots[usize::from(s)].allocate());
            projected[usize::from(s)] = success(op, state);
            accepted.push((ex.calls.len(), id));
            // Replaced below, when the call's turn comes.
            ex.calls.push(CallExpect::Completes(Ok(Completion::Done)));
        }
        // Execution, in submission order (every result arrives at once).
        for (i, id) in accepted {
            let op = &ops[i];
            let state = self.slots[usize::from(slot_of(op))].state;
            ex.calls[i] = if allowed(op, state) {
                CallExpect::Completes(self.execute(op, id.unwrap_or(0), ex))
            } else {
                CallExpect::Completes(Err(Failure::InvalidState(state)))
            };
        }
    }

    /// One accepted call whose turn came in a state that allows it.
    fn execute(&mut self, op: &ApiOp, id: u16, ex: &mut Expected) -> Result<Completion, Failure> {
        let s = slot_of(op);
        let slot = &mut self.slots[usize::from(s)];
        match op {
            ApiOp::Configure { setting, .. } => {
                match setting {
                    SettingChoice::KeepAlive(k) => slot.keepalive = *k,
                    SettingChoice::Session(c) => slot.clean = *c,
                    SettingChoice::Timeout(p, r, n) => {
                        (slot.pkt_timeout, slot.retry_times, slot.notice) = (*p, *r, *n);
                    }
                    SettingChoice::Will(w) => {
                        slot.will = w.map(|(qos, retain, t, n)| Publication {
                            topic: topic(t).to_owned(),
                            payload: format!("w{n}").into_bytes(),
                            qos,
                            retain,
                        });
                    }
                    SettingChoice::AliAuth => slot.aliauth = true,
                }
                Ok(Completion::Done)
            }
            ApiOp::Open {
                reachable: true, ..
            } => {
                slot.state = SlotState::Open;
                Ok(Completion::Opened)
            }
            ApiOp::Open { .. } => Err(Failure::OpenFailed(OpenResult::DomainNameParseFailed)),
            ApiOp::Close { .. } => {
                self.end_session(s, true, ex);
                Ok(Completion::Closed)
            }
            ApiOp::Disconnect { .. } => {
                self.end_session(s, false, ex);
                Ok(Completion::Disconnected)
            }
            ApiOp::Connect { client, .. } => {
                let mut id = CLIENT_IDS[usize::from(*client) % CLIENT_IDS.len()].to_owned();
                if slot.aliauth {
                    // D21: `<clientID>|securemode=3,signmethod=hmacsha1|`.
                    id.push_str("|securemode=3,signmethod=hmacsha1|");
                }
                slot.state = SlotState::Connected;
                slot.session = Some((id.clone(), slot.keepalive, slot.will.clone()));
                let clean = slot.clean;
                slot.connected_clean = clean;
                // D63: a resumed session sends its unacknowledged publishes again. Whether
                // the broker acknowledged them before the link died is timing, so each
                // delivery may or may not come.
                let stored = slot.stored.take();
                let present = !clean && self.broker.has_session(&id);
                let resend = match stored {
                    Some((client, pubs)) if present && client == id => pubs,
                    _ => Vec::new(),
                };
                let old = self.broker.connect(s, &id, clean);
                for p in &resend {
                    ex.optional_deliveries.extend(self.broker.publish(p));
                }
                if let Some(old) = old {
                    // Takeover: the broker closes the older connection, without its will.
                    let o = &mut self.slots[usize::from(old)];
                    ex.link_losses.push(LinkLossExpect {
                        slot: old,
                        codes: vec![QmtStatCode::ClosedByPeer],
                        previous: o.state,
                    });
                    o.state = SlotState::Closed;
                    o.session = None;
                }
                Ok(Completion::Connected {
                    ret_code: Some(ConnectReturnCode::Accepted),
                    retransmissions: 0,
                })
            }
            ApiOp::Subscribe { topics, .. } => {
                let list: Vec<(String, Qos)> = topics
                    .iter()
                    .map(|(t, q)| (topic(*t).to_owned(), *q))
                    .collect();
                let client = self.client(s);
                ex.deliveries
                    .extend(self.broker.subscribe(s, &client, &list));
                let granted = list.iter().map(|(_, q)| GrantedQos::Granted(*q)).collect();
                Ok(Completion::Subscribed {
                    msg_id: id,
                    granted,
                    retransmissions: 0,
                })
            }
            ApiOp::Unsubscribe { topics, .. } => {
                let list: Vec<String> = topics.iter().map(|t| topic(*t).to_owned()).collect();
                let client = self.client(s);
                self.broker.unsubscribe(&client, &list);
                Ok(Completion::Unsubscribed {
                    msg_id: id,
                    retransmissions: 0,
                })
            }
            ApiOp::Publish {
                qos,
                retain,
                topic: t,
                payload,
                ..
            } => {
                let p = Publication {
                    topic: topic(*t).to_owned(),
                    payload: payload.bytes(),
                    qos: *qos,
                    retain: *retain,
                };
                ex.deliveries.extend(self.broker.publish(&p));
                Ok(Completion::Published {
                    msg_id: id,
                    retransmissions: 0,
                })
            }
        }
    }

    fn client(&self, s: u8) -> String {
        self.slots[usize::from(s)]
            .session
            .as_ref()
            .map(|(c, ..)| c.clone())
            .unwrap_or_default()
    }

    /// The slot's connection ends; `abnormal` ends (anything but DISCONNECT) publish the will.
    pub(super) fn end_session(&mut self, s: u8, abnormal: bool, ex: &mut Expected) {
        let slot = &mut self.slots[usize::from(s)];
        slot.state = SlotState::Closed;
        let unacked = std::mem::take(&mut slot.unacked);
        if let (false, Some((client, _, _))) = (slot.connected_clean, &slot.session) {
            slot.stored = Some((client.clone(), unacked));
        }
        if let Some((client, _, will)) = slot.session.take() {
            self.broker.offline(&client);
            if let (true, Some(w)) = (abnormal, will) {
                ex.deliveries.extend(self.broker.publish(&w));
            }
        }
    }

    /// `+QMTSTAT` for an opened slot (5.1): closed, will published.
    pub(super) fn lose(&mut self, s: u8, code: QmtStatCode, ex: &mut Expected) {
        let Some(slot) = self.slots.get(usize::from(s)) else {
            return;
        };
        if slot.state == SlotState::Closed {
            return;
        }
        ex.link_losses.push(LinkLossExpect {
            slot: s,
            codes: vec![code],
            previous: slot.state,
        });
        self.end_session(s, true, ex);
    }
}
