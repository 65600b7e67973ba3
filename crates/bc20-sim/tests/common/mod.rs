//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod real;

use std::time::Duration;

use bc20_sim::{Bench, ModemConfig};

pub use bc20_testkit::chapter6::steps as chapter6_steps;

/// `\r\n<line>\r\n` for each line: what the module sends for them.
pub fn framed(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("\r\n{l}\r\n")).collect()
}

/// A bench (echo off) whose slot 0 is opened and connected as `dev`.
pub fn connected(config: ModemConfig) -> Bench {
    let mut b = Bench::new(config);
    assert_eq!(
        b.command("AT+QMTOPEN=0,\"broker\",1883"),
        framed(&["OK", "+QMTOPEN: 0,0"])
    );
    assert_eq!(
        b.command("AT+QMTCONN=0,\"dev\""),
        framed(&["OK", "+QMTCONN: 0,0,0"])
    );
    b
}

/// The default module with echo off.
pub fn quiet() -> ModemConfig {
    ModemConfig::echo_off()
}

/// Seconds.
pub fn s(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Milliseconds.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}
