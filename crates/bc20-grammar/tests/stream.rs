//! The streaming decoder: chunking invariance, classification in context, bounded memory,
//! resynchronisation after garbage.

use bc20_grammar::strategies as common;

use bc20_grammar::*;
use proptest::prelude::*;

fn frames(config: StreamConfig, bytes: &[u8], chunks: &[usize]) -> Vec<Frame<'static>> {
    let mut dec = StreamDecoder::new(config);
    let mut out = Vec::new();
    let mut rest = bytes;
    for &c in chunks {
        if rest.is_empty() {
            break;
        }
        let n = c.clamp(1, rest.len());
        out.extend(dec.feed_owned(&rest[..n]));
        rest = &rest[n..];
    }
    out.extend(dec.feed_owned(rest));
    out.extend(dec.finish_owned());
    out
}

fn whole(config: StreamConfig, bytes: &[u8]) -> Vec<Frame<'static>> {
    frames(config, bytes, &[])
}

fn kinds(frames: &[Frame<'_>]) -> Vec<(FrameKind, String)> {
    frames
        .iter()
        .map(|f| (f.kind, String::from_utf8_lossy(&f.raw).into_owned()))
        .collect()
}

/// A realistic modem stream: echoed commands, responses and URCs, with some garbage.
fn stream_piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => common::urc().prop_map(|u| u.to_bytes().unwrap()),
        3 => common::response().prop_filter("not a read response", |r| !matches!(r, Response::QmtConnRead { .. })).prop_map(|r| r.to_bytes().unwrap()),
        2 => common::command().prop_map(|c| c.to_bytes().unwrap()),
        1 => proptest::collection::vec(any::<u8>(), 0..40),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_chunking_yields_the_same_frames(
        pieces in proptest::collection::vec(stream_piece(), 0..24),
        chunks in proptest::collection::vec(1usize..64, 0..200),
        lenient in any::<bool>(),
        max_line_len in prop_oneof![Just(DEFAULT_MAX_LINE_LEN), 16usize..128],
    ) {
        let bytes: Vec<u8> = pieces.concat();
        let config = StreamConfig { mode: if lenient { Mode::Lenient } else { Mode::Strict }, max_line_len, ..StreamConfig::default() };
        let a = whole(config, &bytes);
        let b = frames(config, &bytes, &chunks);
        prop_assert_eq!(&a, &b);
        let one_byte = frames(config, &bytes, &vec![1; bytes.len()]);
        prop_assert_eq!(&a, &one_byte);
    }

    #[test]
    fn valid_frames_survive_garbage_in_front(
        garbage in proptest::collection::vec(any::<u8>(), 0..300),
        urc in common::urc(),
    ) {
        let mut bytes = garbage.clone();
        bytes.extend_from_slice(b"\r\n");
        let encoded = urc.to_bytes().unwrap();
        bytes.extend_from_slice(&encoded);
        let config = StreamConfig { mode: Mode::Strict, max_line_len: DEFAULT_MAX_LINE_LEN, ..StreamConfig::default() };
        let out = whole(config, &bytes);
        let last = out.last().expect("a frame");
        prop_assert_eq!(last.kind, FrameKind::Urc);
        prop_assert_eq!(&last.decoded.as_ref().unwrap().line, &Line::Urc(urc));
    }

    #[test]
    fn memory_stays_within_the_line_limit(bytes in proptest::collection::vec(any::<u8>(), 0..4000), max in 8usize..256) {
        let mut dec = StreamDecoder::new(StreamConfig { max_line_len: max, ..StreamConfig::default() });
        for chunk in bytes.chunks(97) {
            dec.feed(chunk, |f| assert!(f.raw.len() <= max + 1, "frame of {} bytes", f.raw.len()));
            prop_assert!(dec.buffered() <= max + 8);
        }
    }
}

#[test]
fn echo_response_final_and_async_result_are_told_apart() {
    let bytes =
        b"AT+QMTOPEN=0,\"broker\",1883\r\r\nOK\r\n\r\n+QMTSTAT: 1,1\r\n\r\n+QMTOPEN: 0,0\r\n";
    let out = whole(StreamConfig::default(), bytes);
    assert_eq!(
        kinds(&out),
        [
            (FrameKind::Echo, "AT+QMTOPEN=0,\"broker\",1883".into()),
            (FrameKind::Final, "OK".into()),
            (FrameKind::Urc, "+QMTSTAT: 1,1".into()),
            (FrameKind::Urc, "+QMTOPEN: 0,0".into()),
        ]
    );
}

#[test]
fn urc_between_command_and_ok_keeps_the_read_response_in_context() {
    // +QMTCONN: 0,1 is a state while AT+QMTCONN? waits for OK, a result otherwise (D26).
    let bytes = b"AT+QMTCONN?\r\r\n+QMTRECV: 1,0,\"t\",\"x\"\r\n\r\n+QMTCONN: 0,1\r\n\r\nOK\r\n\r\n+QMTCONN: 0,1\r\n";
    let out = whole(StreamConfig::default(), bytes);
    let lines: Vec<_> = out
        .iter()
        .map(|f| f.decoded.as_ref().unwrap().line.clone())
        .collect();
    assert_eq!(
        lines[2],
        Line::Response(Response::QmtConnRead {
            conn_id: 0,
            state: ConnState::Initial
        })
    );
    assert_eq!(
        lines[4],
        Line::Urc(Urc::QmtConn {
            conn_id: 0,
            result: PacketResult::Retransmission,
            ret_code: None,
            value: None
        })
    );
    assert_eq!(out[1].kind, FrameKind::Urc);
}

