//! What a fault or a network log can say about one whole MQTT packet: its type, its packet
//! identifier, its DUP flag. Read with rumqttc's codec (`mqttbytes`), never by hand; a CONNECT
//! is never read (the codec refuses MQTT 3.1's `MQIsdp` protocol name, and a fault needs
//! nothing from it).

use std::fmt;

use bytes::Bytes;
use rumqttc::mqttbytes::{self, v4, FixedHeader};

/// An MQTT control packet type (rumqttc's): the first nibble of a packet.
pub use rumqttc::mqttbytes::PacketType;

/// Every packet type, in the order MQTT numbers them (1-14).
pub const PACKET_TYPES: [PacketType; 14] = [
    PacketType::Connect,
    PacketType::ConnAck,
    PacketType::Publish,
    PacketType::PubAck,
    PacketType::PubRec,
    PacketType::PubRel,
    PacketType::PubComp,
    PacketType::Subscribe,
    PacketType::SubAck,
    PacketType::Unsubscribe,
    PacketType::UnsubAck,
    PacketType::PingReq,
    PacketType::PingResp,
    PacketType::Disconnect,
];

/// The name MQTT gives a packet type (`PUBACK`): logs and fault text.
pub fn type_name(kind: PacketType) -> &'static str {
    match kind {
        PacketType::Connect => "CONNECT",
        PacketType::ConnAck => "CONNACK",
        PacketType::Publish => "PUBLISH",
        PacketType::PubAck => "PUBACK",
        PacketType::PubRec => "PUBREC",
        PacketType::PubRel => "PUBREL",
        PacketType::PubComp => "PUBCOMP",
        PacketType::Subscribe => "SUBSCRIBE",
        PacketType::SubAck => "SUBACK",
        PacketType::Unsubscribe => "UNSUBSCRIBE",
        PacketType::UnsubAck => "UNSUBACK",
        PacketType::PingReq => "PINGREQ",
        PacketType::PingResp => "PINGRESP",
        PacketType::Disconnect => "DISCONNECT",
    }
}

/// The packet type named `name` (MQTT's name, any case: `PUBACK`, `puback`).
pub fn type_by_name(name: &str) -> Option<PacketType> {
    PACKET_TYPES
        .into_iter()
        .find(|&k| type_name(k).eq_ignore_ascii_case(name))
}

/// The directions packets of `kind` travel between a module (a client) and its broker, as
/// `(up, down)` (MQTT 3.1.1 section 2.1: CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ and
/// DISCONNECT go client to server, their answers back; PUBLISH and its acknowledgements
/// both ways).
pub fn travels(kind: PacketType) -> (bool, bool) {
    match kind {
        PacketType::Connect
        | PacketType::Subscribe
        | PacketType::Unsubscribe
        | PacketType::PingReq
        | PacketType::Disconnect => (true, false),
        PacketType::ConnAck | PacketType::SubAck | PacketType::UnsubAck | PacketType::PingResp => {
            (false, true)
        }
        PacketType::Publish
        | PacketType::PubAck
        | PacketType::PubRec
        | PacketType::PubRel
        | PacketType::PubComp => (true, true),
    }
}

/// Whether packets of `kind` carry a packet identifier (MQTT 3.1.1 section 2.3.1; PUBLISH
/// only at QoS 1 and 2).
pub fn has_packet_id(kind: PacketType) -> bool {
    !matches!(
        kind,
        PacketType::Connect
            | PacketType::ConnAck
            | PacketType::PingReq
            | PacketType::PingResp
            | PacketType::Disconnect
    )
}

/// What a fault may target and a log shows of one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketInfo {
    /// Its type.
    pub kind: PacketType,
    /// Its packet identifier, where the type has one (PUBLISH at QoS 1-2, the four publish
    /// acknowledgements, SUBSCRIBE, UNSUBSCRIBE and their acks); `None` when it has none or
    /// it could not be read.
    pub pkid: Option<u16>,
    /// The DUP flag of a PUBLISH (false for every other type).
    pub dup: bool,
    /// The QoS of a PUBLISH (0 for every other type).
    pub qos: u8,
}

impl PacketInfo {
    /// Reads a whole packet, fixed header included (as a framer cut it); `None` when `frame`
    /// does not start with a whole MQTT packet.
    pub fn read(frame: &Bytes) -> Option<PacketInfo> {
        let header = mqttbytes::check(frame.iter(), usize::MAX).ok()?;
        PacketInfo::of(header, &frame.slice(..header.frame_length()))
    }

