//! `bc20 encode`, and `bc20 decode | bc20 encode` round trips.

use crate::support::{chapter6, fixture, run};

/// `bc20 decode <args> | bc20 encode`, both through stdin.
fn round_trip(decode_args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut args = vec!["decode"];
    args.extend_from_slice(decode_args);
    let decoded = run(&args, input);
    assert_eq!(decoded.code, Some(0), "decode: {}", decoded.text());
    let encoded = run(&["encode"], &decoded.stdout);
    assert_eq!(encoded.code, Some(0), "encode: {}", encoded.stderr);
    assert_eq!(encoded.stderr, "");
    encoded.stdout
}

#[test]
fn decode_then_encode_reproduces_chapter6_byte_for_byte() {
    let session = chapter6();
    assert_eq!(round_trip(&[], &session), session, "capture");
    assert_eq!(
        round_trip(&["--from", "modem"], &session),
        session,
        "modem output with echo"
    );
}

#[test]
fn lenient_decode_then_encode_writes_canonical_ascii_quotes() {
    let note = "AT+QMTCONN=0,\u{201c}clientExample\u{201d}\r\r\n+QMTRECV: 0,0,\u{201c}t/e\u{201d},\u{201c}payload\u{201d}\r\n";
    let canonical = b"AT+QMTCONN=0,\"clientExample\"\r\r\n+QMTRECV: 0,0,\"t/e\",\"payload\"\r\n";
    assert_eq!(round_trip(&["--lenient"], note.as_bytes()), canonical);
}

#[test]
fn binary_payload_round_trips_through_hex() {
    let bytes = b"\r\n+QMTRECV: 1,7,\"dev/bin\",\"\xff\x00\x80\"a,b\"\r\n";
    assert_eq!(round_trip(&[], bytes), bytes);
}

#[test]
fn invalid_values_name_the_field_and_later_lines_still_encode() {
    let input = [
        r#"{"kind":"command","form":"qmtpub.write","tcpconnectID":0,"msgID":70000,"qos":1,"retain":0,"topic":"a","msg":"x"}"#,
        r#"{"kind":"command","form":"qmtpub.write","tcpconnectID":0,"msgID":0,"qos":1,"retain":0,"topic":"a","msg":"x"}"#,
        r#"{"form":"qmtopen.write","tcpconnectID":9,"host_name":"broker","port":1883}"#,
        r#"{"form":"qmtopen.write","tcpconnectID":0,"port":1883}"#,
        r#"{"form":"qmtpub.write","tcpconnectID":0,"msgID":0,"qos":0,"retain":2,"topic":"a","msg":"x"}"#,
        r#"{"form":"qmtpub.write","tcpconnectID":0,"msgID":0,"qos":0,"retain":0,"topic":"a","msg":"say \"hi\""}"#,
        r#"{"form":"qmtpub.write","tcpconnectID":0,"msgID":0,"qos":0,"retain":0,"topic":"a","msg":5}"#,
        r#"{"form":"qmtsub.write","tcpconnectID":0,"msgID":1,"topics":[]}"#,
        r#"{"form":"qmtopen.write","tcpconnectID":0,"host_name":"broker","port":1883"#,
        "[1,2]",
        r#"{"form":"qmtfoo"}"#,
        r#"{"kind":"urc","form":"final.ok"}"#,
        r#"{"kind":"error","line":3,"raw":"x","error":"column 1: control byte 0x00","column":1,"code":"control_byte"}"#,
        r#"{"form":"qmtsub.write","tcpconnectID":0,"msgID":1,"topics":[{"topic":"a/#/b","qos":1}]}"#,
        r#"{"kind":"final","name":"OK","form":"final.ok","line":99,"raw":"OK"}"#,
    ]
    .join("\n");
    let path = fixture("bad.jsonl", input.as_bytes());
    let name = path.to_str().unwrap();
    let out = run(&["encode", name], b"");
    assert_eq!(out.code, Some(1));
    assert_eq!(
        out.stdout, b"\r\nOK\r\n",
        "the good last line is still encoded"
    );
    let expected = [
        "1: field \"msgID\": invalid value: integer `70000`, expected u16",
        "2: field \"msgID\": msgID 0 is only allowed with qos 0",
        "3: field \"tcpconnectID\": tcpconnectID = 9 is out of range 0..=5",
        "4: field \"host_name\": missing (required by qmtopen.write)",
        "5: field \"retain\": 2 is not a flag (0 or 1)",
        "6: field \"msg\": msg cannot carry byte 0x22 (at byte 4): AT strings have no escapes",
        "7: field \"msg\": a payload string or {\"hex\": \"...\"}",
        "8: field \"topics\": no topic: at least one is required",
        "9: invalid JSON at column 73: EOF while parsing an object",
        "10: expected a JSON object, found an array",
        "11: field \"form\": unknown form \"qmtfoo\"",
        "12: field \"form\": \"final.ok\" is not a urc form (it is a response form)",
        "13: field \"kind\": \"error\": the line did not decode, there is no value to encode",
        "14: field \"topic\": topic: '#' at byte 2 is not the whole last level of the filter",
    ]
    .map(|tail| format!("error: {name}:{tail}"));
    let got: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (got, expected) in got.iter().zip(&expected) {
        assert!(
            got.starts_with(expected.as_str()),
            "got      {got}\nexpected {expected}"
        );
    }
    assert!(got.iter().zip(&expected).all(|(g, e)| g == e));
}

