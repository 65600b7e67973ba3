//! Every concrete example line of the application note (chapter 3's test responses and
//! chapter 6's session), exactly as printed — typographic quotes and all — decoded in both
//! modes and pinned with insta. Review changes with `cargo insta review`.

use bc20_grammar::{decode_line, Command, Context, DecodeError, Decoded, Mode, PacketOutcome};
use serde::Serialize;

/// (clause, line as printed, an `AT+QMTCONN?` is pending).
const NOTE_LINES: &[(&str, &str, bool)] = &[
    ("3.2.1", "AT+QMTCFG=?", false),
    ("3.2.1", "+QMTCFG: \"keepalive\",(0-5),(0-3600)", false),
    ("3.2.1", "+QMTCFG: \"session\",(0-5),(0,1)", false),
    ("3.2.1", "+QMTCFG: \"timeout\",(0-5),(1-60),(1-10),(0,1)", false),
    ("3.2.1", "+QMTCFG: \"will\",(0-5),(0,1),(0-2),(0,1),\"will_topic\",\"will_msg\"", false),
    ("3.2.1", "+QMTCFG: \"aliauth\",(0-5),\"productkey\",\"devicename\",\"devicesecret\"", false),
    ("3.2.1", "OK", false),
    ("6", "AT+QMTOPEN=?", false),
    ("6", "+QMTOPEN: (0-5),\"<host_name>\",<port>", false),
    ("6", "AT+QMTOPEN=0,\"220.180.239.212\",8401", false),
    ("6", "+QMTOPEN: 0,0", false),
    ("6", "AT+QMTOPEN?", false),
    ("6", "+QMTOPEN: 0,\"220.180.239.212\",8401", false),
    ("6", "AT+QMTCONN=?", false),
    ("6", "+QMTCONN: (0-5),\u{201c}<clientID>\u{201d}[,\u{201c}<username>\u{201d}[,\u{201c}<password>\u{201d}]]", false),
    ("6", "AT+QMTCONN=0,\u{201c}clientExample\u{201d}", false),
    ("6", "+QMTCONN: 0,0,0", false),
    ("6", "AT+QMTSUB=?", false),
    ("6", "+QMTSUB: (0-5),<msgID>,\"<topic>\",<qos>[,\"<topic>\",<qos>...]", false),
    ("6", "AT+QMTSUB=0,1,\u{201c}topic/example\u{201d},2", false),
    ("6", "+QMTSUB: 0,1,0,2", false),
    ("6", "AT+QMTSUB=0,1,\u{201c}topic/pub\u{201d},0", false),
    ("6", "+QMTSUB: 0,1,0,0", false),
    ("6", "+QMTRECV: 0,0,\u{201c}topic/example\u{201d},\u{201c}This is the payload related to topic\u{201d}", false),
    ("6", "AT+QMTUNS=0,2,\u{201c}topic/example\u{201d}", false),
    ("6", "+QMTUNS: 0,2,0", false),
    ("6", "AT+QMTPUB=?", false),
    ("6", "+QMTPUB: (0-5),<msgID>,<qos>,<retain>,\u{201c}<topic>\u{201d},\u{201c}<msg>\u{201d}", false),
    ("6", "AT+QMTPUB=0,0,0,0,\u{201c}topic/pub\u{201d},\u{201c}hello MQTT.\u{201d}", false),
    ("6", "+QMTPUB: 0,0,0", false),
    ("6", "+QMTRECV: 0,0,\u{201c}topic/pub\u{201d},\u{201c}hello MQTT.\u{201d}", false),
    ("6", "AT+QMTDISC=0", false),
    ("6", "+QMTDISC: 0,0", false),
    ("3.2.4 / field notes", "+QMTCONN: 0,3", true),
];

