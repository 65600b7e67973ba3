//! Configurable behaviour: lenient parsing (D9, D32, D40), ALIAUTH signing (D21), MQTT 3.1
//! (D39), several modules on one virtual network.

mod common;

use bc20_grammar::Mode;
use bc20_sim::{AliAuthMode, Bench, ModemConfig, MqttVersion};
use common::framed;

fn lenient() -> ModemConfig {
    ModemConfig {
        mode: Mode::Lenient,
        ..ModemConfig::echo_off()
    }
}

#[test]
fn strict_refuses_what_lenient_accepts() {
    let mut strict = Bench::new(ModemConfig::echo_off());
    let mut easy = Bench::new(lenient());
    for (line, strict_answer) in [
        ("at+qmtopen?", "ERROR"),
        ("AT+QMTOPEN=0,\u{201c}broker\u{201d},1883", "+CME ERROR: 50"),
        ("AT+QMTCFG=\"KeepAlive\",0", "+CME ERROR: 50"),
    ] {
        assert_eq!(strict.command(line), framed(&[strict_answer]), "{line}");
        let answer = easy.command(line);
        assert!(
            answer.ends_with("\r\nOK\r\n") || answer.contains("\r\nOK\r\n"),
            "{line}: {answer:?}"
        );
    }
}

#[test]
fn ate_without_a_digit_is_an_error_in_both_modes_d40() {
    assert_eq!(
        Bench::new(ModemConfig::echo_off()).command("ATE"),
        framed(&["ERROR"])
    );
    assert_eq!(Bench::new(lenient()).command("ATE"), framed(&["ERROR"]));
}

#[test]
fn lenient_qos0_with_a_msg_id_publishes_and_reports_it_d32() {
    let mut b = Bench::new(lenient());
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    assert_eq!(
        b.command("AT+QMTPUB=0,5,0,0,\"t\",\"x\""),
        framed(&["OK", "+QMTPUB: 0,5,0"])
    );
    let mut strict = common::connected(ModemConfig::echo_off());
    assert_eq!(
        strict.command("AT+QMTPUB=0,5,0,0,\"t\",\"x\""),
        framed(&["+CME ERROR: 50"])
    );
}

#[test]
fn aliauth_store_only_sends_no_derived_credentials() {
    let mut b = Bench::new(ModemConfig {
        aliauth: AliAuthMode::StoreOnly,
        ..ModemConfig::echo_off()
    });
    b.command(
        "AT+QMTCFG=\"aliauth\",0,\"a1pC3rpU4xF\",\"Lock_1\",\"cba236e94094a0399060a9fe355bef88\"",
    );
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"Lock_1\"");
    let conn = b.net.conn_of(0, 0).unwrap();
    assert_eq!(b.net.broker.client_id(conn), Some("Lock_1"));
}

#[test]
fn aliauth_derives_the_alicloud_client_id_by_default_d21() {
    assert_eq!(ModemConfig::default().aliauth, AliAuthMode::Sign);
    let mut b = Bench::new(ModemConfig::echo_off());
    b.command(
        "AT+QMTCFG=\"aliauth\",0,\"a1pC3rpU4xF\",\"Lock_1\",\"cba236e94094a0399060a9fe355bef88\"",
    );
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    assert_eq!(
        b.command("AT+QMTCONN=0,\"Lock_1\""),
        framed(&["OK", "+QMTCONN: 0,0,0"])
    );
    let conn = b.net.conn_of(0, 0).unwrap();
    assert_eq!(
        b.net.broker.client_id(conn),
        Some("Lock_1|securemode=3,signmethod=hmacsha1|")
    );
    // An explicit user name wins over ALIAUTH.
    b.command("AT+QMTOPEN=1,\"broker\",1883");
    b.command("AT+QMTCONN=1,\"other\",\"u\",\"p\"");
    let conn = b.net.conn_of(0, 1).unwrap();
    assert_eq!(b.net.broker.client_id(conn), Some("other"));
}

#[test]
fn mqtt31_is_understood_by_the_virtual_broker_and_refusable() {
    let mut b = Bench::new(ModemConfig {
        mqtt_version: MqttVersion::V31,
        ..ModemConfig::echo_off()
    });
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    assert_eq!(
        b.command("AT+QMTCONN=0,\"dev\""),
        framed(&["OK", "+QMTCONN: 0,0,0"])
    );
    b.net.broker.behaviour.accept_v31 = false;
    b.command("AT+QMTOPEN=1,\"broker\",1883");
    assert_eq!(
        b.command("AT+QMTCONN=1,\"dev2\""),
        framed(&["OK", "+QMTCONN: 1,0,1", "+QMTSTAT: 1,1"])
    );
}

#[test]
fn modules_share_the_virtual_broker() {
    let mut b = Bench::with_modules(2, ModemConfig::echo_off());
    for (m, client_id) in [(0, "a"), (1, "b")] {
        b.write(m, b"AT+QMTOPEN=0,\"broker\",1883\r");
        b.write(m, format!("AT+QMTCONN=0,\"{client_id}\"\r").as_bytes());
        b.read(m);
    }
    b.write(0, b"AT+QMTSUB=0,1,\"x\",1\r");
    b.write(1, b"AT+QMTPUB=0,1,1,0,\"x\",\"hi\"\r");
    assert_eq!(b.read_text(1), framed(&["OK", "+QMTPUB: 0,1,0"]));
    assert_eq!(
        b.read_text(0),
        framed(&["OK", "+QMTSUB: 0,1,0,1", "+QMTRECV: 0,1,\"x\",\"hi\""])
    );
}

#[test]
fn latency_delays_every_step() {
    let mut b = Bench::new(ModemConfig::echo_off());
    b.net.latency = common::ms(150);
    assert_eq!(b.command("AT+QMTOPEN=0,\"broker\",1883"), framed(&["OK"]));
    assert_eq!(b.advance(common::ms(299)), "");
    assert_eq!(b.advance(common::ms(1)), framed(&["+QMTOPEN: 0,0"]));
    b.command("AT+QMTCONN=0,\"dev\"");
    assert_eq!(b.advance(common::ms(300)), framed(&["+QMTCONN: 0,0,0"]));
}
