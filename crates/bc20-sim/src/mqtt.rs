//! MQTT packets on the wire, through `rumqttc::mqttbytes::v4` (the codec only; the session
//! state — packet ids, retransmission, keep-alive — is ours, in [`crate::Modem`]).
//!
//! The codec speaks MQTT 3.1.1. For MQTT 3.1 (D39) a CONNECT is encoded as 3.1.1 and its
//! variable header rewritten from `MQTT`/4 to `MQIsdp`/3 (the rest of CONNECT and every other
//! packet are identical in both versions); [`PacketReader`] does the reverse on the broker
//! side of the virtual network.

use bytes::{Bytes, BytesMut};
pub use rumqttc::mqttbytes::v4::{
    ConnAck, Connect, ConnectReturnCode, LastWill, Login, Packet, PubAck, PubComp, PubRec, PubRel,
    Publish, SubAck, Subscribe, SubscribeFilter, SubscribeReasonCode, UnsubAck, Unsubscribe,
};
pub use rumqttc::mqttbytes::{Error as CodecError, QoS};

use crate::config::MqttVersion;

/// The variable header prefix of a 3.1.1 CONNECT: name `MQTT`, level 4.
const V311_HEADER: &[u8] = b"\x00\x04MQTT\x04";
/// The variable header prefix of a 3.1 CONNECT: name `MQIsdp`, level 3.
const V31_HEADER: &[u8] = b"\x00\x06MQIsdp\x03";

/// Encodes one packet. Only packets the simulator builds itself go through here, and every
/// one of them has a size far below MQTT's limit, so encoding cannot fail; a codec error
/// would still be reported, never panic.
pub fn encode(packet: &Packet, version: MqttVersion) -> Result<Bytes, CodecError> {
    let mut buf = BytesMut::with_capacity(packet.size() + 8);
    packet.write(&mut buf, usize::MAX)?;
    if version == MqttVersion::V31 && matches!(packet, Packet::Connect(_)) {
        return Ok(rewrite_connect(&buf, V311_HEADER, V31_HEADER).unwrap_or_else(|| buf.freeze()));
    }
    Ok(buf.freeze())
}

/// Longest client identifier MQTT 3.1 allows (3.1 section 3.1, "Client Identifier": 1 to 23
/// characters; brokers count bytes). 3.1.1 lifts the limit.
pub const V31_MAX_CLIENT_ID: usize = 23;

/// Encodes the retransmission of a packet (D25, D64): a PUBLISH with DUP set; in MQTT 3.1
/// also SUBSCRIBE, UNSUBSCRIBE and PUBREL with DUP set (3.1 section 2.1 sets DUP on every
/// resent packet whose QoS is above 0; 3.1.1 fixes their flags at 0010). The codec writes
/// the packet; only the DUP bit of its first byte is set here, as the CONNECT header of 3.1
/// is rewritten above.
pub fn encode_resend(packet: &Packet, version: MqttVersion) -> Result<Bytes, CodecError> {
    match packet {
        Packet::Publish(p) => {
            let mut dup = p.clone();
            dup.dup = true;
            encode(&Packet::Publish(dup), version)
        }
        Packet::Subscribe(_) | Packet::Unsubscribe(_) | Packet::PubRel(_)
            if version == MqttVersion::V31 =>
        {
            let bytes = encode(packet, version)?;
            let mut out = BytesMut::from(&bytes[..]);
            if let Some(first) = out.first_mut() {
                *first |= 0x08;
            }
            Ok(out.freeze())
        }
        _ => encode(packet, version),
    }
}

/// A whole CONNECT frame with its protocol header swapped, or `None` if `frame` is not a
/// CONNECT with header `from`.
fn rewrite_connect(frame: &[u8], from: &[u8], to: &[u8]) -> Option<Bytes> {
    let (len_len, remaining) = remaining_length(frame.get(1..)?)?;
    let body = frame.get(1 + len_len..)?;
    if frame[0] >> 4 != 1 || body.len() != remaining || !body.starts_with(from) {
        return None;
    }
    let new_remaining = remaining - from.len() + to.len();
    let mut out = BytesMut::with_capacity(new_remaining + 5);
    out.extend_from_slice(&[frame[0]]);
    write_remaining_length(&mut out, new_remaining);
    out.extend_from_slice(to);
    out.extend_from_slice(&body[from.len()..]);
    Some(out.freeze())
}

