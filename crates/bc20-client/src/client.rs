//! The driver: a plain struct with no I/O. Requests go in through the methods below, modem
//! bytes through [`Client::handle_input`], time through [`Client::handle_timeout`]; command
//! bytes come out of [`Client::poll_transmit`] and reports out of [`Client::poll_event`].

use std::collections::VecDeque;

use bc20_grammar::{Command, Payload, Qos, StreamConfig, StreamDecoder, SubTopic, SubTopics};

use bc20_grammar::SlotSettings;

use crate::config::{ClientConfig, Setting};
use crate::error::RequestError;
use crate::event::{Event, Handle};
use crate::msgid::MsgIds;
use crate::request::{settled, Operation, Request};
use crate::slot::{SlotState, SLOT_COUNT};
use crate::time::Instant;

/// What the driver knows about one slot.
#[derive(Debug, Clone, Default)]
pub(crate) struct Slot {
    pub(crate) state: SlotState,
    pub(crate) config: SlotSettings,
    pub(crate) ids: MsgIds,
}

/// The command written to the module, waiting for its final result code.
#[derive(Debug)]
pub(crate) struct InFlight {
    pub(crate) req: Request,
    /// When its bytes were handed out by `poll_transmit`.
    pub(crate) sent_at: Instant,
    /// `+QMTxxx:` results that arrived before the `OK` (D13), replayed after it.
    pub(crate) early: Vec<crate::async_result::AsyncResult>,
    /// A +QMTSTAT that closed the slot while the command waited for its `OK`.
    pub(crate) lost: Option<bc20_grammar::QmtStatCode>,
}

/// A command that answered `OK` and waits for its asynchronous result.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) req: Request,
    pub(crate) deadline: Instant,
    pub(crate) retransmissions: u8,
}

/// The sans-IO BC20 MQTT driver; see the crate docs for the life of a request.
#[derive(Debug)]
pub struct Client {
    pub(crate) config: ClientConfig,
    pub(crate) decoder: StreamDecoder,
    pub(crate) slots: [Slot; SLOT_COUNT],
    /// Accepted requests not yet written, in submission order.
    pub(crate) queue: VecDeque<Request>,
    pub(crate) in_flight: Option<InFlight>,
    /// Requests waiting for their `+QMTxxx:` result, in the order of their `OK`.
    pub(crate) pending: Vec<Pending>,
    pub(crate) events: VecDeque<Event>,
    next_handle: u64,
}

impl Client {
    /// A driver with every slot closed and nothing queued.
    pub fn new(config: ClientConfig) -> Self {
        Client {
            decoder: StreamDecoder::new(StreamConfig {
                mode: config.mode,
                max_line_len: config.max_line_len,
                ..StreamConfig::default()
            }),
            config,
            slots: Default::default(),
            queue: VecDeque::new(),
            in_flight: None,
            pending: Vec::new(),
            events: VecDeque::new(),
            next_handle: 1,
        }
    }

    /// The driver's settings.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The state of slot `conn_id`, `None` when there is no such slot.
    pub fn slot_state(&self, conn_id: u8) -> Option<SlotState> {
        self.slots.get(usize::from(conn_id)).map(|s| s.state)
    }

    /// The AT+QMTCFG values the driver believes slot `conn_id` has.
    pub fn slot_config(&self, conn_id: u8) -> Option<&SlotSettings> {
        self.slots.get(usize::from(conn_id)).map(|s| &s.config)
    }

    /// The msgIDs of slot `conn_id` held by outstanding requests, ascending.
    pub fn msg_ids_in_flight(&self, conn_id: u8) -> Vec<u16> {
        self.slots
            .get(usize::from(conn_id))
            .map(|s| s.ids.in_use().collect())
            .unwrap_or_default()
    }