#[test]
fn a_line_over_the_bound_is_refused_with_exit_1() {
    // Issue 10 E: 16 topics of 1000 bytes made a 16,094-byte AT+QMTSUB with exit 0 (D50).
    let topics: Vec<String> = (0..16)
        .map(|i| format!(r#"{{"topic":"{}","qos":1}}"#, format!("{i:x}").repeat(1000)))
        .collect();
    let long = format!(
        r#"{{"form":"qmtsub.write","tcpconnectID":0,"msgID":1,"topics":[{}]}}"#,
        topics.join(",")
    );
    let input = format!("{long}\n{{\"form\":\"basic.at\"}}\n");
    let out = run(&["encode"], input.as_bytes());
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(
        out.stdout, b"AT\r",
        "only the line within the bound is written"
    );
    assert_eq!(
        out.stderr,
        "error: <stdin>:1: the line has 16093 bytes, more than the 4096 a peer accepts (D12)\n"
    );
}

#[test]
fn kind_is_inferred_from_form() {
    let input = concat!(
        r#"{"form":"basic.at"}"#,
        "\n",
        r#"{"form":"final.cme_error","err":50}"#,
        "\n",
        r#"{"form":"urc.qmtstat","tcpconnectID":2,"err_code":1}"#,
        "\n\n",
        r#"{"form":"unknown","text":"+QIURC: \"pdpdeact\",1"}"#,
        "\n",
    );
    let out = run(&["encode"], input.as_bytes());
    assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""));
    assert_eq!(
        out.stdout,
        b"AT\r\r\n+CME ERROR: 50\r\n\r\n+QMTSTAT: 2,1\r\n\r\n+QIURC: \"pdpdeact\",1\r\n"
    );
}

#[test]
fn keys_outside_the_form_are_ignored_with_a_warning() {
    let input = r#"{"kind":"command","form":"qmtconn.write","tcpconnectID":0,"clientID":"c","user":"u","username":null,"line":3,"raw":"x","name":"AT+QMTCONN","warnings":[]}"#;
    let out = run(&["encode"], input.as_bytes());
    assert_eq!(out.code, Some(0));
    assert_eq!(out.stdout, b"AT+QMTCONN=0,\"c\"\r");
    assert_eq!(
        out.stderr,
        "warning: <stdin>:1: field \"user\" is not a parameter of qmtconn.write; ignored\n"
    );
}
