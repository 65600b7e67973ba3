//! The proxy's state machine, fault by fault, on virtual time.

use bc20_fault::{Fault, Way};
use bc20_grammar::time::Instant;
use bc20_proxy::{Action, CloseHow, Fate, Proxy, ProxyError, Side};

const CONNECT31: &[u8] = b"\x10\x0f\x00\x06MQIsdp\x03\x02\x00\x3c\x00\x01c";
const CONNACK: &[u8] = b"\x20\x02\x00\x00";
const PINGREQ: &[u8] = b"\xc0\x00";
const PINGRESP: &[u8] = b"\xd0\x00";
const DISCONNECT: &[u8] = b"\xe0\x00";
/// PUBLISH QoS 1, topic "t", pkid 7, payload "x".
const PUBLISH: &[u8] = b"\x32\x06\x00\x01t\x00\x07x";

fn at(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

fn fault(text: &str) -> Fault {
    text.parse().unwrap()
}

/// A proxy with connection 1 accepted and labelled slot 0.
fn proxy() -> Proxy {
    let mut p = Proxy::new();
    assert!(p.accept(at(0), 1));
    p.label(1, 0);
    p
}

fn actions(p: &mut Proxy) -> Vec<Action> {
    std::iter::from_fn(|| p.poll_action()).collect()
}

/// The bytes sent to `to`, in order, and the closes.
fn wire(actions: &[Action], to: Side) -> Vec<u8> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send { to: t, bytes, .. } if *t == to => Some(bytes.to_vec()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn closes(actions: &[Action]) -> Vec<(Side, CloseHow)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Close { side, how, .. } => Some((*side, *how)),
            _ => None,
        })
        .collect()
}

#[test]
fn without_faults_every_byte_passes_in_order_whatever_the_chunking() {
    let mut p = proxy();
    let up = [CONNECT31, PUBLISH, PINGREQ].concat();
    for chunk in up.chunks(3) {
        p.receive(at(1), 1, Side::Module, chunk);
    }
    p.receive(at(2), 1, Side::Broker, &[CONNACK, PINGRESP].concat());
    let a = actions(&mut p);
    assert_eq!(wire(&a, Side::Broker), up);
    assert_eq!(wire(&a, Side::Module), [CONNACK, PINGRESP].concat());
    let logged = a
        .iter()
        .filter(|x| matches!(x, Action::Log(e) if e.fate == Fate::Passed))
        .count();
    assert_eq!(logged, 5, "one log entry per packet");
}

#[test]
fn a_black_hole_drops_whole_packets_one_way_until_it_ends() {
    let mut p = proxy();
    p.inject(at(0), &fault("black-hole 0 down 5s")).unwrap();
    p.receive(at(1000), 1, Side::Broker, PINGRESP);
    p.receive(at(1000), 1, Side::Module, PINGREQ);
    p.receive(at(5000), 1, Side::Broker, PINGRESP);
    let a = actions(&mut p);
    assert_eq!(wire(&a, Side::Module), PINGRESP, "only the one after 5 s");
    assert_eq!(wire(&a, Side::Broker), PINGREQ, "up is untouched");
    assert!(a.iter().any(|x| matches!(
        x,
        Action::Log(e) if e.fate == Fate::Dropped("black-hole") && e.way == Way::Down
    )));
}

#[test]
fn a_delay_holds_packets_in_order_until_due() {
    let mut p = proxy();
    p.inject(at(0), &fault("delay 0 up 2s")).unwrap();
    p.receive(at(0), 1, Side::Module, PUBLISH);
    p.receive(at(500), 1, Side::Module, PINGREQ);
    assert_eq!(wire(&actions(&mut p), Side::Broker), b"");
    assert_eq!(p.poll_timeout(), Some(at(2000)));
    p.handle_timeout(at(2000));
    assert_eq!(wire(&actions(&mut p), Side::Broker), PUBLISH);
    p.handle_timeout(at(2500));
    assert_eq!(wire(&actions(&mut p), Side::Broker), PINGREQ);
    // A zero delay clears it; a packet still does not overtake one held before it.
    p.receive(at(3000), 1, Side::Module, PUBLISH);
    p.inject(at(3000), &fault("delay 0 up 0s")).unwrap();
    p.receive(at(3001), 1, Side::Module, PINGREQ);
    assert_eq!(wire(&actions(&mut p), Side::Broker), b"");
    p.handle_timeout(at(5000));
    assert_eq!(
        wire(&actions(&mut p), Side::Broker),
        [PUBLISH, PINGREQ].concat()
    );
}

#[test]
fn drop_link_resets_the_module_and_closes_the_broker_side() {
    let mut p = proxy();
    p.inject(at(0), &fault("drop-link 0")).unwrap();
    let a = actions(&mut p);
    assert_eq!(
        closes(&a),
        [
            (Side::Module, CloseHow::Reset),
            (Side::Broker, CloseHow::Fin)
        ]
    );
    assert_eq!(p.connections(), 0);
    // Another slot's fault does not touch it; an unlabelled slot has nothing to drop.
    let mut p = proxy();
    p.inject(at(0), &fault("drop-link 1")).unwrap();
    assert!(closes(&actions(&mut p)).is_empty());
}