    /// The msgIDs of slot `conn_id` held after their command ended without the module saying
    /// the exchange is over (a QoS 2 publish given up on, or a time-out), until the slot
    /// closes (spec/DECISIONS.md D60); a subset of [`Client::msg_ids_in_flight`].
    pub fn msg_ids_held(&self, conn_id: u8) -> Vec<u16> {
        self.slots
            .get(usize::from(conn_id))
            .map(|s| s.ids.held().collect())
            .unwrap_or_default()
    }

    /// The request whose command was written and awaits its final result code, if any.
    pub fn command_in_flight(&self) -> Option<Handle> {
        self.in_flight.as_ref().map(|f| f.req.handle)
    }

    /// Requests accepted and not completed yet.
    pub fn outstanding(&self) -> usize {
        self.queue.len() + usize::from(self.in_flight.is_some()) + self.pending.len()
    }

    /// Queues `ATE0` then `AT+CMEE=1` (D4, D5): echo off, numeric `+CME ERROR` codes. Each
    /// completes on its own; their handles are returned in that order.
    pub fn initialize(&mut self) -> Result<[Handle; 2], RequestError> {
        self.check_room(2)?;
        let echo = self.submit(Operation::Basic, None, false, |_| Command::Echo {
            on: false,
        })?;
        let cmee = self.submit(Operation::Basic, None, false, |_| Command::Cmee { n: 1 })?;
        Ok([echo, cmee])
    }

    /// Queues a bare `AT`, to check that the module answers.
    pub fn attention(&mut self) -> Result<Handle, RequestError> {
        self.submit(Operation::Basic, None, false, |_| Command::At)
    }

    /// Queues an AT+QMTCFG write of `setting` on `conn_id` (3.2.1). Allowed in any state;
    /// settings sent in CONNECT take effect at the next connect (D20).
    pub fn configure(&mut self, conn_id: u8, setting: Setting) -> Result<Handle, RequestError> {
        if let Setting::Will(Some(will)) = &setting {
            self.admit(Operation::Configure, Some(conn_id))?;
            check_name(&will.topic)?;
        }
        let cmd = setting.command(conn_id).into_owned();
        let details = Details {
            setting: Some(setting),
            ..Details::default()
        };
        self.submit_with(Operation::Configure, Some(conn_id), false, details, |_| cmd)
    }

    /// Queues AT+QMTOPEN (3.2.2): open the TCP connection of a closed slot.
    pub fn open(
        &mut self,
        conn_id: u8,
        host_name: &str,
        port: u16,
    ) -> Result<Handle, RequestError> {
        self.submit(Operation::Open, Some(conn_id), false, |_| {
            Command::QmtOpen {
                conn_id,
                host_name: host_name.to_owned().into(),
                port,
            }
        })
    }

    /// Queues AT+QMTCLOSE (3.2.3): close an open or connected slot without DISCONNECT.
    pub fn close(&mut self, conn_id: u8) -> Result<Handle, RequestError> {
        self.submit(Operation::Close, Some(conn_id), false, |_| {
            Command::QmtClose { conn_id }
        })
    }

    /// Queues AT+QMTCONN (3.2.4) on an open slot. A password needs a user name.
    pub fn connect(
        &mut self,
        conn_id: u8,
        client_id: &str,
        username: Option<&str>,
        password: Option<&str>,
    ) -> Result<Handle, RequestError> {
        self.submit(Operation::Connect, Some(conn_id), false, |_| {
            Command::QmtConn {
                conn_id,
                client_id: client_id.to_owned().into(),
                username: username.map(|u| u.to_owned().into()),
                password: password.map(|p| p.to_owned().into()),
            }
        })
    }

    /// Queues AT+QMTDISC (3.2.5) on a connected slot; the slot is closed afterwards (D28).
    pub fn disconnect(&mut self, conn_id: u8) -> Result<Handle, RequestError> {
        self.submit(Operation::Disconnect, Some(conn_id), false, |_| {
            Command::QmtDisc { conn_id }
        })
    }

