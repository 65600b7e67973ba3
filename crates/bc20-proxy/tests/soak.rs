//! The proxy under load and under broken streams, with a real broker (rumqttd, embedded) and
//! real MQTT clients (rumqttc) as the modules.
//!
//! The soak: six publishers through the proxy, one subscriber straight to the broker, 10,000
//! messages at QoS 1 and 2. MQTT allows a QoS 1 message twice only after a retransmission
//! (a PUBLISH with DUP), and a QoS 2 message never twice; nothing may be lost. Bounded: every
//! wait stops at one deadline (60 s); the run takes a few seconds.

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use bc20_fault::{LogEntry, PacketType, Way};
use bc20_proxy::shell::ProxyServer;
use bc20_sim::shell::EmbeddedBroker;
use rumqttc::{Client, Event, Incoming, MqttOptions, QoS};

const PUBLISHERS: usize = 6;
const MESSAGES: usize = 10_000;
const LIMIT: Duration = Duration::from_secs(60);

fn options(id: &str, addr: SocketAddr) -> MqttOptions {
    let mut o = MqttOptions::new(id, addr.ip().to_string(), addr.port());
    o.set_keep_alive(Duration::from_secs(30));
    o.set_clean_session(true);
    o
}

fn qos_of(seq: usize) -> QoS {
    if seq % 2 == 0 {
        QoS::AtLeastOnce
    } else {
        QoS::ExactlyOnce
    }
}

/// One publisher through the proxy: sends `count` messages and returns once every one is
/// acknowledged (PUBACK or PUBCOMP), or at the deadline with how many were.
fn publish(n: usize, count: usize, proxy: SocketAddr, deadline: Instant) -> usize {
    let (client, mut conn) = Client::new(options(&format!("soak-pub-{n}"), proxy), 64);
    let sender = thread::spawn(move || {
        for seq in 0..count {
            let payload = format!("{n}/{seq}");
            if client
                .publish(format!("soak/{n}"), qos_of(seq), false, payload)
                .is_err()
            {
                return client;
            }
        }
        client
    });
    let mut acked = 0;
    while acked < count && Instant::now() < deadline {
        match conn.recv_timeout(Duration::from_millis(200)) {
            Ok(Ok(Event::Incoming(Incoming::PubAck(_) | Incoming::PubComp(_)))) => acked += 1,
            Ok(Ok(_)) | Err(_) => {}
            Ok(Err(e)) => eprintln!("publisher {n}: {e}"),
        }
    }
    let client = sender.join().expect("sender");
    let _ = client.disconnect();
    // Let the DISCONNECT go out (bounded).
    for _ in 0..10 {
        if conn.recv_timeout(Duration::from_millis(50)).is_err() {
            break;
        }
    }
    acked
}

#[test]
fn six_modules_and_ten_thousand_qos1_and_qos2_messages_lose_and_duplicate_nothing() {
    let deadline = Instant::now() + LIMIT;
    let broker = EmbeddedBroker::start().expect("embedded broker");
    let proxy = ProxyServer::start("127.0.0.1:0".parse().unwrap(), broker.addr()).unwrap();

    // The subscriber, straight to the broker: it counts every delivery.
    let (sub, mut sub_conn) = Client::new(options("soak-sub", broker.addr()), 64);
    sub.subscribe("soak/#", QoS::ExactlyOnce).unwrap();
    let (ready_tx, ready) = mpsc::channel();
    let subscriber = thread::spawn(move || {
        let mut got: HashMap<String, (QoS, usize)> = HashMap::new();
        let mut dup_deliveries = 0;
        let mut total = 0;
        while total < MESSAGES && Instant::now() < deadline {
            match sub_conn.recv_timeout(Duration::from_millis(200)) {
                Ok(Ok(Event::Incoming(Incoming::SubAck(_)))) => {
                    let _ = ready_tx.send(());
                }
                Ok(Ok(Event::Incoming(Incoming::Publish(p)))) => {
                    let key = String::from_utf8_lossy(&p.payload).into_owned();
                    dup_deliveries += usize::from(p.dup);
                    let e = got.entry(key).or_insert((p.qos, 0));
                    if e.1 == 0 {
                        total += 1;
                    }
                    e.1 += 1;
                }
                Ok(Ok(_)) | Err(_) => {}
                Ok(Err(e)) => eprintln!("subscriber: {e}"),
            }
        }
        // Late duplicates would arrive now: keep listening a little (bounded).
        let quiet_until = Instant::now() + Duration::from_millis(300);
        while Instant::now() < quiet_until {
            if let Ok(Ok(Event::Incoming(Incoming::Publish(p)))) =
                sub_conn.recv_timeout(Duration::from_millis(50))
            {
                let key = String::from_utf8_lossy(&p.payload).into_owned();
                dup_deliveries += usize::from(p.dup);
                got.entry(key).or_insert((p.qos, 0)).1 += 1;
            }
        }
        let _ = sub.disconnect();
        (got, dup_deliveries)
    });
    ready
        .recv_timeout(LIMIT)
        .expect("the subscription is acknowledged");

    let per = MESSAGES / PUBLISHERS;
    let counts: Vec<usize> = (0..PUBLISHERS)
        .map(|n| per + usize::from(n < MESSAGES % PUBLISHERS))
        .collect();
    let addr = proxy.addr();
    let publishers: Vec<_> = counts
        .iter()
        .enumerate()
        .map(|(n, &count)| thread::spawn(move || publish(n, count, addr, deadline)))
        .collect();
    let acked: Vec<usize> = publishers
        .into_iter()
        .map(|p| p.join().expect("publisher"))
        .collect();
    let (got, dup_deliveries) = subscriber.join().expect("subscriber");
    assert!(Instant::now() < deadline, "the soak overran {LIMIT:?}");
    assert_eq!(acked, counts, "every message acknowledged");

    let log = proxy.take_log();
    let retransmitted = log
        .iter()
        .filter(|e| {
            e.way == Way::Up
                && e.packet
                    .is_some_and(|p| p.kind == PacketType::Publish && p.dup && p.qos == 1)
        })
        .count();
    let mut lost = Vec::new();
    let mut extra_qos1 = 0;
    for (n, &count) in counts.iter().enumerate() {
        for seq in 0..count {
            let key = format!("{n}/{seq}");
            match got.get(&key) {
                None => lost.push(key),
                Some((QoS::ExactlyOnce, times)) => {
                    assert_eq!(*times, 1, "QoS 2 message {key} delivered {times} times");
                }
                Some((_, times)) => extra_qos1 += times - 1,
            }
        }
    }
    assert!(
        lost.is_empty(),
        "{} lost: {:?}",
        lost.len(),
        &lost[..lost.len().min(10)]
    );
    assert!(
        extra_qos1 <= retransmitted + dup_deliveries,
        "{extra_qos1} QoS 1 duplicates, {retransmitted} retransmissions"
    );
    // Every packet the publishers sent crossed the proxy and is in its log: each message
    // has one PUBLISH up whatever its QoS (retransmissions aside).
    let publishes = log
        .iter()
        .filter(|e| e.way == Way::Up && e.packet.is_some_and(|p| p.kind == PacketType::Publish))
        .count();
    assert_eq!(publishes, MESSAGES + retransmitted, "{}", summary(&log));
}

