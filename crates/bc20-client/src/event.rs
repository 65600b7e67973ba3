//! What the driver reports: the completion of each request, received messages, link losses
//! and the lines it could not place.

use std::fmt;

use bc20_grammar::{CmeError, ConnectReturnCode, GrantedQos, OpenResult, QmtStatCode};
use thiserror::Error;

use crate::slot::SlotState;

/// Names one accepted request; its completion carries the same handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Handle(pub u64);

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// How a request succeeded, with the typed values of its result line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    /// A command without asynchronous result (AT+QMTCFG, ATE0, AT+CMEE) answered `OK`.
    Done,
    /// `+QMTOPEN: <id>,0`.
    Opened,
    /// `+QMTCLOSE: <id>,0`.
    Closed,
    /// `+QMTCONN: <id>,0,0`: the broker accepted the connection.
    Connected {
        /// `<ret_code>`: `Accepted`, or `None` when a lenient module left it off (D27).
        ret_code: Option<ConnectReturnCode>,
        /// How many times CONNECT was retransmitted (`+QMTCONN: <id>,1,<n>` notices).
        retransmissions: u8,
    },
    /// `+QMTDISC: <id>,0`, or `+QMTSTAT: <id>,5` while disconnecting (D28).
    Disconnected,
    /// `+QMTSUB: <id>,<msgID>,0,<qos>...`.
    Subscribed {
        /// `<msgID>` the driver allocated.
        msg_id: u16,
        /// Granted QoS per topic, in topic order (`Rejected` is the note's 128).
        granted: Vec<GrantedQos>,
        /// Retransmissions reported before the result (`<result>` 1 notices).
        retransmissions: u8,
    },
    /// `+QMTUNS: <id>,<msgID>,0`.
    Unsubscribed {
        /// `<msgID>` the driver allocated.
        msg_id: u16,
        /// Retransmissions reported before the result.
        retransmissions: u8,
    },
    /// `+QMTPUB: <id>,<msgID>,0`.
    Published {
        /// `<msgID>`: 0 for QoS 0.
        msg_id: u16,
        /// Retransmissions reported before the result.
        retransmissions: u8,
    },
}

/// Which wait ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeoutStage {
    /// No `OK`/`ERROR`/`+CME ERROR` within [`crate::ClientConfig::final_timeout`].
    FinalResult,
    /// No `+QMTxxx:` result within the maximum response time plus grace (D23).
    AsyncResult,
}

/// Why an accepted request failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Failure {
    /// The module answered `ERROR` (D6: unknown command or form).
    #[error("the module answered ERROR")]
    Rejected,
    /// The module answered `+CME ERROR: <err>`.
    #[error("+CME ERROR: {} ({})", .0.code(), .0.description())]
    Cme(CmeError),
    /// A wait ran out.
    #[error("no answer in time ({0:?})")]
    Timeout(TimeoutStage),
    /// `+QMTOPEN: <id>,<result>` with a result other than 0.
    #[error("AT+QMTOPEN failed with result {}", .0.code())]
    OpenFailed(OpenResult),
    /// `+QMTCLOSE: <id>,-1` or `+QMTDISC: <id>,-1`; the slot is closed all the same (D28).
    #[error("the module failed to close the connection cleanly")]
    CloseFailed,
    /// `+QMTCONN: <id>,0,<ret_code>` with a refusing return code.
    #[error("the broker refused the connection: {0:?}")]
    ConnectRefused(ConnectReturnCode),
    /// `<result>` 2: the packet could not be delivered after every retransmission.
    #[error("the packet could not be sent ({retransmissions} retransmissions)")]
    SendFailed {
        /// Retransmissions reported before giving up.
        retransmissions: u8,
    },
    /// `+QMTSUB` result 0 with a granted-QoS list whose length differs from the number of
    /// topics (D30); the values are delivered anyway.
    #[error("{} granted QoS values for {expected} topics", .granted.len())]
    GrantedQosCount {
        /// Topics in the request.
        expected: usize,
        /// The values as received.
        granted: Vec<GrantedQos>,
    },
    /// `+QMTSTAT` closed the slot before the request's result arrived.
    #[error("the link was lost (+QMTSTAT code {})", .0.code())]
    LinkLost(QmtStatCode),
    /// The slot was closed (by AT+QMTCLOSE or AT+QMTDISC) before the result arrived.
    #[error("the slot was closed before the result arrived")]
    SlotClosed,
    /// When the request's turn came, the slot was in a state that makes it pointless (an
    /// earlier request on the slot had failed).
    #[error("the slot was {0} when the request's turn came")]
    InvalidState(SlotState),
}

