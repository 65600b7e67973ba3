//! `bc20 sim` as a user starts it: a module on TCP that answers until `--exit-after` ends it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::bc20;

/// Reads from `s` until `want` has arrived or the deadline passes.
fn read_until(s: &mut TcpStream, want: &[u8], deadline: Instant) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    while !got.windows(want.len()).any(|w| w == want) && Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    got
}

#[test]
fn sim_over_tcp_answers_until_exit_after() {
    let mut child = bc20()
        .args(["sim", "--tcp", "127.0.0.1:0", "--exit-after", "20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bc20 runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut addr = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("module 0 tcp://") {
            addr = Some(rest.to_owned());
        }
        if line == "ready" {
            break;
        }
    }
    let addr = addr.expect("a `module 0 tcp://...` line");
    let mut s = TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    s.write_all(b"ATE0\r").unwrap();
    assert!(read_until(&mut s, b"OK\r\n", deadline).ends_with(b"OK\r\n"));
    s.write_all(b"AT+QMTOPEN=0,\"220.180.239.212\",8401\r")
        .unwrap();
    let got = read_until(&mut s, b"+QMTOPEN: 0,0\r\n", deadline);
    assert_eq!(
        got,
        b"\r\nOK\r\n\r\n+QMTOPEN: 0,0\r\n",
        "{}",
        String::from_utf8_lossy(&got)
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn sim_lists_its_quirks_one_per_line() {
    let out = bc20().args(["sim", "--list-quirks"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().count() >= 5);
    assert!(text.lines().any(|l| l == "unquoted-recv-payload"));
}
