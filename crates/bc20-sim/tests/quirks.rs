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
        "resend-dup-0",
        "one-retry-fewer",
        "late-pingreq",
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

/// The module's own network log: (ms, packet type, DUP) of every packet it sent.
fn sent(b: &mut Bench) -> Vec<(u64, &'static str, bool)> {
    b.modems[0]
        .take_network_log()
        .into_iter()
        .filter(|e| e.is_sending() && e.way == bc20_fault::Way::Up)
        .filter_map(|e| {
            let p = e.packet?;
            Some((e.at.as_millis(), bc20_fault::type_name(p.kind), p.dup))
        })
        .collect()
}

/// Slot 0 connected with `pkt_timeout` 1 s and `retry_times` 2, the module's network log on,
/// and everything it sends from now on black-holed for 10 s.
fn unanswered_with(q: Option<Quirk>) -> Bench {
    let mut b = Bench::new(ModemConfig {
        quirks: q.map_or(Quirks::NONE, |q| Quirks::NONE.with(q)),
        ..ModemConfig::echo_off()
    });
    b.modems[0].record_network();
    b.command("AT+QMTCFG=\"timeout\",0,1,2,1");
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    b.read(0);
    b.modems[0].take_network_log();
    b.inject(
        0,
        bc20_fault::Fault::BlackHole {
            conn_id: 0,
            way: bc20_fault::Way::Up,
            duration: std::time::Duration::from_secs(10),
        },
    );
    b
}

fn publishes(q: Option<Quirk>) -> (Vec<(u64, &'static str, bool)>, String) {
    let mut b = unanswered_with(q);
    b.command("AT+QMTPUB=0,5,1,0,\"t\",\"x\"");
    let text = b.advance(std::time::Duration::from_secs(5));
    let t0 = b.now.as_millis() - 5_000;
    let sent = sent(&mut b)
        .into_iter()
        .map(|(at, k, dup)| (at - t0, k, dup))
        .collect();
    (sent, text)
}

#[test]
fn resend_dup_0_clears_dup_on_the_wire_only() {
    let (clean, clean_text) = publishes(None);
    assert_eq!(
        clean,
        [
            (0, "PUBLISH", false),
            (1_000, "PUBLISH", true),
            (2_000, "PUBLISH", true)
        ]
    );
    assert!(clean_text.contains("+QMTPUB: 0,5,1,2"), "{clean_text}");
    let (quirky, text) = publishes(Some(Quirk::ResendDupZero));
    assert_eq!(
        quirky,
        [
            (0, "PUBLISH", false),
            (1_000, "PUBLISH", false),
            (2_000, "PUBLISH", false)
        ]
    );
    assert_eq!(text, clean_text, "the AT side is as the note says");
}

#[test]
fn one_retry_fewer_announces_the_last_retransmission_but_does_not_send_it() {
    let (clean, clean_text) = publishes(None);
    let (quirky, text) = publishes(Some(Quirk::OneRetryFewer));
    assert_eq!(clean.len(), 3);
    assert_eq!(quirky, clean[..2]);
    assert_eq!(
        text, clean_text,
        "both retransmission notices and result 2 come"
    );
}

#[test]
fn late_pingreq_pings_at_a_quarter_past_the_keep_alive() {
    let pings = |q: Option<Quirk>| {
        let mut b = Bench::new(ModemConfig {
            quirks: q.map_or(Quirks::NONE, |q| Quirks::NONE.with(q)),
            ..ModemConfig::echo_off()
        });
        b.modems[0].record_network();
        b.command("AT+QMTCFG=\"keepalive\",0,4");
        b.command("AT+QMTOPEN=0,\"broker\",1883");
        b.command("AT+QMTCONN=0,\"dev\"");
        b.read(0);
        b.advance(std::time::Duration::from_secs(11));
        let log = sent(&mut b);
        let connect = log.iter().find(|p| p.1 == "CONNECT").unwrap().0;
        log.iter()
            .filter(|p| p.1 == "PINGREQ")
            .map(|p| p.0 - connect)
            .collect::<Vec<_>>()
    };
    assert_eq!(pings(None), [4_000, 8_000]);
    assert_eq!(pings(Some(Quirk::LatePingreq)), [5_000, 10_000]);
}
