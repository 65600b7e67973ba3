//! The control channel on real sockets: a [`RemoteProxy`] drives a [`ProxyServer`] as the
//! runner drives an in-process one; refusals are sent, logged and closed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bc20_proxy::control::ControlError;
use bc20_proxy::shell::{ControlServer, ProxyServer, ShellError};
use bc20_proxy::{FaultProxyHandle, RemoteProxy};

const TOKEN: &str = "correct horse battery staple";

/// A proxy in front of a plain TCP "broker", its control channel, and what the channel
/// told its log.
fn setup() -> (
    TcpListener,
    ProxyServer,
    ControlServer,
    mpsc::Receiver<String>,
) {
    let broker = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy =
        ProxyServer::start("127.0.0.1:0".parse().unwrap(), broker.local_addr().unwrap()).unwrap();
    let (tx, notes) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let control = proxy
        .serve_control(
            "127.0.0.1:0".parse().unwrap(),
            TOKEN,
            Box::new(move |line| {
                let _ = tx.lock().unwrap().send(line);
            }),
        )
        .unwrap();
    (broker, proxy, control, notes)
}

fn raw(control: &ControlServer) -> (BufReader<TcpStream>, TcpStream) {
    let s = TcpStream::connect(control.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    (BufReader::new(s.try_clone().unwrap()), s)
}

fn answer(r: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    line
}

fn closed_after(r: &mut BufReader<TcpStream>) -> bool {
    let mut rest = Vec::new();
    matches!(r.read_to_end(&mut rest), Ok(0))
}

#[test]
fn a_remote_proxy_labels_injects_and_reads_the_log() {
    let (broker, proxy, control, _notes) = setup();
    let remote = RemoteProxy::connect(&control.addr().to_string(), TOKEN).unwrap();
    assert_eq!(remote.addr(), proxy.addr());
    assert!(remote.clock_uncertainty() < Duration::from_secs(1));
    remote.expect_connection(1).unwrap();
    let mut m = TcpStream::connect(proxy.addr()).unwrap();
    let (mut b, _) = broker.accept().unwrap();
    for s in [&m, &b] {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    }
    m.write_all(b"\xc0\x00").unwrap();
    let mut two = [0u8; 2];
    b.read_exact(&mut two).unwrap();
    remote.inject("drop-link 1".parse().unwrap()).unwrap();
    let mut buf = [0u8; 4];
    assert!(!matches!(m.read(&mut buf), Ok(n) if n > 0));
    let e = remote
        .inject("fail-next-close".parse().unwrap())
        .unwrap_err();
    assert!(matches!(e, ShellError::Fault(_)), "{e}");
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut log = Vec::new();
    while !log
        .iter()
        .any(|e: &bc20_proxy::LogEntry| e.to_string().contains("drop-link"))
        && Instant::now() < deadline
    {
        log.extend(FaultProxyHandle::take_log(&remote).unwrap());
        std::thread::sleep(Duration::from_millis(10));
    }
    let lines: Vec<String> = log.iter().map(ToString::to_string).collect();
    assert!(
        lines.contains(&"conn 1 slot 1 up PINGREQ: passed".to_owned()),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("closed (drop-link)")),
        "{lines:?}"
    );
    // The remote clock places the proxy's times within the measured bound of ours.
    let at = remote.local_time(log[0].at);
    let local = proxy.epoch() + Duration::from_millis(log[0].at.as_millis());
    let off = at.max(local) - at.min(local);
    assert!(
        off <= remote.clock_uncertainty() + Duration::from_millis(1),
        "{off:?}"
    );
}

#[test]
fn a_wrong_token_is_refused_logged_and_closed() {
    let (_broker, _proxy, control, notes) = setup();
    let e = RemoteProxy::connect(&control.addr().to_string(), "guess")
        .err()
        .unwrap();
    assert!(
        matches!(&e, ControlError::Refused(w) if w.contains("wrong token")),
        "{e}"
    );
    let note = notes.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(note.contains("refused: wrong token"), "{note}");
    let (mut r, mut w) = raw(&control);
    writeln!(w, "auth nope").unwrap();
    assert!(answer(&mut r).starts_with("error wrong token"));
    assert!(closed_after(&mut r));
}

#[test]
fn control_without_the_token_is_refused_and_closed() {
    let (_broker, _proxy, control, notes) = setup();
    let (mut r, mut w) = raw(&control);
    writeln!(w, "inject clear").unwrap();
    let a = answer(&mut r);
    assert!(a.starts_with("error control needs the token"), "{a}");
    assert!(closed_after(&mut r));
    let note = notes.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(note.contains("control needs the token"), "{note}");
}

#[test]
fn a_malformed_command_is_answered_and_the_channel_stays_usable() {
    let (_broker, _proxy, control, _notes) = setup();
    let (mut r, mut w) = raw(&control);
    writeln!(w, "auth {TOKEN}").unwrap();
    assert_eq!(answer(&mut r), "ok\n");
    writeln!(w, "inject drop-link 9").unwrap();
    let a = answer(&mut r);
    assert!(a.starts_with("error `inject`"), "{a}");
    writeln!(w, "teleport").unwrap();
    assert!(answer(&mut r).starts_with("error unknown control command `teleport`"));
    writeln!(w, "clock").unwrap();
    assert!(answer(&mut r).starts_with("clock "));
}

#[test]
fn an_overlong_line_closes_the_channel() {
    let (_broker, _proxy, control, _notes) = setup();
    let (mut r, mut w) = raw(&control);
    let long = "a".repeat(bc20_proxy::control::MAX_REQUEST + 10);
    writeln!(w, "{long}").unwrap();
    assert!(answer(&mut r).contains("longer than"));
    assert!(closed_after(&mut r));
}
