//! The serial-line monitor of the model check: it reads the bytes both ways, independently
//! of the driver, and holds the driver to the invariants of the line.

use bc20_grammar::{
    Command, FrameKind, Line, Mode, PacketOutcome, PacketResult, StreamConfig, StreamDecoder, Urc,
};

use crate::SLOT_COUNT;

/// Watches the bytes on the serial line, independently of the driver.
#[derive(Debug)]
pub(crate) struct Monitor {
    decoder: StreamDecoder,
    /// A command was written and its final result code has not come.
    awaiting_final: bool,
    /// The packet command written last: (slot, msgID).
    last_packet: Option<(u8, u16)>,
    /// msgIDs in flight per slot, as the module sees them (D33: from `OK` to result 0/2).
    in_flight: [Vec<u16>; SLOT_COUNT],
    /// Slots the module reported opened (`+QMTOPEN: <id>,0`) and not closed since.
    opened: [bool; SLOT_COUNT],
}

impl Monitor {
    /// A monitor that has seen nothing yet.
    pub(crate) fn new() -> Monitor {
        Monitor {
            decoder: StreamDecoder::new(StreamConfig {
                mode: Mode::Strict,
                ..StreamConfig::default()
            }),
            awaiting_final: false,
            last_packet: None,
            in_flight: Default::default(),
            opened: Default::default(),
        }
    }

    /// Invariants of a write: one command in flight, no packet command on a closed slot,
    /// msgIDs legal and not in flight (D32, D33).
    pub(crate) fn check_write(
        &mut self,
        bytes: &[u8],
        slot_closed: impl Fn(u8) -> Option<bool>,
    ) -> Result<(), String> {
        if self.awaiting_final {
            return Err(format!(
                "wrote {:?} while a command waits for its final result code",
                String::from_utf8_lossy(bytes)
            ));
        }
        let line = bytes.strip_suffix(b"\r").ok_or("a command without CR")?;
        let (cmd, _) = Command::decode(line, Mode::Strict)
            .map_err(|e| format!("driver wrote a non-canonical line: {e}"))?;
        self.awaiting_final = true;
        self.last_packet = None;
        // Every command with an asynchronous result but QMTOPEN needs an open slot.
        let Some(key) = cmd
            .async_key()
            .filter(|k| k.command != bc20_grammar::MqttCommand::QmtOpen)
        else {
            return Ok(());
        };
        if let Command::QmtPub { msg_id, qos, .. } = &cmd {
            bc20_grammar::check_pub_msg_id(*msg_id, *qos).map_err(|e| e.to_string())?;
        }
        // A QoS 0 publish (msgID 0) holds no identifier.
        let (slot, id) = (key.conn_id, key.msg_id.filter(|&m| m != 0));
        let opened = self.opened.get(usize::from(slot)).copied().unwrap_or(false);
        if slot_closed(slot).unwrap_or(!opened) {
            return Err(format!("wrote {cmd} for slot {slot}, which is closed"));
        }
        if let Some(id) = id {
            if self.in_flight[usize::from(slot)].contains(&id) {
                return Err(format!("msgID {id} reused on slot {slot} while in flight"));
            }
            self.last_packet = Some((slot, id));
        }
        Ok(())
    }

    /// Follows the module's side: final result codes, results and +QMTSTAT.
    pub(crate) fn observe(&mut self, bytes: &[u8]) {
        let mut frames = Vec::new();
        self.decoder.feed(bytes, |f| {
            frames.push((
                f.kind,
                f.decoded.as_ref().ok().map(|d| d.line.clone().into_owned()),
            ))
        });
        for (kind, line) in frames {
            match (kind, line) {
                (FrameKind::Final, Some(Line::Response(r))) => {
                    self.awaiting_final = false;
                    if let (bc20_grammar::Response::Ok, Some((s, id))) =
                        (r, self.last_packet.take())
                    {
                        if let Some(ids) = self.in_flight.get_mut(usize::from(s)) {
                            ids.push(id);
                        }
                    }
                }
                (_, Some(Line::Urc(u))) => match u {
                    Urc::QmtSub(PacketOutcome {
                        conn_id,
                        msg_id,
                        result,
                        ..
                    })
                    | Urc::QmtUns(PacketOutcome {
                        conn_id,
                        msg_id,
                        result,
                        ..
                    })
                    | Urc::QmtPub(PacketOutcome {
                        conn_id,
                        msg_id,
                        result,
                        ..
                    }) if result != PacketResult::Retransmission => {
                        if let Some(ids) = self.in_flight.get_mut(usize::from(conn_id)) {
                            ids.retain(|&x| x != msg_id);
                        }
                    }
                    Urc::QmtStat { conn_id, .. } => {
                        if let Some(ids) = self.in_flight.get_mut(usize::from(conn_id)) {
                            ids.clear();
                        }
                        self.set_opened(conn_id, false);
                    }
                    Urc::QmtOpen { conn_id, result } => {
                        self.set_opened(conn_id, result == bc20_grammar::OpenResult::Opened)
                    }
                    Urc::QmtClose { conn_id, .. } | Urc::QmtDisc { conn_id, .. } => {
                        self.set_opened(conn_id, false)
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }

    fn set_opened(&mut self, slot: u8, open: bool) {
        if let Some(o) = self.opened.get_mut(usize::from(slot)) {
            *o = open;
        }
    }
}