    /// [`PacketInfo::read`] for a framer that has already checked `header` and cut `frame`
    /// (the whole packet) with it: the header is not read again. `None` when the header
    /// names no packet type.
    pub fn of(header: FixedHeader, frame: &Bytes) -> Option<PacketInfo> {
        let kind = header.packet_type().ok()?;
        let bytes = frame.clone();
        let publish = kind == PacketType::Publish;
        Some(PacketInfo {
            kind,
            pkid: pkid(kind, header, bytes),
            dup: publish && frame[0] & 0b1000 != 0,
            qos: if publish { (frame[0] >> 1) & 0b11 } else { 0 },
        })
    }
}

impl fmt::Display for PacketInfo {
    /// `PUBLISH id 7 dup`: the type, its identifier, the DUP flag when set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(type_name(self.kind))?;
        if let Some(id) = self.pkid {
            write!(f, " id {id}")?;
        }
        if self.dup {
            f.write_str(" dup")?;
        }
        Ok(())
    }
}

/// `frame` (a whole CONNACK) with its return code replaced by `code`, session present
/// cleared when it refuses ([MQTT-3.2.2-4]); `None` when `frame` is not a CONNACK.
pub fn with_connack_code(frame: &Bytes, code: u8) -> Option<Bytes> {
    if frame.len() != 4 || frame[0] != 0x20 || frame[1] != 2 {
        return None;
    }
    let session_present = if code == 0 { frame[2] } else { 0 };
    Some(Bytes::from(vec![0x20, 2, session_present, code]))
}

/// The packet identifier of a packet, read with the codec; 0 (never a valid identifier)
/// reads as none.
fn pkid(kind: PacketType, header: FixedHeader, bytes: Bytes) -> Option<u16> {
    let id = match kind {
        PacketType::Publish => v4::Publish::read(header, bytes).ok().map(|p| p.pkid),
        PacketType::PubAck => v4::PubAck::read(header, bytes).ok().map(|p| p.pkid),
        PacketType::PubRec => v4::PubRec::read(header, bytes).ok().map(|p| p.pkid),
        PacketType::PubRel => v4::PubRel::read(header, bytes).ok().map(|p| p.pkid),
        PacketType::PubComp => v4::PubComp::read(header, bytes).ok().map(|p| p.pkid),
        PacketType::Subscribe => v4::Subscribe::read(header, bytes).ok().map(|p| p.pkid),
        PacketType::SubAck => v4::SubAck::read(header, bytes).ok().map(|p| p.pkid),
        PacketType::Unsubscribe => v4::Unsubscribe::read(header, bytes).ok().map(|p| p.pkid),
        PacketType::UnsubAck => v4::UnsubAck::read(header, bytes).ok().map(|p| p.pkid),
        // CONNECT is not read (MQIsdp); the rest carry no identifier.
        _ => None,
    };
    id.filter(|&i| i != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_publish_shows_its_id_dup_and_qos() {
        // PUBLISH QoS 1, DUP, topic "t", pkid 7, payload "x".
        let read = |b: &'static [u8]| PacketInfo::read(&Bytes::from_static(b));
        let p = read(b"\x3a\x06\x00\x01t\x00\x07x").unwrap();
        assert_eq!(
            (p.kind, p.pkid, p.dup, p.qos),
            (PacketType::Publish, Some(7), true, 1)
        );
        assert_eq!(p.to_string(), "PUBLISH id 7 dup");
        let ack = read(b"\x40\x02\x00\x07").unwrap();
        assert_eq!(ack.to_string(), "PUBACK id 7");
        // MQTT 3.1's CONNECT reads as a CONNECT without anything else.
        let c = read(b"\x10\x0f\x00\x06MQIsdp\x03\x02\x00\x3c\x00\x01c").unwrap();
        assert_eq!((c.kind, c.pkid), (PacketType::Connect, None));
        assert_eq!(read(b"\x40\x02\x00"), None, "not whole");
        assert_eq!(read(b"\x00\x00"), None, "not MQTT");
    }

    #[test]
    fn a_connack_code_can_be_rewritten() {
        let ack = Bytes::from_static(b"\x20\x02\x01\x00");
        assert_eq!(
            &with_connack_code(&ack, 5).unwrap()[..],
            b"\x20\x02\x00\x05"
        );
        assert_eq!(
            &with_connack_code(&ack, 0).unwrap()[..],
            b"\x20\x02\x01\x00"
        );
        assert_eq!(with_connack_code(&Bytes::from_static(b"\xd0\x00"), 5), None);
    }

    #[test]
    fn names_read_back_in_any_case() {
        for k in PACKET_TYPES {
            assert_eq!(type_by_name(&type_name(k).to_lowercase()), Some(k));
        }
        assert_eq!(type_by_name("PUBACKS"), None);
    }
}
