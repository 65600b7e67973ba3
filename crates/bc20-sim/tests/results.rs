//! Every `<result>` and `<ret_code>` of 3.2.2-3.2.8, and the final result codes of D6.

mod common;

use bc20_grammar::OpenResult;
use bc20_sim::{Bench, Fault, ModemConfig};
use common::{connected, framed, quiet, s};

// ---------------------------------------------------------------- QMTOPEN (3.2.2, D24)

#[test]
fn qmtopen_0_then_read_form_lists_the_id() {
    let mut b = Bench::new(quiet());
    assert_eq!(
        b.command("AT+QMTOPEN=5,\"broker.example\",65535"),
        framed(&["OK", "+QMTOPEN: 5,0"])
    );
    assert_eq!(
        b.command("AT+QMTOPEN?"),
        framed(&["+QMTOPEN: 5,\"broker.example\",65535", "OK"])
    );
    assert_eq!(b.command("AT+QMTCONN?"), framed(&["+QMTCONN: 5,1", "OK"]));
}

#[test]
fn read_forms_are_empty_when_nothing_is_open() {
    let mut b = Bench::new(quiet());
    assert_eq!(b.command("AT+QMTOPEN?"), framed(&["OK"]));
    assert_eq!(b.command("AT+QMTCONN?"), framed(&["OK"]));
}

#[test]
fn qmtopen_minus1_when_refused() {
    let mut b = Bench::new(quiet());
    b.net.refuse = true;
    assert_eq!(
        b.command("AT+QMTOPEN=0,\"broker\",1883"),
        framed(&["OK", "+QMTOPEN: 0,-1"])
    );
    b.net.refuse = false;
    b.inject(0, Fault::RefuseConnections { on: true });
    assert_eq!(
        b.command("AT+QMTOPEN=0,\"broker\",1883"),
        framed(&["OK", "+QMTOPEN: 0,-1"])
    );
}

#[test]
fn qmtopen_minus1_after_75_s_without_answer() {
    let mut b = Bench::new(quiet());
    b.net.unreachable = true;
    assert_eq!(b.command("AT+QMTOPEN=0,\"broker\",1883"), framed(&["OK"]));
    assert_eq!(b.advance(s(74)), "");
    assert_eq!(b.advance(s(1)), framed(&["+QMTOPEN: 0,-1"]));
}

#[test]
fn qmtopen_2_on_an_occupied_id() {
    let mut b = Bench::new(quiet());
    b.command("AT+QMTOPEN=1,\"broker\",1883");
    assert_eq!(
        b.command("AT+QMTOPEN=1,\"broker\",1883"),
        framed(&["OK", "+QMTOPEN: 1,2"])
    );
    // Also while the first QMTOPEN is still connecting.
    b.net.unreachable = true;
    b.command("AT+QMTOPEN=2,\"broker\",1883");
    assert_eq!(
        b.command("AT+QMTOPEN=2,\"broker\",1883"),
        framed(&["OK", "+QMTOPEN: 2,2"])
    );
}

#[test]
fn qmtopen_3_when_not_attached() {
    let mut b = Bench::new(ModemConfig {
        attach_after: None,
        ..quiet()
    });
    assert_eq!(b.command("AT+CGATT?"), framed(&["+CGATT: 0", "OK"]));
    assert_eq!(b.command("AT+CEREG?"), framed(&["+CEREG: 0,2", "OK"]));
    assert_eq!(
        b.command("AT+QMTOPEN=0,\"broker\",1883"),
        framed(&["OK", "+QMTOPEN: 0,3"])
    );
}

#[test]
fn attach_after_a_delay_emits_ip_once() {
    let mut b = Bench::new(ModemConfig {
        attach_after: Some(s(5)),
        ..quiet()
    });
    assert_eq!(b.command("AT+CGATT?"), framed(&["+CGATT: 0", "OK"]));
    assert_eq!(b.advance(s(5)), framed(&["+IP: 10.0.0.1"]));
    assert_eq!(b.command("AT+CGATT?"), framed(&["+CGATT: 1", "OK"]));
    assert_eq!(b.advance(s(100)), "");
}

