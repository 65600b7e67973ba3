//! The network faults that act on chosen packets, and the network log the module keeps:
//! the same judgement as the fault proxy's (bc20_fault::LinkImpairments), applied inside the
//! simulator's link layer, with virtual time.

mod common;

use bc20_sim::{Fate, Fault};
use common::{connected, framed, quiet, s};

fn fault(text: &str) -> Fault {
    text.parse().unwrap()
}

#[test]
fn a_killed_path_is_found_out_at_the_keep_alive_code_2() {
    let mut b = bc20_sim::Bench::new(quiet());
    b.command("AT+QMTCFG=\"keepalive\",0,60");
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    b.inject(0, fault("kill-link 0"));
    // Nothing is said: the path died without a FIN or a RST.
    assert_eq!(b.advance(s(69)), "");
    // PINGREQ at 60 s is lost; no PINGRESP within pkt_timeout (10 s).
    assert_eq!(b.advance(s(1)), framed(&["+QMTSTAT: 0,2"]));
}

#[test]
fn link_down_is_code_7_at_once() {
    let mut b = connected(quiet());
    b.inject(0, fault("link-down 0"));
    assert_eq!(b.read_text(0), framed(&["+QMTSTAT: 0,7"]));
}

#[test]
fn garbage_from_the_broker_side_is_code_7() {
    let mut b = connected(quiet());
    b.inject(0, fault("garbage 0"));
    assert_eq!(b.read_text(0), framed(&["+QMTSTAT: 0,7"]));
}

#[test]
fn a_refusing_connack_is_reported_then_the_server_closes_d27() {
    let mut b = bc20_sim::Bench::new(quiet());
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.inject(0, fault("connack 0 5"));
    assert_eq!(
        b.command("AT+QMTCONN=0,\"dev\""),
        framed(&["OK", "+QMTCONN: 0,0,5", "+QMTSTAT: 0,1"])
    );
}

#[test]
fn a_dropped_puback_is_answered_by_a_retransmission() {
    let mut b = connected(quiet());
    b.inject(0, fault("drop-packet 0 down PUBACK times 1"));
    assert_eq!(b.command("AT+QMTPUB=0,1,1,0,\"t\",\"x\""), framed(&["OK"]));
    // pkt_timeout 10 s (no retransmission notices by default), then the retransmission's
    // PUBACK passes.
    assert_eq!(b.advance(s(9)), "");
    assert_eq!(b.advance(s(1)), framed(&["+QMTPUB: 0,1,0"]));
}

#[test]
fn close_after_a_suback_closes_the_link_after_its_result() {
    let mut b = connected(quiet());
    b.inject(0, fault("close-after 0 down SUBACK"));
    assert_eq!(
        b.command("AT+QMTSUB=0,1,\"t\",1"),
        framed(&["OK", "+QMTSUB: 0,1,0,1", "+QMTSTAT: 0,1"])
    );
}

#[test]
fn the_network_log_records_what_the_module_sent_even_when_lost() {
    let mut b = connected(quiet());
    b.modems[0].record_network();
    b.inject(0, fault("black-hole 0 up 5s"));
    b.command("AT+QMTPUB=0,1,1,0,\"t\",\"x\"");
    b.advance(s(11));
    let log = b.modems[0].take_network_log();
    let sent: Vec<String> = log
        .iter()
        .filter(|e| e.is_sending())
        .map(|e| format!("{} {}", e.at, e))
        .collect();
    assert!(
        matches!(&log[0].fate, Fate::Dropped("black-hole")),
        "{sent:#?}"
    );
    let publishes: Vec<_> = log
        .iter()
        .filter(|e| {
            e.packet
                .is_some_and(|p| p.kind == bc20_fault::PacketType::Publish)
        })
        .collect();
    assert_eq!(publishes.len(), 2, "{sent:#?}");
    assert!(!publishes[0].packet.unwrap().dup && publishes[1].packet.unwrap().dup);
    assert_eq!(publishes[1].fate, Fate::Passed);
}

#[test]
fn close_after_a_publish_going_up_ends_its_retransmissions_with_the_link_d38() {
    let mut b = bc20_sim::Bench::new(quiet());
    b.command("AT+QMTCFG=\"timeout\",0,1,3,1");
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    b.modems[0].record_network();
    b.inject(0, fault("close-after 0 up PUBLISH"));
    assert_eq!(
        b.command("AT+QMTPUB=0,9,1,0,\"t\",\"x\""),
        framed(&["OK", "+QMTSTAT: 0,1"])
    );
    // No retransmission notice and nothing more on the wire after +QMTSTAT.
    assert_eq!(b.advance(s(5)), "");
    let publishes = b.modems[0]
        .take_network_log()
        .iter()
        .filter(|e| {
            e.packet
                .is_some_and(|p| p.kind == bc20_fault::PacketType::Publish)
        })
        .count();
    assert_eq!(publishes, 1);
}