fn summary(log: &[LogEntry]) -> String {
    let mut fates: HashMap<String, usize> = HashMap::new();
    for e in log {
        *fates.entry(format!("{:?}", e.fate)).or_default() += 1;
    }
    format!("{} entries: {fates:?}", log.len())
}

/// Whether the proxy closed `s` (EOF or reset) within 5 s.
fn closed(s: &mut TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut b = [0u8; 64];
    loop {
        match s.read(&mut b) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) => {
                return matches!(
                    e.kind(),
                    ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
                )
            }
        }
    }
}

/// Waits (bounded) for a log line containing `text`.
fn logged(proxy: &ProxyServer, text: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut lines = Vec::new();
    while !lines.iter().any(|l: &String| l.contains(text)) && Instant::now() < deadline {
        lines.extend(proxy.take_log().iter().map(ToString::to_string));
        thread::sleep(Duration::from_millis(10));
    }
    lines
}

/// A client through the proxy publishes a QoS 1 message and sees its PUBACK.
fn still_works(proxy: SocketAddr, id: &str) {
    let (client, mut conn) = Client::new(options(id, proxy), 8);
    client
        .publish("soak/alive", QoS::AtLeastOnce, false, "x")
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Ok(Event::Incoming(Incoming::PubAck(_)))) =
            conn.recv_timeout(Duration::from_millis(200))
        {
            return;
        }
    }
    panic!("{id}: no PUBACK through the proxy");
}

#[test]
fn garbage_from_a_module_closes_only_its_connection_with_a_log_line() {
    let broker = EmbeddedBroker::start().expect("embedded broker");
    let proxy = ProxyServer::start("127.0.0.1:0".parse().unwrap(), broker.addr()).unwrap();
    still_works(proxy.addr(), "before");
    let mut bad = TcpStream::connect(proxy.addr()).unwrap();
    // Packet type 0 is reserved: no MQTT stream starts with it.
    bad.write_all(b"\x00\x02\xff\xff").unwrap();
    assert!(closed(&mut bad));
    let lines = logged(&proxy, "not MQTT from the Module side");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("not MQTT from the Module side")),
        "{lines:?}"
    );
    still_works(proxy.addr(), "after");
}

#[test]
fn garbage_from_the_broker_closes_only_that_connection_with_a_log_line() {
    // A fake broker: it answers the first connection with garbage and the second with a
    // PINGRESP for each PINGREQ.
    let fake = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy =
        ProxyServer::start("127.0.0.1:0".parse().unwrap(), fake.local_addr().unwrap()).unwrap();
    proxy.expect_connection(0).unwrap();
    let mut m1 = TcpStream::connect(proxy.addr()).unwrap();
    let (mut b1, _) = fake.accept().unwrap();
    proxy.expect_connection(1).unwrap();
    let mut m2 = TcpStream::connect(proxy.addr()).unwrap();
    let (mut b2, _) = fake.accept().unwrap();
    b1.write_all(b"\xf0\x00garbage").unwrap();
    assert!(closed(&mut m1));
    assert!(closed(&mut b1), "the broker's end is closed too");
    let lines = logged(&proxy, "not MQTT from the Broker side");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("conn 1 slot 0") && l.contains("not MQTT from the Broker side")),
        "{lines:?}"
    );
    m2.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    b2.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    m2.write_all(b"\xc0\x00").unwrap();
    let mut two = [0u8; 2];
    b2.read_exact(&mut two).unwrap();
    assert_eq!(&two, b"\xc0\x00");
    b2.write_all(b"\xd0\x00").unwrap();
    m2.read_exact(&mut two).unwrap();
    assert_eq!(&two, b"\xd0\x00");
}
