//! What a real broker still owes the module and the peer, as a shadow broker predicts it.
//!
//! The broker bed's clock may jump to the module's next deadline only when nothing real is
//! on its way: an answer the module waits for (CONNACK, PUBACK, SUBACK, PINGRESP ...), a
//! message the broker routes to the module or to the peer, the connection's own set-up or
//! close. A byte-level guess ("the socket was quiet for 5 ms") would either slow every step
//! or lose a race on a loaded machine; instead every action the module and the peer take
//! is also given to the virtual broker (`bc20_sim::VirtualNetwork`), and what it sends back
//! is what the real broker is expected to send. [`InFlight`] counts those predictions per
//! `<tcpconnectID>` (`conn_id`, 0-5) and packet type and crosses them off as the real
//! packets arrive; the clock stays frozen while any is open.
//!
//! A prediction the real broker never fulfils (brokers differ: a duplicate forwarded or
//! not, a retained message from an earlier run) must not freeze the clock for ever: the
//! shell gives up after a bounded real time and calls [`InFlight::forget`].
//!
//! Sans-IO: events in, a yes/no out; the real clock lives in the caller.

use std::fmt;

use bc20_sim::{NetAction, NetEvent, SLOTS};
use rumqttc::mqttbytes::{self, PacketType};

/// Largest MQTT packet framed (the protocol's own limit: 268,435,455 bytes of remaining
/// length plus the fixed header).
const MAX_PACKET: usize = 268_435_455;

/// Number of MQTT control packet types (types 1-14; index 0 unused).
const TYPES: usize = 16;

/// Outstanding predictions of one link.
#[derive(Debug, Clone, Default)]
struct Conn {
    /// Connect outcome (Connected or ConnectFailed) expected.
    connect: bool,
    /// The broker is expected to close the connection.
    close: bool,
    /// Packets expected from the broker, by type.
    packets: [u32; TYPES],
    /// Real bytes not yet framed (TCP splits packets anywhere).
    partial: Vec<u8>,
}

impl Conn {
    fn open(&self) -> bool {
        self.connect || self.close || self.packets.iter().any(|&n| n > 0)
    }
}

/// Predictions still open; see the module docs.
#[derive(Debug, Clone, Default)]
pub(crate) struct InFlight {
    conns: [Conn; SLOTS],
    /// Messages the peer is expected to have received in total.
    peer_expected: u64,
}

impl InFlight {
    /// The module's action, as it goes to both networks: a close or a new open ends
    /// everything the old link still owed.
    pub(crate) fn module_action(&mut self, action: &NetAction) {
        let conn_id = match action {
            NetAction::Open { conn_id, .. } | NetAction::Close { conn_id } => *conn_id,
            NetAction::Send { .. } => return,
        };
        if let Some(c) = self.conns.get_mut(usize::from(conn_id)) {
            *c = Conn::default();
        }
    }

    /// The shadow broker's network produced `event` for `conn_id`: expect the same from
    /// the real one.
    pub(crate) fn predicted(&mut self, conn_id: u8, event: &NetEvent) {
        let Some(c) = self.conns.get_mut(usize::from(conn_id)) else {
            return;
        };
        match event {
            NetEvent::Connected | NetEvent::ConnectFailed(_) => c.connect = true,
            NetEvent::Closed | NetEvent::LinkDown => c.close = true,
            NetEvent::Data(bytes) => {
                for kind in frames(&mut bytes.to_vec()) {
                    c.packets[kind] += 1;
                }
            }
            NetEvent::SendFailed => {}
        }
    }

    /// The shadow broker delivered `n` more messages to the peer.
    pub(crate) fn peer_predicted(&mut self, n: usize) {
        self.peer_expected += n as u64;
    }

    /// The real network produced `event` for `conn_id`: cross off what it fulfils.
    pub(crate) fn observed(&mut self, conn_id: u8, event: &NetEvent) {
        let Some(c) = self.conns.get_mut(usize::from(conn_id)) else {
            return;
        };
        match event {
            NetEvent::Connected => c.connect = false,
            // The link is gone: nothing more comes on it.
            NetEvent::ConnectFailed(_)
            | NetEvent::Closed
            | NetEvent::LinkDown
            | NetEvent::SendFailed => *c = Conn::default(),
            NetEvent::Data(bytes) => {
                c.partial.extend_from_slice(bytes);
                let mut partial = std::mem::take(&mut c.partial);
                for kind in frames(&mut partial) {
                    c.packets[kind] = c.packets[kind].saturating_sub(1);
                }
                c.partial = partial;
            }
        }
    }

    /// Whether something real is still on its way, given how many messages the peer has
    /// received so far.
    pub(crate) fn pending(&self, peer_received: u64) -> bool {
        peer_received < self.peer_expected || self.conns.iter().any(Conn::open)
    }

    /// Gives up on every open prediction (the real broker did not do what the shadow did).
    pub(crate) fn forget(&mut self, peer_received: u64) {
        for c in &mut self.conns {
            let partial = std::mem::take(&mut c.partial);
            *c = Conn {
                partial,
                ..Conn::default()
            };
        }
        self.peer_expected = self.peer_expected.min(peer_received);
    }

    /// What is open, for a trace line.
    pub(crate) fn describe(&self, peer_received: u64) -> impl fmt::Display + '_ {
        Open(self, peer_received)
    }
}

