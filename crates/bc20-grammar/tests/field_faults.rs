//! Issue 10's field faults in the grammar: trailing blanks at the line level (D46), a warning for
//! every lenient acceptance (D47), the typed errors DECISIONS promises (D2, D29, D34, D49),
//! unquoted strings in commands (D48) and the encoder's line bound (D50).

use bc20_grammar::strategies as common;

use std::borrow::Cow;

use bc20_grammar::*;
use proptest::prelude::*;

fn stream(mode: Mode, direction: Direction, bytes: &[u8]) -> Vec<Frame<'static>> {
    let mut dec = StreamDecoder::new(StreamConfig {
        mode,
        direction,
        ..StreamConfig::default()
    });
    let mut out = dec.feed_owned(bytes);
    out.extend(dec.finish_owned());
    out
}

/// The same stream fed one byte at a time: frames must not depend on the chunking.
fn stream_bytewise(mode: Mode, direction: Direction, bytes: &[u8]) -> Vec<Frame<'static>> {
    let mut dec = StreamDecoder::new(StreamConfig {
        mode,
        direction,
        ..StreamConfig::default()
    });
    let mut out = Vec::new();
    for b in bytes {
        out.extend(dec.feed_owned(std::slice::from_ref(b)));
    }
    out.extend(dec.finish_owned());
    out
}

fn warning_kinds(d: &Decoded<'_>) -> Vec<WarningKind> {
    d.warnings.iter().map(|w| w.kind).collect()
}

fn error_kind(r: &Result<Decoded<'_>, DecodeError>) -> DecodeErrorKind {
    match r {
        Ok(d) => panic!("decoded {:?}", d.line),
        Err(e) => e.kind,
    }
}

const ISSUE_10_A: &[u8] =
    b"\r\n+QMTRECV: 0,0,\"t\",\"x\" \r\n\r\n+QMTSTAT: 0,1\r\n\r\n+QMTRECV: 0,1,\"t\",\"y\"\r\n";

#[test]
fn blank_after_the_payload_quote_ends_the_frame_in_lenient_mode() {
    for frames in [
        stream(Mode::Lenient, Direction::ModemToHost, ISSUE_10_A),
        stream_bytewise(Mode::Lenient, Direction::ModemToHost, ISSUE_10_A),
    ] {
        assert_eq!(frames.len(), 3, "{frames:#?}");
        let first = frames[0].decoded.as_ref().unwrap();
        assert_eq!(
            first.line,
            Line::Urc(Urc::QmtRecv {
                conn_id: 0,
                msg_id: 0,
                topic: "t".into(),
                payload: Payload::from("x"),
            })
        );
        assert_eq!(warning_kinds(first), [WarningKind::TrailingBlank]);
        assert_eq!(first.warnings.iter().next().unwrap().column, 21);
        assert_eq!(
            frames[1].decoded.as_ref().unwrap().line,
            Line::Urc(Urc::QmtStat {
                conn_id: 0,
                err_code: QmtStatCode::from_code(1),
            })
        );
        assert_eq!(frames[2].decoded.as_ref().unwrap().line.name(), "+QMTRECV");
        assert!(frames[1..]
            .iter()
            .all(|f| f.decoded.as_ref().unwrap().warnings.is_empty()));
    }
}

#[test]
fn blank_after_the_payload_quote_is_one_error_frame_in_strict_mode() {
    for frames in [
        stream(Mode::Strict, Direction::ModemToHost, ISSUE_10_A),
        stream_bytewise(Mode::Strict, Direction::ModemToHost, ISSUE_10_A),
    ] {
        assert_eq!(frames.len(), 3, "{frames:#?}");
        assert_eq!(frames[0].kind, FrameKind::Error);
        assert_eq!(
            error_kind(&frames[0].decoded),
            DecodeErrorKind::TrailingBlank
        );
        assert_eq!(frames[0].decoded.as_ref().unwrap_err().column, 21);
        assert_eq!(frames[0].raw.as_ref(), b"+QMTRECV: 0,0,\"t\",\"x\" ");
        assert_eq!(frames[1].kind, FrameKind::Urc);
        assert_eq!(frames[1].raw.as_ref(), b"+QMTSTAT: 0,1");
        assert_eq!(frames[2].kind, FrameKind::Urc);
        assert_eq!(frames[2].line, 6);
    }
}

