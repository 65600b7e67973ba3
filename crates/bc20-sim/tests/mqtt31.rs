//! D64: MQTT 3.1 mode (D39) keeps 3.1's rules: client ids of 1-23 bytes, and DUP on every
//! retransmitted packet (SUBSCRIBE, UNSUBSCRIBE and PUBREL too), in virtual time.

mod common;

use bc20_sim::{Bench, Fault, Modem, ModemConfig, MqttVersion, NetAction, NetEvent, SimTime, Way};
use bytes::Bytes;
use common::{framed, quiet, s};

fn v31() -> ModemConfig {
    ModemConfig {
        mqtt_version: MqttVersion::V31,
        ..quiet()
    }
}

#[test]
fn a_client_id_over_23_bytes_is_refused_in_31_mode_only() {
    let id24 = "c".repeat(24);
    let id23 = "c".repeat(23);
    let mut b = Bench::new(v31());
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    assert_eq!(
        b.command(&format!("AT+QMTCONN=0,\"{id24}\"")),
        framed(&["+CME ERROR: 50"])
    );
    assert_eq!(
        b.command(&format!("AT+QMTCONN=0,\"{id23}\"")),
        framed(&["OK", "+QMTCONN: 0,0,0"])
    );
    // A parameter error comes before the state error (D6), as for every command.
    let mut closed = Bench::new(v31());
    assert_eq!(
        closed.command(&format!("AT+QMTCONN=0,\"{id24}\"")),
        framed(&["+CME ERROR: 50"])
    );
    let mut b = Bench::new(quiet());
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    assert_eq!(
        b.command(&format!("AT+QMTCONN=0,\"{id24}\"")),
        framed(&["OK", "+QMTCONN: 0,0,0"])
    );
}

#[test]
fn the_virtual_broker_refuses_a_31_client_id_over_23_bytes() {
    use bc20_sim::mqtt::{self, Connect, ConnectReturnCode, Packet, PacketReader};
    use bc20_sim::virtual_net::{Broker, BrokerOut};
    for (len, code) in [
        (23, ConnectReturnCode::Success),
        (24, ConnectReturnCode::BadClientId),
    ] {
        let mut broker = Broker::new();
        broker.accept(1, SimTime::ZERO);
        let connect = Packet::Connect(Connect::new("c".repeat(len)));
        let bytes = mqtt::encode(&connect, MqttVersion::V31).unwrap();
        broker.receive(1, SimTime::ZERO, &bytes);
        let Some(BrokerOut::Send(1, ack)) = broker.drain().into_iter().next() else {
            panic!("no CONNACK for {len}");
        };
        let mut r = PacketReader::new(1 << 16);
        r.push(&ack);
        let Some(Packet::ConnAck(ack)) = r.next_packet().unwrap() else {
            panic!("not a CONNACK");
        };
        assert_eq!(ack.code, code, "{len}");
    }
}

/// A module connected on slot 0, driven by hand: the network is the test.
fn wired(version: MqttVersion) -> Modem {
    let config = ModemConfig {
        mqtt_version: version,
        ..quiet()
    };
    let t0 = SimTime::ZERO;
    let mut m = Modem::new(config, t0);
    m.handle_host_bytes(t0, b"AT+QMTOPEN=0,\"b\",1\r");
    m.poll_net();
    m.handle_net(t0, 0, NetEvent::Connected);
    m.handle_host_bytes(t0, b"AT+QMTCONN=0,\"c\"\r");
    m.poll_net();
    m.handle_net(t0, 0, NetEvent::Data(Bytes::from_static(&[0x20, 2, 0, 0])));
    m.poll_host();
    m
}

fn sent(m: &mut Modem) -> Bytes {
    match m.poll_net() {
        Some(NetAction::Send { bytes, .. }) => bytes,
        other => panic!("expected a send, got {other:?}"),
    }
}

/// The first transmission and the retransmission after pkt_timeout (10 s).
fn first_and_resend(m: &mut Modem, at: u64) -> (Bytes, Bytes) {
    let first = sent(m);
    m.handle_timeout(SimTime::from_secs(at + 10));
    (first, sent(m))
}

#[test]
fn resent_subscribe_unsubscribe_and_pubrel_carry_dup_in_31_and_not_in_311() {
    for (version, dup) in [(MqttVersion::V31, 0x08), (MqttVersion::V311, 0)] {
        let mut m = wired(version);
        m.handle_host_bytes(SimTime::ZERO, b"AT+QMTSUB=0,1,\"t\",1\r");
        let (first, again) = first_and_resend(&mut m, 0);
        assert_eq!((first[0], again[0]), (0x82, 0x82 | dup), "{version:?}");
        assert_eq!(&first[1..], &again[1..]);

        let mut m = wired(version);
        m.handle_host_bytes(SimTime::ZERO, b"AT+QMTUNS=0,2,\"t\"\r");
        let (first, again) = first_and_resend(&mut m, 0);
        assert_eq!((first[0], again[0]), (0xa2, 0xa2 | dup), "{version:?}");
        assert_eq!(&first[1..], &again[1..]);

        let mut m = wired(version);
        m.handle_host_bytes(SimTime::ZERO, b"AT+QMTPUB=0,3,2,0,\"t\",\"x\"\r");
        assert_eq!(sent(&mut m)[0], 0x34); // PUBLISH QoS 2, DUP clear
        m.handle_net(
            SimTime::ZERO,
            0,
            NetEvent::Data(Bytes::from_static(&[0x50, 2, 0, 3])),
        );
        let (first, again) = first_and_resend(&mut m, 0);
        assert_eq!((first[0], again[0]), (0x62, 0x62 | dup), "{version:?}");
        assert_eq!(&first[1..], &again[1..]);
    }
}

#[test]
fn the_virtual_broker_takes_a_31_resend_with_dup() {
    let mut b = Bench::new(v31());
    b.command("AT+QMTCFG=\"timeout\",0,1,3,1");
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"short-id\"");
    // The first SUBACK is lost; the DUP SUBSCRIBE at 1 s is answered.
    b.inject(
        0,
        Fault::BlackHole {
            conn_id: 0,
            way: Way::Down,
            duration: common::ms(500),
        },
    );
    assert_eq!(b.command("AT+QMTSUB=0,1,\"t\",1"), framed(&["OK"]));
    assert_eq!(
        b.advance(s(2)),
        framed(&["+QMTSUB: 0,1,1,1", "+QMTSUB: 0,1,0,1"])
    );
    assert_eq!(b.command("AT+QMTCONN?"), framed(&["+QMTCONN: 0,3", "OK"]));
}