/// What the note's Table 3 ("How to do") recommends after a `+QMTSTAT` code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recovery {
    /// 1: execute AT+QMTOPEN and reopen the MQTT connection.
    Reopen,
    /// 2: deactivate the PDP context, activate it again, then reopen.
    CyclePdpAndReopen,
    /// 3, 4: check user name, password and client ID, then reopen and reconnect.
    CheckCredentialsAndReopen,
    /// 5: nothing; the broker closed after our DISCONNECT, a normal process.
    Nothing,
    /// 6: check the data, then try to reopen (network congestion or an error).
    CheckDataAndReopen,
    /// 7: make sure the link is alive or the server available.
    CheckLinkOrServer,
    /// 8-255: reserved codes; the note recommends nothing.
    Unspecified,
}

impl Recovery {
    /// The recommendation for `code`.
    pub const fn for_code(code: QmtStatCode) -> Self {
        match code {
            QmtStatCode::ClosedByPeer => Recovery::Reopen,
            QmtStatCode::PingFailed => Recovery::CyclePdpAndReopen,
            QmtStatCode::ConnectFailed | QmtStatCode::ConnackFailed => {
                Recovery::CheckCredentialsAndReopen
            }
            QmtStatCode::ServerClosedAfterDisconnect => Recovery::Nothing,
            QmtStatCode::SendFailures => Recovery::CheckDataAndReopen,
            QmtStatCode::LinkNotAlive => Recovery::CheckLinkOrServer,
            QmtStatCode::Reserved(_) => Recovery::Unspecified,
        }
    }
}

/// A `+QMTRECV` URC: a message the broker delivered (5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The slot it arrived on.
    pub conn_id: u8,
    /// The broker's packet identifier (0 for QoS 0); unrelated to the driver's msgIDs (D37).
    pub msg_id: u16,
    /// The topic name.
    pub topic: String,
    /// The payload bytes, raw.
    pub payload: Vec<u8>,
}

/// A modem line the driver could not place; reported, never fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diagnostic {
    /// A line that does not decode (garbage, a malformed known line, an over-long line).
    Undecodable {
        /// The line, as much as was kept.
        line: Vec<u8>,
        /// Why.
        error: bc20_grammar::DecodeError,
    },
    /// A final result code with no command waiting for one.
    UnexpectedFinal {
        /// The line.
        line: Vec<u8>,
    },
    /// An information response the waiting command does not expect, or none waiting.
    UnexpectedResponse {
        /// The line.
        line: Vec<u8>,
    },
    /// An asynchronous `+QMTxxx:` result that matches no request (late, or not ours).
    UnmatchedResult {
        /// The line.
        line: Vec<u8>,
    },
}

/// Everything the driver tells its user, in order, through [`crate::Client::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A request finished; exactly one per accepted request.
    Completed {
        /// The request.
        handle: Handle,
        /// Its result.
        result: Result<Completion, Failure>,
    },
    /// A `<result>` 1 notice: the module retransmitted the request's packet (D25).
    Retransmitted {
        /// The request.
        handle: Handle,
        /// The retransmission number.
        count: u8,
    },
    /// A message arrived (+QMTRECV).
    Received(Message),
    /// `+QMTSTAT`: the module closed the slot's connection (5.1). The slot is now closed.
    LinkLost {
        /// The slot.
        conn_id: u8,
        /// `<err_code>`.
        code: QmtStatCode,
        /// The slot's state before the URC.
        previous: SlotState,
        /// What the note recommends; [`QmtStatCode::recovery`] has its text.
        recovery: Recovery,
    },
    /// A URC outside the MQTT command set (`+IP:`, `+CEREG:`, boot banners...), kept whole.
    Unsolicited {
        /// The line.
        line: String,
    },
    /// A line the driver could not place.
    Diagnostic(Diagnostic),
}
