//! Benchmarks of bc20-grammar (criterion, `benches/stream.rs`) and the replay of the fuzz
//! targets' regression inputs and seeds (`tests/`).
//!
//! This library only holds the workload: [`modem_stream`] builds a deterministic, URC-heavy
//! module → host byte stream of the kind an MQTT client on a BC20 reads from its UART.
//!
//! ```
//! let stream = bc20_benches::modem_stream(7, 4096);
//! assert!(stream.len() <= 4096 && stream.len() > 3000);
//! assert!(stream.starts_with(b"\r\n+QMT") || stream.starts_with(b"\r\nOK"));
//! assert_eq!(stream, bc20_benches::modem_stream(7, 4096));
//! ```

/// Payload sizes of the received messages: 16 to 512 bytes.
pub const PAYLOAD_LEN: (usize, usize) = (16, 512);

/// Bytes a payload is drawn from: printable ASCII without `"`, `\`, `>` and `@`, so that
/// every parser in the comparison reads the same values. atat's string deserializer stops at
/// `"` and treats `\` as an escape (the BC20 sends both raw, spec/DECISIONS.md D35), and its
/// digester takes a read that ends in `>` or `@` for a data prompt and drops the URC it was
/// part of.
const PAYLOAD_BYTES: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.:;=+-_/{}[]()#%&*!?<'";

const TOPICS: &[&str] = &[
    "dev/42/cmd",
    "dev/42/config",
    "fleet/eu-west/ota",
    "sensors/t1",
    "a/b",
];

/// What [`modem_stream`] put in the stream, to check a decoder's frame counts against.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct StreamMix {
    /// `+QMTRECV:` lines.
    pub recv: usize,
    /// `+QMTPUB:` results.
    pub publish: usize,
    /// `+QMTSUB:` results.
    pub subscribe: usize,
    /// `+QMTSTAT:` lines.
    pub stat: usize,
    /// `OK` lines.
    pub ok: usize,
}

impl StreamMix {
    /// All lines.
    pub fn lines(&self) -> usize {
        self.recv + self.publish + self.subscribe + self.stat + self.ok
    }

    /// The unsolicited lines (everything but `OK`).
    pub fn urcs(&self) -> usize {
        self.lines() - self.ok
    }
}

/// A module → host stream of at most `max_len` bytes (whole lines only), the same for the
/// same `seed`: about 75% `+QMTRECV` with 16-512-byte payloads; publishes (`OK` then
/// `+QMTPUB: <id>,<msgID>,0`), subscribes (`OK` then `+QMTSUB: <id>,<msgID>,0,<qos>`), and
/// an occasional `+QMTSTAT`. Every line is framed `\r\n<line>\r\n` (V.25ter, echo off).
pub fn modem_stream(seed: u64, max_len: usize) -> Vec<u8> {
    modem_stream_with_mix(seed, max_len).0
}

/// [`modem_stream`] and how many lines of each kind it holds.
pub fn modem_stream_with_mix(seed: u64, max_len: usize) -> (Vec<u8>, StreamMix) {
    let mut rng = SplitMix64(seed);
    let mut out = Vec::with_capacity(max_len);
    let mut mix = StreamMix::default();
    let mut msg_id = 0u16;
    let mut event = Vec::with_capacity(700);
    loop {
        event.clear();
        let mut add = StreamMix::default();
        msg_id = msg_id % 65535 + 1;
        let conn = rng.below(6);
        match rng.below(100) {
            0..=74 => {
                let topic = TOPICS[rng.below(TOPICS.len() as u64) as usize];
                let (lo, hi) = PAYLOAD_LEN;
                let len = lo + rng.below((hi - lo + 1) as u64) as usize;
                let id = if rng.below(2) == 0 { 0 } else { msg_id };
                frame(
                    &mut event,
                    format!("+QMTRECV: {conn},{id},\"{topic}\",\"").as_bytes(),
                    false,
                );
                event.extend(
                    (0..len).map(|_| PAYLOAD_BYTES[rng.below(PAYLOAD_BYTES.len() as u64) as usize]),
                );
                event.extend_from_slice(b"\"\r\n");
                add.recv = 1;
            }
            75..=89 => {
                frame(&mut event, b"OK", true);
                frame(
                    &mut event,
                    format!("+QMTPUB: {conn},{msg_id},0").as_bytes(),
                    true,
                );
                (add.ok, add.publish) = (1, 1);
            }
            90..=97 => {
                frame(&mut event, b"OK", true);
                frame(
                    &mut event,
                    format!("+QMTSUB: {conn},{msg_id},0,{}", rng.below(3)).as_bytes(),
                    true,
                );
                (add.ok, add.subscribe) = (1, 1);
            }
            _ => {
                frame(
                    &mut event,
                    format!("+QMTSTAT: {conn},{}", 1 + rng.below(7)).as_bytes(),
                    true,
                );
                add.stat = 1;
            }
        }
        if out.len() + event.len() > max_len {
            return (out, mix);
        }
        out.extend_from_slice(&event);
        mix.recv += add.recv;
        mix.publish += add.publish;
        mix.subscribe += add.subscribe;
        mix.stat += add.stat;
        mix.ok += add.ok;
    }
}

/// Appends `\r\n<line>`, and `\r\n` after it when `close`.
fn frame(out: &mut Vec<u8>, line: &[u8], close: bool) {
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(line);
    if close {
        out.extend_from_slice(b"\r\n");
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a small, seedable, good-enough generator.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (the modulo bias is irrelevant here).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_is_deterministic_and_urc_heavy() {
        let (a, mix) = modem_stream_with_mix(1, 1 << 20);
        assert_eq!(a, modem_stream(1, 1 << 20));
        assert!(a.len() > (1 << 20) - 600);
        assert!(mix.recv * 100 / mix.lines() > 60, "{mix:?}");
        assert!(mix.stat > 0 && mix.publish > 0 && mix.subscribe > 0);
        let lf = a.iter().filter(|&&b| b == b'\n').count();
        assert_eq!(lf, 2 * mix.lines());
    }
}
