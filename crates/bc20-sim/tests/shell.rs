//! The shells against the embedded broker: PTY, in-process and TCP transports, fault
//! injection (API and control channel), time scale, several modules.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bc20_sim::shell::{
    ControlServer, EmbeddedBroker, Endpoint, Route, SimConfig, SimHandle, Simulator, Transport,
};
use bc20_sim::{Fault, ModemConfig, Way};
use common::framed;
use common::real::{chapter6_over_pty, PtyHost};

fn broker() -> EmbeddedBroker {
    EmbeddedBroker::start().expect("embedded broker")
}

fn in_process(broker: &EmbeddedBroker, modem: ModemConfig) -> SimHandle {
    let config = SimConfig {
        modem,
        transport: Transport::InProcess,
        ..SimConfig::new(Route::Fixed(broker.addr()))
    };
    Simulator::spawn(config).expect("spawn")
}

/// Sends a line and reads until `until` arrives.
fn ask(sim: &mut SimHandle, line: &str, until: &str) -> String {
    sim.write(format!("{line}\r").as_bytes()).unwrap();
    let got = sim
        .read_until(until.as_bytes(), Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("{line}: {e}"));
    String::from_utf8_lossy(&got).into_owned()
}

fn connect(sim: &mut SimHandle, conn_id: u8, client_id: &str) {
    ask(
        sim,
        &format!("AT+QMTOPEN={conn_id},\"broker\",1883"),
        &format!("+QMTOPEN: {conn_id},0\r\n"),
    );
    ask(
        sim,
        &format!("AT+QMTCONN={conn_id},\"{client_id}\""),
        &format!("+QMTCONN: {conn_id},0,0\r\n"),
    );
}

#[test]
fn chapter6_over_a_pty_against_the_embedded_broker() {
    // rumqttd 0.20 forwards at the subscription's QoS, not min(publish, subscription)
    // (MQTT 3.1.1 3.8.4), so the QoS 0 publish to the QoS 2 subscription arrives with a
    // packet id: that one <msgID> is checked for range only.
    chapter6_over_pty(broker().addr(), true);
}

#[test]
fn in_process_session_and_fault_injection() {
    let b = broker();
    let mut sim = in_process(&b, ModemConfig::echo_off());
    assert_eq!(
        ask(&mut sim, "AT", "OK\r\n"),
        framed(&["+IP: 10.0.0.1", "OK"])
    );
    connect(&mut sim, 0, "inproc");
    sim.inject(Fault::DropLink {
        conn_id: 0,
        how: Default::default(),
    })
    .unwrap();
    assert_eq!(
        sim.read_until(b"+QMTSTAT: 0,1\r\n", Duration::from_secs(5))
            .unwrap(),
        framed(&["+QMTSTAT: 0,1"]).as_bytes()
    );
    connect(&mut sim, 0, "inproc");
    sim.inject(Fault::LinkDown { conn_id: 0 }).unwrap();
    sim.read_until(b"+QMTSTAT: 0,7\r\n", Duration::from_secs(5))
        .unwrap();
}

#[test]
fn the_broker_closing_the_link_gives_qmtstat_1() {
    let b = broker();
    let mut first = in_process(&b, ModemConfig::echo_off());
    let mut second = in_process(&b, ModemConfig::echo_off());
    connect(&mut first, 2, "same-id");
    // The same client id from another module: the broker drops the first one.
    connect(&mut second, 0, "same-id");
    first
        .read_until(b"+QMTSTAT: 2,1\r\n", Duration::from_secs(5))
        .unwrap();
}

#[test]
fn two_modules_talk_through_the_broker() {
    let b = broker();
    let mut a = in_process(&b, ModemConfig::echo_off());
    let mut c = in_process(&b, ModemConfig::echo_off());
    connect(&mut a, 0, "module-a");
    connect(&mut c, 0, "module-c");
    ask(
        &mut a,
        "AT+QMTSUB=0,1,\"fleet/#\",2",
        "+QMTSUB: 0,1,0,2\r\n",
    );
    ask(
        &mut c,
        "AT+QMTPUB=0,7,2,0,\"fleet/c\",\"t=21.5,h=40\"",
        "+QMTPUB: 0,7,0\r\n",
    );
    let got = a
        .read_until(b",\"fleet/c\",\"t=21.5,h=40\"\r\n", Duration::from_secs(5))
        .unwrap();
    assert!(String::from_utf8_lossy(&got).contains("+QMTRECV: 0,"));
}

