//! D63: clean session 0 keeps the MQTT session across links ([MQTT-4.4.0-1]): unacknowledged
//! QoS 1/2 publishes are sent again after a CONNACK with session present, and incoming QoS 2
//! duplicates are recognised per session, not per connection.

mod common;

use bc20_sim::mqtt::{Packet, PubRel, Publish, QoS};
use bc20_sim::{Bench, Fault, Way};
use common::{framed, quiet, s};

/// Slot 0 opened and connected as `client` with the given clean-session flag.
fn connect(b: &mut Bench, client: &str) {
    assert_eq!(
        b.command("AT+QMTOPEN=0,\"broker\",1883"),
        framed(&["OK", "+QMTOPEN: 0,0"])
    );
    assert_eq!(
        b.command(&format!("AT+QMTCONN=0,\"{client}\"")),
        framed(&["OK", "+QMTCONN: 0,0,0"])
    );
}

fn bench(clean: u8) -> Bench {
    let mut b = Bench::new(quiet());
    b.command(&format!("AT+QMTCFG=\"session\",0,{clean}"));
    connect(&mut b, "dev");
    b
}

/// A publish whose transmissions all vanish, then the link drops: `+QMTSTAT: 0,1` ends it.
fn publish_then_drop(b: &mut Bench, cmd: &str) {
    b.inject(
        0,
        Fault::BlackHole {
            conn_id: 0,
            way: Way::Up,
            duration: s(5),
        },
    );
    assert_eq!(b.command(cmd), framed(&["OK"]));
    b.inject(
        0,
        Fault::DropLink {
            conn_id: 0,
            how: Default::default(),
        },
    );
    assert_eq!(b.advance(s(6)), framed(&["+QMTSTAT: 0,1"]));
    assert!(b.net.broker.published.is_empty());
}

fn payloads(b: &Bench) -> Vec<Vec<u8>> {
    b.net
        .broker
        .published
        .iter()
        .map(|m| m.payload.to_vec())
        .collect()
}

#[test]
fn an_unacknowledged_qos1_and_qos2_publish_is_resent_when_the_session_resumes() {
    for qos in [1, 2] {
        let mut b = bench(0);
        publish_then_drop(&mut b, &format!("AT+QMTPUB=0,3,{qos},0,\"t\",\"x\""));
        // Reconnecting as the same client: the broker has the session (present 1).
        connect(&mut b, "dev");
        assert_eq!(payloads(&b), [b"x".to_vec()], "qos {qos}");
        // No second result: the +QMTSTAT ended the command for the host (D43).
        assert_eq!(b.advance(s(60)), "", "qos {qos}");
        // The exchange completed, so the msgID is free again.
        assert_eq!(
            b.command(&format!("AT+QMTPUB=0,3,{qos},0,\"t\",\"y\"")),
            framed(&["OK", "+QMTPUB: 0,3,0"]),
            "qos {qos}"
        );
    }
}

#[test]
fn a_resumed_exchange_keeps_its_msg_id_reserved_until_acknowledged() {
    let mut b = bench(0);
    publish_then_drop(&mut b, "AT+QMTPUB=0,3,1,0,\"t\",\"x\"");
    b.net.broker.behaviour.silent_puback = true;
    connect(&mut b, "dev");
    assert_eq!(
        b.command("AT+QMTPUB=0,3,1,0,\"t\",\"y\""),
        framed(&["+CME ERROR: 3"])
    );
}

#[test]
fn nothing_is_resent_with_clean_session_1_or_as_another_client() {
    let mut b = bench(1);
    publish_then_drop(&mut b, "AT+QMTPUB=0,3,1,0,\"t\",\"x\"");
    connect(&mut b, "dev");
    assert!(b.net.broker.published.is_empty());

    let mut b = bench(0);
    publish_then_drop(&mut b, "AT+QMTPUB=0,3,1,0,\"t\",\"x\"");
    connect(&mut b, "other");
    assert!(b.net.broker.published.is_empty());
    // The session of `dev` was dropped with it: reconnecting as `dev` resends nothing.
    b.command("AT+QMTDISC=0");
    connect(&mut b, "dev");
    assert!(b.net.broker.published.is_empty());
}

