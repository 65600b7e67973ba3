//! Why a request is refused before anything is sent.

use bc20_grammar::EncodeError;
use thiserror::Error;

use crate::request::Operation;
use crate::slot::SlotState;
use crate::topic::TopicError;

/// A request the driver refuses at once; nothing is queued and no event will follow.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RequestError {
    /// `conn_id` is outside 0-5 (the module has six slots).
    #[error("there is no slot {conn_id}: the module has slots 0-5")]
    NoSuchSlot {
        /// The requested slot.
        conn_id: u8,
    },
    /// The slot will be in a state that makes the operation pointless by the time the
    /// request's turn comes (publish on a closed slot, open on an open one, ...).
    #[error("cannot {op:?} on slot {conn_id}: it will be {state}")]
    InvalidState {
        /// The slot.
        conn_id: u8,
        /// What was asked.
        op: Operation,
        /// The state the slot will be in once the requests before this one succeed.
        state: SlotState,
    },
    /// A parameter cannot be put on the wire (range, length, `"`/CR/LF in a string, topic
    /// count); the grammar's encoder says which.
    #[error("invalid parameter: {0}")]
    Encode(#[from] EncodeError),
    /// A topic MQTT forbids: a wildcard in a topic name (publish, will), or a wildcard that
    /// is not a whole level of a filter (subscribe, unsubscribe); the module would answer
    /// `+CME ERROR: 50` (D62).
    #[error("invalid topic {topic:?}: {error}")]
    Topic {
        /// The topic as given.
        topic: String,
        /// What is wrong with it.
        error: TopicError,
    },
    /// All 65535 message identifiers of the slot are in flight.
    #[error("no free msgID on slot {conn_id}")]
    NoFreeMsgId {
        /// The slot.
        conn_id: u8,
    },
    /// [`crate::ClientConfig::max_outstanding`] requests are already waiting.
    #[error("{limit} requests are already outstanding")]
    QueueFull {
        /// The limit.
        limit: usize,
    },
}
