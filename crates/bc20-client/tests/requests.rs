//! Requests: refusals, the queue, msgID allocation and timeouts on virtual time.

mod common;

use std::time::Duration;

use bc20_client::{
    ClientConfig, Completion, Event, Failure, Operation, Qos, RequestError, Setting, SlotState,
    TimeoutStage,
};
use common::{err, ok, Script};

#[test]
fn publish_on_a_closed_slot_is_refused_with_its_state() {
    let mut s = Script::new();
    assert_eq!(
        s.client.publish(0, Qos::AtMostOnce, false, "t", b"m"),
        Err(RequestError::InvalidState {
            conn_id: 0,
            op: Operation::Publish,
            state: SlotState::Closed
        })
    );
    s.silent();
}

#[test]
fn a_seventh_slot_does_not_exist() {
    let mut s = Script::new();
    assert_eq!(
        s.client.open(6, "b", 1),
        Err(RequestError::NoSuchSlot { conn_id: 6 })
    );
    assert_eq!(s.client.slot_state(6), None);
}

#[test]
fn requests_are_checked_against_the_state_after_the_queue() {
    let mut s = Script::new();
    s.client.open(0, "b", 1883).unwrap();
    assert!(matches!(
        s.client.open(0, "b", 1883),
        Err(RequestError::InvalidState {
            state: SlotState::Open,
            ..
        })
    ));
    assert!(matches!(
        s.client.publish(0, Qos::AtMostOnce, false, "t", b""),
        Err(RequestError::InvalidState {
            state: SlotState::Open,
            ..
        })
    ));
    s.client.connect(0, "c", None, None).unwrap();
    s.client
        .publish(0, Qos::AtMostOnce, false, "t", b"")
        .unwrap();
    s.client.disconnect(0).unwrap();
    assert!(matches!(
        s.client.close(0),
        Err(RequestError::InvalidState {
            state: SlotState::Closed,
            ..
        })
    ));
}

#[test]
fn bad_parameters_are_refused_before_anything_is_queued() {
    let mut s = Script::new();
    s.connected(0);
    assert!(matches!(
        s.client
            .publish(0, Qos::AtLeastOnce, false, "t", b"say \"hi\""),
        Err(RequestError::Encode(_))
    ));
    assert!(matches!(
        s.client.subscribe(0, &[]),
        Err(RequestError::Encode(_))
    ));
    let many: Vec<(&str, Qos)> = (0..17).map(|_| ("t", Qos::AtMostOnce)).collect();
    assert!(matches!(
        s.client.subscribe(0, &many),
        Err(RequestError::Encode(_))
    ));
    assert!(matches!(
        s.client
            .configure(0, Setting::KeepAlive { keepalive: 3601 }),
        Err(RequestError::Encode(_))
    ));
    // The refused QoS 1 publish did not keep its msgID.
    assert!(s.client.msg_ids_in_flight(0).is_empty());
    assert_eq!(s.client.outstanding(), 0);
}

#[test]
fn one_command_at_a_time_and_slot_order_is_kept() {
    let mut s = Script::new();
    let open = s.client.open(0, "b", 1883).unwrap();
    let conn = s.client.connect(0, "c", None, None).unwrap();
    let open1 = s.client.open(1, "b", 1883).unwrap();
    assert_eq!(s.sent(), "AT+QMTOPEN=0,\"b\",1883");
    s.silent();
    s.ok();
    // Slot 0 waits for +QMTOPEN; slot 1 may go ahead.
    assert_eq!(s.sent(), "AT+QMTOPEN=1,\"b\",1883");
    s.ok();
    s.silent();
    s.lines(&["+QMTOPEN: 1,0", "+QMTOPEN: 0,0"]);
    assert_eq!(s.sent(), "AT+QMTCONN=0,\"c\"");
    s.ok();
    s.lines(&["+QMTCONN: 0,0,0"]);
    assert_eq!(
        s.events(),
        [
            ok(open1, Completion::Opened),
            ok(open, Completion::Opened),
            ok(
                conn,
                Completion::Connected {
                    ret_code: Some(bc20_client::ConnectReturnCode::Accepted),
                    retransmissions: 0
                }
            ),
        ]
    );
}

#[test]
fn a_failed_open_fails_the_queued_requests_of_its_slot() {
    let mut s = Script::new();
    let open = s.client.open(0, "b", 1883).unwrap();
    let conn = s.client.connect(0, "c", None, None).unwrap();
    s.sent();
    s.ok();
    s.lines(&["+QMTOPEN: 0,-1"]);
    s.silent();
    assert_eq!(
        s.events(),
        [
            err(
                open,
                Failure::OpenFailed(bc20_client::OpenResult::FailedToOpen)
            ),
            err(conn, Failure::InvalidState(SlotState::Closed)),
        ]
    );
}

