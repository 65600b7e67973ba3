//! An asynchronous `+QMTxxx:` result as the driver keeps it: which request it ends (by
//! operation, `conn_id` and `msg_id`), and the completion or failure it means for it.
//! Separate from `input.rs` (which feeds it) so that `client.rs` can hold early results
//! without a module cycle.

use bc20_grammar::{
    CloseResult, ConnectReturnCode, OpenResult, PacketOutcome, PacketResult, SubValue, Urc,
};

use crate::event::{Completion, Failure};
use crate::request::Operation;
use crate::slot::Trigger;

/// An asynchronous `+QMTxxx:` result, owned (it may wait for its command's `OK`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AsyncResult {
    op: Operation,
    pub(crate) conn_id: u8,
    /// For packet commands.
    msg_id: Option<u16>,
    outcome: Outcome,
    /// The line, for diagnostics.
    pub(crate) raw: Vec<u8>,
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
    pub(crate) fn from_urc(urc: &Urc<'_>, raw: &[u8]) -> Option<Self> {
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
            Urc::QmtSub(PacketOutcome {
                conn_id,
                msg_id,
                result,
                value,
            }) => (
                Operation::Subscribe,
                *conn_id,
                Some(*msg_id),
                Outcome::Sub(*result, value.clone()),
            ),
            Urc::QmtUns(PacketOutcome {
                conn_id,
                msg_id,
                result,
                value,
            }) => (
                Operation::Unsubscribe,
                *conn_id,
                Some(*msg_id),
                Outcome::Packet(*result, *value),
            ),
            Urc::QmtPub(PacketOutcome {
                conn_id,
                msg_id,
                result,
                value,
            }) => (
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

    pub(crate) fn matches(&self, req: &crate::request::Request) -> bool {
        req.op == self.op
            && req.conn_id == Some(self.conn_id)
            && (self.msg_id.is_none() || req.msg_id == self.msg_id)
    }
}

impl AsyncResult {
    /// The new count if this is a `<result>` 1 notice (D25).
    pub(crate) fn retransmission(&self, count: u8) -> Option<u8> {
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
    pub(crate) fn completion(
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
