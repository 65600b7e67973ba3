//! The checks on hand-made logs: what passes, and what each failure says.

use bc20_fault::PacketInfo;
use bc20_grammar::time::Instant;

use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn sent(at: u64, kind: PacketType, pkid: Option<u16>, dup: bool) -> (Duration, LogEntry) {
    (
        ms(at),
        LogEntry {
            at: Instant::from_millis(at),
            key: 1,
            conn_id: Some(0),
            way: Way::Up,
            packet: Some(PacketInfo {
                kind,
                pkid,
                dup,
                qos: 1,
            }),
            fate: Fate::Dropped("black-hole"),
        },
    )
}

fn window(start: u64, end: u64) -> Window {
    Window {
        start: ms(start),
        end: ms(end),
        t0: Duration::ZERO,
    }
}

fn publishes(times: &[(u64, bool)]) -> Vec<(Duration, LogEntry)> {
    times
        .iter()
        .map(|&(t, dup)| sent(t, PacketType::Publish, Some(6), dup))
        .collect()
}

fn retrans(log: &[(Duration, LogEntry)], retries: u16) -> Result<String, String> {
    let x = Expected {
        packet: PacketType::Publish,
        id: Some(6),
        retries,
        every: ms(10_000),
        tol: ms(1_000),
    };
    check_retransmissions(log, window(0, 50_000), 0, x).map_err(|e| {
        assert!(matches!(e, CheckError::Deviation(_)), "{e}");
        e.to_string()
    })
}

#[test]
fn four_publishes_ten_seconds_apart_pass_three_retries() {
    let log = publishes(&[(0, false), (10_000, true), (20_000, true), (30_500, true)]);
    let ok = retrans(&log, 3).unwrap();
    assert_eq!(
        ok,
        "retransmissions of PUBLISH id 6 on slot 0: at 0.000 s (DUP 0), 10.000 s (DUP 1, \
         +10.000 s), 20.000 s (DUP 1, +10.000 s), 30.500 s (DUP 1, +10.500 s)"
    );
}

#[test]
fn one_retry_fewer_a_dup_0_and_a_late_retransmission_are_each_named() {
    let log = publishes(&[(0, false), (10_000, true), (20_000, true)]);
    let e = retrans(&log, 3).unwrap_err();
    assert!(e.contains("sent 3 time(s), not 4 (1 + retries 3)"), "{e}");
    let log = publishes(&[(0, false), (10_000, false)]);
    let e = retrans(&log, 1).unwrap_err();
    assert!(e.contains("retransmission 1 has DUP 0"), "{e}");
    assert!(e.contains("10.000 s (DUP 0, +10.000 s)"), "{e}");
    let log = publishes(&[(0, false), (11_500, true)]);
    let e = retrans(&log, 1).unwrap_err();
    assert!(
        e.contains(
            "retransmission 1 came 11.500 s after the sending before, not 10.000 s ± 1.000 s"
        ),
        "{e}"
    );
}

#[test]
fn a_sending_logged_up_to_a_millisecond_before_the_mark_counts() {
    // The proxy's whole-millisecond time of a packet sent just after a mark at
    // 1000.6 ms (link time) reads 1000 ms; one 2 ms before the mark is outside.
    let log = vec![
        sent(998, PacketType::Publish, Some(6), false),
        sent(1_000, PacketType::Publish, Some(6), false),
    ];
    let mut w = window(0, 5_000);
    w.start = Duration::from_micros(1_000_600);
    let x = Expected {
        packet: PacketType::Publish,
        id: Some(6),
        retries: 0,
        every: ms(1000),
        tol: ms(100),
    };
    let ok = check_retransmissions(&log, w, 0, x).unwrap();
    assert!(ok.ends_with("at 1.000 s (DUP 0)"), "{ok}");
}

#[test]
fn without_an_id_the_window_must_hold_one() {
    let mut log = publishes(&[(0, false)]);
    log.push(sent(5, PacketType::Publish, Some(7), false));
    let x = Expected {
        packet: PacketType::Publish,
        id: None,
        retries: 0,
        every: ms(1000),
        tol: ms(100),
    };
    let e = check_retransmissions(&log, window(0, 10), 0, x).unwrap_err();
    assert!(
        matches!(&e, CheckError::Ambiguous(m) if m.contains("ids 6, 7")),
        "{e}"
    );
}

#[test]
fn pings_on_time_pass_and_a_late_one_fails_with_the_gap() {
    let mut log = vec![sent(0, PacketType::Connect, None, false)];
    for t in [2_000, 4_000, 6_000] {
        log.push(sent(t, PacketType::PingReq, None, false));
    }
    let ok = check_keepalive(&log, window(1_000, 7_000), 0, ms(2_000), ms(200)).unwrap();
    assert!(ok.contains("PINGREQ at 2.000 s, 4.000 s, 6.000 s"), "{ok}");
    log.push(sent(8_500, PacketType::PingReq, None, false));
    let e = check_keepalive(&log, window(1_000, 9_000), 0, ms(2_000), ms(200)).unwrap_err();
    assert!(
        e.contains("2.500 s from the PINGREQ at 6.000 s to the PINGREQ at 8.500 s"),
        "{e}"
    );
}

#[test]
fn silence_up_to_the_check_and_a_window_without_pingreq_fail() {
    let log = vec![sent(0, PacketType::Connect, None, false)];
    let e = check_keepalive(&log, window(0, 5_000), 0, ms(2_000), ms(200)).unwrap_err();
    assert!(
        e.contains("5.000 s from the CONNECT at 0.000 s to the check at 5.000 s"),
        "{e}"
    );
    assert!(
        e.contains("no PINGREQ on slot 0 in 0.000 s to 5.000 s"),
        "{e}"
    );
    // An empty log (nothing recorded) never passes a window longer than the keep-alive.
    assert!(check_keepalive(&[], window(0, 5_000), 0, ms(2_000), ms(200)).is_err());
}

#[test]
fn a_closed_connection_stops_the_clock() {
    let mut log = vec![sent(0, PacketType::Connect, None, false)];
    log.push((
        ms(1_000),
        LogEntry {
            at: Instant::from_millis(1_000),
            key: 1,
            conn_id: Some(0),
            way: Way::Both,
            packet: None,
            fate: Fate::Closed("reset".to_owned()),
        },
    ));
    assert!(check_keepalive(&log, window(0, 2_100), 0, ms(2_000), ms(200)).is_ok());
}
