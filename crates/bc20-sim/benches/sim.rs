//! Simulator throughput, each figure next to a baseline measured in the same run:
//!
//! | measured | baseline | what the ratio says |
//! |---|---|---|
//! | `at_round_trip/core` (sans-IO `Modem`, no threads) | `baseline/grammar` (decode the command, encode OK) | cost of the model over the grammar |
//! | `at_round_trip/in_process` (`SimHandle`, driver thread) | `baseline/channel_ping_pong` | cost over a bare thread hop |
//! | `at_round_trip/pty` (a host on the PTY) | `baseline/pty_echo` (a thread echoing on a PTY) | cost over the PTY itself |
//! | `qos1_publish/embedded_broker` (AT+QMTPUB qos 1 → PUBACK → +QMTPUB) | `baseline/tcp_ping_pong` (loopback) | cost over a TCP round trip |
//!
//! `cargo bench -p bc20-sim` prints the table at the end (target: ≥ 20,000 core AT round
//! trips per second).

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use bc20_grammar::{decode_line, Context, Mode, Response};
use bc20_sim::shell::{
    EmbeddedBroker, Endpoint, Route, SimConfig, SimHandle, Simulator, Transport,
};
use bc20_sim::{Modem, ModemConfig, SimTime};
use criterion::{Criterion, Throughput};
use nix::fcntl::{open, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::stat::Mode as FileMode;
use nix::sys::termios::{cfmakeraw, tcgetattr, tcsetattr, SetArg};

const COMMAND: &[u8] = b"AT+QMTCFG=\"keepalive\",0\r";

fn baselines(c: &mut Criterion) {
    let mut g = c.benchmark_group("baseline");
    g.throughput(Throughput::Elements(1));
    g.bench_function("grammar", |b| {
        b.iter(|| {
            let d = decode_line(
                black_box(&COMMAND[..COMMAND.len() - 1]),
                Mode::Strict,
                Context::default(),
            )
            .unwrap();
            black_box(d);
            black_box(Response::Ok.to_bytes().unwrap())
        })
    });
    let (to_echo, echo_rx) = mpsc::channel::<Vec<u8>>();
    let (echo_tx, from_echo) = mpsc::channel::<Vec<u8>>();
    thread::spawn(move || {
        for msg in echo_rx {
            if echo_tx.send(msg).is_err() {
                return;
            }
        }
    });
    g.bench_function("channel_ping_pong", |b| {
        b.iter(|| {
            to_echo.send(COMMAND.to_vec()).unwrap();
            black_box(from_echo.recv().unwrap())
        })
    });
    let (mut host, _echo) = pty_echo();
    g.bench_function("pty_echo", |b| {
        b.iter(|| host.round_trip(b"AT\r", b"OK\r\n"))
    });
    let mut tcp = tcp_echo();
    let mut buf = [0u8; 64];
    g.bench_function("tcp_ping_pong", |b| {
        b.iter(|| {
            tcp.write_all(&COMMAND[..30.min(COMMAND.len())]).unwrap();
            black_box(tcp.read(&mut buf).unwrap())
        })
    });
    g.finish();
}

fn at_round_trips(c: &mut Criterion, broker: &EmbeddedBroker) {
    let mut g = c.benchmark_group("at_round_trip");
    g.throughput(Throughput::Elements(1));
    let mut modem = Modem::new(ModemConfig::echo_off(), SimTime::ZERO);
    modem.poll_host();
    g.bench_function("core", |b| {
        b.iter(|| {
            modem.handle_host_bytes(SimTime::ZERO, black_box(COMMAND));
            black_box(modem.poll_host())
        })
    });
    let mut sim = spawn(broker, Transport::InProcess);
    g.bench_function("in_process", |b| {
        b.iter(|| {
            sim.write(COMMAND).unwrap();
            black_box(sim.read_until(b"OK\r\n", Duration::from_secs(5)).unwrap())
        })
    });
    let pty_sim = spawn(broker, Transport::Pty);
    let Endpoint::Pty(path) = pty_sim.endpoint().clone() else {
        unreachable!("PTY transport")
    };
    let mut host = PtyHost::open(&path);
    g.bench_function("pty", |b| b.iter(|| host.round_trip(COMMAND, b"OK\r\n")));
    g.finish();
}

fn qos1_publishes(c: &mut Criterion, broker: &EmbeddedBroker) {
    let mut g = c.benchmark_group("qos1_publish");
    g.throughput(Throughput::Elements(1));
    g.sample_size(20);
    let mut sim = spawn(broker, Transport::InProcess);
    sim.write(b"AT+QMTOPEN=0,\"broker\",1883\r").unwrap();
    sim.read_until(b"+QMTOPEN: 0,0\r\n", Duration::from_secs(5))
        .unwrap();
    sim.write(b"AT+QMTCONN=0,\"bench\"\r").unwrap();
    sim.read_until(b"+QMTCONN: 0,0,0\r\n", Duration::from_secs(5))
        .unwrap();
    let mut msg_id: u16 = 0;
    g.bench_function("embedded_broker", |b| {
        b.iter(|| {
            msg_id = msg_id % 65535 + 1;
            sim.write(format!("AT+QMTPUB=0,{msg_id},1,0,\"bench/t\",\"x\"\r").as_bytes())
                .unwrap();
            black_box(
                sim.read_until(
                    format!("+QMTPUB: 0,{msg_id},0\r\n").as_bytes(),
                    Duration::from_secs(5),
                )
                .unwrap(),
            )
        })
    });
    g.finish();
}

fn spawn(broker: &EmbeddedBroker, transport: Transport) -> SimHandle {
    let config = SimConfig {
        modem: ModemConfig::echo_off(),
        transport,
        ..SimConfig::new(Route::Fixed(broker.addr()))
    };
    let mut sim = Simulator::spawn(config).expect("spawn");
    let _ = sim.read_timeout(Duration::from_millis(50));
    sim
}

/// A host on a PTY slave: writes, then reads until a suffix.
struct PtyHost {
    fd: OwnedFd,
    buf: Vec<u8>,
}

impl PtyHost {
    fn open(path: &Path) -> PtyHost {
        let fd = open(path, OFlag::O_RDWR | OFlag::O_NOCTTY, FileMode::empty()).expect("open PTY");
        let mut t = tcgetattr(&fd).unwrap();
        cfmakeraw(&mut t);
        tcsetattr(&fd, SetArg::TCSANOW, &t).unwrap();
        PtyHost {
            fd,
            buf: Vec::with_capacity(256),
        }
    }

    fn round_trip(&mut self, send: &[u8], until: &[u8]) -> usize {
        nix::unistd::write(&self.fd, send).unwrap();
        self.buf.clear();
        let mut chunk = [0u8; 256];
        while !self.buf.ends_with(until) {
            let mut fds = [PollFd::new(self.fd.as_fd(), PollFlags::POLLIN)];
            poll(&mut fds, PollTimeout::from(5000u16)).unwrap();
            let n = nix::unistd::read(&self.fd, &mut chunk).unwrap();
            assert!(n > 0, "PTY closed");
            self.buf.extend_from_slice(&chunk[..n]);
        }
        self.buf.len()
    }
}

/// A PTY whose master side answers `\r\nOK\r\n` to every CR, from its own thread.
fn pty_echo() -> (PtyHost, thread::JoinHandle<()>) {
    let pty = nix::pty::openpty(None, None).unwrap();
    let path = nix::unistd::ttyname(pty.slave.as_fd()).unwrap();
    let host = PtyHost::open(&path);
    drop(pty.slave);
    let master = pty.master;
    let echo = thread::spawn(move || {
        let mut buf = [0u8; 256];
        while let Ok(n) = nix::unistd::read(&master, &mut buf) {
            if n == 0 {
                return;
            }
            for _ in buf[..n].iter().filter(|&&b| b == b'\r') {
                if nix::unistd::write(&master, b"\r\nOK\r\n").is_err() {
                    return;
                }
            }
        }
    });
    (host, echo)
}

fn tcp_echo() -> TcpStream {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let _ = s.set_nodelay(true);
        let mut buf = [0u8; 64];
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 || s.write_all(&buf[..n]).is_err() {
                return;
            }
        }
    });
    let s = TcpStream::connect(addr).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

