//! The MQTT session of one slot: packets in flight (their retransmission timers are in the
//! module's timer table, keyed by exchange), keep-alive, and QoS 2 deliveries not yet
//! released.

use std::time::Duration;

use bc20_grammar::MqttCommand;
use bytes::Bytes;

use crate::modem::slot::Timing;
use crate::mqtt::PacketReader;
use crate::time::SimTime;

/// What a packet in flight waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// SUBACK, UNSUBACK or PUBACK.
    Ack,
    /// PUBREC (QoS 2, first half).
    Rec,
    /// PUBCOMP (QoS 2, after our PUBREL).
    Comp,
}

/// A command whose asynchronous result is still to come (D33: its msgID is in flight).
#[derive(Debug, Clone)]
pub(crate) struct Inflight {
    pub(crate) command: MqttCommand,
    pub(crate) msg_id: u16,
    pub(crate) stage: Stage,
    /// What a retransmission sends (PUBLISH with DUP set, SUBSCRIBE, UNSUBSCRIBE or PUBREL).
    pub(crate) packet: Bytes,
    /// The exchange's number in the timer table (its retransmission timer's key).
    pub(crate) exchange: u64,
    /// Retransmissions of the current packet so far.
    pub(crate) retransmissions: u8,
    pub(crate) timing: Timing,
    /// At least one transmission got out (a command whose sends all failed ends with
    /// +QMTSTAT 6).
    pub(crate) ever_sent: bool,
    /// Result 2 was reported for this QoS 2 PUBLISH: no more timers or results, but the
    /// exchange stays open on the wire until PUBCOMP (a late PUBREC still gets its PUBREL)
    /// or the end of the connection, and its msgID stays reserved (D60).
    pub(crate) abandoned: bool,
}

/// Per-link MQTT state; replaced by a fresh one at every QMTOPEN.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) reader: PacketReader,
    /// Keep-alive of the CONNECT that is in force (zero: none).
    pub(crate) keepalive: Duration,
    /// When the module last sent a packet (Figure 1, T2 counts from here).
    pub(crate) last_sent: SimTime,
    pub(crate) inflight: Vec<Inflight>,
    /// QoS 2 packet ids received (and reported) but not yet released by PUBREL (D37).
    pub(crate) incoming_qos2: Vec<u16>,
    /// The client id and clean-session flag of the CONNECT sent on this link.
    pub(crate) connect: Option<(String, bool)>,
    /// Connected with clean session 0 as this client id: the session outlives the link
    /// (D63).
    pub(crate) persist: Option<String>,
}

/// What a clean-session-0 session keeps across links ([MQTT-4.4.0-1], D63).
#[derive(Debug, Default)]
pub(crate) struct Stored {
    /// The client id the session belongs to.
    pub(crate) client_id: String,
    /// QoS 1 and 2 PUBLISH and PUBREL exchanges not acknowledged yet, in order.
    pub(crate) inflight: Vec<Inflight>,
    /// QoS 2 packet ids received and not released yet.
    pub(crate) incoming_qos2: Vec<u16>,
}

impl Session {
    pub(crate) fn new(max_packet_size: usize) -> Session {
        Session {
            reader: PacketReader::new(max_packet_size),
            keepalive: Duration::ZERO,
            last_sent: SimTime::ZERO,
            inflight: Vec::new(),
            incoming_qos2: Vec::new(),
            connect: None,
            persist: None,
        }
    }

    /// The state a clean-session-0 session keeps when its link ends (D63), if it is one:
    /// publishes and releases still unacknowledged, now without timers or results, and the
    /// QoS 2 ids received. Leaves the session empty.
    pub(crate) fn take_stored(&mut self) -> Option<Stored> {
        let client_id = self.persist.take()?;
        let inflight = std::mem::take(&mut self.inflight)
            .into_iter()
            .filter(|i| i.command == MqttCommand::QmtPub)
            .map(|mut i| {
                i.abandoned = true;
                i
            })
            .collect();
        Some(Stored {
            client_id,
            inflight,
            incoming_qos2: std::mem::take(&mut self.incoming_qos2),
        })
    }

    /// Whether `msg_id` is in flight (D33), or given up on with its exchange still open (D60).
    pub(crate) fn in_flight(&self, msg_id: u16) -> bool {
        self.inflight.iter().any(|i| i.msg_id == msg_id)
    }

    /// The in-flight entry waiting for `stage` of `command` with this id.
    pub(crate) fn take(
        &mut self,
        command: MqttCommand,
        msg_id: u16,
        stage: Stage,
    ) -> Option<Inflight> {
        let at = self
            .inflight
            .iter()
            .position(|i| i.command == command && i.msg_id == msg_id && i.stage == stage)?;
        Some(self.inflight.remove(at))
    }
}
