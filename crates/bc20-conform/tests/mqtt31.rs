//! The simulator in MQTT 3.1 mode as `bc20 conform --mqtt31` runs it: the embedded broker
//! does not speak 3.1 (hence the usage error), and the suite passes on mosquitto in 3.1, whose
//! client ids (`c0-${cid}`) fit 3.1's 23 bytes (D64). Against aedes: crates/bc20/tests/cli.

mod common;

use bc20_conform::link::SimOptions;
use bc20_conform::parse_script;
use bc20_conform::runner::Verdict;
use bc20_conform::testbed::{embedded_broker, SimBed, EMBEDDED_NO_MQTT31};
use bc20_sim::{MqttVersion, Quirks};
use bc20_testkit::Mosquitto;
use common::{failures, run_on_bed, suite};

#[test]
fn a_testbed_refuses_mqtt31_on_the_embedded_broker() {
    let e = SimBed::new(None, Quirks::NONE, MqttVersion::V31, 1)
        .err()
        .expect("an error");
    assert_eq!(e, EMBEDDED_NO_MQTT31);
}

/// Why: rumqttd reads only protocol "MQTT" level 4 and closes a 3.1 CONNECT without CONNACK,
/// so the module never reports the connection accepted.
#[test]
fn the_embedded_broker_does_not_accept_a_mqtt31_connect() {
    let bed = SimBed {
        options: SimOptions {
            broker: embedded_broker().expect("embedded broker"),
            quirks: Quirks::NONE,
            mqtt_version: MqttVersion::V31,
        },
        embedded: true,
        parallel: 1,
        seed: None,
    };
    let text = "send AT+QMTOPEN=0,\"${broker_host}\",${broker_port}\nexpect OK\n\
                expect +QMTOPEN: 0,0\nsend AT+QMTCONN=0,\"c0-${cid}\"\nexpect OK\n\
                expect +QMTCONN: 0,0,0\n";
    let script = parse_script("conn31.bc20", text).expect("script");
    let report = run_on_bed(&[script], &bed);
    let r = &report.scripts[0];
    assert_eq!(r.verdict, Verdict::Fail, "{}", failures(&report));
    assert!(
        r.failures[0].message.contains("+QMTCONN: 0,"),
        "{:?}",
        r.failures
    );
}

#[test]
fn the_suite_passes_on_the_simulator_with_mosquitto_in_mqtt31() {
    let Some(broker) =
        Mosquitto::start_or_skip("the_suite_passes_on_the_simulator_with_mosquitto_in_mqtt31")
    else {
        return;
    };
    let bed = SimBed::new(Some(broker.addr()), Quirks::NONE, MqttVersion::V31, 2).expect("testbed");
    let report = run_on_bed(&suite(), &bed);
    assert_eq!(report.target.mqtt_version.as_deref(), Some("3.1"));
    assert!(report.all_passed(), "failed:\n{}", failures(&report));
}
