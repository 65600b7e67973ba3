//! Retransmission (Figure 1 Excep2, D23, D25): every path, in virtual time. A 10 s × 3
//! scenario runs in microseconds.

mod common;

use bc20_sim::{Bench, Fault, Modem, ModemConfig, NetAction, NetEvent, SimTime, Way};
use common::{connected, framed, quiet, s};

/// Slot 0 connected with timeout_notice on.
fn noisy() -> Bench {
    let mut b = Bench::new(quiet());
    b.command("AT+QMTCFG=\"timeout\",0,10,3,1");
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    b
}

/// The transcript from the command on, for a snapshot.
fn timeline(b: &Bench, from: &str) -> String {
    let t = b.transcript();
    t[t.find(from)
        .map_or(0, |i| t[..i].rfind('\n').map_or(0, |n| n + 1))..]
        .to_owned()
}

#[test]
fn qos1_publish_notices_then_fails_after_40_s() {
    let mut b = noisy();
    b.net.broker.behaviour.silent_puback = true;
    b.command("AT+QMTPUB=0,5,1,0,\"t\",\"x\"");
    b.advance(s(45));
    insta::assert_snapshot!(timeline(&b, "AT+QMTPUB"));
}

#[test]
fn qos2_publish_without_pubrec() {
    let mut b = noisy();
    b.net.broker.behaviour.silent_puback = true;
    b.command("AT+QMTPUB=0,6,2,0,\"t\",\"x\"");
    assert_eq!(
        b.advance(s(40)),
        framed(&[
            "+QMTPUB: 0,6,1,1",
            "+QMTPUB: 0,6,1,2",
            "+QMTPUB: 0,6,1,3",
            "+QMTPUB: 0,6,2"
        ])
    );
}

#[test]
fn qos2_publish_without_pubcomp_retransmits_pubrel() {
    let mut b = noisy();
    b.net.broker.behaviour.silent_pubcomp = true;
    b.command("AT+QMTPUB=0,7,2,0,\"t\",\"x\"");
    b.advance(s(45));
    insta::assert_snapshot!(timeline(&b, "AT+QMTPUB"));
}

#[test]
fn subscribe_notices_carry_the_count_then_result_2() {
    let mut b = noisy();
    b.net.broker.behaviour.silent_suback = true;
    assert_eq!(b.command("AT+QMTSUB=0,2,\"a\",1,\"b\",2"), framed(&["OK"]));
    assert_eq!(b.advance(s(10)), framed(&["+QMTSUB: 0,2,1,1"]));
    assert_eq!(
        b.advance(s(30)),
        framed(&["+QMTSUB: 0,2,1,2", "+QMTSUB: 0,2,1,3", "+QMTSUB: 0,2,2"])
    );
}

#[test]
fn unsubscribe_notices_carry_the_count_d31() {
    let mut b = noisy();
    b.net.broker.behaviour.silent_unsuback = true;
    b.command("AT+QMTUNS=0,3,\"a\"");
    assert_eq!(
        b.advance(s(40)),
        framed(&[
            "+QMTUNS: 0,3,1,1",
            "+QMTUNS: 0,3,1,2",
            "+QMTUNS: 0,3,1,3",
            "+QMTUNS: 0,3,2"
        ])
    );
}

#[test]
fn without_timeout_notice_only_the_final_result_comes() {
    let mut b = connected(quiet());
    b.net.broker.behaviour.silent_puback = true;
    b.command("AT+QMTPUB=0,1,1,0,\"t\",\"x\"");
    assert_eq!(b.advance(s(39)), "");
    assert_eq!(b.advance(s(1)), framed(&["+QMTPUB: 0,1,2"]));
    // D25: the connection stays up.
    assert_eq!(b.command("AT+QMTCONN?"), framed(&["+QMTCONN: 0,3", "OK"]));
}

#[test]
fn retry_times_0_fails_after_one_pkt_timeout() {
    let mut b = Bench::new(quiet());
    b.command("AT+QMTCFG=\"timeout\",0,1,0,1");
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    b.net.broker.behaviour.silent_puback = true;
    b.command("AT+QMTPUB=0,1,1,0,\"t\",\"x\"");
    assert_eq!(b.advance(s(1)), framed(&["+QMTPUB: 0,1,2"]));
}

#[test]
fn retry_times_10_pkt_timeout_60_takes_660_s() {
    let mut b = Bench::new(quiet());
    b.command("AT+QMTCFG=\"timeout\",0,60,10");
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    b.net.broker.behaviour.silent_suback = true;
    b.command("AT+QMTSUB=0,1,\"t\",0");
    assert_eq!(b.advance(s(659)), "");
    assert_eq!(b.advance(s(1)), framed(&["+QMTSUB: 0,1,2"]));
}

