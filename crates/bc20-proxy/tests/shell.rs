//! The proxy on real sockets: a module (a plain TCP client) dials it, it dials a broker (a
//! plain TCP server here, so that each test sees exactly the bytes that crossed).

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use bc20_proxy::shell::ProxyServer;
use bc20_proxy::Fate;

const PINGREQ: &[u8] = b"\xc0\x00";
const PINGRESP: &[u8] = b"\xd0\x00";

/// A broker-side listener and a proxy in front of it.
fn setup() -> (TcpListener, ProxyServer) {
    let broker = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy =
        ProxyServer::start("127.0.0.1:0".parse().unwrap(), broker.local_addr().unwrap()).unwrap();
    (broker, proxy)
}

/// The module dials the proxy as slot `conn_id`; returns (module, broker) ends.
fn dial(broker: &TcpListener, proxy: &ProxyServer, conn_id: u8) -> (TcpStream, TcpStream) {
    proxy.expect_connection(conn_id).unwrap();
    let module = TcpStream::connect(proxy.addr()).unwrap();
    let (b, _) = broker.accept().unwrap();
    for s in [&module, &b] {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    }
    (module, b)
}

fn read_exact(s: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0; n];
    s.read_exact(&mut buf).unwrap();
    buf
}

/// Whether `s` reports the connection closed (EOF or reset) within 5 s.
fn closed(s: &mut TcpStream) -> bool {
    let mut b = [0u8; 16];
    match s.read(&mut b) {
        Ok(0) => true,
        Ok(n) => panic!("got {:?} instead of a close", &b[..n]),
        Err(e) => {
            eprintln!("read: {e:?}");
            matches!(
                e.kind(),
                ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe
            )
        }
    }
}

/// Nothing arrives on `s` for `d`.
fn quiet(s: &mut TcpStream, d: Duration) -> bool {
    s.set_read_timeout(Some(d)).unwrap();
    let mut b = [0u8; 16];
    let r = s.read(&mut b);
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    matches!(r, Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut))
}

#[test]
fn packets_cross_both_ways_and_are_logged() {
    let (broker, proxy) = setup();
    let (mut m, mut b) = dial(&broker, &proxy, 0);
    m.write_all(PINGREQ).unwrap();
    assert_eq!(read_exact(&mut b, 2), PINGREQ);
    b.write_all(PINGRESP).unwrap();
    assert_eq!(read_exact(&mut m, 2), PINGRESP);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut log = Vec::new();
    while log.len() < 2 && Instant::now() < deadline {
        log.extend(proxy.take_log());
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log
        .iter()
        .all(|e| e.fate == Fate::Passed && e.conn_id == Some(0)));
}

#[test]
fn a_black_hole_swallows_the_brokers_answers_for_its_time() {
    let (broker, proxy) = setup();
    let (mut m, mut b) = dial(&broker, &proxy, 2);
    proxy
        .inject("black-hole 2 down 300ms".parse().unwrap())
        .unwrap();
    b.write_all(PINGRESP).unwrap();
    assert!(quiet(&mut m, Duration::from_millis(150)));
    std::thread::sleep(Duration::from_millis(300));
    b.write_all(PINGRESP).unwrap();
    assert_eq!(read_exact(&mut m, 2), PINGRESP);
}

#[test]
fn drop_link_closes_both_ends() {
    let (broker, proxy) = setup();
    let (mut m, mut b) = dial(&broker, &proxy, 0);
    proxy.inject("drop-link 0".parse().unwrap()).unwrap();
    assert!(closed(&mut m));
    assert!(closed(&mut b));
}