    /// Queues AT+QMTSUB (3.2.6) of 1-16 topic filters, each with its requested QoS.
    ///
    /// # Errors
    ///
    /// [`RequestError`]: no such slot, a slot state that forbids it, a full queue, no free
    /// msgID, a filter MQTT forbids (`Topic`, D62) or one the grammar cannot encode.
    pub fn subscribe(
        &mut self,
        conn_id: u8,
        topics: &[(&str, Qos)],
    ) -> Result<Handle, RequestError> {
        self.admit(Operation::Subscribe, Some(conn_id))?;
        check_topic_count(topics.len())?;
        for (t, _) in topics {
            check_filter(t)?;
        }
        let list: SubTopics<'static> = topics
            .iter()
            .map(|(topic, qos)| SubTopic {
                topic: (*topic).to_owned().into(),
                qos: *qos,
            })
            .collect();
        let details = Details {
            topics: topics.len(),
            ..Details::default()
        };
        self.submit_with(
            Operation::Subscribe,
            Some(conn_id),
            true,
            details,
            |msg_id| Command::QmtSub {
                conn_id,
                msg_id: msg_id.unwrap_or(0),
                topics: list,
            },
        )
    }

    /// Queues AT+QMTUNS (3.2.7) of 1-16 topic filters.
    ///
    /// # Errors
    ///
    /// As [`Client::subscribe`].
    pub fn unsubscribe(&mut self, conn_id: u8, topics: &[&str]) -> Result<Handle, RequestError> {
        self.admit(Operation::Unsubscribe, Some(conn_id))?;
        check_topic_count(topics.len())?;
        for t in topics {
            check_filter(t)?;
        }
        let list = topics.iter().map(|t| (*t).to_owned().into()).collect();
        self.submit(Operation::Unsubscribe, Some(conn_id), true, |msg_id| {
            Command::QmtUns {
                conn_id,
                msg_id: msg_id.unwrap_or(0),
                topics: list,
            }
        })
    }

    /// Queues AT+QMTPUB (3.2.8). The driver picks the msgID: 0 for QoS 0, a free one otherwise.
    /// The message cannot contain `"`, CR or LF (D10, D34).
    ///
    /// # Errors
    ///
    /// [`RequestError`]: no such slot, a slot state that forbids it, a full queue, no free
    /// msgID, a topic with a wildcard (`Topic`, D62) or one the grammar cannot encode.
    pub fn publish(
        &mut self,
        conn_id: u8,
        qos: Qos,
        retain: bool,
        topic: &str,
        message: &[u8],
    ) -> Result<Handle, RequestError> {
        let needs_id = qos != Qos::AtMostOnce;
        self.admit(Operation::Publish, Some(conn_id))?;
        check_name(topic)?;
        let details = Details {
            exactly_once: qos == Qos::ExactlyOnce,
            ..Details::default()
        };
        self.submit_with(
            Operation::Publish,
            Some(conn_id),
            needs_id,
            details,
            |msg_id| Command::QmtPub {
                conn_id,
                msg_id: msg_id.unwrap_or(0),
                qos,
                retain,
                topic: topic.to_owned().into(),
                msg: Payload(message.to_vec().into()),
            },
        )
    }

    /// Takes the next report, oldest first.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Takes the bytes of the next command to write to the UART; the command's timer starts
    /// at `now`. Nothing is handed out while a command waits for its final result code.
    ///
    /// The next command is chosen here, not earlier, so that it is checked against
    /// everything the module said up to this call. Queued requests found pointless on the
    /// way complete with [`crate::Failure::InvalidState`].
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Vec<u8>> {
        self.dispatch(now)
    }

    /// Room in the queue, an existing slot, a state that makes `op` worth doing: checked
    /// before the parameters, so a request is judged the same way whatever its arguments.
    fn admit(&self, op: Operation, conn_id: Option<u8>) -> Result<(), RequestError> {
        self.check_room(1)?;
        if let Some(c) = conn_id {
            if usize::from(c) >= SLOT_COUNT {
                return Err(RequestError::NoSuchSlot { conn_id: c });
            }
            let state = self.projected_state(c);
            if !op.allowed_in(state) {
                return Err(RequestError::InvalidState {
                    conn_id: c,
                    op,
                    state,
                });
            }
        }
        Ok(())
    }