/// Decodes MQTT's variable-length remaining length: (bytes used, value).
fn remaining_length(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut value = 0usize;
    for (i, b) in bytes.iter().take(4).enumerate() {
        value |= usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((i + 1, value));
        }
    }
    None
}

fn write_remaining_length(out: &mut BytesMut, mut len: usize) {
    loop {
        let mut byte = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            byte |= 0x80;
        }
        out.extend_from_slice(&[byte]);
        if len == 0 {
            break;
        }
    }
}

/// Reassembles packets from a TCP byte stream in any chunking, with a size limit.
#[derive(Debug)]
pub struct PacketReader {
    buf: BytesMut,
    max_packet_size: usize,
    /// Accept 3.1 CONNECTs (broker side) by rewriting them to 3.1.1 before decoding.
    accept_v31: bool,
}

impl PacketReader {
    /// A reader refusing packets whose remaining length exceeds `max_packet_size`.
    pub fn new(max_packet_size: usize) -> Self {
        PacketReader {
            buf: BytesMut::new(),
            max_packet_size,
            accept_v31: false,
        }
    }

    /// A broker-side reader that also understands MQTT 3.1 CONNECTs.
    pub fn broker(max_packet_size: usize) -> Self {
        PacketReader {
            accept_v31: true,
            ..PacketReader::new(max_packet_size)
        }
    }

