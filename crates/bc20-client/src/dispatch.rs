//! The queue: which request is written next, and how requests end.
//!
//! One command is written at a time. The next one is the oldest queued request whose slot
//! is not waiting for an asynchronous result that decides its state; requests on one slot
//! keep their order. A request whose turn comes while its slot is in a state that makes it
//! pointless completes with [`Failure::InvalidState`] without being written.

use crate::client::{Client, InFlight, Pending};
use crate::event::{Completion, Event, Failure};
use crate::request::Request;
use crate::slot::{next_state, SlotState, Trigger, SLOT_COUNT};

impl Client {
    /// Starts the next eligible request if no command is in flight; returns its bytes.
    pub(crate) fn dispatch(&mut self, now: crate::Instant) -> Option<Vec<u8>> {
        if self.in_flight.is_some() {
            return None;
        }
        let mut blocked = [false; SLOT_COUNT];
        let mut i = 0;
        while i < self.queue.len() {
            let req = &self.queue[i];
            if let Some(c) = req.conn_id {
                let c = usize::from(c);
                let state = self.slots[c].state;
                if blocked[c] || state.is_transitional() {
                    blocked[c] = true;
                    i += 1;
                    continue;
                }
                if !req.op.allowed_in(state) {
                    let req = self.queue.remove(i).expect("index checked");
                    self.finish(req, Err(Failure::InvalidState(state)));
                    continue;
                }
            }
            let mut req = self.queue.remove(i).expect("index checked");
            let bytes = std::mem::take(&mut req.bytes);
            self.in_flight = Some(InFlight {
                req,
                sent_at: now,
                early: Vec::new(),
                lost: None,
            });
            return Some(bytes);
        }
        None
    }

    /// Ends a request: releases its msgID and reports its completion (exactly once, since
    /// the request is moved in). A msgID whose exchange the module may still have open
    /// (result 2 of a QoS 2 publish, or no answer in time) is held until the slot closes
    /// (D60).
    pub(crate) fn finish(&mut self, req: Request, result: Result<Completion, Failure>) {
        if let (Some(c), Some(id), true) = (req.conn_id, req.msg_id, req.owns_msg_id) {
            let slot = &mut self.slots[usize::from(c)];
            let open = match result {
                Err(Failure::SendFailed { .. }) => req.exactly_once,
                Err(Failure::Timeout(_)) => true,
                _ => false,
            };
            if open && slot.state != SlotState::Closed {
                slot.ids.hold(id);
            } else {
                slot.ids.release(id);
            }
        }
        self.events.push_back(Event::Completed {
            handle: req.handle,
            result,
        });
    }

    /// Moves slot `conn_id` by `trigger` if the table allows it; returns whether it moved.
    pub(crate) fn transition(&mut self, conn_id: u8, trigger: Trigger) -> bool {
        let slot = &mut self.slots[usize::from(conn_id)];
        match next_state(slot.state, trigger) {
            Some(to) => {
                slot.state = to;
                if to == SlotState::Closed {
                    // D60: the connection ended, and with it every exchange on the wire.
                    slot.ids.release_held();
                }
                true
            }
            None => false,
        }
    }

    /// After the slot closed: every request still waiting for a result on it fails.
    pub(crate) fn fail_pending_on(
        &mut self,
        conn_id: u8,
        failure: impl Fn(&Request) -> Result<Completion, Failure>,
    ) {
        let mut i = 0;
        while i < self.pending.len() {
            if self.pending[i].req.conn_id == Some(conn_id) {
                let Pending { req, .. } = self.pending.remove(i);
                let result = failure(&req);
                self.finish(req, result);
            } else {
                i += 1;
            }
        }
    }

    /// The final result code of the command in flight arrived: `Ok(())` for `OK`.
    pub(crate) fn final_result(&mut self, result: Result<(), Failure>) {
        let Some(f) = self.in_flight.take() else {
            return;
        };
        let InFlight {
            req,
            sent_at,
            early,
            lost,
        } = f;
        match result {
            Err(failure) => self.finish(req, Err(failure)),
            Ok(()) => self.accepted(req, sent_at, early, lost),
        }
    }

    /// `OK`: synchronous commands are done; the others wait for their `+QMTxxx:` result.
    fn accepted(
        &mut self,
        req: Request,
        sent_at: crate::Instant,
        early: Vec<crate::async_result::AsyncResult>,
        lost: Option<bc20_grammar::QmtStatCode>,
    ) {
        if let Some(code) = lost.filter(|_| req.op.has_async_result()) {
            self.finish(req, Err(Failure::LinkLost(code)));
            return;
        }
        if let Some(c) = req.conn_id {
            let slot = &mut self.slots[usize::from(c)];
            if let Some(setting) = &req.setting {
                slot.config.apply(&setting.command(c));
            }
            if let Some(t) = req.op.accept_trigger() {
                self.transition(c, t);
            }
        }
        if !req.op.has_async_result() {
            self.finish(req, Ok(Completion::Done));
            return;
        }
        let slot = req.conn_id.map(usize::from).unwrap_or_default();
        let budget = req.async_budget(&self.slots[slot].config, self.config.async_grace);
        self.pending.push(Pending {
            req,
            deadline: sent_at + budget,
            retransmissions: 0,
        });
        for result in early {
            self.async_result(result);
        }
    }

    /// Whether a slot is closed; used to keep the slot-state invariant readable.
    pub(crate) fn is_closed(&self, conn_id: u8) -> bool {
        self.slots[usize::from(conn_id)].state == SlotState::Closed
    }
}
