//! The driver against a scripted modem: every way the module's lines can interleave.

mod common;

use bc20_client::{
    CmeError, Completion, Diagnostic, Event, Failure, Message, QmtStatCode, Qos, Recovery,
    SlotState,
};
use common::{err, ok, Script};

#[test]
fn open_completes_on_async_result_after_ok() {
    let mut s = Script::new();
    let h = s.client.open(0, "220.180.239.212", 8401).unwrap();
    assert_eq!(s.sent(), "AT+QMTOPEN=0,\"220.180.239.212\",8401");
    s.ok();
    assert_eq!(s.client.slot_state(0), Some(SlotState::Opening));
    assert!(s.events().is_empty());
    s.lines(&["+QMTOPEN: 0,0"]);
    assert_eq!(s.events(), [ok(h, Completion::Opened)]);
    assert_eq!(s.client.slot_state(0), Some(SlotState::Open));
}

#[test]
fn echo_is_ignored_and_every_chunking_gives_the_same_events() {
    let wire = "AT+QMTOPEN=0,\"b\",1\r\r\nOK\r\n\r\n+QMTRECV: 1,0,\"t\",\"a,\"b\"\r\n\r\n+QMTOPEN: 0,0\r\n";
    let mut reference = None;
    for chunk in 1..=wire.len() {
        let mut s = Script::new();
        let h = s.client.open(0, "b", 1).unwrap();
        s.sent();
        for piece in wire.as_bytes().chunks(chunk) {
            s.client.handle_input(s.now, piece);
        }
        let events = s.events();
        assert_eq!(events.len(), 2, "chunk size {chunk}: {events:?}");
        assert_eq!(events[1], ok(h, Completion::Opened));
        match &reference {
            None => reference = Some(events),
            Some(r) => assert_eq!(r, &events, "chunk size {chunk}"),
        }
    }
    let events = reference.unwrap();
    assert_eq!(
        events[0],
        Event::Received(Message {
            conn_id: 1,
            msg_id: 0,
            topic: "t".into(),
            payload: b"a,\"b".to_vec(),
        })
    );
}

#[test]
fn urc_between_command_and_ok_is_delivered_and_the_ok_still_counts() {
    let mut s = Script::new();
    s.connected(0);
    let h = s
        .client
        .publish(0, Qos::AtLeastOnce, false, "t", b"m")
        .unwrap();
    assert_eq!(s.sent(), "AT+QMTPUB=0,1,1,0,\"t\",\"m\"");
    s.lines(&["+QMTRECV: 0,0,\"in\",\"x\"", "+IP: 10.0.0.2", "OK"]);
    s.lines(&["+QMTPUB: 0,1,0"]);
    let events = s.events();
    assert!(matches!(&events[0], Event::Received(m) if m.topic == "in"));
    assert_eq!(
        events[1],
        Event::Unsolicited {
            line: "+IP: 10.0.0.2".into()
        }
    );
    assert_eq!(
        events[2],
        ok(
            h,
            Completion::Published {
                msg_id: 1,
                retransmissions: 0
            }
        )
    );
}

#[test]
fn async_result_before_ok_is_kept_until_the_ok() {
    let mut s = Script::new();
    let h = s.client.open(0, "b", 1883).unwrap();
    s.sent();
    s.lines(&["+QMTOPEN: 0,0"]);
    assert!(s.events().is_empty());
    s.ok();
    assert_eq!(s.events(), [ok(h, Completion::Opened)]);
    assert_eq!(s.client.slot_state(0), Some(SlotState::Open));
}

#[test]
fn qmtstat_while_a_command_waits_for_ok_fails_it_after_the_ok() {
    let mut s = Script::new();
    s.connected(0);
    let h = s
        .client
        .publish(0, Qos::AtMostOnce, false, "t", b"m")
        .unwrap();
    s.sent();
    s.lines(&["+QMTSTAT: 0,1"]);
    assert_eq!(
        s.events(),
        [Event::LinkLost {
            conn_id: 0,
            code: QmtStatCode::ClosedByPeer,
            previous: SlotState::Connected,
            recovery: Recovery::Reopen,
        }]
    );
    assert_eq!(s.client.slot_state(0), Some(SlotState::Closed));
    s.ok();
    assert_eq!(
        s.events(),
        [err(h, Failure::LinkLost(QmtStatCode::ClosedByPeer))]
    );
    assert_eq!(s.client.msg_ids_in_flight(0), Vec::<u16>::new());
}

