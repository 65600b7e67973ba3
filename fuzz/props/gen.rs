//! The `roundtrip` target: typed values built from the fuzzer's bytes (structure-aware),
//! encoded, decoded back; then their encodings mutated and fed to the canonical check.

use arbitrary::Unstructured;
use bc20_grammar::strategies::Gen;
use bc20_grammar::{
    decode_line as decode, Context, Direction, Line, Mode, Response, StreamConfig, StreamDecoder,
    DEFAULT_MAX_LINE_LEN,
};

use super::canonical::{decode_line, wire_line};
use super::known::{self, tolerated};
use super::show;

/// Builds a [`Line`] from `data` with the grammar's one generator ([`Gen`]: commands,
/// responses and URCs, every variant, values drawn from bc20_grammar::limits with the edges
/// favoured, one draw in 32 outside its range and marked wild), then:
///
/// - a value built entirely within the spec's ranges must encode;
/// - whatever encodes must decode strictly to the same value (in the context the value
///   needs: a `+QMTCONN` read response only while `AT+QMTCONN?` is pending, D26), and also
///   through a [`StreamDecoder`] fed the framed bytes;
/// - the encoding with a few byte mutations (driven by the rest of `data`) must pass
///   [`decode_line`]: decode then encode of canonical bytes gives the bytes back.
pub fn roundtrip(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let mut g = Gen::new(&mut u);
    let line = g.line();
    let wild = g.is_wild();
    let wire = match wire_line(&line) {
        Ok(wire) => wire,
        Err(e) => {
            assert!(
                wild,
                "the encoder refuses {line:?}, built within the spec's ranges: {e}"
            );
            return;
        }
    };
    let ctx = Context {
        conn_read_pending: matches!(line, Line::Response(Response::QmtConnRead { .. })),
    };
    match decode(&wire, Mode::Strict, ctx) {
        Ok(back) => assert_eq!(back.line, line, "{} decodes to another value", show(&wire)),
        Err(_)
            if matches!(
                line,
                Line::Response(Response::Cereg { .. } | Response::Csq { .. })
            ) && tolerated(known::G7_CEREG_CSQ_RANGES) =>
        {
            return
        }
        Err(e) => panic!(
            "{line:?} encodes as {}, which strict decoding rejects: {e}",
            show(&wire)
        ),
    }
    through_stream(&line, ctx);
    decode_line(&mutate(&wire, &mut u));
}

/// The framed encoding through a strict streaming decoder gives one frame with the value.
fn through_stream(line: &Line<'_>, ctx: Context) {
    let mut framed = Vec::new();
    line.encode(&mut framed).expect("encoded before");
    if framed.len() > DEFAULT_MAX_LINE_LEN || ctx.conn_read_pending {
        return; // over the stream's line limit, or needs the echo of AT+QMTCONN? first
    }
    let direction = if matches!(line, Line::Command(_)) {
        Direction::HostToModem
    } else {
        Direction::ModemToHost
    };
    let mut decoder = StreamDecoder::new(StreamConfig {
        direction,
        ..StreamConfig::default()
    });
    let mut frames = decoder.feed_owned(&framed);
    frames.extend(decoder.finish_owned());
    let values: Vec<_> = frames
        .iter()
        .map(|f| f.decoded.as_ref().map(|d| &d.line))
        .collect();
    assert!(
        values.len() == 1 && values[0] == Ok(line),
        "{} through the stream decoder gives {values:?}, not {line:?}",
        show(&framed)
    );
}

/// Bytes a mutation likes to write: separators, quotes, signs, digits, case and blanks.
const MUTATION_BYTES: &[u8] = b"0019-+ \t,\"\r\nAaQq?=:(<\xe2\x80\x9c\x9d";

/// Up to four byte edits (replace, insert, delete, duplicate a span) taken from `u`.
fn mutate(wire: &[u8], u: &mut Unstructured<'_>) -> Vec<u8> {
    let mut out = wire.to_vec();
    let edits = u.int_in_range(0..=4u8).unwrap_or(0);
    for _ in 0..edits {
        let at = u.choose_index(out.len() + 1).unwrap_or(0);
        let byte = match u.ratio(1u8, 4) {
            Ok(true) => u.arbitrary().unwrap_or(0),
            _ => *u.choose(MUTATION_BYTES).unwrap_or(&b'0'),
        };
        match u.int_in_range(0..=3u8).unwrap_or(0) {
            0 if at < out.len() => out[at] = byte,
            1 => out.insert(at, byte),
            2 if at < out.len() => {
                out.remove(at);
            }
            3 if at < out.len() => {
                let len = u.int_in_range(1..=8usize).unwrap_or(1).min(out.len() - at);
                let span = out[at..at + len].to_vec();
                out.splice(at..at, span);
            }
            _ => out.insert(at, byte),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::super::split::SplitMix;
    use super::*;

    /// The generator reaches every form of the grammar, and most values it draws are valid.
    #[test]
    fn generator_covers_every_form() {
        let mut rng = SplitMix::seeded(b"generator coverage");
        let (mut forms, mut valid, mut runs) = (BTreeSet::new(), 0, 0);
        let mut data = vec![0u8; 512];
        for _ in 0..20_000 {
            data.iter_mut().for_each(|b| *b = rng.next() as u8);
            let mut u = Unstructured::new(&data);
            let mut g = Gen::new(&mut u);
            let line = g.line();
            forms.insert(line.spec_id());
            runs += 1;
            valid += usize::from(!g.is_wild());
        }
        assert_eq!(forms.len(), 36 + 23 + 11, "forms reached: {forms:?}");
        assert!(
            valid * 10 > runs * 8,
            "only {valid} of {runs} values within the spec's ranges"
        );
    }
}
