//! The basic commands the note's examples use beside the MQTT ones (spec/basic.toml): AT, ATE,
//! ATI, AT+CGMR, AT+CMEE, AT+CPIN?, AT+CEREG?, AT+CGATT?, AT+CSQ, their information responses,
//! and the `+IP:` URC after the first attach.

use std::borrow::Cow;

use nom::bytes::complete::take_while1;

use crate::command::Command;
use crate::cursor::{Cursor, Suffix};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::fields::{ascii, flag};
use crate::limits;
use crate::line::Line;
use crate::response::Response;
use crate::urc::Urc;
use crate::wire::{range, Wire};

// ---------------------------------------------------------------- decode

/// `ATE0`, `ATE1`, `ATI`: the one-letter commands, with the cursor after `AT`.
pub(crate) fn decode_letter<'a>(cur: &mut Cursor<'a>) -> Result<Command<'a>, DecodeError> {
    let cmd = if cur.keyword("E0") {
        Command::Echo { on: false }
    } else if cur.keyword("E1") {
        Command::Echo { on: true }
    } else if cur.keyword("I") {
        Command::Ati
    } else {
        return Err(cur.error(DecodeErrorKind::UnknownCommand));
    };
    cur.end()?;
    Ok(cmd)
}

/// `AT+<name>` for the basic commands of spec/basic.toml, with the cursor after the suffix;
/// `UnknownCommand` at `name_at` for any other name or form.
pub(crate) fn decode_plus<'a>(
    cur: &mut Cursor<'a>,
    name: &[u8],
    suffix: Suffix,
    name_at: usize,
) -> Result<Command<'a>, DecodeError> {
    let unknown = DecodeError::new(name_at, DecodeErrorKind::UnknownCommand);
    let upper = |s: &str| name.eq_ignore_ascii_case(s.as_bytes());
    let cmd = match suffix {
        Suffix::Exec if upper("CGMR") => Command::Cgmr,
        Suffix::Exec if upper("CSQ") => Command::Csq,
        Suffix::Read if upper("CPIN") => Command::CpinRead,
        Suffix::Read if upper("CEREG") => Command::CeregRead,
        Suffix::Read if upper("CGATT") => Command::CgattRead,
        Suffix::Write if upper("CMEE") => {
            let n = cur.int("n", limits::CMEE.0, limits::CMEE.1)? as u8;
            cur.end()?;
            Command::Cmee { n }
        }
        _ => return Err(unknown),
    };
    Ok(cmd)
}

/// The names of the basic information responses and URCs [`decode_answer`] reads.
pub(crate) const ANSWERS: [&str; 5] = ["CPIN", "CEREG", "CGATT", "CSQ", "IP"];

/// `+<name>: ...` for a name of [`ANSWERS`], with the cursor after the `: `.
pub(crate) fn decode_answer<'a>(
    cur: &mut Cursor<'a>,
    name: &[u8],
) -> Result<Line<'a>, DecodeError> {
    let upper = |s: &str| name.eq_ignore_ascii_case(s.as_bytes());
    let line = if upper("CPIN") {
        // SIM states are words separated by single blanks (`READY`, `SIM PIN`).
        let start = cur.pos();
        let is_word = |b: u8| b.is_ascii_graphic() && b != b',' && b != b'"';
        cur.nom(take_while1(is_word))
            .ok_or_else(|| cur.expected("a SIM state word"))?;
        while cur.rest().len() >= 2 && cur.rest()[0] == b' ' && is_word(cur.rest()[1]) {
            cur.advance(1);
            cur.nom(take_while1(is_word));
        }
        let word = &cur.line()[start..cur.pos()];
        cur.end()?;
        Line::Response(Response::Cpin {
            code: Cow::Borrowed(ascii(word)),
        })
    } else if upper("CEREG") {
        let n = cur.int("n", 0, 5)? as u8;
        cur.comma("stat")?;
        let stat = cur.int("stat", 0, 10)? as u8;
        cur.end()?;
        Line::Response(Response::Cereg { n, stat })
    } else if upper("CGATT") {
        let state = flag(cur, "state")?;
        cur.end()?;
        Line::Response(Response::Cgatt { state })
    } else if upper("CSQ") {
        let rssi = cur.int("rssi", 0, 99)? as u8;
        cur.comma("ber")?;
        let ber = cur.int("ber", 0, 99)? as u8;
        cur.end()?;
        Line::Response(Response::Csq { rssi, ber })
    } else if upper("IP") {
        let addr = cur
            .nom(take_while1(|b: u8| {
                b.is_ascii_alphanumeric() || b == b'.' || b == b':'
            }))
            .ok_or_else(|| cur.expected("an IP address"))?;
        cur.end()?;
        Line::Urc(Urc::Ip {
            addr: Cow::Borrowed(ascii(addr)),
        })
    } else {
        // The dispatcher passes the names of ANSWERS only; any other is not ours.
        return Err(cur.error(DecodeErrorKind::UnknownCommand));
    };
    Ok(line)
}