#[test]
fn qmtopen_4_when_the_name_does_not_resolve() {
    let mut b = Bench::new(quiet());
    assert_eq!(
        b.command("AT+QMTOPEN=0,\"no.such.host.invalid\",1883"),
        framed(&["OK", "+QMTOPEN: 0,4"])
    );
}

#[test]
fn qmtopen_5_when_the_link_drops_while_connecting() {
    let mut b = Bench::new(quiet());
    b.net.unreachable = true;
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.inject(
        0,
        Fault::DropLink {
            conn_id: 0,
            how: Default::default(),
        },
    );
    assert_eq!(b.read_text(0), framed(&["+QMTOPEN: 0,5"]));
}

#[test]
fn qmtopen_injected_results() {
    let mut b = Bench::new(quiet());
    for r in [
        OpenResult::WrongParameter,
        OpenResult::PdpActivationFailed,
        OpenResult::DomainNameParseFailed,
        OpenResult::NetworkDisconnected,
    ] {
        b.inject(0, Fault::FailNextOpen { result: r });
        assert_eq!(
            b.command("AT+QMTOPEN=0,\"broker\",1883"),
            framed(&["OK", &format!("+QMTOPEN: 0,{}", r.code())])
        );
    }
    assert_eq!(
        b.command("AT+QMTOPEN=0,\"broker\",1883"),
        framed(&["OK", "+QMTOPEN: 0,0"])
    );
}

// ---------------------------------------------------------------- QMTCLOSE (3.2.3)

#[test]
fn qmtclose_0_and_minus1() {
    let mut b = connected(quiet());
    b.inject(0, Fault::FailNextClose);
    assert_eq!(
        b.command("AT+QMTCLOSE=0"),
        framed(&["OK", "+QMTCLOSE: 0,-1"])
    );
    assert_eq!(b.command("AT+QMTCONN?"), framed(&["+QMTCONN: 0,3", "OK"]));
    assert_eq!(
        b.command("AT+QMTCLOSE=0"),
        framed(&["OK", "+QMTCLOSE: 0,0"])
    );
    assert_eq!(b.command("AT+QMTCLOSE=0"), framed(&["+CME ERROR: 3"]));
}

#[test]
fn qmtclose_publishes_the_will_d28() {
    let mut b = Bench::new(quiet());
    let peer = b.peer("watcher");
    b.net.broker.peer_subscribe(peer, "dev/status", 1);
    b.command("AT+QMTCFG=\"will\",0,1,1,1,\"dev/status\",\"offline\"");
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    b.command("AT+QMTCLOSE=0");
    let inbox = b.net.broker.take_inbox(peer);
    assert_eq!(inbox.len(), 1);
    assert_eq!(&inbox[0].payload[..], b"offline");
    assert!(b.net.broker.retained().contains_key("dev/status"));
}

#[test]
fn qmtdisc_discards_the_will() {
    let mut b = Bench::new(quiet());
    let peer = b.peer("watcher");
    b.net.broker.peer_subscribe(peer, "#", 0);
    b.command("AT+QMTCFG=\"will\",0,1,0,0,\"dev/status\",\"\"");
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    assert_eq!(b.command("AT+QMTDISC=0"), framed(&["OK", "+QMTDISC: 0,0"]));
    assert!(b.net.broker.take_inbox(peer).is_empty());
}

// ---------------------------------------------------------------- QMTCONN (3.2.4, D27)

#[test]
fn qmtconn_ret_codes_1_to_5() {
    for rc in 1..=5u8 {
        let mut b = Bench::new(quiet());
        b.net.broker.behaviour.refuse_with = Some(rc);
        b.command("AT+QMTOPEN=0,\"broker\",1883");
        let expected = framed(&["OK", &format!("+QMTCONN: 0,0,{rc}"), "+QMTSTAT: 0,1"]);
        assert_eq!(b.command("AT+QMTCONN=0,\"dev\""), expected, "ret_code {rc}");
    }
}