#[test]
fn a_retransmission_that_gets_through_completes_the_command() {
    let mut b = noisy();
    // The first two transmissions vanish, the third (at 20 s) arrives.
    b.inject(
        0,
        Fault::BlackHole {
            conn_id: 0,
            way: Way::Up,
            duration: s(15),
        },
    );
    b.command("AT+QMTPUB=0,8,1,0,\"t\",\"x\"");
    assert_eq!(
        b.advance(s(25)),
        framed(&["+QMTPUB: 0,8,1,1", "+QMTPUB: 0,8,1,2", "+QMTPUB: 0,8,0"])
    );
}

#[test]
fn lost_acknowledgements_are_retransmission_paths_too() {
    let mut b = noisy();
    b.inject(
        0,
        Fault::BlackHole {
            conn_id: 0,
            way: Way::Down,
            duration: s(5),
        },
    );
    b.command("AT+QMTSUB=0,4,\"t\",1");
    assert_eq!(
        b.advance(s(10)),
        framed(&["+QMTSUB: 0,4,1,1", "+QMTSUB: 0,4,0,1"])
    );
}

#[test]
fn timeout_settings_apply_to_the_next_packet_d20() {
    let mut b = noisy();
    b.net.broker.behaviour.silent_puback = true;
    b.command("AT+QMTPUB=0,1,1,0,\"t\",\"x\"");
    b.command("AT+QMTCFG=\"timeout\",0,2,0,0");
    b.command("AT+QMTPUB=0,2,1,0,\"t\",\"x\"");
    assert_eq!(b.advance(s(2)), framed(&["+QMTPUB: 0,2,2"]));
    assert_eq!(b.advance(s(8)), framed(&["+QMTPUB: 0,1,1,1"]));
}

#[test]
fn delayed_packets_arrive_late_and_in_order() {
    let mut b = connected(quiet());
    b.inject(
        0,
        Fault::Delay {
            conn_id: 0,
            way: Way::Up,
            delay: common::ms(3000),
        },
    );
    assert_eq!(b.command("AT+QMTPUB=0,1,1,0,\"t\",\"1\""), framed(&["OK"]));
    assert_eq!(b.command("AT+QMTPUB=0,2,1,0,\"t\",\"2\""), framed(&["OK"]));
    assert_eq!(b.advance(common::ms(2999)), "");
    assert_eq!(
        b.advance(common::ms(1)),
        framed(&["+QMTPUB: 0,1,0", "+QMTPUB: 0,2,0"])
    );
    b.inject(
        0,
        Fault::Delay {
            conn_id: 0,
            way: Way::Up,
            delay: s(0),
        },
    );
    assert_eq!(
        b.command("AT+QMTPUB=0,3,1,0,\"t\",\"3\""),
        framed(&["OK", "+QMTPUB: 0,3,0"])
    );
}

#[test]
fn retransmitted_publish_carries_dup_and_the_same_packet_id() {
    // Drives the core directly: the network is this test.
    let mut m = Modem::new(ModemConfig::echo_off(), SimTime::ZERO);
    let t0 = SimTime::ZERO;
    m.handle_host_bytes(t0, b"AT+QMTOPEN=0,\"b\",1\r");
    assert!(matches!(
        m.poll_net(),
        Some(NetAction::Open { conn_id: 0, .. })
    ));
    m.handle_net(t0, 0, NetEvent::Connected);
    m.handle_host_bytes(t0, b"AT+QMTCONN=0,\"c\"\r");
    assert!(matches!(
        m.poll_net(),
        Some(NetAction::Send { conn_id: 0, .. })
    ));
    m.handle_net(
        t0,
        0,
        NetEvent::Data(bytes::Bytes::from_static(&[0x20, 2, 0, 0])),
    );
    m.handle_host_bytes(t0, b"AT+QMTPUB=0,258,1,0,\"t\",\"x\"\r");
    let Some(NetAction::Send { bytes: first, .. }) = m.poll_net() else {
        panic!("no PUBLISH")
    };
    assert_eq!(first[0], 0x32); // PUBLISH, QoS 1, DUP clear
    assert_eq!(m.poll_timeout(), Some(SimTime::from_secs(10)));
    m.handle_timeout(SimTime::from_secs(10));
    let Some(NetAction::Send { bytes: again, .. }) = m.poll_net() else {
        panic!("no retransmission")
    };
    assert_eq!(again[0], 0x3a); // DUP set
    assert_eq!(&again[1..], &first[1..]);
    // PUBACK for 258 completes it.
    m.handle_net(
        SimTime::from_secs(11),
        0,
        NetEvent::Data(bytes::Bytes::from_static(&[0x40, 2, 1, 2])),
    );
    let out = String::from_utf8(m.poll_host().unwrap()).unwrap();
    assert!(out.ends_with("\r\n+QMTPUB: 0,258,0\r\n"), "{out:?}");
}

