//! The `stream` target: the streaming decoder against itself, whole versus chunked.

use bc20_grammar::{Direction, Frame, Mode, StreamConfig, StreamDecoder, DEFAULT_MAX_LINE_LEN};

use super::show;

/// Buffer room the decoder may hold beyond `max_line_len` (`SLACK` in
/// crates/bc20-grammar/src/stream.rs: the CR LF around a frame of exactly the limit).
pub const STREAM_SLACK: usize = 8;

/// Line limits the control byte chooses from: the default and three small ones that make
/// the over-long-line path reachable.
const LIMITS: [usize; 4] = [DEFAULT_MAX_LINE_LEN, 256, 32, 5];

/// Input layout: one control byte, then the stream. Control bits: 0 mode (0 strict,
/// 1 lenient), 1 direction (0 module to host, 1 host to module), 2-3 the line limit
/// ([`LIMITS`]), 4-7 mixed into the seed of the chunking.
///
/// Feeds the stream whole, then in chunks of 1 to 96 bytes at pseudo-random points (seeded
/// from the input, so a crash reproduces), and checks that
///
/// - both runs produce the same frames (kind, line, offset, raw bytes, decoded value);
/// - every frame's `raw` is the input at `offset`, no longer than the limit, and `line` is one
///   plus the LF bytes before `offset`; offsets increase;
/// - after every `feed` the decoder holds at most `max_line_len` + [`STREAM_SLACK`] bytes.
pub fn stream(data: &[u8]) {
    let Some((&control, bytes)) = data.split_first() else {
        return;
    };
    let config = StreamConfig {
        mode: if control & 1 == 0 {
            Mode::Strict
        } else {
            Mode::Lenient
        },
        direction: if control & 2 == 0 {
            Direction::ModemToHost
        } else {
            Direction::HostToModem
        },
        max_line_len: LIMITS[usize::from(control >> 2 & 3)],
    };
    let whole = run(config, std::iter::once(bytes));
    let mut rng = SplitMix::seeded(data);
    let mut rest = bytes;
    let chunks = std::iter::from_fn(|| {
        if rest.is_empty() {
            return None;
        }
        let n = rng.chunk_len().min(rest.len());
        let (head, tail) = rest.split_at(n);
        rest = tail;
        Some(head)
    });
    let chunked = run(config, chunks);
    if whole != chunked {
        let at = whole
            .iter()
            .zip(&chunked)
            .position(|(a, b)| a != b)
            .unwrap_or(whole.len().min(chunked.len()));
        panic!(
            "chunking changes the frames ({config:?}), first difference at frame {at}:\n whole:   {:?}\n chunked: {:?}\ninput: {}",
            whole.get(at),
            chunked.get(at),
            show(data)
        );
    }
    check_frames(config, bytes, &whole);
}

fn run<'b>(config: StreamConfig, chunks: impl Iterator<Item = &'b [u8]>) -> Vec<Frame<'static>> {
    let mut decoder = StreamDecoder::new(config);
    let mut frames = Vec::new();
    for chunk in chunks {
        decoder.feed(chunk, |f| frames.push(f.to_static()));
        let held = decoder.buffered();
        assert!(
            held <= config.max_line_len + STREAM_SLACK,
            "the decoder holds {held} bytes, over its bound {} + {STREAM_SLACK}",
            config.max_line_len
        );
    }
    decoder.finish(|f| frames.push(f.to_static()));
    assert_eq!(decoder.buffered(), 0, "finish leaves bytes behind");
    frames
}

fn check_frames(config: StreamConfig, bytes: &[u8], frames: &[Frame<'static>]) {
    let mut last_end = 0u64;
    for (i, f) in frames.iter().enumerate() {
        let start = usize::try_from(f.offset).expect("offset fits");
        let end = start + f.raw.len();
        assert!(
            end <= bytes.len() && bytes[start..end] == f.raw[..],
            "frame {i} raw {} is not the input at offset {start}",
            show(&f.raw)
        );
        assert!(
            i == 0 || f.offset >= last_end,
            "frame {i} at {start} overlaps the previous frame"
        );
        let is_truncated_tail = i + 1 == frames.len() && end == bytes.len();
        assert!(
            f.raw.len() <= config.max_line_len || is_truncated_tail,
            "frame {i} keeps {} bytes, over the limit {}",
            f.raw.len(),
            config.max_line_len
        );
        let lfs = memchr_count(b'\n', &bytes[..start]);
        assert_eq!(
            f.line,
            lfs + 1,
            "frame {i} at offset {start}: wrong line number"
        );
        last_end = end as u64;
    }
}

fn memchr_count(needle: u8, hay: &[u8]) -> u64 {
    hay.iter().filter(|&&b| b == needle).count() as u64
}

fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// SplitMix64: a tiny deterministic generator for chunk lengths.
pub(super) struct SplitMix(u64);

impl SplitMix {
    /// Seeded from the whole input, so a failing input reproduces its chunking.
    pub(super) fn seeded(data: &[u8]) -> Self {
        SplitMix(fnv1a(data))
    }

    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Mostly short reads (1-8 bytes, where boundary bugs live), sometimes UART-sized ones.
    pub(super) fn chunk_len(&mut self) -> usize {
        let r = self.next();
        match r & 3 {
            0 => 1,
            1 | 2 => 1 + (r >> 8) as usize % 8,
            _ => 1 + (r >> 8) as usize % 96,
        }
    }
}
