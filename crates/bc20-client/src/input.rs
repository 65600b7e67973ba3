//! Modem bytes in: each line is told apart as an echo, an information response, a final
//! result code, an asynchronous `+QMTxxx:` result, +QMTSTAT, +QMTRECV or an unrelated URC,
//! whatever the chunking and however they interleave.

use bc20_grammar::{Frame, FrameKind, Line, QmtStatCode, Response, Urc};

use crate::async_result::AsyncResult;
use crate::client::Client;
use crate::event::{Completion, Diagnostic, Event, Failure, Message, Recovery};
use crate::request::Operation;
use crate::slot::Trigger;
use crate::time::Instant;

impl Client {
    /// Consumes bytes from the modem, in any chunking; `now` is when they arrived.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        let _ = now;
        let mut frames = Vec::new();
        self.decoder.feed(bytes, |f| frames.push(f.to_static()));
        for frame in frames {
            self.frame(frame);
        }
    }

    fn frame(&mut self, frame: Frame<'static>) {
        let raw = frame.raw.into_owned();
        let decoded = match frame.decoded {
            Ok(d) => d,
            Err(error) => {
                self.diagnostic(Diagnostic::Undecodable { line: raw, error });
                return;
            }
        };
        match (frame.kind, decoded.line) {
            // The module repeating our command (ATE1): nothing to do (D4).
            (FrameKind::Echo, _) | (_, Line::Command(_)) => {}
            (_, Line::Response(r)) if r.is_final() => self.final_line(r, raw),
            (_, Line::Response(_)) => self.diagnostic(Diagnostic::UnexpectedResponse { line: raw }),
            (_, Line::Urc(urc)) => self.urc(urc, raw),
        }
    }

    fn final_line(&mut self, r: Response<'_>, raw: Vec<u8>) {
        if self.command_in_flight().is_none() {
            self.diagnostic(Diagnostic::UnexpectedFinal { line: raw });
            return;
        }
        let result = match r {
            Response::Ok => Ok(()),
            Response::CmeError { err } => Err(Failure::Cme(err)),
            _ => Err(Failure::Rejected),
        };
        self.final_result(result);
    }

    fn urc(&mut self, urc: Urc<'_>, raw: Vec<u8>) {
        match urc {
            Urc::QmtRecv {
                conn_id,
                msg_id,
                topic,
                payload,
            } => {
                self.events.push_back(Event::Received(Message {
                    conn_id,
                    msg_id,
                    topic: topic.into_owned(),
                    payload: payload.0.into_owned(),
                }));
            }
            Urc::QmtStat { conn_id, err_code } => self.link_lost(conn_id, err_code),
            Urc::Unknown { .. } | Urc::Ip { .. } => self.events.push_back(Event::Unsolicited {
                line: String::from_utf8_lossy(&raw).into_owned(),
            }),
            other => match AsyncResult::from_urc(&other, &raw) {
                Some(result) => self.async_result(result),
                None => self.diagnostic(Diagnostic::UnmatchedResult { line: raw }),
            },
        }
    }

    /// +QMTSTAT: the slot is closed; what waited on it fails, and the user is told (5.1).
    fn link_lost(&mut self, conn_id: u8, code: QmtStatCode) {
        let Some(previous) = self.slot_state(conn_id) else {
            return;
        };
        let moved = self.transition(conn_id, Trigger::LinkLost);
        self.events.push_back(Event::LinkLost {
            conn_id,
            code,
            previous,
            recovery: Recovery::for_code(code),
        });
        if !moved {
            return;
        }
        // D28: code 5 while disconnecting is the normal end of AT+QMTDISC.
        self.fail_pending_on(conn_id, |req| {
            if req.op == Operation::Disconnect && code == QmtStatCode::ServerClosedAfterDisconnect {
                Ok(Completion::Disconnected)
            } else {
                Err(Failure::LinkLost(code))
            }
        });
        if let Some(f) = self.in_flight.as_mut() {
            if f.req.conn_id == Some(conn_id) {
                f.lost = Some(code);
            }
        }
    }

    /// A `+QMTxxx:` result: completes the oldest matching request waiting for one.
    pub(crate) fn async_result(&mut self, result: AsyncResult) {
        let Some(i) = self.pending.iter().position(|p| result.matches(&p.req)) else {
            if let Some(f) = self.in_flight.as_mut() {
                if result.matches(&f.req) {
                    f.early.push(result); // before its `OK` (D13, lenient)
                    return;
                }
            }
            self.diagnostic(Diagnostic::UnmatchedResult { line: result.raw });
            return;
        };
        let count = self.pending[i].retransmissions;
        if let Some(n) = result.retransmission(count) {
            self.pending[i].retransmissions = n;
            let handle = self.pending[i].req.handle;
            self.events
                .push_back(Event::Retransmitted { handle, count: n });
            return;
        }
        let pending = self.pending.remove(i);
        let req = pending.req;
        let (trigger, completion) = result.completion(&req, count);
        let conn_id = result.conn_id;
        if let Some(t) = trigger {
            self.transition(conn_id, t);
        }
        self.finish(req, completion);
        if matches!(trigger, Some(Trigger::Closed | Trigger::Disconnected)) {
            self.fail_pending_on(conn_id, |_| Err(Failure::SlotClosed));
        }
    }

    fn diagnostic(&mut self, d: Diagnostic) {
        self.events.push_back(Event::Diagnostic(d));
    }
}