    /// Appends received bytes.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next whole frame's raw bytes, `Ok(None)` if more bytes are needed.
    pub fn next_frame(&mut self) -> Result<Option<Bytes>, CodecError> {
        match rumqttc::mqttbytes::check(self.buf.iter(), self.max_packet_size) {
            Ok(header) => Ok(Some(self.buf.split_to(header.frame_length()).freeze())),
            Err(CodecError::InsufficientBytes(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Decodes one whole frame (as returned by [`PacketReader::next_frame`]).
    pub fn decode(&self, frame: &[u8]) -> Result<(Packet, MqttVersion), CodecError> {
        let (bytes, version) = match self
            .accept_v31
            .then(|| rewrite_connect(frame, V31_HEADER, V311_HEADER))
            .flatten()
        {
            Some(rewritten) => (rewritten, MqttVersion::V31),
            None => (Bytes::copy_from_slice(frame), MqttVersion::V311),
        };
        let mut buf = BytesMut::from(&bytes[..]);
        Ok((Packet::read(&mut buf, usize::MAX)?, version))
    }

    /// The next decoded packet, `Ok(None)` if more bytes are needed.
    pub fn next_packet(&mut self) -> Result<Option<Packet>, CodecError> {
        match self.next_frame()? {
            Some(frame) => self.decode(&frame).map(|(p, _)| Some(p)),
            None => Ok(None),
        }
    }
}

/// The codec's QoS for the grammar's.
pub fn qos(q: bc20_grammar::Qos) -> QoS {
    match q {
        bc20_grammar::Qos::AtMostOnce => QoS::AtMostOnce,
        bc20_grammar::Qos::AtLeastOnce => QoS::AtLeastOnce,
        bc20_grammar::Qos::ExactlyOnce => QoS::ExactlyOnce,
    }
}

/// A one-line rendering of a packet for logs and transcripts.
pub fn describe(p: &Packet) -> String {
    match p {
        Packet::Connect(c) => format!(
            "CONNECT id={:?} clean={} keepalive={}",
            c.client_id, c.clean_session, c.keep_alive
        ),
        Packet::ConnAck(c) => format!("CONNACK rc={}", c.code as u8),
        Packet::Publish(p) => {
            format!(
                "PUBLISH {:?} qos={} pkid={} dup={} retain={} len={}",
                p.topic,
                p.qos as u8,
                p.pkid,
                p.dup,
                p.retain,
                p.payload.len()
            )
        }
        Packet::PubAck(a) => format!("PUBACK {}", a.pkid),
        Packet::PubRec(a) => format!("PUBREC {}", a.pkid),
        Packet::PubRel(a) => format!("PUBREL {}", a.pkid),
        Packet::PubComp(a) => format!("PUBCOMP {}", a.pkid),
        Packet::Subscribe(s) => format!("SUBSCRIBE {} n={}", s.pkid, s.filters.len()),
        Packet::SubAck(s) => format!("SUBACK {} n={}", s.pkid, s.return_codes.len()),
        Packet::Unsubscribe(u) => format!("UNSUBSCRIBE {} n={}", u.pkid, u.topics.len()),
        Packet::UnsubAck(u) => format!("UNSUBACK {}", u.pkid),
        Packet::PingReq => "PINGREQ".to_owned(),
        Packet::PingResp => "PINGRESP".to_owned(),
        Packet::Disconnect => "DISCONNECT".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v31_connect_says_mqisdp_level_3_and_reads_back() {
        let mut c = Connect::new("dev");
        c.keep_alive = 120;
        let v311 = encode(&Packet::Connect(c.clone()), MqttVersion::V311).unwrap();
        let v31 = encode(&Packet::Connect(c.clone()), MqttVersion::V31).unwrap();
        assert_eq!(&v311[2..9], V311_HEADER);
        assert_eq!(&v31[2..11], V31_HEADER);
        assert_eq!(v31.len(), v311.len() + 2);
        assert_eq!(usize::from(v31[1]), v31.len() - 2);
        let mut r = PacketReader::broker(1 << 16);
        r.push(&v31);
        let frame = r.next_frame().unwrap().unwrap();
        assert_eq!(
            r.decode(&frame).unwrap(),
            (Packet::Connect(c), MqttVersion::V31)
        );
    }

    #[test]
    fn reader_waits_for_whole_frames_and_limits_size() {
        let p = Packet::Publish(Publish::new("a/b", QoS::AtLeastOnce, b"hi".to_vec()).tap_pkid(7));
        let bytes = encode(&p, MqttVersion::V311).unwrap();
        let mut r = PacketReader::new(1024);
        r.push(&bytes[..3]);
        assert!(r.next_packet().unwrap().is_none());
        r.push(&bytes[3..]);
        assert_eq!(r.next_packet().unwrap(), Some(p));
        let mut small = PacketReader::new(4);
        small.push(&bytes);
        assert!(small.next_packet().is_err());
    }

    #[test]
    fn v31_resends_set_dup_on_subscribe_unsubscribe_and_pubrel_and_still_decode() {
        let mut sub = Subscribe::new("a/b", QoS::AtLeastOnce);
        sub.pkid = 7;
        let mut unsub = Unsubscribe::new("a/b");
        unsub.pkid = 8;
        let packets = [
            Packet::Subscribe(sub),
            Packet::Unsubscribe(unsub),
            Packet::PubRel(PubRel::new(9)),
        ];
        for p in packets {
            let first = encode(&p, MqttVersion::V31).unwrap();
            let v31 = encode_resend(&p, MqttVersion::V31).unwrap();
            let v311 = encode_resend(&p, MqttVersion::V311).unwrap();
            assert_eq!(v31[0], first[0] | 0x08, "{p:?}");
            assert_eq!(&v31[1..], &first[1..], "{p:?}");
            assert_eq!(v311, first, "{p:?}");
            let mut r = PacketReader::broker(1 << 16);
            r.push(&v31);
            assert_eq!(r.next_packet().unwrap(), Some(p));
        }
        let publish =
            Packet::Publish(Publish::new("t", QoS::AtLeastOnce, b"x".to_vec()).tap_pkid(1));
        for version in [MqttVersion::V31, MqttVersion::V311] {
            assert_eq!(encode_resend(&publish, version).unwrap()[0], 0x3a);
        }
    }

    trait TapPkid {
        fn tap_pkid(self, id: u16) -> Self;
    }

    impl TapPkid for Publish {
        fn tap_pkid(mut self, id: u16) -> Self {
            self.pkid = id;
            self
        }
    }
}
