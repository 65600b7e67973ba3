//! Fault steps: names, arguments, and their checked form.

use std::time::Duration;

use super::duration::parse_duration;

/// Which way packets are impaired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultWay {
    /// Module → broker.
    Up,
    /// Broker → module.
    Down,
    /// Both.
    Both,
}

/// A fault step with checked arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultSpec {
    /// `drop-link SLOT`: the broker side resets the TCP link (`+QMTSTAT: <id>,1`).
    DropLink(u8),
    /// `kill-link SLOT`: the link dies silently (`+QMTSTAT: <id>,7`).
    KillLink(u8),
    /// `black-hole SLOT [up|down|both] DURATION`: MQTT packets vanish for a while.
    BlackHole(u8, FaultWay, Duration),
    /// `delay SLOT [up|down|both] DURATION`: MQTT packets are held back (0 clears).
    Delay(u8, FaultWay, Duration),
    /// `send-fail SLOT on|off`: every send on the slot fails.
    SendFail(u8, bool),
    /// `hold-close SLOT on|off`: after QMTDISC the server closes first (`+QMTSTAT: <id>,5`).
    HoldClose(u8, bool),
    /// `refuse-connections on|off`: new TCP connections are refused (QMTOPEN result -1).
    RefuseConnections(bool),
    /// `fail-next-open RESULT`: the next QMTOPEN reports RESULT (-1, 1, 3, 4, 5).
    FailNextOpen(i8),
    /// `fail-next-close`: the next QMTCLOSE reports -1.
    FailNextClose,
    /// `clear`: removes every impairment.
    Clear,
}

/// Every fault step: name, arguments, what it does.
pub const FAULTS: &[(&str, &str, &str)] = &[
    (
        "drop-link",
        "SLOT",
        "the broker side resets the slot's TCP link",
    ),
    ("kill-link", "SLOT", "the slot's link dies without a word"),
    (
        "black-hole",
        "SLOT [up|down|both] DURATION",
        "MQTT packets vanish for DURATION",
    ),
    (
        "delay",
        "SLOT [up|down|both] DURATION",
        "MQTT packets are held back by DURATION",
    ),
    ("send-fail", "SLOT on|off", "every send on the slot fails"),
    (
        "hold-close",
        "SLOT on|off",
        "after QMTDISC the server closes the link first",
    ),
    (
        "refuse-connections",
        "on|off",
        "new TCP connections are refused",
    ),
    (
        "fail-next-open",
        "RESULT",
        "the next QMTOPEN reports RESULT",
    ),
    ("fail-next-close", "", "the next QMTCLOSE reports -1"),
    ("clear", "", "removes every impairment"),
];

fn slot(a: Option<&String>) -> Result<u8, String> {
    match a.map(|s| s.parse::<u8>()) {
        Some(Ok(n)) if n <= 5 => Ok(n),
        _ => Err("SLOT must be a <tcpconnectID>, 0-5".to_owned()),
    }
}

fn on_off(a: Option<&String>) -> Result<bool, String> {
    match a.map(String::as_str) {
        Some("on") => Ok(true),
        Some("off") => Ok(false),
        _ => Err("expected `on` or `off`".to_owned()),
    }
}

fn way_and_duration(args: &[String]) -> Result<(FaultWay, Duration), String> {
    let (way, d) = match args {
        [d] => (FaultWay::Both, d),
        [w, d] => (
            match w.as_str() {
                "up" => FaultWay::Up,
                "down" => FaultWay::Down,
                "both" => FaultWay::Both,
                _ => return Err("the direction is `up`, `down` or `both`".to_owned()),
            },
            d,
        ),
        _ => return Err("expected `[up|down|both] DURATION`".to_owned()),
    };
    let d = parse_duration(d).ok_or_else(|| format!("bad duration `{d}`"))?;
    Ok((way, d))
}

impl FaultSpec {
    /// Checks a fault step's name and (expanded) arguments.
    pub fn parse(name: &str, args: &[String]) -> Result<FaultSpec, String> {
        let arity = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(format!(
                    "`{name}` takes {n} argument(s), not {}",
                    args.len()
                ))
            }
        };
        Ok(match name {
            "drop-link" => {
                arity(1)?;
                FaultSpec::DropLink(slot(args.first())?)
            }
            "kill-link" => {
                arity(1)?;
                FaultSpec::KillLink(slot(args.first())?)
            }
            "black-hole" | "delay" => {
                let s = slot(args.first())?;
                let (w, d) = way_and_duration(&args[1..])?;
                if name == "delay" {
                    FaultSpec::Delay(s, w, d)
                } else {
                    FaultSpec::BlackHole(s, w, d)
                }
            }
            "send-fail" | "hold-close" => {
                arity(2)?;
                let s = slot(args.first())?;
                let on = on_off(args.get(1))?;
                if name == "send-fail" {
                    FaultSpec::SendFail(s, on)
                } else {
                    FaultSpec::HoldClose(s, on)
                }
            }
            "refuse-connections" => {
                arity(1)?;
                FaultSpec::RefuseConnections(on_off(args.first())?)
            }
            "fail-next-open" => {
                arity(1)?;
                match args[0].as_str() {
                    "-1" => FaultSpec::FailNextOpen(-1),
                    "1" => FaultSpec::FailNextOpen(1),
                    "3" => FaultSpec::FailNextOpen(3),
                    "4" => FaultSpec::FailNextOpen(4),
                    "5" => FaultSpec::FailNextOpen(5),
                    _ => return Err("RESULT is -1, 1, 3, 4 or 5".to_owned()),
                }
            }
            "fail-next-close" => {
                arity(0)?;
                FaultSpec::FailNextClose
            }
            "clear" => {
                arity(0)?;
                FaultSpec::Clear
            }
            other => return Err(format!("unknown fault `{other}`")),
        })
    }
}
