//! Decoding 1 MiB of URC-heavy module output into typed frames, three ways, on the same bytes:
//!
//! - `line_split`: the floor, memchr finding each LF and trimming the CRs, nothing typed
//!   (in 64-byte reads, partial lines are carried over in a buffer);
//! - `bc20`: [`StreamDecoder`] (strict), every line a typed [`Line`];
//! - `atat`: atat 0.25's [`AtDigester`] driven the way its `Ingress` drives it, each URC
//!   parsed into `#[derive(AtatUrc)]` types by [`AtatUrc::parse`].
//!
//! Each runs on the whole buffer and in 64-byte UART reads. Before measuring, every parser's
//! counts are checked against what the generator wrote, so all three do the same work.
//! `cargo bench -p bc20-benches -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use atat::atat_derive::{AtatResp, AtatUrc};
use atat::heapless::String as HString;
use atat::{AtDigester, AtatUrc, DigestResult, Digester};
use bc20_benches::{modem_stream_with_mix, StreamMix};
use bc20_grammar::{Line, PacketOutcome, StreamConfig, StreamDecoder, SubValue, Urc};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// The workload: 1 MiB, fixed seed.
const STREAM_LEN: usize = 1 << 20;
const SEED: u64 = 0x00bc_2020;
/// A typical UART read (DMA half-buffer or FIFO drain).
const UART_READ: usize = 64;
/// Ingress buffer of atat, the same size as the grammar's default line limit.
const ATAT_BUF: usize = 4096;

#[derive(Clone, AtatResp)]
struct QmtRecv {
    #[at_arg(position = 0)]
    conn_id: u8,
    #[at_arg(position = 1)]
    msg_id: u16,
    #[at_arg(position = 2)]
    topic: HString<64>,
    #[at_arg(position = 3)]
    payload: HString<512>,
}

#[derive(Clone, AtatResp)]
struct QmtStat {
    #[at_arg(position = 0)]
    conn_id: u8,
    #[at_arg(position = 1)]
    err_code: u8,
}

/// `+QMTPUB:`/`+QMTSUB:` results have to be URCs for atat too: otherwise its digester takes
/// them for the information response of a command and waits for a final result code.
#[derive(Clone, AtatResp)]
struct PacketResult {
    #[at_arg(position = 0)]
    conn_id: u8,
    #[at_arg(position = 1)]
    msg_id: u16,
    #[at_arg(position = 2)]
    result: u8,
    #[at_arg(position = 3)]
    value: Option<u8>,
}

/// Sized like atat's own examples: the payload buffer inline (boxing it would add an
/// allocation per URC to the peer's work).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, AtatUrc)]
enum AtatBc20Urc {
    #[at_urc("+QMTRECV")]
    Recv(QmtRecv),
    #[at_urc("+QMTSTAT")]
    Stat(QmtStat),
    #[at_urc("+QMTPUB")]
    Pub(PacketResult),
    #[at_urc("+QMTSUB")]
    Sub(PacketResult),
}

/// What a parser saw: unsolicited lines, final result codes, and a checksum over the typed
/// fields (ids, codes, topic and payload lengths), so both typed parsers provably read the same
/// values.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    urcs: usize,
    finals: usize,
    sum: u64,
}

impl Counts {
    fn urc(&mut self, fields: [u64; 4]) {
        self.urcs += 1;
        self.sum = fields
            .iter()
            .fold(self.sum, |s, &f| s.wrapping_mul(31).wrapping_add(f));
    }
}

/// Counts the non-empty lines of `bytes` (CRs before each LF trimmed).
fn split_lines(bytes: &[u8]) -> usize {
    let mut start = 0;
    let mut lines = 0;
    for end in memchr::memchr_iter(b'\n', bytes) {
        let mut line = &bytes[start..end];
        while let [head @ .., b'\r'] = line {
            line = head;
        }
        if !line.is_empty() {
            lines += 1;
            black_box(line);
        }
        start = end + 1;
    }
    lines
}

/// The floor: lines found in place, nothing copied, nothing typed.
fn line_split(stream: &[u8]) -> usize {
    split_lines(stream)
}

/// The floor for UART reads: each read appended to a carry buffer, complete lines split off
/// (bytes already searched are not searched again).
fn line_split_buffered(stream: &[u8], read: usize) -> usize {
    let mut buf = Vec::with_capacity(ATAT_BUF);
    let mut lines = 0;
    for chunk in stream.chunks(read) {
        let searched = buf.len();
        buf.extend_from_slice(chunk);
        let Some(last_lf) = memchr::memrchr(b'\n', &buf[searched..]) else {
            continue;
        };
        let end = searched + last_lf + 1;
        lines += split_lines(&buf[..end]);
        buf.drain(..end);
    }
    lines
}

