//! Every +QMTSTAT code of Table 3 (5.1) the module can produce, with virtual time, and the
//! rule that an id is closed and reusable after any +QMTSTAT (D38).

mod common;

use bc20_sim::{Fault, SlotState, Way};
use common::{connected, framed, quiet, s};

#[test]
fn code1_when_the_broker_closes_the_link() {
    let mut b = connected(quiet());
    let now = b.now;
    b.net.close_from_broker(now, 0, 0);
    b.settle();
    assert_eq!(b.read_text(0), framed(&["+QMTSTAT: 0,1"]));
    assert_eq!(b.modems[0].slot_state(0), SlotState::Closed);
}

#[test]
fn code1_when_the_link_is_reset_by_fault_injection() {
    let mut b = connected(quiet());
    b.inject(
        0,
        Fault::DropLink {
            conn_id: 0,
            how: Default::default(),
        },
    );
    assert_eq!(b.read_text(0), framed(&["+QMTSTAT: 0,1"]));
    // D38: the id is closed and can be opened again.
    assert_eq!(
        b.command("AT+QMTOPEN=0,\"broker\",1883"),
        framed(&["OK", "+QMTOPEN: 0,0"])
    );
}

#[test]
fn code1_after_a_refused_connack_d27() {
    let mut b = bc20_sim::Bench::new(quiet());
    b.net.broker.behaviour.refuse_with = Some(4);
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    assert_eq!(
        b.command("AT+QMTCONN=0,\"dev\",\"user\",\"bad\""),
        framed(&["OK", "+QMTCONN: 0,0,4", "+QMTSTAT: 0,1"])
    );
}

#[test]
fn code2_when_pingresp_does_not_come() {
    let mut b = bc20_sim::Bench::new(quiet());
    b.command("AT+QMTCFG=\"keepalive\",0,60");
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    b.net.broker.behaviour.silent_ping = true;
    // PINGREQ at 60 s, PINGRESP due within pkt_timeout (10 s): +QMTSTAT at 70 s (D22).
    assert_eq!(b.advance(s(69)), "");
    assert_eq!(b.advance(s(1)), framed(&["+QMTSTAT: 0,2"]));
}

#[test]
fn code2_when_pingreq_cannot_be_sent() {
    let mut b = bc20_sim::Bench::new(quiet());
    b.command("AT+QMTCFG=\"keepalive\",0,30");
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    b.inject(
        0,
        Fault::SendFail {
            conn_id: 0,
            on: true,
        },
    );
    assert_eq!(b.advance(s(30)), framed(&["+QMTSTAT: 0,2"]));
}

#[test]
fn keepalive_0_never_pings_d22() {
    let mut b = bc20_sim::Bench::new(quiet());
    b.command("AT+QMTCFG=\"keepalive\",0,0");
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    b.net.broker.behaviour.silent_ping = true;
    assert_eq!(b.advance(s(10_000)), "");
    assert_eq!(b.modems[0].slot_state(0), SlotState::Connected);
}

#[test]
fn code3_when_connect_cannot_be_sent() {
    let mut b = bc20_sim::Bench::new(quiet());
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.inject(
        0,
        Fault::SendFail {
            conn_id: 0,
            on: true,
        },
    );
    assert_eq!(
        b.command("AT+QMTCONN=0,\"dev\""),
        framed(&["OK", "+QMTCONN: 0,2", "+QMTSTAT: 0,3"])
    );
}

#[test]
fn code4_when_connack_does_not_come_d23() {
    let mut b = bc20_sim::Bench::new(quiet());
    b.net.broker.behaviour.silent_connack = true;
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    assert_eq!(b.command("AT+QMTCONN=0,\"dev\""), framed(&["OK"]));
    assert_eq!(b.command("AT+QMTCONN?"), framed(&["+QMTCONN: 0,2", "OK"]));
    assert_eq!(b.advance(s(9)), "");
    assert_eq!(b.advance(s(1)), framed(&["+QMTCONN: 0,2", "+QMTSTAT: 0,4"]));
}