#[test]
fn late_drivers_lose_no_timer() {
    // handle_timeout long after several deadlines: every notice fires, at its own time.
    let mut b = noisy();
    b.net.broker.behaviour.silent_puback = true;
    b.command("AT+QMTPUB=0,1,1,0,\"t\",\"x\"");
    b.modems[0].handle_timeout(SimTime::from_secs(100));
    let out = String::from_utf8(b.modems[0].poll_host().unwrap_or_default()).unwrap();
    assert_eq!(
        out,
        framed(&[
            "+QMTPUB: 0,1,1,1",
            "+QMTPUB: 0,1,1,2",
            "+QMTPUB: 0,1,1,3",
            "+QMTPUB: 0,1,2"
        ])
    );
}

/// Slot 0 connected with `timeout 1,1` (no notice), then 2.5 s of one-way latency: every
/// acknowledgement arrives after the module has given up (result 2 at 2 s, PUBREC at 5 s).
fn slow_link() -> Bench {
    let mut b = Bench::new(quiet());
    b.command("AT+QMTCFG=\"timeout\",0,1,1");
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    b.net.latency = common::ms(2500);
    b
}

#[test]
fn qos2_given_up_still_answers_the_late_pubrec_and_keeps_the_id_d60() {
    let mut b = slow_link();
    assert_eq!(b.command("AT+QMTPUB=0,7,2,0,\"t\",\"x\""), framed(&["OK"]));
    assert_eq!(b.advance(s(2)), framed(&["+QMTPUB: 0,7,2"]));
    // The broker's exchange for 7 is open: the host may not reuse the id.
    assert_eq!(
        b.command("AT+QMTPUB=0,7,2,0,\"t\",\"y\""),
        framed(&["+CME ERROR: 3"])
    );
    // PUBREC arrives at 5 s and is answered with PUBREL (no result line: it was reported);
    // PUBCOMP comes back at 10 s and frees the id.
    assert_eq!(b.advance(s(7)), "");
    assert_eq!(
        b.command("AT+QMTPUB=0,7,2,0,\"t\",\"y\""),
        framed(&["+CME ERROR: 3"])
    );
    assert_eq!(b.advance(s(1)), "");
    assert_eq!(b.command("AT+QMTPUB=0,7,2,0,\"t\",\"y\""), framed(&["OK"]));
    b.net.latency = s(0);
    assert_eq!(b.advance(s(1)), framed(&["+QMTPUB: 0,7,0"]));
    // The broker released the first exchange (PUBREL), so the second 7 is a new message.
    let payloads: Vec<_> = b
        .net
        .broker
        .published
        .iter()
        .map(|m| &m.payload[..])
        .collect();
    assert_eq!(payloads, [&b"x"[..], b"y"]);
}

#[test]
fn other_commands_free_their_id_at_result_2_and_ignore_a_late_ack_d60() {
    for (cmd, reuse) in [
        ("AT+QMTPUB=0,9,1,0,\"t\",\"x\"", "AT+QMTSUB=0,9,\"u\",0"),
        ("AT+QMTSUB=0,9,\"u\",1", "AT+QMTUNS=0,9,\"u\""),
        ("AT+QMTUNS=0,9,\"u\"", "AT+QMTPUB=0,9,1,0,\"t\",\"x\""),
    ] {
        let mut b = slow_link();
        assert_eq!(b.command(cmd), framed(&["OK"]), "{cmd}");
        assert!(b.advance(s(2)).ends_with(",9,2\r\n"), "{cmd}");
        // QoS 1 and (UN)SUBSCRIBE hold nothing the broker must release: the id is free.
        b.net.latency = s(0);
        let out = b.command(reuse);
        assert!(
            out.starts_with("\r\nOK\r\n") && out.contains(",9,0"),
            "{cmd}: {out:?}"
        );
        // The acknowledgements of the first command (5 s, 6 s) belong to no command: ignored.
        assert_eq!(b.advance(s(6)), "", "{cmd}");
    }
}

#[test]
fn a_given_up_id_is_free_again_once_the_connection_ends_d60() {
    let mut b = slow_link();
    b.net.broker.behaviour.silent_puback = true;
    b.command("AT+QMTPUB=0,7,2,0,\"t\",\"x\"");
    assert_eq!(b.advance(s(2)), framed(&["+QMTPUB: 0,7,2"]));
    b.net.latency = s(0);
    b.command("AT+QMTDISC=0");
    b.advance(s(1));
    b.net.broker.behaviour.silent_puback = false;
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    assert_eq!(
        b.command("AT+QMTPUB=0,7,2,0,\"t\",\"y\""),
        framed(&["OK", "+QMTPUB: 0,7,0"])
    );
}

#[test]
fn simultaneous_retransmissions_fire_in_the_order_the_commands_were_sent() {
    // Same instant, msgIDs descending: the timer table fires by exchange, not by msgID.
    let mut b = noisy();
    b.net.broker.behaviour.silent_puback = true;
    b.command("AT+QMTPUB=0,9,1,0,\"t\",\"x\"");
    b.command("AT+QMTPUB=0,3,1,0,\"t\",\"x\"");
    assert_eq!(
        b.advance(s(10)),
        framed(&["+QMTPUB: 0,9,1,1", "+QMTPUB: 0,3,1,1"])
    );
}
