//! Chapter 6's example session (spec/examples.toml, D42), byte for byte, on the virtual
//! network: the host lines go in, exactly the modem lines come out.

mod common;

use bc20_grammar::{decode_line, Context, Line, Mode, Urc};
use bc20_sim::{Bench, ModemConfig, TestStyle};
use common::chapter6_steps;

/// Replays the vector. A `+QMTRECV` the module does not produce by itself (another device's
/// publish) is scripted on the broker just before it is expected.
fn replay(config: ModemConfig) -> (String, String) {
    let mut bench = Bench::new(config);
    let mut expected = String::new();
    let mut got = String::new();
    for (dir, line) in chapter6_steps() {
        if dir == "host" {
            got.push_str(&bench.command(&line));
            continue;
        }
        expected.push_str(&format!("\r\n{line}\r\n"));
        got.push_str(&bench.read_text(0));
        if !got.ends_with(&expected[expected.len() - line.len() - 4..])
            && line.starts_with("+QMTRECV")
        {
            let decoded = decode_line(line.as_bytes(), Mode::Strict, Context::default())
                .expect("vector line decodes");
            let Line::Urc(Urc::QmtRecv { topic, payload, .. }) = decoded.line else {
                panic!("not a +QMTRECV: {line}")
            };
            bench.publish(&topic, payload.as_bytes(), 0, false);
            got.push_str(&bench.read_text(0));
        }
    }
    (expected, got)
}

#[test]
fn chapter6_session_replays_byte_for_byte() {
    let config = ModemConfig {
        test_style: TestStyle::Chapter6,
        ..ModemConfig::echo_off()
    };
    let (expected, got) = replay(config);
    assert_eq!(got, expected);
}

#[test]
fn chapter6_session_transcript() {
    let config = ModemConfig {
        test_style: TestStyle::Chapter6,
        ..ModemConfig::echo_off()
    };
    let mut bench = Bench::new(config);
    for (dir, line) in chapter6_steps() {
        if dir == "host" {
            bench.command(&line);
            if line == r#"AT+QMTSUB=0,1,"topic/pub",0"# {
                bench.publish(
                    "topic/example",
                    b"This is the payload related to topic",
                    0,
                    false,
                );
            }
        }
    }
    insta::assert_snapshot!(bench.transcript());
}

#[test]
fn default_test_responses_are_the_d14_ranges() {
    let mut bench = Bench::new(ModemConfig::echo_off());
    assert_eq!(
        bench.command("AT+QMTOPEN=?"),
        "\r\n+QMTOPEN: (0-5),\"<host_name>\",(1-65535)\r\n\r\nOK\r\n"
    );
    assert_eq!(
        bench.command("AT+QMTSUB=?"),
        "\r\n+QMTSUB: (0-5),(1-65535),\"<topic>\",(0-2)\r\n\r\nOK\r\n"
    );
    assert_eq!(
        bench.command("AT+QMTPUB=?"),
        "\r\n+QMTPUB: (0-5),(0-65535),(0-2),(0,1),\"<topic>\",\"<msg>\"\r\n\r\nOK\r\n"
    );
    assert_eq!(
        bench.command("AT+QMTUNS=?"),
        "\r\n+QMTUNS: (0-5),(1-65535),\"<topic>\"\r\n\r\nOK\r\n"
    );
    assert_eq!(
        bench.command("AT+QMTCLOSE=?"),
        "\r\n+QMTCLOSE: (0-5)\r\n\r\nOK\r\n"
    );
    assert_eq!(
        bench.command("AT+QMTDISC=?"),
        "\r\n+QMTDISC: (0-5)\r\n\r\nOK\r\n"
    );
    let cfg = bench.command("AT+QMTCFG=?");
    assert_eq!(cfg.matches("+QMTCFG: ").count(), 5);
    assert!(cfg.contains("\r\n+QMTCFG: \"timeout\",(0-5),(1-60),(1-10),(0,1)\r\n"));
}

#[test]
fn every_test_response_decodes_in_its_window() {
    // The grammar must read back every test response the simulator writes (D14).
    let mut bench = Bench::new(ModemConfig::echo_off());
    for cmd in [
        "QMTCFG", "QMTOPEN", "QMTCLOSE", "QMTCONN", "QMTDISC", "QMTSUB", "QMTUNS", "QMTPUB",
    ] {
        let out = bench.command(&format!("AT+{cmd}=?"));
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            let d = decode_line(line.as_bytes(), Mode::Strict, Context::default());
            assert!(d.is_ok(), "{line}: {d:?}");
        }
    }
}