#[derive(Serialize)]
struct Example {
    clause: &'static str,
    printed: &'static str,
    strict: Outcome,
    lenient: Outcome,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Outcome {
    Decoded {
        name: &'static str,
        value: serde_json::Value,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        warnings: Vec<String>,
        canonical: String,
    },
    Error {
        error: String,
    },
}

fn outcome(r: Result<Decoded<'_>, DecodeError>) -> Outcome {
    match r {
        Ok(d) => {
            let mut wire = Vec::new();
            d.line.encode(&mut wire).unwrap();
            Outcome::Decoded {
                name: d.line.name(),
                value: serde_json::to_value(&d.line).unwrap(),
                warnings: d.warnings.iter().map(|w| w.to_string()).collect(),
                canonical: String::from_utf8_lossy(&wire).into_owned(),
            }
        }
        Err(e) => Outcome::Error {
            error: e.to_string(),
        },
    }
}

#[test]
fn every_note_example_decodes_and_is_pinned() {
    let examples: Vec<Example> = NOTE_LINES
        .iter()
        .map(|&(clause, printed, conn_read_pending)| {
            let ctx = Context { conn_read_pending };
            Example {
                clause,
                printed,
                strict: outcome(decode_line(printed.as_bytes(), Mode::Strict, ctx)),
                lenient: outcome(decode_line(printed.as_bytes(), Mode::Lenient, ctx)),
            }
        })
        .collect();
    for e in &examples {
        assert!(
            matches!(e.lenient, Outcome::Decoded { .. }),
            "lenient mode must read every printed example: {}",
            e.printed
        );
        let typographic = e.printed.contains('\u{201c}');
        assert_eq!(
            matches!(e.strict, Outcome::Error { .. }),
            typographic,
            "strict refuses exactly the typographic quotes: {}",
            e.printed
        );
    }
    insta::assert_yaml_snapshot!(examples);
}

#[test]
fn qmtpub_qos0_requires_msgid_zero() {
    assert!(Command::decode(b"AT+QMTPUB=0,5,0,0,\"t\",\"m\"", Mode::Strict).is_err());
    let (cmd, warnings) = Command::decode(b"AT+QMTPUB=0,5,0,0,\"t\",\"m\"", Mode::Lenient).unwrap();
    assert_eq!(
        warnings.iter().next().unwrap().kind,
        bc20_grammar::WarningKind::Qos0NonZeroMsgId
    );
    assert!(
        cmd.to_bytes().is_err(),
        "the encoder never writes the deviation"
    );
    assert!(Command::decode(b"AT+QMTPUB=0,0,1,0,\"t\",\"m\"", Mode::Lenient).is_err());
}

#[test]
fn lenient_mode_reports_every_deviation() {
    let cases: &[(&[u8], bc20_grammar::WarningKind)] = &[
        (
            b"+CGATT:1",
            bc20_grammar::WarningKind::MissingSpaceAfterColon,
        ),
        (b"at+qmtopen?", bc20_grammar::WarningKind::KeywordCase),
        (
            b"AT+QMTCFG=\"Will\",0",
            bc20_grammar::WarningKind::KeywordCase,
        ),
        (b"+QMTOPEN: 0, 0", bc20_grammar::WarningKind::StraySpace),
        (
            b"+QMTRECV: 0,0,\"t\",hello",
            bc20_grammar::WarningKind::UnquotedPayload,
        ),
        (
            b"+QMTRECV: 0,0,\"t\",5,\"hello\"",
            bc20_grammar::WarningKind::PayloadLengthField,
        ),
        (
            b"+QMTSUB: 0,1,0",
            bc20_grammar::WarningKind::MissingGrantedQos,
        ),
        (
            b"AT+QMTOPEN=0,broker,1883",
            bc20_grammar::WarningKind::UnquotedString,
        ),
        (
            b"+CME ERROR: Incorrect parameters",
            bc20_grammar::WarningKind::VerboseCmeError,
        ),
        (b"+QMTCONN: 0,0", bc20_grammar::WarningKind::MissingRetCode),
        (
            b"+QMTCONN: 2,1,3",
            bc20_grammar::WarningKind::ConnRetransmissionCount,
        ),
        (
            b"+QMTSUB: 0,7,1",
            bc20_grammar::WarningKind::MissingRetransmissionCount,
        ),
        (
            b"+QMTSUB: 0,7,2,128",
            bc20_grammar::WarningKind::ValueAfterFailure,
        ),
    ];
    for (line, kind) in cases {
        assert!(
            decode_line(line, Mode::Strict, Context::default()).is_err(),
            "strict accepts {:?}",
            String::from_utf8_lossy(line)
        );
        let d = decode_line(line, Mode::Lenient, Context::default())
            .unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(line)));
        assert!(
            d.warnings.iter().any(|w| w.kind == *kind),
            "{:?}: {:?}",
            String::from_utf8_lossy(line),
            d.warnings
        );
    }
}

