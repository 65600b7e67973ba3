//! MQTT packets cut out of one direction of a TCP byte stream, with what a fault may target:
//! the packet type, the packet identifier, the DUP flag. Framing and reading are rumqttc's
//! codec (`mqttbytes`); a CONNECT is never read with it, since it refuses MQTT 3.1's
//! `MQIsdp` protocol name (the proxy passes 3.1 through untouched).

use bc20_fault::PacketInfo;
use bytes::{Bytes, BytesMut};
use rumqttc::mqttbytes;
use thiserror::Error;

/// Largest packet framed: MQTT's own limit (268,435,455 bytes of remaining length plus a
/// 5-byte fixed header).
pub const MAX_PACKET: usize = 268_435_455;

/// One whole MQTT packet as it crossed the proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// Its type, packet identifier and DUP flag (read by bc20-fault, the log's vocabulary).
    pub info: PacketInfo,
    /// The bytes, fixed header included, exactly as they came.
    pub bytes: Bytes,
}

/// A stream that is not MQTT: the connection it came on is closed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    /// The first byte names no packet type (0 or 15).
    #[error("byte 0x{0:02x} starts no MQTT packet")]
    BadType(u8),
    /// The remaining length is longer than 4 bytes or beyond MQTT's limit.
    #[error("malformed remaining length")]
    BadLength,
}

/// Cuts whole packets out of one direction's bytes.
#[derive(Debug, Default)]
pub struct Framer {
    buf: BytesMut,
}

impl Framer {
    /// Adds bytes as they came off the socket, in any chunking.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Bytes received and not yet part of a whole packet.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next whole packet, `Ok(None)` when more bytes are needed.
    ///
    /// # Errors
    /// [`FrameError::BadType`] or [`FrameError::BadLength`] when the stream is not MQTT; the
    /// framer is then useless (its caller closes the connection).
    pub fn next_packet(&mut self) -> Result<Option<Packet>, FrameError> {
        let header = match mqttbytes::check(self.buf.iter(), MAX_PACKET) {
            Ok(h) => h,
            Err(mqttbytes::Error::InsufficientBytes(_)) => return Ok(None),
            Err(mqttbytes::Error::InvalidPacketType(b)) => return Err(FrameError::BadType(b)),
            Err(_) => return Err(FrameError::BadLength),
        };
        header
            .packet_type()
            .map_err(|_| FrameError::BadType(self.buf[0]))?;
        let bytes = self.buf.split_to(header.frame_length()).freeze();
        let info = PacketInfo::of(header, &bytes).ok_or(FrameError::BadType(bytes[0]))?;
        Ok(Some(Packet { info, bytes }))
    }
}

#[cfg(test)]
mod tests {
    use bc20_fault::PacketType;

    use super::*;

    /// PUBLISH QoS 1, DUP, topic "t", pkid 7, payload "x".
    const PUBLISH: &[u8] = b"\x3a\x06\x00\x01t\x00\x07x";
    const PUBACK: &[u8] = b"\x40\x02\x00\x07";
    /// An MQTT 3.1 CONNECT (`MQIsdp`, level 3), client id "c".
    const CONNECT31: &[u8] = b"\x10\x0f\x00\x06MQIsdp\x03\x02\x00\x3c\x00\x01c";

    #[test]
    fn packets_come_out_whole_in_any_chunking_with_their_ids() {
        let stream = [PUBLISH, PUBACK, CONNECT31].concat();
        for cut in 0..stream.len() {
            let mut f = Framer::default();
            let mut got = Vec::new();
            for part in [&stream[..cut], &stream[cut..]] {
                f.push(part);
                while let Some(p) = f.next_packet().unwrap() {
                    got.push(p);
                }
            }
            assert_eq!(got.len(), 3, "cut at {cut}");
            assert_eq!(
                (got[0].info.kind, got[0].info.pkid, got[0].info.dup),
                (PacketType::Publish, Some(7), true)
            );
            assert_eq!(
                (got[1].info.kind, got[1].info.pkid),
                (PacketType::PubAck, Some(7))
            );
            assert_eq!(
                (got[2].info.kind, got[2].info.pkid),
                (PacketType::Connect, None)
            );
            assert_eq!(&got[2].bytes[..], CONNECT31, "3.1 passes untouched");
            assert_eq!(f.buffered(), 0);
        }
    }

    #[test]
    fn a_stream_that_is_not_mqtt_is_an_error() {
        let mut f = Framer::default();
        f.push(b"\x00\x00");
        assert_eq!(f.next_packet(), Err(FrameError::BadType(0)));
        let mut f = Framer::default();
        f.push(b"\x30\xff\xff\xff\xff\x01");
        assert_eq!(f.next_packet(), Err(FrameError::BadLength));
    }

    #[test]
    fn a_framed_connack_code_can_be_rewritten() {
        // The rewrite the engine applies (bc20-fault's, shared with the simulator) on a
        // packet as the framer cuts it.
        let mut f = Framer::default();
        f.push(b"\x20\x02\x01\x00");
        let p = f.next_packet().unwrap().unwrap();
        assert_eq!((p.info.kind, p.bytes[3]), (PacketType::ConnAck, 0));
        let refused = bc20_fault::with_connack_code(&p.bytes, 5).unwrap();
        assert_eq!(&refused[..], b"\x20\x02\x00\x05");
    }
}
