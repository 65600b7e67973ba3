//! The control channel of `bc20 sim`: a line-based TCP service on 127.0.0.1 that injects
//! faults into running modules. One command per line; the answer is `ok` or `error: ...`.
//! The syntax is [`Fault`]'s `Display` form, plus `module N`, `@N <command>`, `help`, `quit`
//! (see README.md).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::Sender;
use std::thread;
use std::time::Duration;

use bc20_grammar::OpenResult;

use super::driver::Event;
use super::{SimError, SimHandle};
use crate::faults::{Fault, Way};

/// One control-channel command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlCommand {
    /// Apply a fault to the selected module.
    Fault(Fault),
    /// Select the module later commands apply to (`module N`).
    Select(usize),
    /// List the commands.
    Help,
    /// Close this control connection.
    Quit,
}

/// The `help` text.
pub const HELP: &str = "\
commands (slot = tcpconnectID 0-5, ms = milliseconds):
  drop <slot>                     peer resets the link       -> +QMTSTAT: <slot>,1
  kill <slot>                     link dies silently         -> +QMTSTAT: <slot>,7
  blackhole up|down|both <slot> <ms>   packets vanish for <ms>
  delay up|down|both <slot> <ms>       packets held <ms> (0 clears)
  sendfail <slot> on|off          every send fails (CONNECT -> 3, PINGREQ -> 2, else 6)
  holdclose <slot> on|off         after QMTDISC wait for the server to close -> 5
  refuse on|off                   refuse new connections     -> +QMTOPEN: <id>,-1
  failopen <result>               next QMTOPEN reports <result> (-1,1,2,3,4,5)
  failclose                       next QMTCLOSE reports -1
  clear                           remove every fault
  module <n>                      apply later commands to module <n> (default 0)
  @<n> <command>                  apply one command to module <n>
  help | quit";

/// Parses one line: an optional `@N` module override and the command.
pub fn parse_control(line: &str) -> Result<(Option<usize>, ControlCommand), String> {
    let mut words = line.split_whitespace().peekable();
    let mut module = None;
    if let Some(w) = words.peek().and_then(|w| w.strip_prefix('@')) {
        module = Some(
            w.parse::<usize>()
                .map_err(|_| format!("bad module number {w:?}"))?,
        );
        words.next();
    }
    let words: Vec<&str> = words.collect();
    let slot = |w: Option<&&str>| -> Result<u8, String> {
        let w = w.ok_or("missing slot")?;
        w.parse::<u8>()
            .ok()
            .filter(|s| *s <= 5)
            .ok_or_else(|| format!("bad slot {w:?} (0-5)"))
    };
    let on = |w: Option<&&str>| -> Result<bool, String> {
        match w.copied() {
            Some("on") => Ok(true),
            Some("off") => Ok(false),
            other => Err(format!("expected on or off, got {other:?}")),
        }
    };
    let way = |w: Option<&&str>| -> Result<Way, String> {
        match w.copied() {
            Some("up") => Ok(Way::Up),
            Some("down") => Ok(Way::Down),
            Some("both") => Ok(Way::Both),
            other => Err(format!("expected up, down or both, got {other:?}")),
        }
    };
    let ms = |w: Option<&&str>| -> Result<Duration, String> {
        let w = w.ok_or("missing milliseconds")?;
        w.parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|_| format!("bad milliseconds {w:?}"))
    };
    let fault = match words.first().copied() {
        None => return Err("empty command".into()),
        Some("help") => return Ok((module, ControlCommand::Help)),
        Some("quit") => return Ok((module, ControlCommand::Quit)),
        Some("module") => {
            let n = words
                .get(1)
                .and_then(|w| w.parse().ok())
                .ok_or("module needs a number")?;
            return Ok((module, ControlCommand::Select(n)));
        }
        Some("drop") => Fault::DropLink {
            slot: slot(words.get(1))?,
        },
        Some("kill") => Fault::KillLink {
            slot: slot(words.get(1))?,
        },
        Some("blackhole") => Fault::Blackhole {
            way: way(words.get(1))?,
            slot: slot(words.get(2))?,
            duration: ms(words.get(3))?,
        },
        Some("delay") => Fault::Delay {
            way: way(words.get(1))?,
            slot: slot(words.get(2))?,
            delay: ms(words.get(3))?,
        },
        Some("sendfail") => Fault::SendFail {
            slot: slot(words.get(1))?,
            on: on(words.get(2))?,
        },
        Some("holdclose") => Fault::HoldClose {
            slot: slot(words.get(1))?,
            on: on(words.get(2))?,
        },
        Some("refuse") => Fault::RefuseConnections {
            on: on(words.get(1))?,
        },
        Some("failopen") => {
            let code = words
                .get(1)
                .and_then(|w| w.parse::<i8>().ok())
                .and_then(OpenResult::from_code);
            Fault::FailNextOpen {
                result: code.ok_or("failopen needs a result: -1, 1, 2, 3, 4 or 5")?,
            }
        }
        Some("failclose") => Fault::FailNextClose,
        Some("clear") => Fault::Clear,
        Some(other) => return Err(format!("unknown command {other:?} (try help)")),
    };
    Ok((module, ControlCommand::Fault(fault)))
}

