//! The `command` target: arbitrary host bytes into the simulator's sans-IO modem core.

use std::time::Duration;

use bc20_grammar::{Direction, Mode, StreamConfig, StreamDecoder};
use bc20_sim::{Modem, ModemConfig, SimTime};

use super::show;
use super::split::SplitMix;

/// Input layout: one control byte, then what the host types. Control bits: 0 mode (0
/// strict, 1 lenient), 1 echo at boot, 2-3 `AT+CMEE` at boot (0, 1, 2, 1), 4 a 64-byte
/// command line limit instead of the default (so over-long lines are common).
///
/// Feeds the bytes in pseudo-random chunks (seeded from the input), a virtual millisecond
/// apart, and checks that the modem never panics and always answers: after each chunk, the
/// new output holds exactly one final result code (`OK`, `ERROR`, `+CME ERROR`) per command
/// line the chunk completed, counted with a host-to-module [`StreamDecoder`] of the same
/// settings. Network actions are taken and left unanswered; at the end, two virtual minutes
/// pass (every QMTOPEN times out) and no final result code may appear then.
pub fn command(data: &[u8]) {
    let Some((&control, input)) = data.split_first() else {
        return;
    };
    let config = ModemConfig {
        mode: if control & 1 == 0 {
            Mode::Strict
        } else {
            Mode::Lenient
        },
        echo: control & 2 != 0,
        cmee: [0, 1, 2, 1][usize::from(control >> 2 & 3)],
        max_line_len: if control & 16 != 0 {
            64
        } else {
            ModemConfig::default().max_line_len
        },
        ..ModemConfig::default()
    };
    let mut lines = StreamDecoder::new(StreamConfig {
        mode: config.mode,
        max_line_len: config.max_line_len,
        direction: Direction::HostToModem,
    });
    let mut now = SimTime::ZERO;
    let mut modem = Modem::new(config, now);
    let boot = modem.poll_host().unwrap_or_default();
    assert_eq!(
        finals(&boot),
        0,
        "a final result code before any command: {}",
        show(&boot)
    );

    let mut rng = SplitMix::seeded(data);
    let mut rest = input;
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(rng.chunk_len().min(rest.len()));
        rest = tail;
        let mut commands = 0;
        lines.feed(chunk, |_| commands += 1);
        now += Duration::from_millis(1);
        modem.handle_host_bytes(now, chunk);
        while modem.poll_net().is_some() {}
        let out = modem.poll_host().unwrap_or_default();
        let answers = finals(&out);
        assert_eq!(
            answers,
            commands,
            "{commands} command line(s) got {answers} final result code(s)\nchunk: {}\noutput: {}\ninput: {}",
            show(chunk),
            show(&out),
            show(data)
        );
    }
    modem.handle_timeout(now + Duration::from_secs(120));
    while modem.poll_net().is_some() {}
    let late = modem.poll_host().unwrap_or_default();
    assert_eq!(
        finals(&late),
        0,
        "a final result code with no command pending: {}",
        show(&late)
    );
}

/// Final result codes in module output: lines `\r\n<line>\r\n` that are `OK`, `ERROR` or
/// `+CME ERROR: ...`. An echo (`<command>\r`) cannot fake one: it carries no LF and its CR
/// is followed by the `\r\n` of the next line, so it never sits alone between two `\r\n`.
fn finals(out: &[u8]) -> usize {
    let breaks: Vec<usize> = out
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w == b"\r\n")
        .map(|(i, _)| i)
        .collect();
    breaks
        .windows(2)
        .map(|w| &out[w[0] + 2..w[1]])
        .filter(|line| !line.contains(&b'\r'))
        .filter(|line| *line == b"OK" || *line == b"ERROR" || line.starts_with(b"+CME ERROR: "))
        .count()
}