#[test]
fn qmtconn_needs_an_opened_unconnected_id() {
    let mut b = Bench::new(quiet());
    assert_eq!(
        b.command("AT+QMTCONN=0,\"dev\""),
        framed(&["+CME ERROR: 3"])
    );
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    assert_eq!(
        b.command("AT+QMTCONN=0,\"dev\""),
        framed(&["+CME ERROR: 3"])
    );
}

#[test]
fn a_second_client_with_the_same_id_takes_over() {
    let mut b = connected(quiet());
    b.command("AT+QMTOPEN=1,\"broker\",1883");
    // The broker drops the older client before it answers the new one (3.2.4 NOTE).
    assert_eq!(
        b.command("AT+QMTCONN=1,\"dev\""),
        framed(&["OK", "+QMTSTAT: 0,1", "+QMTCONN: 1,0,0"])
    );
}

#[test]
fn clean_session_0_keeps_subscriptions() {
    let mut b = Bench::new(quiet());
    b.command("AT+QMTCFG=\"session\",0,0");
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    b.command("AT+QMTSUB=0,1,\"a/#\",1");
    b.command("AT+QMTCLOSE=0");
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    b.publish("a/b", b"kept", 1, false);
    assert_eq!(b.read_text(0), framed(&["+QMTRECV: 0,1,\"a/b\",\"kept\""]));
}

// ---------------------------------------------------------------- QMTDISC (3.2.5)

#[test]
fn qmtdisc_needs_a_connected_id_and_frees_it() {
    let mut b = Bench::new(quiet());
    assert_eq!(b.command("AT+QMTDISC=0"), framed(&["+CME ERROR: 3"]));
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    assert_eq!(b.command("AT+QMTDISC=0"), framed(&["+CME ERROR: 3"]));
    b.command("AT+QMTCONN=0,\"dev\"");
    assert_eq!(b.command("AT+QMTDISC=0"), framed(&["OK", "+QMTDISC: 0,0"]));
    assert_eq!(b.command("AT+QMTOPEN?"), framed(&["OK"]));
}

// ---------------------------------------------------------------- QMTSUB/UNS/PUB (3.2.6-3.2.8)

#[test]
fn qmtsub_values_one_per_topic_with_128_for_rejected_d30() {
    let mut b = connected(quiet());
    b.net
        .broker
        .behaviour
        .reject_filters
        .push("secret/#".into());
    b.net.broker.behaviour.max_qos = 1;
    let out = b.command("AT+QMTSUB=0,7,\"a/b\",2,\"secret/#\",0,\"c/+\",0");
    assert_eq!(out, framed(&["OK", "+QMTSUB: 0,7,0,1,128,0"]));
}

#[test]
fn qmtsub_unsub_and_pub_need_a_connection() {
    let mut b = Bench::new(quiet());
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    assert_eq!(
        b.command("AT+QMTSUB=0,1,\"a\",0"),
        framed(&["+CME ERROR: 3"])
    );
    assert_eq!(b.command("AT+QMTUNS=0,1,\"a\""), framed(&["+CME ERROR: 3"]));
    assert_eq!(
        b.command("AT+QMTPUB=0,0,0,0,\"a\",\"x\""),
        framed(&["+CME ERROR: 3"])
    );
}

#[test]
fn a_msg_id_in_flight_cannot_be_reused_d33() {
    let mut b = connected(quiet());
    b.net.broker.behaviour.silent_puback = true;
    assert_eq!(b.command("AT+QMTPUB=0,9,1,0,\"t\",\"x\""), framed(&["OK"]));
    assert_eq!(
        b.command("AT+QMTSUB=0,9,\"t\",0"),
        framed(&["+CME ERROR: 3"])
    );
    assert_eq!(b.command("AT+QMTPUB=0,10,1,0,\"t\",\"x\""), framed(&["OK"]));
}