/// A running control channel.
#[derive(Debug)]
pub struct ControlServer {
    addr: SocketAddr,
}

impl ControlServer {
    /// Listens on `bind` (use port 0 for any free port) and controls `modules`.
    pub fn start(bind: SocketAddr, modules: &[&SimHandle]) -> Result<ControlServer, SimError> {
        if !bind.ip().is_loopback() {
            return Err(SimError::Config(format!(
                "the control channel listens on loopback only, not {bind}"
            )));
        }
        let listener = TcpListener::bind(bind)?;
        let addr = listener.local_addr()?;
        let senders: Vec<Sender<Event>> = modules.iter().map(|h| h.sender()).collect();
        thread::Builder::new()
            .name("bc20-sim-control".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let senders = senders.clone();
                    let _ = thread::Builder::new()
                        .name("bc20-sim-control-conn".into())
                        .spawn(move || serve(stream, &senders));
                }
            })?;
        Ok(ControlServer { addr })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

fn serve(stream: TcpStream, senders: &[Sender<Event>]) {
    let Ok(mut out) = stream.try_clone() else {
        return;
    };
    let mut selected = 0usize;
    for line in BufReader::new(stream).lines() {
        let Ok(line) = line else { return };
        if line.trim().is_empty() {
            continue;
        }
        let reply = match parse_control(&line) {
            Err(e) => format!("error: {e}"),
            Ok((_, ControlCommand::Quit)) => return,
            Ok((_, ControlCommand::Help)) => format!("{HELP}\nok"),
            Ok((_, ControlCommand::Select(n))) if n < senders.len() => {
                selected = n;
                "ok".to_owned()
            }
            Ok((_, ControlCommand::Select(n))) => format!(
                "error: no module {n} (0-{})",
                senders.len().saturating_sub(1)
            ),
            Ok((module, ControlCommand::Fault(f))) => match senders.get(module.unwrap_or(selected))
            {
                Some(tx) if tx.send(Event::Fault(f)).is_ok() => "ok".to_owned(),
                Some(_) => "error: that module has stopped".to_owned(),
                None => format!("error: no module {}", module.unwrap_or(selected)),
            },
        };
        if writeln!(out, "{reply}").is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_round_trips_through_its_display_form() {
        let faults = [
            Fault::DropLink { slot: 0 },
            Fault::KillLink { slot: 5 },
            Fault::Blackhole {
                slot: 1,
                way: Way::Up,
                duration: Duration::from_millis(5000),
            },
            Fault::Delay {
                slot: 2,
                way: Way::Down,
                delay: Duration::from_millis(200),
            },
            Fault::SendFail { slot: 3, on: true },
            Fault::HoldClose { slot: 4, on: false },
            Fault::RefuseConnections { on: true },
            Fault::FailNextOpen {
                result: OpenResult::PdpActivationFailed,
            },
            Fault::FailNextClose,
            Fault::Clear,
        ];
        for f in faults {
            assert_eq!(
                parse_control(&f.to_string()),
                Ok((None, ControlCommand::Fault(f.clone()))),
                "{f}"
            );
        }
    }

    #[test]
    fn module_selection_and_errors() {
        assert_eq!(
            parse_control("@2 drop 1"),
            Ok((Some(2), ControlCommand::Fault(Fault::DropLink { slot: 1 })))
        );
        assert_eq!(
            parse_control("module 3"),
            Ok((None, ControlCommand::Select(3)))
        );
        assert!(parse_control("drop 6").is_err());
        assert!(parse_control("blackhole sideways 0 10").is_err());
        assert!(parse_control("frobnicate").is_err());
        assert!(parse_control("").is_err());
    }
}