fn bc20(stream: &[u8], read: usize) -> Counts {
    let mut decoder = StreamDecoder::new(StreamConfig::default());
    let mut counts = Counts::default();
    let mut on_frame = |f: &bc20_grammar::Frame<'_>| match &f.decoded {
        Ok(d) => match &d.line {
            Line::Urc(Urc::QmtRecv {
                conn_id,
                msg_id,
                topic,
                payload,
            }) => {
                counts.urc([
                    (*conn_id).into(),
                    (*msg_id).into(),
                    topic.len() as u64,
                    black_box(payload).as_bytes().len() as u64,
                ]);
            }
            Line::Urc(Urc::QmtStat { conn_id, err_code }) => {
                counts.urc([(*conn_id).into(), err_code.code().into(), 0, 0])
            }
            Line::Urc(Urc::QmtPub(PacketOutcome {
                conn_id,
                msg_id,
                result,
                value,
            })) => counts.urc([
                (*conn_id).into(),
                (*msg_id).into(),
                result.code().into(),
                value.map_or(0, u64::from),
            ]),
            Line::Urc(Urc::QmtSub(PacketOutcome {
                conn_id,
                msg_id,
                result,
                value,
            })) => {
                let first = match value {
                    Some(SubValue::Granted(g)) => g.first().map_or(0, |q| q.code().into()),
                    Some(SubValue::Retransmissions(n)) => (*n).into(),
                    None => 0,
                };
                counts.urc([
                    (*conn_id).into(),
                    (*msg_id).into(),
                    result.code().into(),
                    first,
                ])
            }
            Line::Response(r) if r.is_final() => counts.finals += 1,
            other => panic!("unexpected line {other:?}"),
        },
        Err(e) => panic!("line {}: {e}", f.line),
    };
    for chunk in stream.chunks(read) {
        decoder.feed(chunk, &mut on_frame);
    }
    decoder.finish(&mut on_frame);
    counts
}

/// atat's `Ingress::try_advance`, without the channels: copy a read into the buffer, digest
/// until nothing more is swallowed, shift the rest down.
fn atat(stream: &[u8], read: usize) -> Counts {
    let mut digester = AtDigester::<AtatBc20Urc>::new();
    let mut buf = [0u8; ATAT_BUF];
    let mut pos = 0;
    let mut counts = Counts::default();
    let mut input = stream;
    while !input.is_empty() {
        let n = read.min(input.len()).min(ATAT_BUF - pos);
        assert!(n > 0, "atat's ingress buffer is full");
        buf[pos..pos + n].copy_from_slice(&input[..n]);
        input = &input[n..];
        pos += n;
        while pos > 0 {
            let swallowed = match digester.digest(&buf[..pos]) {
                (DigestResult::Urc(line), swallowed) => {
                    match AtatBc20Urc::parse(line).expect("atat parses every URC of the stream") {
                        AtatBc20Urc::Recv(r) => counts.urc([
                            r.conn_id.into(),
                            r.msg_id.into(),
                            r.topic.len() as u64,
                            black_box(r.payload).len() as u64,
                        ]),
                        AtatBc20Urc::Stat(s) => {
                            counts.urc([s.conn_id.into(), s.err_code.into(), 0, 0])
                        }
                        AtatBc20Urc::Pub(p) | AtatBc20Urc::Sub(p) => counts.urc([
                            p.conn_id.into(),
                            p.msg_id.into(),
                            p.result.into(),
                            p.value.map_or(0, u64::from),
                        ]),
                    }
                    swallowed
                }
                (DigestResult::Response(r), swallowed) => {
                    black_box(r.is_ok());
                    counts.finals += 1;
                    swallowed
                }
                (DigestResult::Prompt(_) | DigestResult::None, swallowed) => swallowed,
            };
            if swallowed == 0 {
                break;
            }
            buf.copy_within(swallowed..pos, 0);
            pos -= swallowed;
        }
    }
    counts
}

/// Every parser sees every line of the stream (run once, before measuring).
fn check_same_work(stream: &[u8], mix: StreamMix) {
    assert_eq!(line_split(stream), mix.lines());
    assert_eq!(line_split_buffered(stream, UART_READ), mix.lines());
    for read in [UART_READ, stream.len()] {
        let ours = bc20(stream, read);
        assert_eq!(
            (ours.urcs, ours.finals),
            (mix.urcs(), mix.ok),
            "bc20, reads of {read}"
        );
        assert_eq!(
            atat(stream, read),
            ours,
            "atat and bc20 disagree, reads of {read}"
        );
    }
}

fn decode_modem_stream(c: &mut Criterion) {
    let (stream, mix) = modem_stream_with_mix(SEED, STREAM_LEN);
    check_same_work(&stream, mix);
    eprintln!(
        "modem stream: {} bytes, {} lines ({} +QMTRECV, {} other URCs, {} OK)",
        stream.len(),
        mix.lines(),
        mix.recv,
        mix.urcs() - mix.recv,
        mix.ok
    );
    let mut group = c.benchmark_group("modem_stream_1MiB");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.bench_function("line_split/whole", |b| {
        b.iter(|| line_split(black_box(&stream)))
    });
    group.bench_function("line_split/uart64", |b| {
        b.iter(|| line_split_buffered(black_box(&stream), UART_READ))
    });
    for (name, read) in [("whole", stream.len()), ("uart64", UART_READ)] {
        group.bench_with_input(BenchmarkId::new("bc20", name), &read, |b, &read| {
            b.iter(|| bc20(black_box(&stream), read))
        });
        group.bench_with_input(BenchmarkId::new("atat", name), &read, |b, &read| {
            b.iter(|| atat(black_box(&stream), read))
        });
    }
    group.finish();
}

criterion_group!(benches, decode_modem_stream);
criterion_main!(benches);
