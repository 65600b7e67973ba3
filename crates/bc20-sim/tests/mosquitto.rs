//! The shells against a real mosquitto (started privately on a free loopback port). Without
//! mosquitto these tests are skipped with a notice on stderr, unless BC20_REQUIRE_MOSQUITTO=1
//! (set by .ci/run), which makes a missing mosquitto a failure.

mod common;

use std::time::Duration;

use bc20_sim::shell::{
    mosquitto_binary, Mosquitto, Route, SimConfig, SimHandle, Simulator, Transport,
};
use bc20_sim::{ModemConfig, MqttVersion};
use common::real::{chapter6_over_pty, Peer};

/// A private mosquitto for the test `what`, or `None` (after a notice) to skip it.
fn mosquitto(what: &str) -> Option<Mosquitto> {
    mosquitto_binary(what)
        .expect("mosquitto")
        .map(|b| Mosquitto::start(&b).expect("mosquitto starts"))
}

fn module(broker: &Mosquitto, modem: ModemConfig) -> SimHandle {
    Simulator::spawn(SimConfig {
        modem,
        transport: Transport::InProcess,
        ..SimConfig::new(Route::Fixed(broker.addr()))
    })
    .expect("spawn")
}

fn ask(sim: &mut SimHandle, line: &str, until: &str) -> String {
    sim.write(format!("{line}\r").as_bytes()).unwrap();
    let got = sim
        .read_until(until.as_bytes(), Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("{line}: {e}"));
    String::from_utf8_lossy(&got).into_owned()
}

#[test]
fn chapter6_over_a_pty_against_mosquitto() {
    let Some(m) = mosquitto("chapter6_over_a_pty_against_mosquitto") else {
        return;
    };
    chapter6_over_pty(m.addr(), false);
}

#[test]
fn mqtt31_connect_is_accepted_by_mosquitto_d39() {
    let Some(m) = mosquitto("mqtt31_connect_is_accepted_by_mosquitto_d39") else {
        return;
    };
    let mut sim = module(
        &m,
        ModemConfig {
            mqtt_version: MqttVersion::V31,
            ..ModemConfig::echo_off()
        },
    );
    ask(
        &mut sim,
        "AT+QMTOPEN=0,\"broker\",1883",
        "+QMTOPEN: 0,0\r\n",
    );
    ask(
        &mut sim,
        "AT+QMTCONN=0,\"v31-client\"",
        "+QMTCONN: 0,0,0\r\n",
    );
    ask(
        &mut sim,
        "AT+QMTSUB=0,1,\"v31/#\",1",
        "+QMTSUB: 0,1,0,1\r\n",
    );
    ask(
        &mut sim,
        "AT+QMTPUB=0,2,1,0,\"v31/x\",\"ok\"",
        "+QMTRECV: 0,1,\"v31/x\",\"ok\"\r\n",
    );
}

#[test]
fn qos_flows_both_ways_and_the_will_with_mosquitto() {
    let Some(m) = mosquitto("qos_flows_both_ways_and_the_will_with_mosquitto") else {
        return;
    };
    let peer = Peer::connect(m.addr(), "app");
    peer.subscribe("dev/#", rumqttc::QoS::ExactlyOnce);
    let mut sim = module(&m, ModemConfig::echo_off());
    ask(
        &mut sim,
        "AT+QMTCFG=\"will\",0,1,1,0,\"dev/status\",\"offline\"",
        "OK\r\n",
    );
    ask(
        &mut sim,
        "AT+QMTOPEN=0,\"broker\",1883",
        "+QMTOPEN: 0,0\r\n",
    );
    ask(&mut sim, "AT+QMTCONN=0,\"dev-1\"", "+QMTCONN: 0,0,0\r\n");
    ask(
        &mut sim,
        "AT+QMTSUB=0,1,\"cmd/1\",1,\"cmd/2\",2",
        "+QMTSUB: 0,1,0,1,2\r\n",
    );
    // Module → peer at QoS 1 and 2.
    ask(
        &mut sim,
        "AT+QMTPUB=0,10,1,0,\"dev/a\",\"one\"",
        "+QMTPUB: 0,10,0\r\n",
    );
    ask(
        &mut sim,
        "AT+QMTPUB=0,11,2,0,\"dev/b\",\"two\"",
        "+QMTPUB: 0,11,0\r\n",
    );
    let got: Vec<(String, u8)> = (0..2)
        .map(|_| peer.next())
        .map(|p| (p.topic, p.qos as u8))
        .collect();
    assert_eq!(got, [("dev/a".to_owned(), 1), ("dev/b".to_owned(), 2)]);
    // Peer → module at QoS 1 and 2: +QMTRECV carries the broker's packet id.
    peer.publish("cmd/1", rumqttc::QoS::AtLeastOnce, b"on");
    let out = String::from_utf8_lossy(
        &sim.read_until(b",\"cmd/1\",\"on\"\r\n", Duration::from_secs(5))
            .unwrap(),
    )
    .into_owned();
    assert!(
        out.starts_with("\r\n+QMTRECV: 0,") && !out.starts_with("\r\n+QMTRECV: 0,0,"),
        "{out:?}"
    );
    peer.publish("cmd/2", rumqttc::QoS::ExactlyOnce, b"off");
    sim.read_until(b",\"cmd/2\",\"off\"\r\n", Duration::from_secs(5))
        .unwrap();
    // QMTCLOSE without DISCONNECT: mosquitto publishes the will (D28).
    ask(&mut sim, "AT+QMTCLOSE=0", "+QMTCLOSE: 0,0\r\n");
    let will = peer.next();
    assert_eq!(
        (will.topic.as_str(), &will.payload[..]),
        ("dev/status", &b"offline"[..])
    );
}

#[test]
fn mosquitto_closing_after_a_same_id_takeover_gives_qmtstat_1() {
    let Some(m) = mosquitto("mosquitto_closing_after_a_same_id_takeover_gives_qmtstat_1") else {
        return;
    };
    let mut sim = module(&m, ModemConfig::echo_off());
    ask(
        &mut sim,
        "AT+QMTOPEN=0,\"broker\",1883",
        "+QMTOPEN: 0,0\r\n",
    );
    ask(&mut sim, "AT+QMTCONN=0,\"twin\"", "+QMTCONN: 0,0,0\r\n");
    let _peer = Peer::connect(m.addr(), "twin");
    sim.read_until(b"+QMTSTAT: 0,1\r\n", Duration::from_secs(5))
        .unwrap();
}