#[test]
fn nothing_is_resent_when_the_server_lost_the_session() {
    let mut b = bench(0);
    publish_then_drop(&mut b, "AT+QMTPUB=0,3,1,0,\"t\",\"x\"");
    // Another device connected as `dev` with clean session 1: the broker forgot it.
    b.command("AT+QMTCFG=\"session\",0,1");
    connect(&mut b, "dev");
    b.command("AT+QMTDISC=0");
    b.command("AT+QMTCFG=\"session\",0,0");
    connect(&mut b, "dev");
    assert!(b.net.broker.published.is_empty());
}

/// The broker sends a QoS 2 PUBLISH with packet id 5 to the module.
fn qos2_from_broker(b: &mut Bench, payload: &[u8], dup: bool) -> String {
    let mut p = Publish::new("t", QoS::ExactlyOnce, payload.to_vec());
    p.pkid = 5;
    p.dup = dup;
    let now = b.now;
    b.net.send_from_broker(now, 0, 0, &Packet::Publish(p));
    b.advance(s(1))
}

#[test]
fn an_incoming_qos2_duplicate_is_recognised_across_links_of_one_session() {
    let mut b = bench(0);
    // The module's PUBREC is lost, so the broker never releases the message.
    b.inject(
        0,
        Fault::BlackHole {
            conn_id: 0,
            way: Way::Up,
            duration: s(1),
        },
    );
    assert_eq!(
        qos2_from_broker(&mut b, b"m", false),
        framed(&["+QMTRECV: 0,5,\"t\",\"m\""])
    );
    b.inject(
        0,
        Fault::DropLink {
            conn_id: 0,
            how: Default::default(),
        },
    );
    b.advance(s(1));
    connect(&mut b, "dev");
    // Before PUBREL the resent PUBLISH is the same message: not reported again.
    assert_eq!(qos2_from_broker(&mut b, b"m", true), "");
    let now = b.now;
    b.net
        .send_from_broker(now, 0, 0, &Packet::PubRel(PubRel::new(5)));
    b.advance(s(1));
    // Released: id 5 now starts a new message.
    assert_eq!(
        qos2_from_broker(&mut b, b"n", false),
        framed(&["+QMTRECV: 0,5,\"t\",\"n\""])
    );
}

#[test]
fn with_clean_session_1_a_new_connection_reports_the_message_again() {
    let mut b = bench(1);
    b.inject(
        0,
        Fault::BlackHole {
            conn_id: 0,
            way: Way::Up,
            duration: s(1),
        },
    );
    qos2_from_broker(&mut b, b"m", false);
    b.inject(
        0,
        Fault::DropLink {
            conn_id: 0,
            how: Default::default(),
        },
    );
    b.advance(s(1));
    connect(&mut b, "dev");
    assert_eq!(
        qos2_from_broker(&mut b, b"m", true),
        framed(&["+QMTRECV: 0,5,\"t\",\"m\""])
    );
}

#[test]
fn the_virtual_broker_keeps_qos2_ids_per_session_so_a_resent_publish_is_not_routed_twice() {
    // Method A of [MQTT-4.3.3] (mosquitto, rumqttd, the virtual broker by default): the
    // message is held until its PUBREL. Clean 0 keeps it across the drop and the resent
    // exchange releases it once; clean 1 ends the session, and the held message with it,
    // when the link drops, and the module does not resend: no copy.
    for (clean, copies) in [(0, 1), (1, 0)] {
        let mut b = bench(clean);
        // The PUBLISH reaches the broker; its PUBREC is lost.
        b.inject(
            0,
            Fault::BlackHole {
                conn_id: 0,
                way: Way::Down,
                duration: s(1),
            },
        );
        assert_eq!(b.command("AT+QMTPUB=0,4,2,0,\"t\",\"x\""), framed(&["OK"]));
        b.inject(
            0,
            Fault::DropLink {
                conn_id: 0,
                how: Default::default(),
            },
        );
        b.advance(s(2));
        connect(&mut b, "dev");
        b.advance(s(1));
        // Clean 0: resent and recognised as the same message; clean 1: not resent.
        assert_eq!(payloads(&b).len(), copies, "clean {clean}");
        // The resent exchange completed (PUBREC, PUBREL, PUBCOMP): the msgID is free.
        assert_eq!(
            b.command("AT+QMTPUB=0,4,2,0,\"t\",\"y\""),
            framed(&["OK", "+QMTPUB: 0,4,0"]),
            "clean {clean}"
        );
    }
}