#[test]
fn kill_link_passes_nothing_and_tells_nobody() {
    let mut p = proxy();
    p.inject(at(0), &fault("kill-link 0")).unwrap();
    p.receive(at(1), 1, Side::Module, PINGREQ);
    p.receive(at(1), 1, Side::Broker, PINGRESP);
    p.closed(at(2), 1, Side::Module);
    let a = actions(&mut p);
    assert!(wire(&a, Side::Module).is_empty() && wire(&a, Side::Broker).is_empty());
    assert!(closes(&a).is_empty(), "{a:?}");
}

#[test]
fn refused_connections_get_a_reset_until_switched_off() {
    let mut p = Proxy::new();
    p.inject(at(0), &fault("refuse-connections on")).unwrap();
    assert!(!p.accept(at(0), 1));
    assert_eq!(closes(&actions(&mut p)), [(Side::Module, CloseHow::Reset)]);
    p.inject(at(0), &fault("refuse-connections off")).unwrap();
    assert!(p.accept(at(0), 2));
}

#[test]
fn hold_close_is_the_modules_own_doing() {
    // Whether a module waits for the server's close after DISCONNECT is up to the module
    // (D65): the proxy refuses the fault and passes the DISCONNECT as it is.
    let mut p = proxy();
    assert!(p.inject(at(0), &fault("hold-close 0 on")).is_err());
    p.receive(at(1), 1, Side::Module, DISCONNECT);
    let a = actions(&mut p);
    assert_eq!(wire(&a, Side::Broker), DISCONNECT);
    assert!(closes(&a).is_empty());
}

#[test]
fn a_close_reaches_the_other_side_after_what_is_held_towards_it() {
    let mut p = proxy();
    p.inject(at(0), &fault("delay 0 up 1s")).unwrap();
    p.receive(at(0), 1, Side::Module, PUBLISH);
    p.closed(at(10), 1, Side::Module);
    assert!(closes(&actions(&mut p)).is_empty());
    p.handle_timeout(at(1000));
    let a = actions(&mut p);
    assert_eq!(wire(&a, Side::Broker), PUBLISH);
    assert_eq!(closes(&a), [(Side::Broker, CloseHow::Fin)]);
    assert_eq!(p.connections(), 0);
}

#[test]
fn a_stream_that_is_not_mqtt_closes_only_its_connection() {
    let mut p = proxy();
    assert!(p.accept(at(0), 2));
    p.label(2, 1);
    p.receive(at(1), 1, Side::Broker, b"\x00\x00garbage");
    let a = actions(&mut p);
    assert_eq!(
        closes(&a),
        [
            (Side::Module, CloseHow::Reset),
            (Side::Broker, CloseHow::Fin)
        ]
    );
    assert!(a.iter().any(
        |x| matches!(x, Action::Log(e) if matches!(&e.fate, Fate::Closed(w) if w.contains("not MQTT")))
    ));
    p.receive(at(2), 2, Side::Module, PINGREQ);
    assert_eq!(wire(&actions(&mut p), Side::Broker), PINGREQ);
}

#[test]
fn faults_inside_the_module_are_refused_with_the_reason() {
    let mut p = proxy();
    for text in ["send-fail 0 on", "fail-next-open 3", "fail-next-close"] {
        let e = p.inject(at(0), &fault(text)).unwrap_err();
        assert!(matches!(e, ProxyError::InsideTheModule(_)));
        assert!(e.to_string().contains("only the simulator"), "{e}");
    }
}

#[test]
fn the_newest_connection_of_a_slot_carries_its_faults() {
    let mut p = proxy();
    assert!(p.accept(at(0), 2));
    p.label(2, 0);
    p.inject(at(0), &fault("black-hole 0 up 1s")).unwrap();
    p.receive(at(1), 1, Side::Module, PINGREQ);
    p.receive(at(1), 2, Side::Module, PINGREQ);
    let a = actions(&mut p);
    let to_broker: Vec<u64> = a
        .iter()
        .filter_map(|x| match x {
            Action::Send {
                key,
                to: Side::Broker,
                ..
            } => Some(*key),
            _ => None,
        })
        .collect();
    assert_eq!(to_broker, [1], "the old connection is no longer slot 0");
}

#[test]
fn a_connection_takes_the_slot_of_the_open_the_runner_sent_before_it() {
    let mut p = Proxy::new();
    p.expect_connection(3);
    p.expect_connection(1);
    assert!(p.accept(at(0), 10));
    assert!(p.accept(at(0), 11));
    p.inject(at(0), &fault("drop-link 1")).unwrap();
    let a = actions(&mut p);
    assert!(a
        .iter()
        .all(|x| !matches!(x, Action::Close { key, .. } if *key != 11)));
    assert_eq!(closes(&a).len(), 2);
}