// ---------------------------------------------------------------- encode

/// Writes `ATE0` or `ATE1`.
pub(crate) fn encode_echo(on: bool, w: &mut Wire<'_, '_>) {
    w.name(if on { b"ATE1" } else { b"ATE0" });
}

/// Writes `AT+CMEE=<n>`, `n` 0-2.
pub(crate) fn encode_cmee(n: u8, w: &mut Wire<'_, '_>) -> Result<(), EncodeError> {
    range("n", n, limits::CMEE)?;
    w.name(b"AT+CMEE=").int(n.into());
    Ok(())
}

/// Writes `+CPIN: <code>` (one or more bare words).
pub(crate) fn encode_cpin<'v>(code: &'v str, w: &mut Wire<'_, 'v>) -> Result<(), EncodeError> {
    for part in code.split(' ') {
        word("code", part)?;
    }
    w.name(b"+CPIN: ").bare(code.as_bytes());
    Ok(())
}

/// Writes `+CEREG: <n>,<stat>`, `n` 0-5, `stat` 0-10.
pub(crate) fn encode_cereg(n: u8, stat: u8, w: &mut Wire<'_, '_>) -> Result<(), EncodeError> {
    range("n", n, (0, 5))?;
    range("stat", stat, (0, 10))?;
    w.name(b"+CEREG: ").int(n.into()).comma().int(stat.into());
    Ok(())
}

/// Writes `+CGATT: <state>`.
pub(crate) fn encode_cgatt(state: bool, w: &mut Wire<'_, '_>) {
    w.name(b"+CGATT: ").int(state.into());
}

/// Writes `+CSQ: <rssi>,<ber>`, each 0-99.
pub(crate) fn encode_csq(rssi: u8, ber: u8, w: &mut Wire<'_, '_>) -> Result<(), EncodeError> {
    range("rssi", rssi, (0, 99))?;
    range("ber", ber, (0, 99))?;
    w.name(b"+CSQ: ").int(rssi.into()).comma().int(ber.into());
    Ok(())
}

/// Writes `+IP: <addr>`.
pub(crate) fn encode_ip<'v>(addr: &'v str, w: &mut Wire<'_, 'v>) -> Result<(), EncodeError> {
    word("addr", addr)?;
    w.name(b"+IP: ").bare(addr.as_bytes());
    Ok(())
}

/// A bare word: printable ASCII without separators, not empty.
fn word(field: &'static str, value: &str) -> Result<(), EncodeError> {
    if value.is_empty() {
        return Err(EncodeError::Length {
            field,
            len: 0,
            min: 1,
            max: usize::MAX,
        });
    }
    match value
        .bytes()
        .position(|b| !b.is_ascii_graphic() || b == b',' || b == b'"')
    {
        Some(at) => Err(EncodeError::Unrepresentable {
            field,
            byte: value.as_bytes()[at],
            at,
        }),
        None => Ok(()),
    }
}
