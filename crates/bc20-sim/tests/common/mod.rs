//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod real;

use std::time::Duration;

use bc20_sim::{Bench, ModemConfig};

/// The chapter 6 session of spec/examples.toml: (dir, line) pairs.
pub fn chapter6_steps() -> Vec<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/examples.toml");
    let text = std::fs::read_to_string(path).expect("spec/examples.toml is readable");
    let value: toml::Table = toml::from_str(&text)
        .map_err(|e| e.to_string())
        .expect("spec/examples.toml is TOML");
    value["step"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["dir"].as_str().unwrap().to_owned(),
                s["line"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

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
