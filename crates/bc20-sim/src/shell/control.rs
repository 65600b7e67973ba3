//! The control channel of `bc20 sim`: a line-based TCP service on 127.0.0.1 that injects
//! faults into running modules. One command per line; the answer is `ok` or `error: ...`.
//! A fault is written as its canonical text (bc20-fault's [`Fault`], the same text as a
//! conformance script's `fault` step without the word `fault`); besides faults there are
//! `module N`, `@N <command>`, `help` and `quit` (see README.md).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::Sender;
use std::thread;

use super::driver::Event;
use super::{SimError, SimHandle};
use crate::faults::Fault;

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

/// The `help` text: every fault's form (from [`bc20_fault::SYNTAX`]) and the channel's own
/// commands.
pub fn help() -> String {
    let mut out = String::from(
        "commands (a fault is written as in a conformance script's `fault` step;\n\
         CONN_ID = tcpconnectID 0-5, DURATION = 500ms, 5s, 1.5s, 2m, direction default both):\n",
    );
    let line = |form: &str, effect: &str| format!("  {form:<40} {effect}\n");
    for s in bc20_fault::SYNTAX {
        out.push_str(&line(format!("{} {}", s.name, s.args).trim_end(), s.effect));
    }
    out.push_str(&line(
        "module <n>",
        "apply later commands to module <n> (default 0)",
    ));
    out.push_str(&line("@<n> <command>", "apply one command to module <n>"));
    out.push_str("  help | quit");
    out
}

/// Parses one line: an optional `@N` module override and the command. A line that is not
/// `help`, `quit` or `module N` is a fault's text, read by [`Fault`]'s `FromStr` (errors say
/// at which byte of the line the culprit starts).
pub fn parse_control(line: &str) -> Result<(Option<usize>, ControlCommand), String> {
    let mut rest = line.trim_start();
    let mut module = None;
    if let Some(after) = rest.strip_prefix('@') {
        let (n, tail) = after.split_once(char::is_whitespace).unwrap_or((after, ""));
        module = Some(
            n.parse::<usize>()
                .map_err(|_| format!("bad module number {n:?}"))?,
        );
        rest = tail.trim_start();
    }
    let mut words = rest.split_whitespace();
    let command =
        match words.next() {
            None => return Err("empty command".into()),
            Some("help") => ControlCommand::Help,
            Some("quit") => ControlCommand::Quit,
            Some("module") => ControlCommand::Select(
                words
                    .next()
                    .and_then(|w| w.parse().ok())
                    .ok_or("module needs a number")?,
            ),
            Some(_) => {
                let at = line.len() - rest.len();
                ControlCommand::Fault(rest.parse::<Fault>().map_err(|e| {
                    format!("{} at byte {} of the line (try help)", e.kind, at + e.at)
                })?)
            }
        };
    Ok((module, command))
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
            Ok((_, ControlCommand::Help)) => format!("{}\nok", help()),
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
    use std::time::Duration;

    use super::*;
    use crate::faults::Way;

    #[test]
    fn a_fault_line_is_the_fault_text() {
        assert_eq!(
            parse_control("black-hole 2 up 5s"),
            Ok((
                None,
                ControlCommand::Fault(Fault::BlackHole {
                    conn_id: 2,
                    way: Way::Up,
                    duration: Duration::from_secs(5),
                })
            ))
        );
        let f = Fault::FailNextOpen {
            result: bc20_grammar::OpenResult::PdpActivationFailed,
        };
        assert_eq!(
            parse_control(&f.to_string()),
            Ok((None, ControlCommand::Fault(f)))
        );
    }

    #[test]
    fn module_selection_and_errors() {
        assert_eq!(
            parse_control("@2 drop-link 1"),
            Ok((
                Some(2),
                ControlCommand::Fault(Fault::DropLink {
                    conn_id: 1,
                    how: Default::default()
                })
            ))
        );
        assert_eq!(
            parse_control("module 3"),
            Ok((None, ControlCommand::Select(3)))
        );
        assert_eq!(
            parse_control("@x clear"),
            Err("bad module number \"x\"".into())
        );
        assert!(parse_control("").is_err());
        assert!(parse_control("module").is_err());
    }

    #[test]
    fn fault_errors_say_what_and_where_in_the_line() {
        assert_eq!(
            parse_control("@1 drop-link 6"),
            Err(
                "CONN_ID must be a <tcpconnectID>, 0-5, not `6` at byte 13 of the line (try help)"
                    .into()
            )
        );
        let e = parse_control("black-hole 0 sideways 1s").unwrap_err();
        assert!(
            e.starts_with("the direction is `up`, `down` or `both`, not `sideways` at byte 13"),
            "{e}"
        );
        let e = parse_control("frobnicate").unwrap_err();
        assert!(e.starts_with("unknown fault `frobnicate`"), "{e}");
    }

    #[test]
    fn the_old_control_spellings_are_gone() {
        for old in [
            "drop 0",
            "blackhole up 0 5000",
            "failopen 1",
            "failclose",
            "refuse on",
        ] {
            assert!(parse_control(old).is_err(), "{old}");
        }
    }

    #[test]
    fn help_lists_every_fault() {
        let h = help();
        for name in bc20_fault::NAMES {
            assert!(h.contains(&format!("  {name}")), "{name}");
        }
        assert!(h.ends_with("help | quit"));
    }
}
