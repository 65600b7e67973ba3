//! The shells against a real mosquitto (started privately on a free loopback port). Without
//! mosquitto these tests are skipped with a notice on stderr, unless BC20_REQUIRE_MOSQUITTO=1
//! (set by .ci/run), which makes a missing mosquitto a failure.

mod common;

use std::time::Duration;

use bc20_sim::shell::{Route, SimConfig, SimHandle, Simulator, Transport};
use bc20_sim::{ModemConfig, MqttVersion};
use bc20_testkit::Mosquitto;
use common::real::{chapter6_over_pty, Peer};

/// A private mosquitto for the test `what`, or `None` (after a notice) to skip it.
fn mosquitto(what: &str) -> Option<Mosquitto> {
    Mosquitto::start_or_skip(what)
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

/// D63 against a real broker: a QoS 1 and a QoS 2 publish lost with the link are sent again
/// when the clean-session-0 session resumes, and mosquitto delivers each once.
#[test]
fn a_clean_session_0_module_resends_lost_publishes_to_mosquitto_d63() {
    use bc20_sim::{Fault, Way};
    let Some(m) = mosquitto("a_clean_session_0_module_resends_lost_publishes_to_mosquitto_d63")
    else {
        return;
    };
    let peer = Peer::connect(m.addr(), "app-d63");
    peer.subscribe("keep/#", rumqttc::QoS::ExactlyOnce);
    let mut sim = module(&m, ModemConfig::echo_off());
    ask(&mut sim, "AT+QMTCFG=\"session\",0,0", "OK\r\n");
    let open = |sim: &mut SimHandle| {
        ask(sim, "AT+QMTOPEN=0,\"broker\",1883", "+QMTOPEN: 0,0\r\n");
        ask(sim, "AT+QMTCONN=0,\"keep-1\"", "+QMTCONN: 0,0,0\r\n");
    };
    open(&mut sim);
    sim.inject(Fault::BlackHole {
        conn_id: 0,
        way: Way::Up,
        duration: Duration::from_millis(1000),
    })
    .unwrap();
    ask(&mut sim, "AT+QMTPUB=0,5,1,0,\"keep/a\",\"one\"", "OK\r\n");
    ask(&mut sim, "AT+QMTPUB=0,6,2,0,\"keep/b\",\"two\"", "OK\r\n");
    sim.inject(Fault::DropLink {
        conn_id: 0,
        how: Default::default(),
    })
    .unwrap();
    sim.read_until(b"+QMTSTAT: 0,1\r\n", Duration::from_secs(5))
        .unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    open(&mut sim);
    let mut got: Vec<(String, Vec<u8>)> = (0..2)
        .map(|_| peer.next())
        .map(|p| (p.topic, p.payload.to_vec()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("keep/a".to_owned(), b"one".to_vec()),
            ("keep/b".to_owned(), b"two".to_vec())
        ]
    );
    // The QoS 2 exchange completes (PUBREC, PUBREL, PUBCOMP) soon after the delivery: the
    // msgID is refused until then and free after, and nothing more arrives.
    publish_when_free(
        &mut sim,
        "AT+QMTPUB=0,6,2,0,\"keep/c\",\"three\"",
        "+QMTPUB: 0,6,0\r\n",
    );
    assert_eq!(peer.next().topic, "keep/c");
}

/// D60 against a real broker: a QoS 2 publish given up on (result 2) still gets its PUBREL
/// when the PUBREC comes late, so reusing the msgID afterwards publishes a new message.
#[test]
fn a_late_pubrec_is_answered_and_the_msg_id_reused_safely_with_mosquitto_d60() {
    use bc20_sim::{Fault, Way};
    let Some(m) =
        mosquitto("a_late_pubrec_is_answered_and_the_msg_id_reused_safely_with_mosquitto_d60")
    else {
        return;
    };
    let peer = Peer::connect(m.addr(), "app-d60");
    peer.subscribe("late/#", rumqttc::QoS::ExactlyOnce);
    let mut sim = module(&m, ModemConfig::echo_off());
    ask(&mut sim, "AT+QMTCFG=\"timeout\",0,1,1", "OK\r\n");
    ask(
        &mut sim,
        "AT+QMTOPEN=0,\"broker\",1883",
        "+QMTOPEN: 0,0\r\n",
    );
    ask(&mut sim, "AT+QMTCONN=0,\"late-1\"", "+QMTCONN: 0,0,0\r\n");
    sim.inject(Fault::Delay {
        conn_id: 0,
        way: Way::Down,
        delay: Duration::from_millis(2500),
    })
    .unwrap();
    ask(
        &mut sim,
        "AT+QMTPUB=0,7,2,0,\"late/a\",\"x\"",
        "+QMTPUB: 0,7,2\r\n",
    );
    ask(
        &mut sim,
        "AT+QMTPUB=0,7,2,0,\"late/a\",\"y\"",
        "+CME ERROR: 3\r\n",
    );
    assert_eq!(&peer.next().payload[..], b"x");
    // The late PUBREC (and PUBCOMP) arrive, about 5 s after the PUBLISH: the id is free.
    std::thread::sleep(Duration::from_millis(2000));
    sim.inject(Fault::Delay {
        conn_id: 0,
        way: Way::Down,
        delay: Duration::ZERO,
    })
    .unwrap();
    publish_when_free(
        &mut sim,
        "AT+QMTPUB=0,7,2,0,\"late/a\",\"y\"",
        "+QMTPUB: 0,7,0\r\n",
    );
    assert_eq!(&peer.next().payload[..], b"y");
}

/// Sends `line` until the module stops refusing its msgID as in flight (`+CME ERROR: 3`,
/// D33/D60), for up to 10 s, then waits for `result`.
fn publish_when_free(sim: &mut SimHandle, line: &str, result: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut answer = String::new();
    loop {
        sim.write(format!("{line}\r").as_bytes()).unwrap();
        answer.clear();
        while !answer.contains("OK\r\n") && !answer.contains("ERROR: 3\r\n") {
            assert!(std::time::Instant::now() < deadline, "{line}: {answer:?}");
            let got = sim
                .read_timeout(Duration::from_millis(100))
                .unwrap_or_default();
            answer.push_str(&String::from_utf8_lossy(&got));
        }
        if answer.contains("OK\r\n") {
            break;
        }
        assert!(answer.contains("+CME ERROR: 3"), "{line}: {answer:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    if !answer.contains(result) {
        sim.read_until(result.as_bytes(), Duration::from_secs(10))
            .unwrap_or_else(|e| panic!("{line}: {e}"));
    }
}