#[test]
fn command_sent_sets_the_context_without_echo() {
    let mut dec = StreamDecoder::new(StreamConfig::default());
    dec.command_sent(&Command::QmtConnRead);
    let out = dec.feed_owned(b"\r\n+QMTCONN: 2,3\r\n\r\nOK\r\n");
    assert_eq!(out[0].kind, FrameKind::Response);
}

#[test]
fn crlf_inside_a_received_payload_is_payload() {
    let bytes = b"\r\n+QMTRECV: 0,1,\"t\",\"line1\r\nline2\"\r\n\r\nOK\r\n";
    let out = whole(StreamConfig::default(), bytes);
    assert_eq!(out.len(), 2);
    match &out[0].decoded.as_ref().unwrap().line {
        Line::Urc(Urc::QmtRecv { payload, .. }) => {
            assert_eq!(payload.as_bytes(), b"line1\r\nline2")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        out[1].line, 5,
        "line numbers count the LF inside the payload"
    );
}

#[test]
fn quotes_inside_a_received_payload_are_kept() {
    let out = whole(
        StreamConfig::default(),
        b"\r\n+QMTRECV: 0,3,\"dev/cmd\",\"{\"method\":\"set\"}\"\r\n",
    );
    match &out[0].decoded.as_ref().unwrap().line {
        Line::Urc(Urc::QmtRecv { payload, topic, .. }) => {
            assert_eq!(topic, "dev/cmd");
            assert_eq!(payload.as_bytes(), br#"{"method":"set"}"#);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn over_long_line_is_one_error_and_the_next_frame_decodes() {
    let mut bytes = vec![b'x'; 10_000];
    bytes.extend_from_slice(b"\r\n\r\n+QMTSTAT: 0,2\r\n");
    let config = StreamConfig {
        max_line_len: 256,
        ..StreamConfig::default()
    };
    let out = frames(config, &bytes, &[1000; 20]);
    assert_eq!(out.len(), 2, "{:?}", kinds(&out));
    assert_eq!(
        out[0].decoded.as_ref().unwrap_err().kind,
        DecodeErrorKind::LineTooLong { limit: 256 }
    );
    assert_eq!(out[1].kind, FrameKind::Urc);
    assert_eq!(out[1].line, 3);
}

#[test]
fn one_megabyte_without_a_line_end_stays_bounded() {
    let mut dec = StreamDecoder::new(StreamConfig::default());
    let chunk = vec![b'A'; 65536];
    let mut errors = 0;
    for _ in 0..16 {
        dec.feed(&chunk, |f| {
            assert_eq!(f.kind, FrameKind::Error);
            errors += 1;
        });
        assert!(dec.buffered() <= DEFAULT_MAX_LINE_LEN + 8);
    }
    assert_eq!(errors, 1, "one error for one over-long line");
    let out = dec.feed_owned(b"\r\n\r\nOK\r\n");
    assert_eq!(kinds(&out), [(FrameKind::Final, "OK".into())]);
}

#[test]
fn nul_bytes_and_garbage_become_error_frames() {
    let out = whole(
        StreamConfig::default(),
        b"\r\n\x00\x01\xff\r\n\r\n+QMTPUB: 0,0,0\r\n",
    );
    assert_eq!(out[0].kind, FrameKind::Error);
    assert!(matches!(
        out[0].decoded.as_ref().unwrap_err().kind,
        DecodeErrorKind::ControlByte { byte: 0 }
    ));
    assert_eq!(out[1].kind, FrameKind::Urc);
}

#[test]
fn an_unterminated_last_line_is_reported_at_finish() {
    let mut dec = StreamDecoder::new(StreamConfig::default());
    assert!(dec.feed_owned(b"\r\nOK\r\n\r\n+QMTST").len() == 1);
    let rest = dec.finish_owned();
    assert_eq!(rest.len(), 1);
    assert_eq!(
        rest[0].decoded.as_ref().unwrap_err().kind,
        DecodeErrorKind::Truncated
    );
    assert_eq!(&*rest[0].raw, b"+QMTST");
}

#[test]
fn strict_wants_cr_before_lf_and_lenient_does_not() {
    let strict = whole(StreamConfig::default(), b"OK\n");
    assert_eq!(strict[0].kind, FrameKind::Error);
    let lenient = whole(
        StreamConfig {
            mode: Mode::Lenient,
            ..StreamConfig::default()
        },
        b"OK\n",
    );
    assert_eq!(lenient[0].kind, FrameKind::Final);
}

#[test]
fn host_to_modem_splits_commands_at_cr() {
    let config = StreamConfig {
        direction: Direction::HostToModem,
        ..StreamConfig::default()
    };
    let out = frames(config, b"AT\rAT+QMTCONN?\r\nATE0\r", &[3, 5]);
    assert_eq!(
        kinds(&out),
        [
            (FrameKind::Command, "AT".into()),
            (FrameKind::Command, "AT+QMTCONN?".into()),
            (FrameKind::Command, "ATE0".into()),
        ]
    );
    assert_eq!(out[2].offset, 16);
}

#[test]
fn offsets_and_line_numbers_point_at_the_frame() {
    let out = whole(StreamConfig::default(), b"\r\nOK\r\n\r\n+QMTSTAT: 0,1\r\n");
    assert_eq!((out[0].offset, out[0].line), (2, 2));
    assert_eq!((out[1].offset, out[1].line), (8, 4));
}
