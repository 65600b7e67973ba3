//! Whatever the modem sends, the driver does not panic, writes one command at a time, and
//! completes every request exactly once, by its deadline at the latest.

use std::collections::BTreeSet;
use std::time::Duration;

use bc20_client::{Client, ClientConfig, Event, Handle, Instant, Qos};
use proptest::prelude::*;

/// Fragments of real modem lines, to splice between random bytes.
const PIECES: &[&str] = &[
    "\r\nOK\r\n",
    "\r\nERROR\r\n",
    "\r\n+CME ERROR: 3\r\n",
    "\r\n+QMTOPEN: 0,0\r\n",
    "\r\n+QMTOPEN: 1,2\r\n",
    "\r\n+QMTCONN: 0,0,0\r\n",
    "\r\n+QMTCONN: 1,0,5\r\n",
    "\r\n+QMTSUB: 0,1,0,1\r\n",
    "\r\n+QMTSUB: 0,1,1,3\r\n",
    "\r\n+QMTPUB: 0,2,0\r\n",
    "\r\n+QMTPUB: 0,0,0\r\n",
    "\r\n+QMTPUB: 0,3,2\r\n",
    "\r\n+QMTUNS: 0,4,0\r\n",
    "\r\n+QMTDISC: 0,0\r\n",
    "\r\n+QMTCLOSE: 1,0\r\n",
    "\r\n+QMTSTAT: 0,1\r\n",
    "\r\n+QMTSTAT: 9,300\r\n",
    "\r\n+QMTRECV: 0,1,\"t\",\"",
    "\"\r\n",
    "AT+QMTPUB=0,1,1,0,\"t\",\"m\"\r",
    "\r\n+IP: 10.0.0.1\r\n",
];

fn input() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let piece = prop_oneof![
        3 => prop::sample::select(PIECES).prop_map(|p| p.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..40),
    ];
    prop::collection::vec(piece, 0..40)
}

fn submit_everything(c: &mut Client) -> Vec<Handle> {
    let mut hs = Vec::new();
    hs.extend(c.initialize().unwrap());
    hs.push(c.open(0, "b", 1883).unwrap());
    hs.push(c.open(1, "b", 1883).unwrap());
    hs.push(c.connect(0, "x", None, None).unwrap());
    hs.push(c.subscribe(0, &[("t", Qos::AtLeastOnce)]).unwrap());
    hs.push(c.publish(0, Qos::AtLeastOnce, false, "t", b"m").unwrap());
    hs.push(c.publish(0, Qos::AtMostOnce, false, "t", b"m").unwrap());
    hs.push(c.unsubscribe(0, &["t"]).unwrap());
    hs.push(c.disconnect(0).unwrap());
    hs.push(c.close(1).unwrap());
    hs
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_modem_bytes_end_every_request_exactly_once(pieces in input(), chunk in 1..16usize) {
        let mut c = Client::new(ClientConfig::default());
        let handles = submit_everything(&mut c);
        let mut open: BTreeSet<Handle> = handles.into_iter().collect();
        let mut now = Instant::ZERO;
        let bytes: Vec<u8> = pieces.concat();
        for part in bytes.chunks(chunk) {
            let busy = c.command_in_flight().is_some();
            let wrote = c.poll_transmit(now).is_some();
            prop_assert!(!(busy && wrote), "a second command was written before a final result code");
            c.handle_input(now, part);
            now += Duration::from_millis(7);
            c.handle_timeout(now);
            while let Some(e) = c.poll_event() {
                if let Event::Completed { handle, .. } = e {
                    prop_assert!(open.remove(&handle), "{handle} completed twice");
                }
            }
        }
        // Silence from here on: every deadline passes; nothing may be left.
        for _ in 0..64 {
            while c.poll_transmit(now).is_some() {}
            let next = c.poll_timeout();
            if let Some(t) = next {
                now = now.max(t);
                c.handle_timeout(now);
            }
            while let Some(e) = c.poll_event() {
                if let Event::Completed { handle, .. } = e {
                    prop_assert!(open.remove(&handle), "{handle} completed twice");
                }
            }
            if next.is_none() {
                break;
            }
        }
        prop_assert!(open.is_empty(), "never completed: {open:?}");
        prop_assert_eq!(c.outstanding(), 0);
        for s in 0..6 {
            // With no request left, the only ids still in use are those D60 holds until the
            // slot closes, and a closed slot holds none.
            prop_assert_eq!(c.msg_ids_in_flight(s), c.msg_ids_held(s));
            if c.slot_state(s) == Some(bc20_client::SlotState::Closed) {
                prop_assert!(c.msg_ids_held(s).is_empty());
            }
        }
    }
}