#[test]
fn log_lines_say_what_happened_to_which_packet() {
    let mut p = proxy();
    p.inject(at(0), &fault("black-hole 0 up 1s")).unwrap();
    p.receive(at(5), 1, Side::Module, PUBLISH);
    let lines: Vec<String> = actions(&mut p)
        .iter()
        .filter_map(|a| match a {
            Action::Log(e) => Some(e.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(
        lines,
        ["conn 1 slot 0 up PUBLISH id 7: dropped by black-hole"]
    );
}

#[test]
fn an_open_that_made_no_connection_does_not_label_the_next_one() {
    let mut p = Proxy::new();
    p.expect_connection(0);
    p.expect_connection(1);
    // `+QMTOPEN: 0,2` (slot occupied): no connection for slot 0 comes.
    p.cancel_expected(0);
    assert!(p.accept(at(0), 7));
    p.inject(at(0), &fault("drop-link 1")).unwrap();
    assert_eq!(
        closes(&actions(&mut p)).len(),
        2,
        "connection 7 is slot 1's"
    );
    // `clear` forgets what was still expected.
    p.expect_connection(2);
    p.inject(at(0), &fault("clear")).unwrap();
    assert!(p.accept(at(0), 8));
    p.inject(at(0), &fault("drop-link 2")).unwrap();
    assert!(closes(&actions(&mut p)).is_empty());
}

const PUBACK7: &[u8] = b"\x40\x02\x00\x07";
const PUBACK8: &[u8] = b"\x40\x02\x00\x08";

#[test]
fn drop_packet_takes_only_the_packets_it_names_and_only_as_often_as_told() {
    let mut p = proxy();
    p.inject(at(0), &fault("drop-packet 0 down PUBACK id 7 times 1"))
        .unwrap();
    p.receive(
        at(1),
        1,
        Side::Broker,
        &[PUBACK8, PUBACK7, PUBACK7].concat(),
    );
    let a = actions(&mut p);
    assert_eq!(wire(&a, Side::Module), [PUBACK8, PUBACK7].concat());
    assert!(a.iter().any(
        |x| matches!(x, Action::Log(e) if e.fate == Fate::Dropped("drop-packet")
            && e.packet.is_some_and(|i| i.pkid == Some(7)))
    ));
}

#[test]
fn hold_packet_withholds_its_type_and_keeps_the_order_behind_it() {
    let mut p = proxy();
    p.inject(at(0), &fault("hold-packet 0 down PINGRESP 2s"))
        .unwrap();
    p.receive(at(10), 1, Side::Broker, &[PINGRESP, PUBACK7].concat());
    let a = actions(&mut p);
    assert!(
        wire(&a, Side::Module).is_empty(),
        "the PUBACK waits behind it"
    );
    assert_eq!(p.poll_timeout(), Some(at(2010)));
    p.handle_timeout(at(2010));
    let a = actions(&mut p);
    assert_eq!(wire(&a, Side::Module), [PINGRESP, PUBACK7].concat());
    assert!(a
        .iter()
        .all(|x| !matches!(x, Action::Log(e) if e.fate != Fate::Released)));
}

#[test]
fn close_after_passes_the_packet_then_closes_both_ends() {
    let mut p = proxy();
    p.inject(at(0), &fault("close-after 0 up PUBLISH")).unwrap();
    p.receive(at(1), 1, Side::Module, &[PUBLISH, PINGREQ].concat());
    let a = actions(&mut p);
    assert_eq!(wire(&a, Side::Broker), PUBLISH, "nothing after it");
    assert_eq!(
        closes(&a),
        [(Side::Module, CloseHow::Fin), (Side::Broker, CloseHow::Fin)]
    );
}

#[test]
fn connack_refuses_with_the_code_given_then_closes() {
    let mut p = proxy();
    p.inject(at(0), &fault("connack 0 5")).unwrap();
    p.receive(at(1), 1, Side::Broker, b"\x20\x02\x01\x00");
    let a = actions(&mut p);
    assert_eq!(wire(&a, Side::Module), b"\x20\x02\x00\x05");
    assert_eq!(
        closes(&a),
        [(Side::Module, CloseHow::Fin), (Side::Broker, CloseHow::Fin)]
    );
    assert!(a
        .iter()
        .any(|x| matches!(x, Action::Log(e) if e.fate == Fate::Altered("connack 5".into()))));
}

#[test]
fn garbage_goes_to_the_module_and_drop_link_can_close_with_a_fin() {
    let mut p = proxy();
    p.inject(at(0), &fault("garbage 0")).unwrap();
    let a = actions(&mut p);
    assert_eq!(wire(&a, Side::Module), [0u8, 0]);
    p.inject(at(1), &fault("drop-link 0 fin")).unwrap();
    assert_eq!(
        closes(&actions(&mut p)),
        [(Side::Module, CloseHow::Fin), (Side::Broker, CloseHow::Fin)]
    );
}

#[test]
fn link_down_happens_inside_the_module() {
    let mut p = proxy();
    let f = fault("link-down 0");
    assert!(!Proxy::can_produce(&f));
    assert_eq!(p.inject(at(0), &f), Err(ProxyError::InsideTheModule(f)));
}
