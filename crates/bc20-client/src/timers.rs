//! Time in: every wait has a deadline from spec/ (D23), and a deadline that passes completes
//! its request with [`Failure::Timeout`], so no request can hang.

use crate::client::{Client, Pending};
use crate::event::{Failure, TimeoutStage};
use crate::slot::Trigger;
use crate::time::Instant;

impl Client {
    /// The earliest deadline, if anything waits: call [`Client::handle_timeout`] then.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let in_flight = self
            .in_flight
            .as_ref()
            .map(|f| f.sent_at + self.config.final_timeout);
        let pending = self.pending.iter().map(|p| p.deadline).min();
        match (in_flight, pending) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Completes every request whose deadline is at or before `now` with a timeout.
    pub fn handle_timeout(&mut self, now: Instant) {
        let final_expired = self
            .in_flight
            .as_ref()
            .is_some_and(|f| f.sent_at + self.config.final_timeout <= now);
        if final_expired {
            // The command's `OK` never came: the slot did not move.
            self.final_result(Err(Failure::Timeout(TimeoutStage::FinalResult)));
        }
        let mut i = 0;
        while i < self.pending.len() {
            if self.pending[i].deadline > now {
                i += 1;
                continue;
            }
            let Pending { req, .. } = self.pending.remove(i);
            let conn_id = req.conn_id;
            // Only the command that owns a transitional state times it out.
            let moved = match (conn_id, req.op.success_trigger()) {
                (Some(c), Some(_)) => self.transition(c, Trigger::Timeout),
                _ => false,
            };
            self.finish(req, Err(Failure::Timeout(TimeoutStage::AsyncResult)));
            if let (Some(c), true) = (conn_id, moved) {
                if self.is_closed(c) {
                    self.fail_pending_on(c, |_| Err(Failure::SlotClosed));
                }
            }
        }
    }
}
