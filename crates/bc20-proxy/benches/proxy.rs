//! The fault proxy's cost, next to a baseline measured in the same run:
//!
//! | measured | baseline | what the ratio says |
//! |---|---|---|
//! | `proxy/round_trip` (PINGREQ → a broker stand-in → PINGRESP, through the proxy) | `direct/round_trip` (the same, straight to the stand-in over loopback) | the added latency of one packet each way |
//! | `proxy/publish_qos1_64` (64 PUBLISH QoS 1 of 100 bytes, then their 64 PUBACKs) | `direct/publish_qos1_64` | messages per second through the proxy |
//!
//! `cargo bench -p bc20-proxy --bench proxy` prints both ratios at the end. The broker
//! stand-in answers PINGREQ with PINGRESP and PUBLISH QoS 1 with PUBACK on raw sockets, so
//! that only the proxy differs between the two sides.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use bc20_proxy::shell::ProxyServer;
use criterion::{Criterion, Throughput};

const PINGREQ: &[u8] = b"\xc0\x00";
const BATCH: usize = 64;

/// A broker stand-in on loopback: PINGREQ → PINGRESP, PUBLISH QoS 1 → PUBACK.
fn stand_in() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    thread::spawn(move || {
        for s in l.incoming().flatten() {
            thread::spawn(move || serve(s));
        }
    });
    addr
}

fn serve(mut s: TcpStream) {
    let _ = s.set_nodelay(true);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        let mut out = Vec::new();
        // Whole packets with a one-byte remaining length (all this bench sends).
        while buf.len() >= 2 && buf.len() >= 2 + usize::from(buf[1]) {
            let len = 2 + usize::from(buf[1]);
            match buf[0] >> 4 {
                12 => out.extend_from_slice(b"\xd0\x00"),
                3 => {
                    let topic = usize::from(u16::from_be_bytes([buf[2], buf[3]]));
                    let id = [buf[4 + topic], buf[5 + topic]];
                    out.extend_from_slice(&[0x40, 0x02, id[0], id[1]]);
                }
                _ => {}
            }
            buf.drain(..len);
        }
        if !out.is_empty() && s.write_all(&out).is_err() {
            return;
        }
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_nodelay(true).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

fn round_trip(s: &mut TcpStream) {
    s.write_all(PINGREQ).unwrap();
    let mut b = [0u8; 2];
    s.read_exact(&mut b).unwrap();
}

/// 64 PUBLISH QoS 1 (topic "t", 100-byte payload) written at once, then their PUBACKs.
fn publish_batch(s: &mut TcpStream, batch: &[u8]) {
    s.write_all(batch).unwrap();
    let mut acks = vec![0u8; 4 * BATCH];
    s.read_exact(&mut acks).unwrap();
}

fn batch() -> Vec<u8> {
    let mut out = Vec::new();
    for id in 1..=BATCH as u16 {
        let mut p = vec![0x32, 0, 0x00, 0x01, b't'];
        p.extend_from_slice(&id.to_be_bytes());
        p.extend_from_slice(&[b'x'; 100]);
        p[1] = u8::try_from(p.len() - 2).unwrap();
        out.extend(p);
    }
    out
}

fn main() {
    let broker = stand_in();
    let proxy = ProxyServer::start("127.0.0.1:0".parse().unwrap(), broker).unwrap();
    let mut direct = connect(broker);
    let mut proxied = connect(proxy.addr());
    let publishes = batch();
    let mut c = Criterion::default()
        .sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    for (name, s) in [("direct", &mut direct), ("proxy", &mut proxied)] {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(1));
        g.bench_function("round_trip", |b| b.iter(|| round_trip(s)));
        g.throughput(Throughput::Elements(BATCH as u64));
        g.bench_function("publish_qos1_64", |b| {
            b.iter(|| publish_batch(s, &publishes))
        });
        g.finish();
        // The proxy's log grows with every packet: drain it as the runner does.
        proxy.take_log();
    }
    c.final_summary();

    // The same by hand, for the ratios.
    let mean = |f: &mut dyn FnMut(), n: u32| {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        t.elapsed() / n
    };
    let d = mean(&mut || round_trip(&mut direct), 2000);
    let p = mean(&mut || round_trip(&mut proxied), 2000);
    proxy.take_log();
    let dp = mean(&mut || publish_batch(&mut direct, &publishes), 200);
    let pp = mean(&mut || publish_batch(&mut proxied, &publishes), 200);
    proxy.take_log();
    let rate = |t: Duration| BATCH as f64 / t.as_secs_f64();
    println!(
        "round trip: direct {d:?}, through the proxy {p:?} (+{:?}, {:.2}× direct)",
        p.saturating_sub(d),
        p.as_secs_f64() / d.as_secs_f64()
    );
    println!(
        "QoS 1 publishes: direct {:.0}/s, through the proxy {:.0}/s ({:.2}× direct)",
        rate(dp),
        rate(pp),
        rate(pp) / rate(dp)
    );
}