#[test]
fn blanks_and_tabs_between_quote_and_line_end_close_a_joined_payload() {
    let input = b"\r\n+QMTRECV: 0,0,\"t\",\"a\r\nb\" \t\r\n\r\nOK\r\n";
    let frames = stream(Mode::Lenient, Direction::ModemToHost, input);
    assert_eq!(frames.len(), 2, "{frames:#?}");
    match &frames[0].decoded.as_ref().unwrap().line {
        Line::Urc(Urc::QmtRecv { payload, .. }) => assert_eq!(payload.as_bytes(), b"a\r\nb"),
        other => panic!("{other:?}"),
    }
    // A payload that itself holds `"` and blanks before a line end cannot be carried (D46).
    assert!(Payload::from("a\" \r\nb").check().is_err());
    assert!(Payload::from("a\"\t\nb").check().is_err());
    assert!(Payload::from("a\" b\r\nc").check().is_ok());
}

#[test]
fn host_lines_with_trailing_blanks_decode_leniently_and_fail_strictly() {
    let cases: [(&[u8], Command<'static>); 4] = [
        (b"AT+QMTCONN? ", Command::QmtConnRead),
        (b"AT ", Command::At),
        (b"AT+CSQ\t", Command::Csq),
        (
            b"AT+QMTCFG=\"keepalive\",0 ",
            Command::QmtCfg {
                conn_id: 0,
                setting: CfgSetting::Query(CfgKeyword::KeepAlive),
            },
        ),
    ];
    for (line, want) in cases {
        let lenient = decode_line(line, Mode::Lenient, Context::default()).unwrap();
        assert_eq!(lenient.line, Line::Command(want));
        assert_eq!(warning_kinds(&lenient), [WarningKind::TrailingBlank]);
        let strict = decode_line(line, Mode::Strict, Context::default()).unwrap_err();
        assert_eq!(strict.kind, DecodeErrorKind::TrailingBlank);
        assert_eq!(strict.column, line.len() - 1);
    }
}

#[test]
fn a_line_outside_the_grammar_keeps_its_blanks_in_both_modes() {
    for mode in [Mode::Strict, Mode::Lenient] {
        let d = decode_line(b"+QIURC: \"pdpdeact\",1 ", mode, Context::default()).unwrap();
        assert_eq!(
            d.line,
            Line::Urc(Urc::Unknown {
                text: "+QIURC: \"pdpdeact\",1 ".into()
            })
        );
        assert!(d.warnings.is_empty());
    }
}

#[test]
fn an_error_before_the_blanks_is_reported_first() {
    let e = decode_line(b"AT+QMTCLOSE=9 ", Mode::Strict, Context::default()).unwrap_err();
    assert!(matches!(e.kind, DecodeErrorKind::OutOfRange { .. }), "{e}");
}

/// Blanks and tabs, one to four of them.
fn blanks() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(prop_oneof![Just(b' '), Just(b'\t')], 1..5)
}

