//! The driver against a scripted modem: what each asynchronous result means (D25-D30) and
//! what it does to the slot.

mod common;

use bc20_client::{Completion, Diagnostic, Event, Failure, GrantedQos, Qos, Recovery, SlotState};
use common::{err, ok, Script};

#[test]
fn retransmission_notices_are_progress_and_counted() {
    let mut s = Script::new();
    s.connected(0);
    let h = s
        .client
        .subscribe(0, &[("a", Qos::AtLeastOnce), ("b", Qos::ExactlyOnce)])
        .unwrap();
    assert_eq!(s.sent(), "AT+QMTSUB=0,1,\"a\",1,\"b\",2");
    s.ok();
    s.lines(&[
        "+QMTSUB: 0,1,1,1",
        "+QMTSUB: 0,1,1,2",
        "+QMTSUB: 0,1,0,1,128",
    ]);
    assert_eq!(
        s.events(),
        [
            Event::Retransmitted {
                handle: h,
                count: 1
            },
            Event::Retransmitted {
                handle: h,
                count: 2
            },
            ok(
                h,
                Completion::Subscribed {
                    msg_id: 1,
                    granted: vec![GrantedQos::Granted(Qos::AtLeastOnce), GrantedQos::Rejected],
                    retransmissions: 2,
                }
            ),
        ]
    );
}

#[test]
fn publish_failure_after_retries_carries_the_count() {
    let mut s = Script::new();
    s.connected(0);
    let h = s
        .client
        .publish(0, Qos::ExactlyOnce, true, "t", b"m")
        .unwrap();
    s.sent();
    s.ok();
    s.lines(&["+QMTPUB: 0,1,1,1", "+QMTPUB: 0,1,2"]);
    let events = s.events();
    assert_eq!(
        events[1],
        err(h, Failure::SendFailed { retransmissions: 1 })
    );
}

#[test]
fn granted_qos_count_must_match_the_topics() {
    let mut s = Script::new();
    s.connected(0);
    let h = s
        .client
        .subscribe(0, &[("a", Qos::AtLeastOnce), ("b", Qos::AtLeastOnce)])
        .unwrap();
    s.sent();
    s.ok();
    s.lines(&["+QMTSUB: 0,1,0,1"]);
    assert_eq!(
        s.events(),
        [err(
            h,
            Failure::GrantedQosCount {
                expected: 2,
                granted: vec![GrantedQos::Granted(Qos::AtLeastOnce)]
            }
        )]
    );
}

#[test]
fn connect_refused_by_the_broker_leaves_the_slot_open_until_qmtstat() {
    let mut s = Script::new();
    s.client.open(0, "b", 1883).unwrap();
    let h = s.client.connect(0, "dev", Some("u"), Some("p")).unwrap();
    s.sent();
    s.ok();
    s.lines(&["+QMTOPEN: 0,0"]);
    assert_eq!(s.sent(), "AT+QMTCONN=0,\"dev\",\"u\",\"p\"");
    s.ok();
    s.lines(&["+QMTCONN: 0,0,4"]);
    assert_eq!(s.client.slot_state(0), Some(SlotState::Open));
    s.lines(&["+QMTSTAT: 0,1"]);
    assert_eq!(s.client.slot_state(0), Some(SlotState::Closed));
    let completions = s.completions();
    assert_eq!(
        completions[1],
        (
            h,
            Err(Failure::ConnectRefused(
                bc20_client::ConnectReturnCode::BadUserNameOrPassword
            ))
        )
    );
}

#[test]
fn disconnect_closes_the_slot_and_fails_what_still_waits_on_it() {
    let mut s = Script::new();
    s.connected(0);
    let p = s
        .client
        .publish(0, Qos::AtLeastOnce, false, "t", b"m")
        .unwrap();
    s.sent();
    s.ok();
    let d = s.client.disconnect(0).unwrap();
    assert_eq!(s.sent(), "AT+QMTDISC=0");
    s.ok();
    assert_eq!(s.client.slot_state(0), Some(SlotState::Disconnecting));
    s.lines(&["+QMTDISC: 0,0"]);
    assert_eq!(
        s.events(),
        [ok(d, Completion::Disconnected), err(p, Failure::SlotClosed)]
    );
    assert_eq!(s.client.slot_state(0), Some(SlotState::Closed));
}

#[test]
fn qmtstat_5_while_disconnecting_is_the_normal_end() {
    let mut s = Script::new();
    s.connected(0);
    let d = s.client.disconnect(0).unwrap();
    s.sent();
    s.ok();
    s.lines(&["+QMTSTAT: 0,5"]);
    let events = s.events();
    assert!(matches!(
        events[0],
        Event::LinkLost {
            recovery: Recovery::Nothing,
            ..
        }
    ));
    assert_eq!(events[1], ok(d, Completion::Disconnected));
}