/// Time per iteration (ns) of a finished benchmark, from criterion's estimates: the slope
/// (what criterion prints) when it has one, else the mean.
fn mean_ns(dir: &Path, group: &str, bench: &str) -> Option<f64> {
    let text = std::fs::read_to_string(
        dir.join(group)
            .join(bench)
            .join("new")
            .join("estimates.json"),
    )
    .ok()?;
    let point = |key: &str| -> Option<f64> {
        let rest = &text[text.find(&format!("\"{key}\":{{"))?..];
        let p = rest.find("\"point_estimate\":")? + "\"point_estimate\":".len();
        rest[p..].split([',', '}']).next()?.trim().parse().ok()
    };
    point("slope").or_else(|| point("mean"))
}

fn report(dir: &Path) {
    let rows = [
        ("at_round_trip", "core", "grammar"),
        ("at_round_trip", "in_process", "channel_ping_pong"),
        ("at_round_trip", "pty", "pty_echo"),
        ("qos1_publish", "embedded_broker", "tcp_ping_pong"),
    ];
    println!("\nbc20-sim throughput (this run; ratio = figure / baseline):");
    for (group, bench, base) in rows {
        let (Some(m), Some(b)) = (mean_ns(dir, group, bench), mean_ns(dir, "baseline", base))
        else {
            continue;
        };
        let (ops, base_ops) = (1e9 / m, 1e9 / b);
        println!(
            "  {group}/{bench:<16} {ops:>12.0} /s   = {:>6.3} x baseline/{base} ({base_ops:.0} /s)",
            ops / base_ops
        );
    }
}

fn main() {
    let dir: PathBuf = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("criterion");
    let mut c = Criterion::default()
        .output_directory(&dir)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    let broker = EmbeddedBroker::start().expect("embedded broker");
    baselines(&mut c);
    at_round_trips(&mut c, &broker);
    qos1_publishes(&mut c, &broker);
    c.final_summary();
    report(&dir);
}