#[test]
fn msg_ids_are_unique_in_flight_and_zero_only_for_qos0() {
    let mut s = Script::new();
    s.connected(0);
    let mut sent = Vec::new();
    for qos in [Qos::AtLeastOnce, Qos::AtMostOnce, Qos::ExactlyOnce] {
        s.client.publish(0, qos, false, "t", b"m").unwrap();
        sent.push(s.sent());
        s.ok();
    }
    s.client.unsubscribe(0, &["t"]).unwrap();
    sent.push(s.sent());
    s.ok();
    assert_eq!(
        sent,
        [
            "AT+QMTPUB=0,1,1,0,\"t\",\"m\"",
            "AT+QMTPUB=0,0,0,0,\"t\",\"m\"",
            "AT+QMTPUB=0,2,2,0,\"t\",\"m\"",
            "AT+QMTUNS=0,3,\"t\"",
        ]
    );
    assert_eq!(s.client.msg_ids_in_flight(0), [1, 2, 3]);
    s.lines(&["+QMTPUB: 0,1,0"]);
    assert_eq!(s.client.msg_ids_in_flight(0), [2, 3]);
    // The counter goes on; 1 is free again but comes round only after 65535.
    s.client
        .publish(0, Qos::AtLeastOnce, false, "t", b"m")
        .unwrap();
    assert_eq!(s.sent(), "AT+QMTPUB=0,4,1,0,\"t\",\"m\"");
}

#[test]
fn msg_ids_wrap_around_and_skip_ids_in_flight() {
    let mut s = Script::new();
    s.connected(0);
    let first = s
        .client
        .publish(0, Qos::AtLeastOnce, false, "t", b"m")
        .unwrap();
    s.sent();
    s.ok();
    for id in 2..=u16::MAX {
        s.client
            .publish(0, Qos::AtLeastOnce, false, "t", b"m")
            .unwrap();
        s.sent();
        s.ok();
        s.lines(&[&format!("+QMTPUB: 0,{id},0")]);
        s.events();
    }
    // 1 is still in flight: the allocator wraps to 2.
    s.client
        .publish(0, Qos::AtLeastOnce, false, "t", b"m")
        .unwrap();
    assert_eq!(s.sent(), "AT+QMTPUB=0,2,1,0,\"t\",\"m\"");
    s.ok();
    s.lines(&["+QMTPUB: 0,1,0"]);
    assert_eq!(
        s.events(),
        [ok(
            first,
            Completion::Published {
                msg_id: 1,
                retransmissions: 0
            }
        )]
    );
}

#[test]
fn final_result_timeout_completes_the_request_and_frees_the_line() {
    let mut s = Script::new();
    let a = s.client.open(0, "b", 1883).unwrap();
    let b = s.client.open(1, "b", 1883).unwrap();
    s.sent();
    assert_eq!(
        s.client.poll_timeout(),
        Some(s.now + Duration::from_secs(1))
    );
    s.advance(Duration::from_millis(999));
    assert!(s.events().is_empty());
    s.advance(Duration::from_millis(1));
    assert_eq!(
        s.events(),
        [err(a, Failure::Timeout(TimeoutStage::FinalResult))]
    );
    assert_eq!(s.client.slot_state(0), Some(SlotState::Closed));
    assert_eq!(s.sent(), "AT+QMTOPEN=1,\"b\",1883");
    let _ = b;
}

#[test]
fn async_timeouts_follow_the_slots_timeout_configuration() {
    let mut s = Script::new();
    s.connected(0);
    // Defaults: 10 s x (3 + 1) + 2 s grace = 42 s from the write (D23).
    let p = s
        .client
        .publish(0, Qos::AtLeastOnce, false, "t", b"m")
        .unwrap();
    let t0 = s.now;
    s.sent();
    s.ok();
    assert_eq!(s.client.poll_timeout(), Some(t0 + Duration::from_secs(42)));
    s.advance(Duration::from_secs(42));
    assert_eq!(
        s.events(),
        [err(p, Failure::Timeout(TimeoutStage::AsyncResult))]
    );
    assert_eq!(s.client.slot_state(0), Some(SlotState::Connected));

    let c = s
        .client
        .configure(
            0,
            Setting::Timeout {
                pkt_timeout: 5,
                retry_times: 0,
                timeout_notice: true,
            },
        )
        .unwrap();
    assert_eq!(s.sent(), "AT+QMTCFG=\"timeout\",0,5,0,1");
    s.ok();
    assert_eq!(s.events(), [ok(c, Completion::Done)]);
    s.client.subscribe(0, &[("t", Qos::AtMostOnce)]).unwrap();
    let t1 = s.now;
    s.sent();
    s.ok();
    assert_eq!(s.client.poll_timeout(), Some(t1 + Duration::from_secs(7)));
}