struct Open<'a>(&'a InFlight, u64);

impl fmt::Display for Open<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Open(i, received) = self;
        for (id, c) in i.conns.iter().enumerate() {
            if c.connect {
                write!(f, " {id}:connect")?;
            }
            if c.close {
                write!(f, " {id}:close")?;
            }
            for (kind, &n) in c.packets.iter().enumerate() {
                if n > 0 {
                    write!(f, " {id}:{}×{n}", type_name(kind))?;
                }
            }
        }
        if *received < i.peer_expected {
            write!(f, " peer:{}", i.peer_expected - received)?;
        }
        Ok(())
    }
}

/// Takes the whole packets off the front of `buf` and returns their types (as indexes
/// 1-14); a malformed stream is dropped (its predictions then run into the shell's bound).
fn frames(buf: &mut Vec<u8>) -> Vec<usize> {
    let mut kinds = Vec::new();
    let mut at = 0;
    while at < buf.len() {
        match mqttbytes::check(buf[at..].iter(), MAX_PACKET) {
            Ok(header) => {
                if let Ok(kind) = header.packet_type() {
                    kinds.push(kind as usize);
                }
                at += header.frame_length();
            }
            Err(mqttbytes::Error::InsufficientBytes(_)) => break,
            Err(_) => {
                at = buf.len();
                break;
            }
        }
    }
    buf.drain(..at);
    kinds
}

fn type_name(kind: usize) -> &'static str {
    const NAMES: [(PacketType, &str); 14] = [
        (PacketType::Connect, "CONNECT"),
        (PacketType::ConnAck, "CONNACK"),
        (PacketType::Publish, "PUBLISH"),
        (PacketType::PubAck, "PUBACK"),
        (PacketType::PubRec, "PUBREC"),
        (PacketType::PubRel, "PUBREL"),
        (PacketType::PubComp, "PUBCOMP"),
        (PacketType::Subscribe, "SUBSCRIBE"),
        (PacketType::SubAck, "SUBACK"),
        (PacketType::Unsubscribe, "UNSUBSCRIBE"),
        (PacketType::UnsubAck, "UNSUBACK"),
        (PacketType::PingReq, "PINGREQ"),
        (PacketType::PingResp, "PINGRESP"),
        (PacketType::Disconnect, "DISCONNECT"),
    ];
    NAMES
        .iter()
        .find(|(t, _)| *t as usize == kind)
        .map_or("?", |(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONNACK: &[u8] = b"\x20\x02\x00\x00";
    const PINGRESP: &[u8] = b"\xd0\x00";

    fn data(b: &[u8]) -> NetEvent {
        NetEvent::Data(b.to_vec().into())
    }

    #[test]
    fn a_predicted_answer_is_open_until_the_real_one_arrives_in_any_chunking() {
        let mut f = InFlight::default();
        f.predicted(3, &data(&[CONNACK, PINGRESP].concat()));
        assert!(f.pending(0));
        assert_eq!(f.describe(0).to_string(), " 3:CONNACK×1 3:PINGRESP×1");
        f.observed(3, &data(&CONNACK[..1]));
        assert!(f.pending(0));
        f.observed(3, &data(&[&CONNACK[1..], PINGRESP].concat()));
        assert!(!f.pending(0), "{}", f.describe(0));
    }

    #[test]
    fn an_answer_on_another_link_does_not_count() {
        let mut f = InFlight::default();
        f.predicted(0, &data(PINGRESP));
        f.observed(1, &data(PINGRESP));
        assert!(f.pending(0));
    }

    #[test]
    fn a_closed_link_owes_nothing_more() {
        let mut f = InFlight::default();
        f.predicted(2, &data(CONNACK));
        f.observed(2, &NetEvent::Closed);
        assert!(!f.pending(0));
        f.predicted(2, &data(CONNACK));
        f.module_action(&NetAction::Close { conn_id: 2 });
        assert!(!f.pending(0));
    }

    #[test]
    fn connects_and_closes_are_predictions_too() {
        let mut f = InFlight::default();
        f.predicted(0, &NetEvent::Connected);
        f.predicted(1, &NetEvent::Closed);
        f.observed(0, &NetEvent::Connected);
        assert!(f.pending(0));
        f.observed(1, &NetEvent::Closed);
        assert!(!f.pending(0));
    }

    #[test]
    fn the_peer_owes_what_the_shadow_delivered() {
        let mut f = InFlight::default();
        f.peer_predicted(2);
        assert!(f.pending(1));
        assert!(!f.pending(2));
        f.forget(1);
        assert!(!f.pending(1));
    }

    #[test]
    fn forgetting_keeps_the_real_stream_framed() {
        let mut f = InFlight::default();
        f.predicted(0, &data(CONNACK));
        f.observed(0, &data(&PINGRESP[..1]));
        f.forget(0);
        assert!(!f.pending(0));
        f.predicted(0, &data(CONNACK));
        f.observed(0, &data(&[&PINGRESP[1..], CONNACK].concat()));
        assert!(!f.pending(0), "{}", f.describe(0));
    }

    #[test]
    fn garbage_is_dropped_without_panicking() {
        let mut f = InFlight::default();
        f.observed(0, &data(b"\x00\xff\xff\xff\xff\xff"));
        f.observed(9, &data(CONNACK));
        f.predicted(9, &data(CONNACK));
        assert!(!f.pending(0));
    }
}
