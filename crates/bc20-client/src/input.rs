//! Modem bytes in: each line is told apart as an echo, an information response, a final
//! result code, an asynchronous `+QMTxxx:` result, +QMTSTAT, +QMTRECV or an unrelated URC,
//! whatever the chunking and however they interleave.

use bc20_grammar::{
    CloseResult, ConnectReturnCode, Frame, FrameKind, Line, OpenResult, PacketResult, QmtStatCode,
    Response, SubValue, Urc,
};

use crate::client::Client;
use crate::event::{Completion, Diagnostic, Event, Failure, Message, Recovery};
use crate::request::Operation;
use crate::slot::Trigger;
use crate::time::Instant;

/// An asynchronous `+QMTxxx:` result, owned (it may wait for its command's `OK`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AsyncResult {
    op: Operation,
    conn_id: u8,
    /// For packet commands.
    msg_id: Option<u16>,
    outcome: Outcome,
    /// The line, for diagnostics.
    raw: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Open(OpenResult),
    Close(CloseResult),
    /// result, ret_code, and the retransmission count some firmware appends (D27).
    Conn(PacketResult, Option<ConnectReturnCode>, Option<u8>),
    Sub(PacketResult, Option<SubValue>),
    Packet(PacketResult, Option<u8>),
}

impl AsyncResult {
    fn from_urc(urc: &Urc<'_>, raw: &[u8]) -> Option<Self> {
        let (op, conn_id, msg_id, outcome) = match urc {
            Urc::QmtOpen { conn_id, result } => {
                (Operation::Open, *conn_id, None, Outcome::Open(*result))
            }
            Urc::QmtClose { conn_id, result } => {
                (Operation::Close, *conn_id, None, Outcome::Close(*result))
            }
            Urc::QmtDisc { conn_id, result } => (
                Operation::Disconnect,
                *conn_id,
                None,
                Outcome::Close(*result),
            ),
            Urc::QmtConn {
                conn_id,
                result,
                ret_code,
                value,
            } => (
                Operation::Connect,
                *conn_id,
                None,
                Outcome::Conn(*result, *ret_code, *value),
            ),
            Urc::QmtSub {
                conn_id,
                msg_id,
                result,
                value,
            } => (
                Operation::Subscribe,
                *conn_id,
                Some(*msg_id),
                Outcome::Sub(*result, value.clone()),
            ),
            Urc::QmtUns {
                conn_id,
                msg_id,
                result,
                value,
            } => (
                Operation::Unsubscribe,
                *conn_id,
                Some(*msg_id),
                Outcome::Packet(*result, *value),
            ),
            Urc::QmtPub {
                conn_id,
                msg_id,
                result,
                value,
            } => (
                Operation::Publish,
                *conn_id,
                Some(*msg_id),
                Outcome::Packet(*result, *value),
            ),
            _ => return None,
        };
        Some(AsyncResult {
            op,
            conn_id,
            msg_id,
            outcome,
            raw: raw.to_vec(),
        })
    }

    fn matches(&self, req: &crate::request::Request) -> bool {
        req.op == self.op
            && req.conn_id == Some(self.conn_id)
            && (self.msg_id.is_none() || req.msg_id == self.msg_id)
    }
}

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

impl AsyncResult {
    /// The new count if this is a `<result>` 1 notice (D25).
    fn retransmission(&self, count: u8) -> Option<u8> {
        let (result, value) = match &self.outcome {
            Outcome::Conn(r, _, n) => (*r, *n),
            Outcome::Sub(r, Some(SubValue::Retransmissions(n))) => (*r, Some(*n)),
            Outcome::Sub(r, _) => (*r, None),
            Outcome::Packet(r, n) => (*r, *n),
            Outcome::Open(_) | Outcome::Close(_) => return None,
        };
        (result == PacketResult::Retransmission).then(|| value.unwrap_or(count.saturating_add(1)))
    }

    /// The slot move and the completion of a final result for `req`.
    fn completion(
        &self,
        req: &crate::request::Request,
        retransmissions: u8,
    ) -> (Option<Trigger>, Result<Completion, Failure>) {
        let msg_id = req.msg_id.unwrap_or(0);
        let failed = Err(Failure::SendFailed { retransmissions });
        match &self.outcome {
            Outcome::Open(OpenResult::Opened) => (Some(Trigger::Opened), Ok(Completion::Opened)),
            Outcome::Open(r @ OpenResult::IdentifierOccupied) => {
                (Some(Trigger::OpenOccupied), Err(Failure::OpenFailed(*r)))
            }
            Outcome::Open(r) => (Some(Trigger::OpenFailed), Err(Failure::OpenFailed(*r))),
            Outcome::Close(r) => {
                let trigger = match self.op {
                    Operation::Disconnect => Trigger::Disconnected,
                    _ => Trigger::Closed,
                };
                let done = match (self.op, r) {
                    (_, CloseResult::Failed) => Err(Failure::CloseFailed),
                    (Operation::Disconnect, _) => Ok(Completion::Disconnected),
                    _ => Ok(Completion::Closed),
                };
                (Some(trigger), done)
            }
            Outcome::Conn(PacketResult::Sent, code, _) => match code {
                None | Some(ConnectReturnCode::Accepted) => (
                    Some(Trigger::Connected),
                    Ok(Completion::Connected {
                        ret_code: *code,
                        retransmissions,
                    }),
                ),
                Some(refused) => (
                    Some(Trigger::ConnectFailed),
                    Err(Failure::ConnectRefused(*refused)),
                ),
            },
            Outcome::Conn(..) => (Some(Trigger::ConnectFailed), failed),
            Outcome::Sub(PacketResult::Sent, value) => {
                let granted: Vec<_> = match value {
                    Some(SubValue::Granted(list)) => list.to_vec(),
                    _ => Vec::new(),
                };
                if granted.len() == req.topics {
                    let done = Completion::Subscribed {
                        msg_id,
                        granted,
                        retransmissions,
                    };
                    (None, Ok(done))
                } else {
                    let expected = req.topics;
                    (None, Err(Failure::GrantedQosCount { expected, granted }))
                }
            }
            Outcome::Packet(PacketResult::Sent, _) => {
                let done = match self.op {
                    Operation::Unsubscribe => Completion::Unsubscribed {
                        msg_id,
                        retransmissions,
                    },
                    _ => Completion::Published {
                        msg_id,
                        retransmissions,
                    },
                };
                (None, Ok(done))
            }
            Outcome::Sub(..) | Outcome::Packet(..) => (None, failed),
        }
    }
}