#[test]
fn open_timeout_closes_the_slot_and_nothing_hangs() {
    let mut s = Script::with(ClientConfig::default());
    let h = s.client.open(0, "b", 1883).unwrap();
    s.sent();
    s.ok();
    assert_eq!(
        s.client.poll_timeout(),
        Some(s.now + Duration::from_secs(77))
    );
    s.advance(Duration::from_secs(77));
    assert_eq!(
        s.events(),
        [err(h, Failure::Timeout(TimeoutStage::AsyncResult))]
    );
    assert_eq!(s.client.slot_state(0), Some(SlotState::Closed));
    assert_eq!(s.client.poll_timeout(), None);
    assert_eq!(s.client.outstanding(), 0);
}

#[test]
fn initialize_sends_echo_off_then_numeric_errors() {
    let mut s = Script::new();
    let [e, c] = s.client.initialize().unwrap();
    assert_eq!(s.sent(), "ATE0");
    s.modem("ATE0\r\r\nOK\r\n");
    assert_eq!(s.sent(), "AT+CMEE=1");
    s.ok();
    assert_eq!(
        s.events(),
        [ok(e, Completion::Done), ok(c, Completion::Done)]
    );
}

#[test]
fn the_queue_is_bounded() {
    let mut s = Script::with(ClientConfig {
        max_outstanding: 2,
        ..ClientConfig::default()
    });
    s.client.attention().unwrap();
    s.client.attention().unwrap();
    assert_eq!(
        s.client.attention(),
        Err(RequestError::QueueFull { limit: 2 })
    );
    assert!(matches!(s.events()[..], []));
    let _ = Event::Unsolicited {
        line: String::new(),
    };
}

#[test]
fn topics_mqtt_forbids_are_refused_before_anything_is_written_d62() {
    use bc20_client::topic::TopicError;
    let mut s = Script::new();
    s.connected(0);
    for (topic, wildcard, at) in [("a/#", '#', 2), ("+", '+', 0), ("a/+/b", '+', 2)] {
        for qos in [Qos::AtMostOnce, Qos::AtLeastOnce, Qos::ExactlyOnce] {
            assert_eq!(
                s.client.publish(0, qos, false, topic, b"m"),
                Err(RequestError::Topic {
                    topic: topic.to_owned(),
                    error: TopicError::WildcardInName { wildcard, at }
                })
            );
        }
    }
    for (bad, error) in [
        ("a/#/b", TopicError::MisplacedMultiLevel { at: 2 }),
        ("a+", TopicError::PartialSingleLevel { at: 1 }),
    ] {
        let refusal = Err(RequestError::Topic {
            topic: bad.to_owned(),
            error,
        });
        assert_eq!(s.client.subscribe(0, &[(bad, Qos::AtMostOnce)]), refusal);
        assert_eq!(
            s.client
                .subscribe(0, &[("ok/#", Qos::AtMostOnce), (bad, Qos::AtMostOnce)]),
            refusal
        );
        assert_eq!(s.client.unsubscribe(0, &[bad]), refusal);
        assert_eq!(s.client.unsubscribe(0, &["ok", bad]), refusal);
    }
    let will = bc20_client::WillConfig {
        qos: Qos::AtLeastOnce,
        retain: false,
        topic: "w/#".to_owned(),
        message: "bye".to_owned(),
    };
    assert!(matches!(
        s.client.configure(0, Setting::Will(Some(will))),
        Err(RequestError::Topic { .. })
    ));
    s.silent();
    // No msgID was used up: the next request gets 1.
    s.client
        .subscribe(0, &[("a/#", Qos::AtMostOnce), ("+/b", Qos::AtLeastOnce)])
        .unwrap();
    assert_eq!(s.sent(), "AT+QMTSUB=0,1,\"a/#\",0,\"+/b\",1");
}

#[test]
fn a_request_without_a_result_in_time_holds_its_msg_id_until_the_slot_closes_d60() {
    let mut s = Script::new();
    s.connected(0);
    let p = s
        .client
        .publish(0, Qos::AtLeastOnce, false, "t", b"m")
        .unwrap();
    s.sent();
    s.ok();
    s.advance(Duration::from_secs(42));
    assert_eq!(
        s.events(),
        [err(p, Failure::Timeout(TimeoutStage::AsyncResult))]
    );
    // The module's state is unknown: the id may still be in flight there.
    assert_eq!(s.client.msg_ids_in_flight(0), [1]);
    s.client.close(0).unwrap();
    s.sent();
    s.ok();
    s.lines(&["+QMTCLOSE: 0,0"]);
    s.events();
    assert_eq!(s.client.slot_state(0), Some(SlotState::Closed));
    assert_eq!(s.client.msg_ids_in_flight(0), Vec::<u16>::new());
}