#[test]
fn qmtpub_qos0_1_2_results_and_delivery_to_a_peer() {
    let mut b = connected(quiet());
    let peer = b.peer("app");
    b.net.broker.peer_subscribe(peer, "dev/#", 2);
    assert_eq!(
        b.command("AT+QMTPUB=0,0,0,0,\"dev/a\",\"zero\""),
        framed(&["OK", "+QMTPUB: 0,0,0"])
    );
    assert_eq!(
        b.command("AT+QMTPUB=0,1,1,0,\"dev/b\",\"one\""),
        framed(&["OK", "+QMTPUB: 0,1,0"])
    );
    assert_eq!(
        b.command("AT+QMTPUB=0,65535,2,1,\"dev/c\",\"\""),
        framed(&["OK", "+QMTPUB: 0,65535,0"])
    );
    let got: Vec<(String, u8)> = b
        .net
        .broker
        .take_inbox(peer)
        .into_iter()
        .map(|m| (m.topic, m.qos))
        .collect();
    assert_eq!(
        got,
        [
            ("dev/a".to_owned(), 0),
            ("dev/b".to_owned(), 1),
            ("dev/c".to_owned(), 2)
        ]
    );
}

#[test]
fn qmtuns_stops_deliveries() {
    let mut b = connected(quiet());
    b.command("AT+QMTSUB=0,1,\"x/y\",1");
    assert_eq!(
        b.command("AT+QMTUNS=0,2,\"x/y\""),
        framed(&["OK", "+QMTUNS: 0,2,0"])
    );
    b.publish("x/y", b"nobody", 1, false);
    assert_eq!(b.read_text(0), "");
}

#[test]
fn incoming_qos1_and_qos2_carry_the_packet_id_d37() {
    let mut b = connected(quiet());
    b.command("AT+QMTSUB=0,1,\"in/#\",2");
    b.publish("in/1", b"a", 1, false);
    b.publish("in/2", b"{\"method\":\"set\",\"v\":[1,2]}", 2, false);
    assert_eq!(
        b.read_text(0),
        framed(&[
            "+QMTRECV: 0,1,\"in/1\",\"a\"",
            "+QMTRECV: 0,2,\"in/2\",\"{\"method\":\"set\",\"v\":[1,2]}\""
        ])
    );
}

#[test]
fn a_resent_qos2_publish_is_reported_once_d37() {
    use bc20_sim::mqtt::{Packet, Publish, QoS};
    let mut b = connected(quiet());
    let mut p = Publish::new("t", QoS::ExactlyOnce, b"once".to_vec());
    p.pkid = 42;
    let now = b.now;
    b.net
        .send_from_broker(now, 0, 0, &Packet::Publish(p.clone()));
    p.dup = true;
    b.net.send_from_broker(now, 0, 0, &Packet::Publish(p));
    b.settle();
    assert_eq!(b.read_text(0), framed(&["+QMTRECV: 0,42,\"t\",\"once\""]));
}

#[test]
fn retained_messages_arrive_on_subscribe() {
    let mut b = connected(quiet());
    b.publish("cfg/led", b"on", 1, true);
    assert_eq!(
        b.command("AT+QMTSUB=0,3,\"cfg/+\",1"),
        framed(&["OK", "+QMTSUB: 0,3,0,1", "+QMTRECV: 0,1,\"cfg/led\",\"on\""])
    );
}

#[test]
fn payloads_the_grammar_cannot_encode_are_sent_raw_d36() {
    let mut b = connected(quiet());
    b.command("AT+QMTSUB=0,1,\"raw\",0");
    b.publish("raw", b"a\"\r\nb", 0, false);
    assert_eq!(b.read(0), b"\r\n+QMTRECV: 0,0,\"raw\",\"a\"\r\nb\"\r\n");
}