#[test]
fn errors_say_where_and_what() {
    let err = decode_line(
        b"AT+QMTOPEN=0,\"host\",70000",
        Mode::Strict,
        Context::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "column 21: port = 70000 is out of range 1..=65535"
    );
    let err = decode_line(b"AT+QMTSUB=0,0,\"t\",1", Mode::Strict, Context::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column 13: msgID = 0 is out of range 1..=65535"
    );
    let err = decode_line(b"AT+QMTCONN=0", Mode::Strict, Context::default()).unwrap_err();
    assert_eq!(err.to_string(), "column 13: missing parameter clientID");
    let err = decode_line(b"AT+QMTCFG?", Mode::Strict, Context::default()).unwrap_err();
    assert_eq!(err.kind, bc20_grammar::DecodeErrorKind::NoSuchForm, "{err}");
    let err = decode_line(b"+QMTSTAT: 9,1", Mode::Strict, Context::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column 11: tcpconnectID = 9 is out of range 0..=5"
    );
}

#[test]
fn encoder_refuses_what_the_wire_cannot_carry() {
    use std::borrow::Cow;
    let open = |host: &str, port| Command::QmtOpen {
        conn_id: 0,
        host_name: Cow::Owned(host.into()),
        port,
    };
    assert!(open(&"h".repeat(101), 1).to_bytes().is_err());
    assert!(open("a\"b", 1).to_bytes().is_err());
    assert!(open("h", 0).to_bytes().is_err());
    let err = Command::QmtUns {
        conn_id: 0,
        msg_id: 1,
        topics: Default::default(),
    }
    .to_bytes()
    .unwrap_err();
    assert_eq!(err, bc20_grammar::EncodeError::NoTopics, "{err}");
    let err = Command::QmtClose { conn_id: 6 }.to_bytes().unwrap_err();
    assert_eq!(err.to_string(), "tcpconnectID = 6 is out of range 0..=5");
    let mut out = b"keep".to_vec();
    assert!(open("x\r", 1).encode(&mut out).is_err());
    assert_eq!(out, b"keep", "a failed encode leaves the buffer as it was");
}

#[test]
fn lenient_results_of_d27_and_d30_keep_what_the_line_says() {
    use bc20_grammar::{Line, PacketResult, Urc};
    let urc = |line: &[u8]| match decode_line(line, Mode::Lenient, Context::default())
        .unwrap()
        .line
    {
        Line::Urc(u) => u.into_owned(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        urc(b"+QMTCONN: 2,1,3"),
        Urc::QmtConn {
            conn_id: 2,
            result: PacketResult::Retransmission,
            ret_code: None,
            value: Some(3),
        }
    );
    assert_eq!(
        urc(b"+QMTCONN: 0,0"),
        Urc::QmtConn {
            conn_id: 0,
            result: PacketResult::Sent,
            ret_code: None,
            value: None,
        }
    );
    assert_eq!(
        urc(b"+QMTSUB: 0,7,1"),
        Urc::QmtSub(PacketOutcome {
            conn_id: 0,
            msg_id: 7,
            result: PacketResult::Retransmission,
            value: None,
        })
    );
    // Outside the note: read leniently, never written back.
    assert!(urc(b"+QMTCONN: 2,1,3").to_bytes().is_err());
    assert!(urc(b"+QMTCONN: 0,0").to_bytes().is_err());
    assert!(urc(b"+QMTSUB: 0,7,1").to_bytes().is_err());
    // Extra values after result 2 must still be numbers.
    assert!(decode_line(b"+QMTSUB: 0,7,2,x", Mode::Lenient, Context::default()).is_err());
}