/// Canonical module lines (no Unknown: D41 keeps those whole), without their CR LF.
fn module_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        common::response().prop_map(|r| r.to_bytes().unwrap()),
        common::urc()
            .prop_filter("grammar lines only", |u| !matches!(u, Urc::Unknown { .. }))
            .prop_map(|u| u.to_bytes().unwrap()),
    ]
    .prop_map(|b| b[2..b.len() - 2].to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// D46 for every command form: strict refuses the blanks at their column, lenient reads
    /// the same command with one more warning.
    #[test]
    fn every_command_form_takes_trailing_blanks_leniently_only(
        cmd in common::command(),
        pad in blanks(),
    ) {
        let mut line = cmd.to_bytes().unwrap();
        line.pop(); // the CR
        let clean = decode_line(&line, Mode::Strict, Context::default()).unwrap();
        let padded = [&line[..], &pad[..]].concat();
        let strict = decode_line(&padded, Mode::Strict, Context::default()).unwrap_err();
        prop_assert_eq!(strict.kind, DecodeErrorKind::TrailingBlank);
        prop_assert_eq!(strict.column, line.len());
        let lenient = decode_line(&padded, Mode::Lenient, Context::default()).unwrap();
        prop_assert_eq!(&lenient.line, &clean.line);
        let warnings: Vec<_> = lenient.warnings.iter().map(|w| (w.column, w.kind)).collect();
        prop_assert_eq!(warnings, [(line.len(), WarningKind::TrailingBlank)]);
        // Through the host-side stream as well, with CR and with CR LF.
        for end in [&b"\r"[..], b"\r\n"] {
            let bytes = [&padded[..], end].concat();
            let frames = stream(Mode::Lenient, Direction::HostToModem, &bytes);
            prop_assert_eq!(frames.len(), 1);
            prop_assert_eq!(&frames[0].decoded.as_ref().unwrap().line, &clean.line);
            let frames = stream(Mode::Strict, Direction::HostToModem, &bytes);
            prop_assert_eq!(frames.len(), 1);
            prop_assert_eq!(error_kind(&frames[0].decoded), DecodeErrorKind::TrailingBlank);
        }
    }

    /// D46 for every response and URC, at every line end of a module stream: as many frames
    /// as lines in both modes, a padded line is a TrailingBlank error (strict) or the same
    /// value with the warning (lenient), and the other lines are untouched.
    #[test]
    fn every_module_line_takes_trailing_blanks_at_every_line_end(
        lines in proptest::collection::vec((module_line(), proptest::option::of(blanks())), 1..6),
    ) {
        let mut bytes = Vec::new();
        for (line, pad) in &lines {
            bytes.extend_from_slice(b"\r\n");
            bytes.extend_from_slice(line);
            bytes.extend_from_slice(pad.as_deref().unwrap_or_default());
            bytes.extend_from_slice(b"\r\n");
        }
        let clean: Vec<u8> = lines
            .iter()
            .flat_map(|(l, _)| [&b"\r\n"[..], l, b"\r\n"].concat())
            .collect();
        for mode in [Mode::Strict, Mode::Lenient] {
            let want = stream(mode, Direction::ModemToHost, &clean);
            let got = stream(mode, Direction::ModemToHost, &bytes);
            prop_assert_eq!(got.len(), lines.len());
            prop_assert_eq!(want.len(), lines.len());
            for ((w, g), (_, pad)) in want.iter().zip(&got).zip(&lines) {
                match (mode, pad) {
                    (_, None) => prop_assert_eq!(&w.decoded, &g.decoded),
                    (Mode::Strict, Some(_)) => prop_assert_eq!(
                        error_kind(&g.decoded),
                        DecodeErrorKind::TrailingBlank
                    ),
                    (Mode::Lenient, Some(_)) => {
                        let (w, g) = (w.decoded.as_ref().unwrap(), g.decoded.as_ref().unwrap());
                        prop_assert_eq!(&w.line, &g.line);
                        prop_assert_eq!(
                            g.warnings.iter().last().map(|w| w.kind),
                            Some(WarningKind::TrailingBlank)
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn a_bare_lf_from_the_module_warns_in_lenient_mode() {
    let frames = stream(Mode::Lenient, Direction::ModemToHost, b"+CPIN: READY\n");
    assert_eq!(frames.len(), 1);
    let d = frames[0].decoded.as_ref().unwrap();
    assert_eq!(
        d.line,
        Line::Response(Response::Cpin {
            code: "READY".into()
        })
    );
    let warnings: Vec<_> = d.warnings.iter().map(|w| (w.column, w.kind)).collect();
    assert_eq!(warnings, [(12, WarningKind::BareLf)]);
    let frames = stream(Mode::Strict, Direction::ModemToHost, b"+CPIN: READY\n");
    assert_eq!(frames[0].kind, FrameKind::Error);
}

/// One input per lenient acceptance path: a byte stream, its direction, and the warning its
/// last frame must carry. The match is exhaustive, so a new warning kind does not compile until it has
/// its sample here.
fn lenient_sample(kind: WarningKind) -> (Direction, &'static [u8]) {
    use Direction::{HostToModem as Host, ModemToHost as Module};
    use WarningKind::*;
    match kind {
        TypographicQuote => (
            Host,
            "AT+QMTOPEN=0,\u{201c}broker\u{201d},1883\r".as_bytes(),
        ),
        UnquotedString => (Host, b"AT+QMTOPEN=0,host.example,1883\r"),
        StraySpace => (Host, b"AT+QMTOPEN=0, \"broker\",1883\r"),
        KeywordCase => (Host, b"at+qmtopen=0,\"broker\",1883\r"),
        MissingSpaceAfterColon => (Module, b"\r\n+CGATT:1\r\n"),
        UnquotedPayload => (Module, b"\r\n+QMTRECV: 0,0,\"t\",hello\r\n"),
        PayloadLengthField => (Module, b"\r\n+QMTRECV: 0,0,\"t\",5,\"hello\"\r\n"),
        Qos0NonZeroMsgId => (Host, b"AT+QMTPUB=0,7,0,0,\"t\",\"m\"\r"),
        MissingGrantedQos => (Module, b"\r\n+QMTSUB: 0,1,0\r\n"),
        VerboseCmeError => (Module, b"\r\n+CME ERROR: Operation not allowed\r\n"),
        LeadingZero => (Host, b"AT+QMTCLOSE=00\r"),
        QuotingDiffers => (
            Module,
            b"\r\n+QMTCFG: \"will\",1,1,0,dev/status,offline\r\n",
        ),
        MissingRetCode => (Module, b"\r\n+QMTCONN: 0,0\r\n"),
        ConnRetransmissionCount => (Module, b"\r\n+QMTCONN: 0,1,3\r\n"),
        MissingRetransmissionCount => (Module, b"\r\n+QMTSUB: 0,7,1\r\n"),
        ValueAfterFailure => (Module, b"\r\n+QMTSUB: 0,7,2,128\r\n"),
        TrailingBlank => (Module, b"\r\n+QMTSTAT: 0,1 \r\n"),
        BareLf => (Module, b"+CPIN: READY\n"),
        // The echo opens AT+CSQ's window, which admits +CSQ only (D51).
        OutsideWindow => (Module, b"AT+CSQ\r\r\n+CPIN: READY\r\n"),
    }
}

#[test]
fn every_lenient_acceptance_path_yields_its_warning() {
    for kind in WarningKind::ALL {
        let (direction, bytes) = lenient_sample(kind);
        let shown = String::from_utf8_lossy(bytes);
        let lenient = stream(Mode::Lenient, direction, bytes);
        let strict = stream(Mode::Strict, direction, bytes);
        assert_eq!(
            lenient.len(),
            strict.len(),
            "{kind:?} {shown:?}: {lenient:#?}"
        );
        let d = lenient
            .last()
            .unwrap()
            .decoded
            .as_ref()
            .unwrap_or_else(|e| panic!("{kind:?} {shown:?}: {e}"));
        assert!(
            warning_kinds(d).contains(&kind),
            "{kind:?} {shown:?}: {:?}",
            d.warnings
        );
        assert_eq!(
            strict.last().unwrap().kind,
            FrameKind::Error,
            "strict accepts {kind:?} {shown:?}"
        );
    }
}

#[test]
fn every_lenient_decode_of_the_corpus_that_differs_from_strict_warns() {
    // Whatever lenient accepts that strict refuses must say why: checked over every capture.
    for (name, direction, bytes) in corpus_files() {
        let strict = stream(Mode::Strict, direction, &bytes);
        let lenient = stream(Mode::Lenient, direction, &bytes);
        assert_eq!(strict.len(), lenient.len(), "{name}");
        for (s, l) in strict.iter().zip(&lenient) {
            if let (Err(_), Ok(d)) = (&s.decoded, &l.decoded) {
                assert!(!d.warnings.is_empty(), "{name}: line {} silently", l.line);
            }
        }
    }
}

fn corpus_files() -> Vec<(String, Direction, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let direction = match path.extension().and_then(|e| e.to_str()) {
            Some("modem") => Direction::ModemToHost,
            Some("host") => Direction::HostToModem,
            _ => continue,
        };
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        out.push((name, direction, std::fs::read(&path).unwrap()));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn a_tab_inside_a_string_is_a_control_byte_in_both_modes() {
    for (line, column) in [
        ("AT+QMTPUB=0,0,0,0,\"a\tb\",\"m\"", 20),
        ("AT+QMTCONN=0,\"c\tid\"", 15),
        ("AT+QMTOPEN=0,ho\tst,1883", 15),
        ("+QMTCFG: \"will\",1,1,0,\"w\",\"m\tx\"", 28),
    ] {
        for mode in [Mode::Strict, Mode::Lenient] {
            let e = decode_line(line.as_bytes(), mode, Context::default()).unwrap_err();
            assert_eq!(
                (e.kind, e.column),
                (DecodeErrorKind::ControlByte { byte: b'\t' }, column),
                "{line:?} {mode:?}: {e}"
            );
        }
    }
}

#[test]
fn a_tab_in_a_line_kept_as_text_warns_in_lenient_mode() {
    for (line, column) in [
        ("+QIURC: a\tb", 9),
        ("hello\tworld", 5),
        ("+QMTOPEN: (0-5),\"<host\tname>\",(1-65535)", 22),
    ] {
        let d = decode_line(line.as_bytes(), Mode::Lenient, Context::default()).unwrap();
        let warnings: Vec<_> = d.warnings.iter().map(|w| (w.column, w.kind)).collect();
        assert_eq!(warnings, [(column, WarningKind::StraySpace)], "{line:?}");
        assert!(decode_line(line.as_bytes(), Mode::Strict, Context::default()).is_err());
    }
}

#[test]
fn typographic_quotes_are_a_typed_strict_error() {
    for line in [
        "AT+QMTOPEN=0,\u{201c}broker\u{201d},1883",
        "+QMTRECV: 0,0,\"t\",\u{201c}x\u{201d}",
        "+QMTOPEN: (0-5),\u{201c}<host_name>\u{201d},(1-65535)",
    ] {
        let e = decode_line(line.as_bytes(), Mode::Strict, Context::default()).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::TypographicQuote, "{line}: {e}");
    }
}

#[test]
fn sub_and_uns_without_topics_or_with_an_empty_one_are_typed_errors() {
    for mode in [Mode::Strict, Mode::Lenient] {
        for (line, kind) in [
            ("AT+QMTSUB=0,1", DecodeErrorKind::NoTopics),
            ("AT+QMTUNS=0,1", DecodeErrorKind::NoTopics),
            (
                "AT+QMTSUB=0,1,\"\",1",
                DecodeErrorKind::EmptyTopic { field: "topic" },
            ),
            (
                "AT+QMTUNS=0,1,\"a\",\"\"",
                DecodeErrorKind::EmptyTopic { field: "topic" },
            ),
            (
                "AT+QMTPUB=0,0,0,0,\"\",\"m\"",
                DecodeErrorKind::EmptyTopic { field: "topic" },
            ),
        ] {
            let e = decode_line(line.as_bytes(), mode, Context::default()).unwrap_err();
            assert_eq!(e.kind, kind, "{line} {mode:?}: {e}");
        }
    }
    let sub = |topics: Vec<SubTopic<'static>>| Command::QmtSub {
        conn_id: 0,
        msg_id: 1,
        topics: topics.into(),
    };
    assert_eq!(sub(vec![]).to_bytes(), Err(EncodeError::NoTopics));
    let one = SubTopic {
        topic: "".into(),
        qos: Qos::AtMostOnce,
    };
    assert_eq!(
        sub(vec![one.clone()]).to_bytes(),
        Err(EncodeError::EmptyTopic { field: "topic" })
    );
    let many = vec![
        SubTopic {
            topic: "a".into(),
            ..one
        };
        MAX_TOPICS + 1
    ];
    assert_eq!(
        sub(many).to_bytes(),
        Err(EncodeError::TooManyTopics { max: MAX_TOPICS })
    );
}

#[test]
fn other_publish_forms_are_refused_in_both_modes_with_d34s_error() {
    for mode in [Mode::Strict, Mode::Lenient] {
        for (line, form, column) in [
            ("AT+QMTPUB=0,0,0,0,\"motor/beta\"", "prompt", 30),
            ("AT+QMTPUB=0,1,1,0,\"motor/beta\"", "prompt", 30),
            ("AT+QMTPUB=0,0,0,0,\"t\",5", "length", 22),
            ("AT+QMTPUB=0,0,0,0,\"t\",1548", "length", 22),
        ] {
            let e = decode_line(line.as_bytes(), mode, Context::default())
                .map(|d| d.line)
                .unwrap_err();
            assert_eq!(
                (e.kind, e.column),
                (DecodeErrorKind::UnsupportedPromptForm { form }, column),
                "{line} {mode:?}: {e}"
            );
        }
    }
    let e = decode_line(
        b"AT+QMTPUB=0,0,0,0,\"motor/beta\"",
        Mode::Strict,
        Context::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("prompt form"), "{e}");
}

#[test]
fn unquoted_strings_in_commands_are_lenient_only_for_host_and_keyword() {
    let accepted: [&[u8]; 3] = [
        b"AT+QMTOPEN=0,host.example,1883",
        b"AT+QMTCFG=ALIAUTH,0,\"pk\",\"dn\",\"ds\"",
        b"AT+QMTCFG=keepalive,0,120",
    ];
    for line in accepted {
        let d = decode_line(line, Mode::Lenient, Context::default()).unwrap();
        assert!(
            warning_kinds(&d).contains(&WarningKind::UnquotedString),
            "{d:?}"
        );
        let e = decode_line(line, Mode::Strict, Context::default()).unwrap_err();
        assert!(
            matches!(e.kind, DecodeErrorKind::UnquotedString { .. }),
            "{e}"
        );
    }
    for (line, field) in [
        ("AT+QMTCONN=0,0", "clientID"),
        ("AT+QMTCONN=0,dev", "clientID"),
        ("AT+QMTCONN=0,\"dev\",user", "username"),
        ("AT+QMTCONN=0,\"dev\",\"u\",pw", "password"),
        ("AT+QMTSUB=0,1,a/b,1", "topic"),
        ("AT+QMTUNS=0,1,\"a\",b", "topic"),
        ("AT+QMTPUB=0,0,0,0,t,\"m\"", "topic"),
        ("AT+QMTPUB=0,0,0,0,\"t\",hello", "msg"),
        ("AT+QMTPUB=0,0,0,0,\"t\",5x", "msg"),
        ("AT+QMTCFG=\"will\",0,1,0,0,w,\"m\"", "will_topic"),
        ("AT+QMTCFG=\"will\",0,1,0,0,\"w\",m", "will_msg"),
        ("AT+QMTCFG=\"aliauth\",0,pk,\"dn\",\"ds\"", "product_key"),
    ] {
        for mode in [Mode::Strict, Mode::Lenient] {
            let e = decode_line(line.as_bytes(), mode, Context::default()).unwrap_err();
            assert_eq!(
                e.kind,
                DecodeErrorKind::UnquotedString { field },
                "{line} {mode:?}: {e}"
            );
        }
    }
}

#[test]
fn the_encoder_refuses_a_line_over_the_bound() {
    // Issue 10: 16 topics of 1000 bytes made a 16,094-byte AT+QMTSUB.
    let topics: Vec<SubTopic<'static>> = (0..16)
        .map(|i| SubTopic {
            topic: Cow::Owned(format!("{i:x}").repeat(1000)),
            qos: Qos::AtLeastOnce,
        })
        .collect();
    let cmd = Command::QmtSub {
        conn_id: 0,
        msg_id: 1,
        topics: topics.into(),
    };
    let mut out = b"kept".to_vec();
    assert_eq!(
        cmd.encode(&mut out),
        Err(EncodeError::LineTooLong {
            len: 16_093,
            limit: DEFAULT_MAX_LINE_LEN
        })
    );
    assert_eq!(out, b"kept");
}

#[test]
fn the_encoder_bound_is_the_decoders_bound_exactly() {
    // A +QMTRECV of exactly the bound encodes and decodes; one byte more does neither.
    let head = "+QMTRECV: 0,1,\"t\",\"".len() + 1;
    for extra in [0usize, 1] {
        let payload = vec![b'p'; DEFAULT_MAX_LINE_LEN - head + extra];
        let urc = Urc::QmtRecv {
            conn_id: 0,
            msg_id: 1,
            topic: "t".into(),
            payload: Payload(Cow::Owned(payload)),
        };
        let encoded = urc.to_bytes();
        let frames = stream(
            Mode::Strict,
            Direction::ModemToHost,
            &[
                &b"\r\n+QMTRECV: 0,1,\"t\",\""[..],
                &vec![b'p'; DEFAULT_MAX_LINE_LEN - head + extra],
                b"\"\r\n",
            ]
            .concat(),
        );
        if extra == 0 {
            assert_eq!(encoded.unwrap().len(), DEFAULT_MAX_LINE_LEN + 4);
            assert!(frames[0].decoded.is_ok());
        } else {
            assert_eq!(
                encoded,
                Err(EncodeError::LineTooLong {
                    len: DEFAULT_MAX_LINE_LEN + 1,
                    limit: DEFAULT_MAX_LINE_LEN
                })
            );
            assert_eq!(frames[0].kind, FrameKind::Error);
        }
    }
    // A command of exactly the bound (without its CR) encodes and the host stream reads it.
    let msg = "m".repeat(1548);
    let pub_cmd = |topic_len: usize| Command::QmtPub {
        conn_id: 0,
        msg_id: 0,
        qos: Qos::AtMostOnce,
        retain: false,
        topic: Cow::Owned("t".repeat(topic_len)),
        msg: Payload::from(msg.as_str()),
    };
    let longest = pub_cmd(1024).to_bytes().unwrap();
    assert!(longest.len() - 1 <= DEFAULT_MAX_LINE_LEN);
}

fn stream_told(mode: Mode, bytes: &[u8]) -> Vec<Frame<'static>> {
    let mut dec = StreamDecoder::new(StreamConfig {
        mode,
        ..StreamConfig::default()
    });
    dec.sees_every_command();
    let mut out = dec.feed_owned(bytes);
    out.extend(dec.finish_owned());
    out
}

/// Each command with an information response, and a line of that response (D51).
const WINDOWS: &[(&str, &str)] = &[
    ("AT+CPIN?", "+CPIN: READY"),
    ("AT+CEREG?", "+CEREG: 0,1"),
    ("AT+CGATT?", "+CGATT: 1"),
    ("AT+CSQ", "+CSQ: 20,99"),
    ("ATI", "Quectel"),
    ("AT+CGMR", "Revision: BC20JAR01A01"),
    ("AT+QMTOPEN?", "+QMTOPEN: 0,\"broker\",1883"),
    ("AT+QMTCONN?", "+QMTCONN: 0,3"),
    ("AT+QMTCFG=\"keepalive\",0", "+QMTCFG: \"keepalive\",120"),
    ("AT+QMTCFG=\"will\",0", "+QMTCFG: \"will\",0"),
    ("AT+QMTCFG=?", "+QMTCFG: \"keepalive\",(0-5),(0-3600)"),
    ("AT+QMTOPEN=?", "+QMTOPEN: (0-5),\"<host_name>\",(1-65535)"),
    (
        "AT+QMTPUB=?",
        "+QMTPUB: (0-5),(0-65535),(0-2),(0,1),\"<topic>\",\"<msg>\"",
    ),
];

#[test]
fn every_information_response_is_paired_inside_its_window() {
    for &(cmd, response) in WINDOWS {
        let echoed = format!("{cmd}\r\r\n{response}\r\n\r\nOK\r\n");
        for mode in [Mode::Strict, Mode::Lenient] {
            for frames in [
                stream(mode, Direction::ModemToHost, echoed.as_bytes()),
                stream_told(mode, echoed.as_bytes()),
            ] {
                let kinds: Vec<_> = frames.iter().map(|f| f.kind).collect();
                assert_eq!(
                    kinds,
                    [FrameKind::Echo, FrameKind::Response, FrameKind::Final],
                    "{cmd} {response} {mode:?}: {frames:#?}"
                );
            }
            // Told by the client instead of an echo.
            let mut dec = StreamDecoder::new(StreamConfig {
                mode,
                ..StreamConfig::default()
            });
            let (command, _) = Command::decode(cmd.as_bytes(), Mode::Strict).unwrap();
            dec.command_sent(&command);
            let frames = dec.feed_owned(format!("\r\n{response}\r\n\r\nOK\r\n").as_bytes());
            assert_eq!(frames[0].kind, FrameKind::Response, "{cmd} {mode:?}");
        }
    }
}

#[test]
fn an_information_response_outside_every_window_is_refused_when_commands_are_seen() {
    for &(cmd, response) in WINDOWS {
        // Before any command, after the final result code, and inside another command's window.
        let others = WINDOWS
            .iter()
            .find(|(c, r)| !(r.starts_with(&response[..4]) || *c == cmd))
            .unwrap();
        let input = format!(
            "\r\n{response}\r\n{cmd}\r\r\nOK\r\n\r\n{response}\r\n{}\r\r\n{response}\r\n\r\nOK\r\n",
            others.0
        );
        let strict = stream_told(Mode::Strict, input.as_bytes());
        let lenient = stream_told(Mode::Lenient, input.as_bytes());
        assert_eq!(strict.len(), 7, "{input:?}: {strict:#?}");
        assert_eq!(lenient.len(), 7, "{input:?}");
        for at in [0, 3, 5] {
            assert_eq!(
                error_kind(&strict[at].decoded),
                DecodeErrorKind::OutsideWindow,
                "{input:?} frame {at}"
            );
            let d = lenient[at].decoded.as_ref().unwrap();
            assert_eq!(lenient[at].kind, FrameKind::Urc, "{input:?} frame {at}");
            assert_eq!(
                d.line,
                Line::Urc(Urc::Unknown {
                    text: response.into()
                })
            );
            assert_eq!(warning_kinds(d), [WarningKind::OutsideWindow]);
        }
    }
}

#[test]
fn a_module_only_stream_marks_a_response_it_cannot_pair() {
    // Issue 10 D: `+CPIN: READY` with no command before it, echo off: the decoder cannot know
    // whether a command was sent, so it says so instead of guessing.
    for mode in [Mode::Strict, Mode::Lenient] {
        let frames = stream(mode, Direction::ModemToHost, b"\r\n+CPIN: READY\r\n");
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].kind, FrameKind::Unpaired);
        assert!(frames[0].decoded.as_ref().unwrap().warnings.is_empty());
        // After an echoed exchange the window is closed again: unpaired, not refused.
        let frames = stream(
            mode,
            Direction::ModemToHost,
            b"AT\r\r\nOK\r\n\r\n+CPIN: READY\r\n",
        );
        assert_eq!(frames[2].kind, FrameKind::Unpaired);
    }
}

/// Whether `cmd`'s window admits `r`, written from the spec ids (independently of the
/// decoder's table): `X.read`/`X.query` → `X.response` or `X.read.response`, `X.test` →
/// `X.test.response`, `ATI`/`AT+CGMR` → text, `AT+CSQ` → `+CSQ`.
fn admits(cmd: &Command<'_>, r: &Response<'_>) -> bool {
    let (c, rs) = (cmd.spec_id(), r.spec_id());
    if c.ends_with(".test") {
        return rs == format!("{c}.response");
    }
    match c {
        "basic.ati" | "basic.cgmr" => rs == "text",
        "basic.csq" => rs == "basic.csq.response",
        _ => c
            .strip_suffix(".read")
            .or_else(|| c.strip_suffix(".query"))
            .is_some_and(|base| rs == format!("{base}.response") || rs == format!("{c}.response")),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// D51 over every command and every information response: inside the command's window the
    /// response is paired exactly when the command has that response; otherwise strict refuses
    /// it and lenient keeps it as Unknown with a warning.
    #[test]
    fn every_command_window_admits_exactly_its_own_response(
        cmd in common::command(),
        response in common::response().prop_filter("information responses", |r| !r.is_final()),
    ) {
        let mut echo = cmd.to_bytes().unwrap();
        echo.extend_from_slice(b"\r\n");
        let line = response.to_bytes().unwrap();
        let input = [&echo[..], &line, b"\r\nOK\r\n"].concat();
        let strict = stream_told(Mode::Strict, &input);
        let lenient = stream_told(Mode::Lenient, &input);
        prop_assert_eq!(strict.len(), 3);
        prop_assert_eq!(lenient.len(), 3);
        match &lenient[1].decoded.as_ref().unwrap().line {
            // The two-field +QMTCONN line outside AT+QMTCONN? is the asynchronous result (D26).
            Line::Urc(Urc::QmtConn { .. }) => {}
            Line::Response(r) => {
                prop_assert!(admits(&cmd, r), "{} {:?}", cmd, r);
                prop_assert_eq!(lenient[1].kind, FrameKind::Response);
                prop_assert_eq!(strict[1].kind, FrameKind::Response);
            }
            Line::Urc(Urc::Unknown { .. }) => {
                let d = decode_line(&line[2..line.len() - 2], Mode::Strict, Context::default());
                if let Ok(Decoded { line: Line::Response(r), .. }) = d {
                    prop_assert!(!admits(&cmd, &r), "{} {:?}", cmd, r);
                }
                prop_assert_eq!(
                    error_kind(&strict[1].decoded),
                    DecodeErrorKind::OutsideWindow
                );
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }
}

#[test]
fn the_encoder_refuses_a_test_response_it_could_not_decode_back_strictly() {
    // Found by the roundtrip fuzzer after D46: `+QMTCFG: "session",(5 ` with its trailing
    // blank was written, and strict decoding refused it.
    for params in ["\"session\",(5 ", "(0-5)\t"] {
        let r = Response::Test {
            command: MqttCommand::QmtCfg,
            params: Cow::Borrowed(params),
        };
        let mut out = Vec::new();
        assert!(
            matches!(
                Line::Response(r).encode(&mut out),
                Err(EncodeError::Rule { .. } | EncodeError::Unrepresentable { .. })
            ),
            "{params:?}"
        );
    }
}