#[test]
fn open_on_an_occupied_id_adopts_the_modules_view() {
    let mut s = Script::new();
    let h = s.client.open(3, "b", 1883).unwrap();
    s.sent();
    s.ok();
    s.lines(&["+QMTOPEN: 3,2"]);
    assert_eq!(
        s.events(),
        [err(
            h,
            Failure::OpenFailed(bc20_client::OpenResult::IdentifierOccupied)
        )]
    );
    assert_eq!(s.client.slot_state(3), Some(SlotState::Open));
    s.client.close(3).unwrap();
}

#[test]
fn lenient_client_reads_connect_results_the_grammar_rejects() {
    let mut s = Script::new();
    s.client.open(0, "b", 1883).unwrap();
    let h = s.client.connect(0, "dev", None, None).unwrap();
    s.sent();
    s.ok();
    s.lines(&["+QMTOPEN: 0,0"]);
    s.sent();
    s.ok();
    s.lines(&["+QMTCONN: 0,1,1", "+QMTCONN: 0,0"]);
    let events = s.events();
    assert_eq!(
        events[1],
        Event::Retransmitted {
            handle: h,
            count: 1
        }
    );
    assert_eq!(
        events[2],
        ok(
            h,
            Completion::Connected {
                ret_code: None,
                retransmissions: 1
            }
        )
    );
}

#[test]
fn strict_client_reports_them_as_undecodable() {
    let mut s = Script::with(bc20_client::ClientConfig {
        mode: bc20_client::Mode::Strict,
        ..Default::default()
    });
    s.lines(&["+QMTCONN: 0,0"]);
    assert!(matches!(
        s.events()[..],
        [Event::Diagnostic(Diagnostic::Undecodable { .. })]
    ));
}

#[test]
fn a_msg_id_given_up_on_is_held_until_the_slot_closes_d60() {
    let mut s = Script::new();
    s.connected(0);
    s.client
        .publish(0, Qos::ExactlyOnce, false, "t", b"m")
        .unwrap();
    assert_eq!(s.sent(), "AT+QMTPUB=0,1,2,0,\"t\",\"m\"");
    s.ok();
    s.lines(&["+QMTPUB: 0,1,2"]);
    s.events();
    // The module may still have the exchange for 1 open: the id stays out of use.
    assert_eq!(s.client.msg_ids_in_flight(0), [1]);
    s.client
        .publish(0, Qos::AtLeastOnce, false, "t", b"n")
        .unwrap();
    assert_eq!(s.sent(), "AT+QMTPUB=0,2,1,0,\"t\",\"n\"");
    s.ok();
    s.lines(&["+QMTPUB: 0,2,0"]);
    s.events();
    assert_eq!(s.client.msg_ids_in_flight(0), [1]);
    // The link ends: every exchange with it, so the id is free.
    s.lines(&["+QMTSTAT: 0,1"]);
    s.events();
    assert_eq!(s.client.msg_ids_in_flight(0), Vec::<u16>::new());
}

#[test]
fn a_msg_id_refused_by_the_module_or_completed_is_free_at_once_d60() {
    let mut s = Script::new();
    s.connected(0);
    s.client.subscribe(0, &[("a", Qos::AtLeastOnce)]).unwrap();
    s.sent();
    s.modem("\r\n+CME ERROR: 3\r\n");
    s.events();
    assert_eq!(s.client.msg_ids_in_flight(0), Vec::<u16>::new());
    s.client.subscribe(0, &[("a", Qos::AtLeastOnce)]).unwrap();
    assert_eq!(s.sent(), "AT+QMTSUB=0,2,\"a\",1");
    s.ok();
    s.lines(&["+QMTSUB: 0,2,0,1"]);
    s.events();
    assert_eq!(s.client.msg_ids_in_flight(0), Vec::<u16>::new());
}

#[test]
fn qos1_and_subscribe_ids_are_free_at_result_2_d60() {
    let mut s = Script::new();
    s.connected(0);
    s.client
        .publish(0, Qos::AtLeastOnce, false, "t", b"m")
        .unwrap();
    s.sent();
    s.ok();
    s.client.subscribe(0, &[("a", Qos::AtLeastOnce)]).unwrap();
    s.sent();
    s.ok();
    s.lines(&["+QMTPUB: 0,1,2", "+QMTSUB: 0,2,2"]);
    s.events();
    assert_eq!(s.client.msg_ids_in_flight(0), Vec::<u16>::new());
}