    fn check_room(&self, n: usize) -> Result<(), RequestError> {
        if self.outstanding() + n > self.config.max_outstanding {
            return Err(RequestError::QueueFull {
                limit: self.config.max_outstanding,
            });
        }
        Ok(())
    }

    /// The state slot `conn_id` will be in once every outstanding request on it succeeds.
    pub(crate) fn projected_state(&self, conn_id: u8) -> SlotState {
        let mine = |r: &&Request| r.conn_id == Some(conn_id);
        let state = settled(self.slots[usize::from(conn_id)].state);
        let in_flight = self.in_flight.as_ref().map(|f| &f.req);
        in_flight
            .iter()
            .copied()
            .chain(self.queue.iter())
            .filter(mine)
            .fold(state, |s, r| r.op.projected(s))
    }

    fn submit<'c>(
        &mut self,
        op: Operation,
        conn_id: Option<u8>,
        needs_id: bool,
        build: impl FnOnce(Option<u16>) -> Command<'c>,
    ) -> Result<Handle, RequestError> {
        self.submit_with(op, conn_id, needs_id, Details::default(), build)
    }

    /// Validates and queues one request. `build` gets the allocated msgID when `needs_id`.
    fn submit_with<'c>(
        &mut self,
        op: Operation,
        conn_id: Option<u8>,
        needs_id: bool,
        details: Details,
        build: impl FnOnce(Option<u16>) -> Command<'c>,
    ) -> Result<Handle, RequestError> {
        self.admit(op, conn_id)?;
        let msg_id = match (conn_id, needs_id) {
            (Some(c), true) => Some(
                self.slots[usize::from(c)]
                    .ids
                    .allocate()
                    .ok_or(RequestError::NoFreeMsgId { conn_id: c })?,
            ),
            _ => None,
        };
        let mut bytes = Vec::with_capacity(64);
        if let Err(e) = build(msg_id).encode(&mut bytes) {
            if let (Some(c), Some(id)) = (conn_id, msg_id) {
                self.slots[usize::from(c)].ids.give_back(id);
            }
            return Err(e.into());
        }
        let handle = Handle(self.next_handle);
        self.next_handle += 1;
        self.queue.push_back(Request {
            handle,
            op,
            conn_id,
            msg_id: msg_id.or((op == Operation::Publish).then_some(0)),
            owns_msg_id: msg_id.is_some(),
            exactly_once: details.exactly_once,
            topics: details.topics,
            setting: details.setting,
            bytes,
        });
        Ok(handle)
    }
}

/// What a request carries beyond its command line.
#[derive(Default)]
struct Details {
    setting: Option<Setting>,
    topics: usize,
    exactly_once: bool,
}

/// D62: a topic name (publish, will) has no wildcards.
fn check_name(topic: &str) -> Result<(), RequestError> {
    crate::topic::check_topic_name(topic).map_err(|error| RequestError::Topic {
        topic: topic.to_owned(),
        error,
    })
}

/// D62: a filter (subscribe, unsubscribe) has wildcards only as whole levels.
fn check_filter(filter: &str) -> Result<(), RequestError> {
    crate::topic::check_topic_filter(filter).map_err(|error| RequestError::Topic {
        topic: filter.to_owned(),
        error,
    })
}

fn check_topic_count(n: usize) -> Result<(), RequestError> {
    if n == 0 || n > bc20_grammar::MAX_TOPICS {
        return Err(RequestError::Encode(bc20_grammar::EncodeError::Length {
            field: "topics",
            len: n,
            min: 1,
            max: bc20_grammar::MAX_TOPICS,
        }));
    }
    Ok(())
}
