//! Each firmware quirk changes exactly what its name says (so the conformance suite can be
//! shown to catch it).

mod common;

use bc20_sim::{list_quirks, Bench, ModemConfig, Quirk, Quirks};
use common::framed;

fn with(q: Quirk) -> Bench {
    Bench::new(ModemConfig {
        quirks: Quirks::NONE.with(q),
        ..ModemConfig::echo_off()
    })
}

fn connected_with(q: Quirk) -> Bench {
    let mut b = with(q);
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    b.read(0);
    b
}

#[test]
fn list_has_every_quirk_once() {
    let names = list_quirks();
    assert_eq!(names.len(), Quirk::ALL.len());
    for n in [
        "unquoted-recv-payload",
        "result-before-ok",
        "sub-missing-value",
        "lowercase-keywords",
        "wrong-ret-code",
        "no-echo-off",
        "pub-result-missing",
    ] {
        assert!(names.contains(&n), "{n}");
    }
}

#[test]
fn unquoted_recv_payload() {
    let mut b = connected_with(Quirk::UnquotedRecvPayload);
    b.command("AT+QMTSUB=0,1,\"t\",0");
    b.publish("t", b"hello, world", 0, false);
    assert_eq!(
        b.read_text(0),
        framed(&["+QMTRECV: 0,0,\"t\",hello, world"])
    );
}

#[test]
fn result_before_ok() {
    let mut b = with(Quirk::ResultBeforeOk);
    assert_eq!(
        b.command("AT+QMTOPEN=0,\"broker\",1883"),
        framed(&["+QMTOPEN: 0,0", "OK"])
    );
    assert_eq!(
        b.command("AT+QMTCONN=0,\"dev\""),
        framed(&["+QMTCONN: 0,0,0", "OK"])
    );
    assert_eq!(
        b.command("AT+QMTSUB=0,1,\"s\",1"),
        framed(&["+QMTSUB: 0,1,0,1", "OK"])
    );
    // Sync commands are unaffected; a command sent while OK is held waits its turn.
    b.net.broker.behaviour.silent_puback = true;
    b.command("AT+QMTCFG=\"timeout\",0,2,1,1");
    assert_eq!(b.command("AT+QMTPUB=0,2,1,0,\"t\",\"x\""), "");
    assert_eq!(b.command("AT"), "");
    assert_eq!(
        b.advance(common::s(4)),
        framed(&["+QMTPUB: 0,2,1,1", "+QMTPUB: 0,2,2", "OK", "OK"])
    );
}

#[test]
fn sub_missing_value() {
    let mut b = connected_with(Quirk::SubMissingValue);
    assert_eq!(
        b.command("AT+QMTSUB=0,1,\"t\",1"),
        framed(&["OK", "+QMTSUB: 0,1,0"])
    );
}

#[test]
fn lowercase_keywords() {
    let mut b = with(Quirk::LowercaseKeywords);
    assert_eq!(
        b.command("AT+QMTOPEN=0,\"broker\",1883"),
        framed(&["OK", "+qmtopen: 0,0"])
    );
    assert_eq!(b.command("AT+CSQ"), framed(&["+csq: 31,99", "OK"]));
}

#[test]
fn no_space_after_colon() {
    let mut b = with(Quirk::NoSpaceAfterColon);
    assert_eq!(
        b.command("AT+QMTOPEN=0,\"broker\",1883"),
        framed(&["OK", "+QMTOPEN:0,0"])
    );
}

#[test]
fn wrong_ret_code() {
    let mut b = with(Quirk::WrongRetCode);
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    assert_eq!(
        b.command("AT+QMTCONN=0,\"dev\""),
        framed(&["OK", "+QMTCONN: 0,0,5"])
    );
    let mut b = with(Quirk::WrongRetCode);
    b.net.broker.behaviour.refuse_with = Some(5);
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    assert_eq!(
        b.command("AT+QMTCONN=0,\"dev\""),
        framed(&["OK", "+QMTCONN: 0,0,0", "+QMTSTAT: 0,1"])
    );
}

#[test]
fn no_echo_off() {
    let mut b = Bench::new(ModemConfig {
        quirks: Quirks::NONE.with(Quirk::NoEchoOff),
        ..ModemConfig::default()
    });
    assert_eq!(b.command("ATE0"), "ATE0\r\r\nOK\r\n");
    assert_eq!(b.command("AT"), "AT\r\r\nOK\r\n");
}

#[test]
fn pub_result_missing() {
    let mut b = connected_with(Quirk::PubResultMissing);
    assert_eq!(b.command("AT+QMTPUB=0,0,0,0,\"t\",\"x\""), framed(&["OK"]));
    assert_eq!(
        b.command("AT+QMTPUB=0,1,1,0,\"t\",\"x\""),
        framed(&["OK", "+QMTPUB: 0,1,0"])
    );
}

#[test]
fn plain_error() {
    let mut b = with(Quirk::PlainError);
    assert_eq!(b.command("AT+QMTCLOSE=0"), framed(&["ERROR"]));
}

#[test]
fn without_quirks_the_strict_grammar_accepts_every_line() {
    use bc20_grammar::{Direction, Mode, StreamConfig, StreamDecoder};
    let mut b = Bench::new(ModemConfig::echo_off());
    let mut out = Vec::new();
    for l in [
        "AT+QMTOPEN=0,\"broker\",1883",
        "AT+QMTCONN=0,\"dev\"",
        "AT+QMTSUB=0,1,\"t\",1",
        "AT+QMTPUB=0,2,1,0,\"t\",\"x\"",
        "AT+QMTDISC=0",
    ] {
        out.extend_from_slice(b.command(l).as_bytes());
    }
    let mut d = StreamDecoder::new(StreamConfig {
        mode: Mode::Strict,
        direction: Direction::ModemToHost,
        ..StreamConfig::default()
    });
    for f in d.feed_owned(&out) {
        assert!(f.decoded.is_ok(), "{:?}", f);
    }
}