#[test]
fn refused_connections_never_complete_their_handshake() {
    // A module's TCP connect itself must fail (QMTOPEN result -1), not succeed and then be
    // reset (result 0, then +QMTSTAT 1): the proxy stops listening while it refuses (D65).
    let (broker, proxy) = setup();
    let (mut m, mut b) = dial(&broker, &proxy, 0);
    proxy
        .inject("refuse-connections on".parse().unwrap())
        .unwrap();
    let e = TcpStream::connect(proxy.addr()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConnectionRefused, "{e}");
    // Connections already made go on.
    m.write_all(PINGREQ).unwrap();
    assert_eq!(read_exact(&mut b, 2), PINGREQ);
    proxy.inject("clear".parse().unwrap()).unwrap();
    let (mut m2, mut b2) = dial(&broker, &proxy, 1);
    m2.write_all(PINGREQ).unwrap();
    assert_eq!(read_exact(&mut b2, 2), PINGREQ);
    proxy
        .inject("refuse-connections on".parse().unwrap())
        .unwrap();
    proxy
        .inject("refuse-connections off".parse().unwrap())
        .unwrap();
    dial(&broker, &proxy, 2);
}

#[test]
fn a_broken_stream_closes_only_its_own_connection() {
    let (broker, proxy) = setup();
    let (mut m1, mut b1) = dial(&broker, &proxy, 0);
    let (mut m2, mut b2) = dial(&broker, &proxy, 1);
    b1.write_all(b"\x00\x00not mqtt").unwrap();
    assert!(closed(&mut m1));
    m2.write_all(PINGREQ).unwrap();
    assert_eq!(read_exact(&mut b2, 2), PINGREQ);
}

#[test]
fn a_fault_inside_the_module_is_refused_with_a_reason() {
    let (_broker, proxy) = setup();
    let e = proxy
        .inject("fail-next-close".parse().unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("only the simulator"), "{e}");
}

#[test]
fn a_broker_that_cannot_be_reached_resets_the_module_with_a_log_line() {
    // A port nobody listens on: bind one, note it, close it.
    let gone = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let proxy = ProxyServer::start("127.0.0.1:0".parse().unwrap(), gone).unwrap();
    proxy.expect_connection(0).unwrap();
    let mut m = TcpStream::connect(proxy.addr()).unwrap();
    m.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert!(closed(&mut m));
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut log = Vec::new();
    while !log
        .iter()
        .any(|e: &bc20_proxy::LogEntry| e.to_string().contains("unreachable"))
        && Instant::now() < deadline
    {
        log.extend(proxy.take_log());
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        log.iter().any(|e| e
            .to_string()
            .contains(&format!("broker {gone} unreachable"))),
        "{log:?}"
    );
}

#[test]
fn a_fault_right_after_the_module_connects_reaches_its_connection() {
    // The engine knows the connection once the broker is dialled (it learns first), so a
    // drop-link sent as soon as the broker sees the connection always finds it.
    let (broker, proxy) = setup();
    for _ in 0..20 {
        let (mut m, mut b) = dial(&broker, &proxy, 3);
        proxy.inject("drop-link 3".parse().unwrap()).unwrap();
        assert!(closed(&mut m));
        assert!(closed(&mut b));
    }
}

#[test]
fn a_fault_as_soon_as_the_modules_connect_returns_reaches_its_connection() {
    // A module reports +QMTOPEN as soon as its connect returns, before the proxy has even
    // accepted the connection; the runner may inject at once. Connections waiting in the
    // kernel are handed over before the fault, so it always finds its connection.
    let (broker, proxy) = setup();
    for _ in 0..20 {
        proxy.expect_connection(4).unwrap();
        let mut m = TcpStream::connect(proxy.addr()).unwrap();
        m.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        proxy.inject("drop-link 4".parse().unwrap()).unwrap();
        assert!(closed(&mut m));
        // The broker side was dialled, then closed too.
        let (mut b, _) = broker.accept().unwrap();
        b.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        assert!(closed(&mut b));
    }
}

#[test]
fn bytes_sent_before_the_broker_answers_are_kept_in_order() {
    let (broker, proxy) = setup();
    proxy.expect_connection(0).unwrap();
    let mut m = TcpStream::connect(proxy.addr()).unwrap();
    for _ in 0..3 {
        m.write_all(PINGREQ).unwrap();
    }
    let (mut b, _) = broker.accept().unwrap();
    b.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(read_exact(&mut b, 6), [PINGREQ, PINGREQ, PINGREQ].concat());
}