#[test]
fn qmtstat_fails_every_request_waiting_on_the_slot_only() {
    let mut s = Script::new();
    s.connected(0);
    s.connected(1);
    let a = s
        .client
        .publish(0, Qos::AtLeastOnce, false, "t", b"1")
        .unwrap();
    s.sent();
    s.ok();
    let b = s
        .client
        .publish(1, Qos::AtLeastOnce, false, "t", b"2")
        .unwrap();
    s.sent();
    s.ok();
    s.lines(&["+QMTSTAT: 0,7"]);
    let events = s.events();
    assert!(matches!(
        events[0],
        Event::LinkLost {
            recovery: Recovery::CheckLinkOrServer,
            ..
        }
    ));
    assert_eq!(
        events[1],
        err(a, Failure::LinkLost(QmtStatCode::LinkNotAlive))
    );
    assert_eq!(s.client.slot_state(1), Some(SlotState::Connected));
    s.lines(&["+QMTPUB: 1,1,0"]);
    assert_eq!(
        s.events(),
        [ok(
            b,
            Completion::Published {
                msg_id: 1,
                retransmissions: 0
            }
        )]
    );
}

#[test]
fn garbage_lines_are_reported_and_do_not_disturb_the_command() {
    let mut s = Script::new();
    let h = s.client.open(0, "b", 1883).unwrap();
    s.sent();
    s.modem("\r\n\u{1}\u{7f}junk\r\n\r\n+QMTOPEN: x\r\n\r\nrandom text\r\n");
    s.ok();
    s.modem("\r\n+QMTWHAT: 1\r\n\r\n+QMTOPEN: 0,0\r\n");
    let events = s.events();
    assert!(matches!(
        events[0],
        Event::Diagnostic(Diagnostic::Undecodable { .. })
    ));
    assert!(matches!(
        events[1],
        Event::Diagnostic(Diagnostic::Undecodable { .. })
    ));
    assert!(matches!(
        events[2],
        Event::Diagnostic(Diagnostic::UnexpectedResponse { .. })
    ));
    assert_eq!(
        events[3],
        Event::Unsolicited {
            line: "+QMTWHAT: 1".into()
        }
    );
    assert_eq!(events[4], ok(h, Completion::Opened));
}

#[test]
fn cme_error_and_error_fail_the_command_and_leave_the_slot_as_it_was() {
    let mut s = Script::new();
    let a = s.client.open(0, "b", 1883).unwrap();
    s.sent();
    s.lines(&["+CME ERROR: 3"]);
    let b = s.client.open(0, "b", 1883).unwrap();
    s.sent();
    s.lines(&["ERROR"]);
    let c = s.client.open(0, "b", 1883).unwrap();
    s.sent();
    s.lines(&["+CME ERROR: Incorrect parameters"]);
    assert_eq!(
        s.events(),
        [
            err(a, Failure::Cme(CmeError::OperationNotAllowed)),
            err(b, Failure::Rejected),
            err(c, Failure::Cme(CmeError::IncorrectParameters)),
        ]
    );
    assert_eq!(s.client.slot_state(0), Some(SlotState::Closed));
}

#[test]
fn final_result_with_nothing_in_flight_is_a_diagnostic() {
    let mut s = Script::new();
    s.ok();
    assert!(matches!(
        s.events()[..],
        [Event::Diagnostic(Diagnostic::UnexpectedFinal { .. })]
    ));
    // Bytes not yet written: an OK now is not the answer to them.
    s.client.open(0, "b", 1883).unwrap();
    s.ok();
    assert!(matches!(
        s.events()[..],
        [Event::Diagnostic(Diagnostic::UnexpectedFinal { .. })]
    ));
}

#[test]
fn unmatched_async_results_are_reported() {
    let mut s = Script::new();
    s.lines(&["+QMTPUB: 0,5,0", "+QMTCONN: 2,0,0"]);
    let events = s.events();
    assert_eq!(events.len(), 2);
    assert!(events
        .iter()
        .all(|e| matches!(e, Event::Diagnostic(Diagnostic::UnmatchedResult { .. }))));
}

#[test]
fn payload_with_line_breaks_is_one_message() {
    let mut s = Script::new();
    s.modem("\r\n+QMTRECV: 0,3,\"dev/cmd\",\"{\"a\":\r\n1}\"\r\n");
    assert_eq!(
        s.events(),
        [Event::Received(Message {
            conn_id: 0,
            msg_id: 3,
            topic: "dev/cmd".into(),
            payload: b"{\"a\":\r\n1}".to_vec(),
        })]
    );
}

#[test]
fn a_queued_command_is_checked_against_lines_after_the_previous_ok() {
    let mut s = Script::new();
    s.connected(0);
    let a = s
        .client
        .publish(0, Qos::AtMostOnce, false, "t", b"1")
        .unwrap();
    let b = s
        .client
        .publish(0, Qos::AtMostOnce, false, "t", b"2")
        .unwrap();
    s.sent();
    // One read: the OK of the first publish, its result, and the link going down.
    s.modem("\r\nOK\r\n\r\n+QMTPUB: 0,0,0\r\n\r\n+QMTSTAT: 0,1\r\n");
    s.silent();
    let completions = s.completions();
    assert_eq!(
        completions,
        [
            (
                a,
                Ok(Completion::Published {
                    msg_id: 0,
                    retransmissions: 0
                })
            ),
            (b, Err(Failure::InvalidState(SlotState::Closed))),
        ]
    );
}
