//! Requests: what the user asked for, encoded once at submission, as the driver keeps them
//! from the queue to their completion.

use std::time::Duration;

use bc20_grammar::MqttCommand;

use bc20_grammar::SlotSettings;

use crate::config::Setting;
use crate::event::Handle;
use crate::slot::{next_state, SlotState, Trigger};

/// The kinds of request, named after the API call that makes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Operation {
    /// A basic command: `AT`, `ATE0`, `AT+CMEE=1`.
    Basic,
    /// AT+QMTCFG write (any setting).
    Configure,
    /// AT+QMTOPEN.
    Open,
    /// AT+QMTCLOSE.
    Close,
    /// AT+QMTCONN.
    Connect,
    /// AT+QMTDISC.
    Disconnect,
    /// AT+QMTSUB.
    Subscribe,
    /// AT+QMTUNS.
    Unsubscribe,
    /// AT+QMTPUB.
    Publish,
}

impl Operation {
    /// The MQTT command it sends, `None` for basic commands.
    pub const fn command(self) -> Option<MqttCommand> {
        Some(match self {
            Operation::Basic => return None,
            Operation::Configure => MqttCommand::QmtCfg,
            Operation::Open => MqttCommand::QmtOpen,
            Operation::Close => MqttCommand::QmtClose,
            Operation::Connect => MqttCommand::QmtConn,
            Operation::Disconnect => MqttCommand::QmtDisc,
            Operation::Subscribe => MqttCommand::QmtSub,
            Operation::Unsubscribe => MqttCommand::QmtUns,
            Operation::Publish => MqttCommand::QmtPub,
        })
    }

    /// Whether the `OK` is followed by a `+QMTxxx:` result (Figure 1).
    pub const fn has_async_result(self) -> bool {
        !matches!(self, Operation::Basic | Operation::Configure)
    }

    /// The slot move of the command's `OK`; `None` for commands that do not need a state.
    pub const fn accept_trigger(self) -> Option<Trigger> {
        match self {
            Operation::Basic | Operation::Configure => None,
            Operation::Open => Some(Trigger::OpenAccepted),
            Operation::Close => Some(Trigger::CloseAccepted),
            Operation::Connect => Some(Trigger::ConnectAccepted),
            Operation::Disconnect => Some(Trigger::DisconnectAccepted),
            Operation::Subscribe | Operation::Unsubscribe | Operation::Publish => {
                Some(Trigger::PacketAccepted)
            }
        }
    }

    /// The slot move of a successful asynchronous result, for commands that own a
    /// transitional state.
    pub const fn success_trigger(self) -> Option<Trigger> {
        match self {
            Operation::Open => Some(Trigger::Opened),
            Operation::Close => Some(Trigger::Closed),
            Operation::Connect => Some(Trigger::Connected),
            Operation::Disconnect => Some(Trigger::Disconnected),
            _ => None,
        }
    }

    /// Whether the command makes sense in `state` (the table has a row for its `OK`).
    pub fn allowed_in(self, state: SlotState) -> bool {
        match self.accept_trigger() {
            None => true,
            Some(t) => next_state(state, t).is_some(),
        }
    }

    /// The state after the command succeeds from `state` (unchanged when not allowed).
    pub fn projected(self, state: SlotState) -> SlotState {
        let Some(accepted) = self.accept_trigger().and_then(|t| next_state(state, t)) else {
            return state;
        };
        match self.success_trigger() {
            Some(t) => next_state(accepted, t).unwrap_or(accepted),
            None => accepted,
        }
    }
}

/// The state a transitional state leads to when its result is a success.
pub(crate) fn settled(state: SlotState) -> SlotState {
    let trigger = match state {
        SlotState::Opening => Trigger::Opened,
        SlotState::Connecting => Trigger::Connected,
        SlotState::Disconnecting => Trigger::Disconnected,
        SlotState::Closing => Trigger::Closed,
        _ => return state,
    };
    next_state(state, trigger).unwrap_or(state)
}

/// An accepted request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) handle: Handle,
    pub(crate) op: Operation,
    /// The slot, `None` for basic commands.
    pub(crate) conn_id: Option<u8>,
    /// The msgID sent (0 for QoS 0 publishes), for packet commands.
    pub(crate) msg_id: Option<u16>,
    /// Whether `msg_id` was allocated (and must be released).
    pub(crate) owns_msg_id: bool,
    /// A QoS 2 publish: after result 2 its msgID is held until the slot closes (D60).
    pub(crate) exactly_once: bool,
    /// Topics of a subscribe (to check the granted-QoS count, D30).
    pub(crate) topics: usize,
    /// The setting of a configure, applied to the slot's [`SlotSettings`] on `OK`.
    pub(crate) setting: Option<Setting>,
    /// The command line, CR included; emptied once handed to the transport.
    pub(crate) bytes: Vec<u8>,
}

impl Request {
    /// How long the asynchronous result may take after the command was written (D23):
    /// the note's maximum response time for the slot's configuration, plus `grace`.
    pub(crate) fn async_budget(&self, slot: &SlotSettings, grace: Duration) -> Duration {
        self.op
            .command()
            .map_or(Duration::ZERO, |cmd| slot.max_response(cmd))
            + grace
    }
}
