//! Typed matching against the grammar's parameters: quoting, payloads, each kind of capture.

use std::collections::BTreeMap;

use bc20_grammar::{decode_line, Context, Mode};

use super::*;

/// Matches `line` (decoded strictly) against `pattern`.
fn try_match(pattern: &TypedPattern, line: &str) -> Result<Vec<(String, String)>, String> {
    let decoded = decode_line(line.as_bytes(), Mode::Strict, Context::default())
        .unwrap_or_else(|e| panic!("`{line}` does not decode: {e}"));
    pattern.matches(Some(&decoded.line), &BTreeMap::new())
}

/// A pattern parsed and type-checked as a script's would be.
fn typed(source: &str) -> TypedPattern {
    TypedPattern::parse(source).unwrap_or_else(|e| panic!("`{source}`: {e:?}"))
}

/// A pattern built without the grammar's type check (for forms no probe decodes to, such as
/// a keyword written without its quotes).
fn untyped(prefix: &str, fields: &[&str]) -> TypedPattern {
    TypedPattern {
        source: format!("{prefix}{}", fields.join(",")),
        prefix: prefix.to_owned(),
        fields: fields.iter().map(|f| field_pattern(f)).collect(),
        rest: false,
        forms: Vec::new(),
    }
}

#[test]
fn a_quoted_literal_does_not_match_an_unquoted_field() {
    assert!(try_match(&untyped("+QMTOPEN: ", &["0", "\"3\""]), "+QMTOPEN: 0,3").is_err());
    assert!(try_match(&untyped("+QMTOPEN: ", &["0", "3"]), "+QMTOPEN: 0,3").is_ok());
    let echo = "AT+QMTOPEN=0,\"broker\",1883";
    assert!(try_match(&untyped("AT+QMTOPEN=", &["0", "_", "\"1883\""]), echo).is_err());
    assert!(try_match(&untyped("AT+QMTOPEN=", &["0", "_", "1883"]), echo).is_ok());
}

#[test]
fn an_unquoted_literal_does_not_match_a_quoted_field() {
    let line = "+QMTCFG: \"keepalive\",(0-5),(0-3600)";
    let err = try_match(&untyped("+QMTCFG: ", &["keepalive", "_", "_"]), line).unwrap_err();
    assert!(err.contains("field 1"), "{err}");
    assert!(try_match(&untyped("+QMTCFG: ", &["\"keepalive\"", "_", "_"]), line).is_ok());
    let echo = "AT+QMTOPEN=0,\"broker\",1883";
    assert!(try_match(&untyped("AT+QMTOPEN=", &["0", "broker", "_"]), echo).is_err());
}

#[test]
fn a_quoted_capture_requires_a_quoted_field() {
    let err = try_match(&untyped("+QMTOPEN: ", &["0", "\"$r\""]), "+QMTOPEN: 0,3").unwrap_err();
    assert!(err.contains("is not quoted"), "{err}");
}

#[test]
fn recv_payload_with_commas_and_quotes_is_captured_whole() {
    let line = "+QMTRECV: 0,3,\"dev/cmd\",\"{\"a\":1,\"b\":\"x,y\"}\"";
    for source in [
        "+QMTRECV: 0,_,\"dev/cmd\",$payload",
        "+QMTRECV: 0,_,\"dev/cmd\",\"$payload\"",
    ] {
        let caps = try_match(&typed(source), line).unwrap();
        assert_eq!(
            caps,
            [("payload".to_owned(), "{\"a\":1,\"b\":\"x,y\"}".to_owned())],
            "{source}"
        );
    }
    let literal = typed("+QMTRECV: 0,_,\"dev/cmd\",\"{\"a\":1,\"b\":\"x,y\"}\"");
    assert!(try_match(&literal, line).is_ok());
    assert!(try_match(&literal, "+QMTRECV: 0,3,\"dev/cmd\",\"{\"a\":1}\"").is_err());
}

#[test]
fn captures_of_each_kind_of_parameter() {
    // Int and Quoted.
    let caps = try_match(
        &typed("AT+QMTOPEN=$id,\"$host\",$port"),
        "AT+QMTOPEN=2,\"broker\",1883",
    );
    assert_eq!(
        caps.unwrap(),
        [
            ("id".to_owned(), "2".to_owned()),
            ("host".to_owned(), "broker".to_owned()),
            ("port".to_owned(), "1883".to_owned()),
        ]
    );
    // Bytes: the payload.
    let caps = try_match(
        &typed("+QMTRECV: $id,$msg,$topic,$payload"),
        "+QMTRECV: 1,0,\"t\",\"p\"",
    );
    assert_eq!(
        caps.unwrap(),
        [
            ("id".to_owned(), "1".to_owned()),
            ("msg".to_owned(), "0".to_owned()),
            ("topic".to_owned(), "t".to_owned()),
            ("payload".to_owned(), "p".to_owned()),
        ]
    );
    // Bare: an unquoted word and a test response's range list.
    let caps = try_match(&typed("+CPIN: $code"), "+CPIN: READY");
    assert_eq!(caps.unwrap(), [("code".to_owned(), "READY".to_owned())]);
    let caps = try_match(
        &untyped("+QMTCFG: ", &["\"keepalive\"", "$ids", "$range"]),
        "+QMTCFG: \"keepalive\",(0-5),(0-3600)",
    );
    assert_eq!(
        caps.unwrap(),
        [
            ("ids".to_owned(), "(0-5)".to_owned()),
            ("range".to_owned(), "(0-3600)".to_owned()),
        ]
    );
}

#[test]
fn a_test_command_pattern_has_no_fields() {
    let p = typed("AT+QMTOPEN=?");
    assert_eq!((p.prefix.as_str(), p.fields.len()), ("AT+QMTOPEN=?", 0));
    assert!(try_match(&p, "AT+QMTOPEN=?").is_ok());
    assert!(try_match(&p, "AT+QMTOPEN?").is_err());
}