#[test]
fn code4_when_connect_is_blackholed() {
    let mut b = bc20_sim::Bench::new(quiet());
    b.command("AT+QMTCFG=\"timeout\",0,5");
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.inject(
        0,
        Fault::BlackHole {
            conn_id: 0,
            way: Way::Up,
            duration: s(60),
        },
    );
    b.command("AT+QMTCONN=0,\"dev\"");
    assert_eq!(b.advance(s(5)), framed(&["+QMTCONN: 0,2", "+QMTSTAT: 0,4"]));
}

#[test]
fn code4_when_the_broker_closes_before_connack() {
    let mut b = bc20_sim::Bench::new(quiet());
    b.net.broker.behaviour.silent_connack = true;
    b.command("AT+QMTOPEN=0,\"broker\",1883");
    b.command("AT+QMTCONN=0,\"dev\"");
    let now = b.now;
    b.net.close_from_broker(now, 0, 0);
    b.settle();
    assert_eq!(b.read_text(0), framed(&["+QMTCONN: 0,2", "+QMTSTAT: 0,4"]));
}

#[test]
fn code5_when_the_server_closes_first_after_disconnect_d28() {
    let mut b = connected(quiet());
    b.inject(
        0,
        Fault::HoldClose {
            conn_id: 0,
            on: true,
        },
    );
    assert_eq!(
        b.command("AT+QMTDISC=0"),
        framed(&["OK", "+QMTDISC: 0,0", "+QMTSTAT: 0,5"])
    );
}

#[test]
fn holdclose_without_a_server_close_ends_normally_after_pkt_timeout() {
    let mut b = connected(quiet());
    b.inject(
        0,
        Fault::HoldClose {
            conn_id: 0,
            on: true,
        },
    );
    b.inject(
        0,
        Fault::BlackHole {
            conn_id: 0,
            way: Way::Up,
            duration: s(60),
        },
    );
    assert_eq!(b.command("AT+QMTDISC=0"), framed(&["OK"]));
    assert_eq!(b.command("AT+QMTCONN?"), framed(&["+QMTCONN: 0,4", "OK"]));
    assert_eq!(b.advance(s(10)), framed(&["+QMTDISC: 0,0"]));
}

#[test]
fn code6_when_every_send_of_a_command_fails() {
    let mut b = connected(quiet());
    b.inject(
        0,
        Fault::SendFail {
            conn_id: 0,
            on: true,
        },
    );
    assert_eq!(b.command("AT+QMTPUB=0,1,1,0,\"t\",\"x\""), framed(&["OK"]));
    assert_eq!(b.advance(s(39)), "");
    assert_eq!(
        b.advance(s(1)),
        framed(&["+QMTPUB: 0,1,2", "+QMTSTAT: 0,6"])
    );
}

#[test]
fn code7_when_the_modules_bearer_goes() {
    let mut b = connected(quiet());
    b.inject(0, Fault::LinkDown { conn_id: 0 });
    assert_eq!(b.read_text(0), framed(&["+QMTSTAT: 0,7"]));
}

#[test]
fn code7_when_the_server_sends_garbage() {
    let mut b = connected(quiet());
    let now = b.now;
    b.net
        .send_raw_from_broker(now, 0, 0, bytes::Bytes::from_static(&[0xf0, 0x00]));
    b.settle();
    assert_eq!(b.read_text(0), framed(&["+QMTSTAT: 0,7"]));
}

#[test]
fn results_produced_while_a_command_runs_come_after_its_ok_d13() {
    let mut b = connected(quiet());
    // DISCONNECT cannot be sent: the -1 result is known at once, yet follows OK.
    b.inject(
        0,
        Fault::SendFail {
            conn_id: 0,
            on: true,
        },
    );
    assert_eq!(b.command("AT+QMTDISC=0"), framed(&["OK", "+QMTDISC: 0,-1"]));
    assert_eq!(b.modems[0].slot_state(0), SlotState::Closed);
}

#[test]
fn other_slots_survive_a_qmtstat() {
    let mut b = connected(quiet());
    b.command("AT+QMTOPEN=3,\"broker\",1883");
    b.command("AT+QMTCONN=3,\"dev3\"");
    b.inject(0, Fault::LinkDown { conn_id: 0 });
    b.read(0);
    assert_eq!(b.command("AT+QMTCONN?"), framed(&["+QMTCONN: 3,3", "OK"]));
}