#[test]
fn time_scale_runs_retransmissions_fast() {
    let b = broker();
    let config = SimConfig {
        modem: ModemConfig::echo_off(),
        transport: Transport::InProcess,
        time_scale: 100.0,
        ..SimConfig::new(Route::Fixed(b.addr()))
    };
    let mut sim = Simulator::spawn(config).unwrap();
    ask(&mut sim, "AT+QMTCFG=\"timeout\",0,10,3,1", "OK\r\n");
    connect(&mut sim, 0, "scaled");
    sim.inject(Fault::BlackHole {
        conn_id: 0,
        way: Way::Up,
        duration: Duration::from_secs(3600),
    })
    .unwrap();
    let start = Instant::now();
    let out = ask(
        &mut sim,
        "AT+QMTPUB=0,1,1,0,\"t\",\"x\"",
        "+QMTPUB: 0,1,2\r\n",
    );
    assert!(
        out.ends_with(&framed(&[
            "+QMTPUB: 0,1,1,1",
            "+QMTPUB: 0,1,1,2",
            "+QMTPUB: 0,1,1,3",
            "+QMTPUB: 0,1,2"
        ])),
        "{out:?}"
    );
    // 40 virtual seconds at 100x: 0.4 s of real time.
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(350) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[test]
fn control_channel_injects_faults() {
    let b = broker();
    let mut sim = in_process(&b, ModemConfig::echo_off());
    let control = ControlServer::start("127.0.0.1:0".parse().unwrap(), &[&sim]).unwrap();
    connect(&mut sim, 0, "ctl");
    let stream = TcpStream::connect(control.addr()).unwrap();
    let mut out = stream.try_clone().unwrap();
    let mut lines = BufReader::new(stream);
    let mut say = |cmd: &str| {
        writeln!(out, "{cmd}").unwrap();
        let mut reply = String::new();
        lines.read_line(&mut reply).unwrap();
        reply.trim_end().to_owned()
    };
    let unknown = say("frobnicate");
    assert!(
        unknown.starts_with("error: unknown fault `frobnicate` (known: drop-link, ")
            && unknown.ends_with(" at byte 0 of the line (try help)"),
        "{unknown}"
    );
    assert_eq!(
        say("drop-link 6"),
        "error: CONN_ID must be a <tcpconnectID>, 0-5, not `6` at byte 10 of the line (try help)"
    );
    assert_eq!(say("@3 drop-link 0"), "error: no module 3");
    assert_eq!(say("drop-link 0"), "ok");
    sim.read_until(b"+QMTSTAT: 0,1\r\n", Duration::from_secs(5))
        .unwrap();
    assert_eq!(say("refuse-connections on"), "ok");
    ask(
        &mut sim,
        "AT+QMTOPEN=0,\"broker\",1883",
        "+QMTOPEN: 0,-1\r\n",
    );
    assert_eq!(say("clear"), "ok");
    ask(
        &mut sim,
        "AT+QMTOPEN=0,\"broker\",1883",
        "+QMTOPEN: 0,0\r\n",
    );
}

#[test]
fn tcp_transport_serves_the_host() {
    let b = broker();
    let config = SimConfig {
        transport: Transport::Tcp("127.0.0.1:0".parse().unwrap()),
        ..SimConfig::new(Route::Fixed(b.addr()))
    };
    let sim = Simulator::spawn(config).unwrap();
    let Endpoint::Tcp(addr) = sim.endpoint().clone() else {
        panic!()
    };
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    s.write_all(b"AT+CGMR\r").unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while !got.ends_with(b"OK\r\n") {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "closed");
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, b"AT+CGMR\r\r\nRevision: bc20kit-sim\r\n\r\nOK\r\n");
}

#[test]
fn hostile_bytes_over_the_pty_do_not_wedge_it() {
    let b = broker();
    let sim = Simulator::spawn(SimConfig {
        modem: ModemConfig::echo_off(),
        ..SimConfig::new(Route::Fixed(b.addr()))
    })
    .unwrap();
    let Endpoint::Pty(path) = sim.endpoint().clone() else {
        panic!()
    };
    let mut host = PtyHost::open(&path);
    host.send(&vec![b'A'; 1 << 20]);
    host.send(b"\r");
    host.send(b"\0\0\xff\xfeAT\x01\r");
    for piece in [&b"AT+Q"[..], b"MTOP", b"EN=?", b"\r"] {
        host.send(piece);
        std::thread::sleep(Duration::from_millis(5));
    }
    let got = host.read_until(b"OK\r\n", Duration::from_secs(5));
    let text = String::from_utf8_lossy(&got);
    assert!(
        text.contains("+CME ERROR: 24")
            && text.contains("ERROR")
            && text.ends_with(&framed(&[
                "+QMTOPEN: (0-5),\"<host_name>\",(1-65535)",
                "OK"
            ])),
        "{text:?}"
    );
    host.exchange("AT", &framed(&["OK"]));
}

#[test]
fn a_pty_host_can_close_and_reopen() {
    let b = broker();
    let sim = Simulator::spawn(SimConfig {
        modem: ModemConfig::echo_off(),
        ..SimConfig::new(Route::Fixed(b.addr()))
    })
    .unwrap();
    let Endpoint::Pty(path) = sim.endpoint().clone() else {
        panic!()
    };
    let mut host = PtyHost::open(&path);
    host.exchange("AT", &framed(&["OK"]));
    drop(host);
    // Output produced while nobody listens is dropped, not delivered later.
    sim.write(b"AT+CSQ\r").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let mut host = PtyHost::open(&path);
    host.exchange("AT", &framed(&["OK"]));
}
