//! Asking the module who it is before a run, for the certification record.
//!
//! A report QA signs names the module it certified: `ATI`, `AT+CGMR` (firmware), the IMEI
//! (`AT+CGSN=1`), the SIM (`AT+QCCID`, `AT+CIMI`). Only the module's presence is required: a
//! command it does not know (`ERROR`, `+CME ERROR`, or silence) leaves that field unknown.

use std::time::Duration;

use bc20_grammar::{Line, Mode, Response};

use super::known_state::{WAKE_TRIES, WAKE_WAIT};
use super::lines::{LineReader, ModuleLine};
use crate::link::{LinkError, ModuleLink};
use crate::report::ModuleIdentity;

/// How long each identification command may take.
const WAIT: Duration = Duration::from_secs(3);

/// Wakes the module (`AT` until `OK`), then sends `ATE0`, `ATI`, `AT+CGMR`, `AT+CGSN=1`,
/// `AT+QCCID` and `AT+CIMI` and collects what they answer. Tolerates echo and URCs.
///
/// # Errors
/// [`LinkError::Io`] when the module never answers `AT` (it is not there, or not at this
/// baud rate); link errors as they come.
pub fn identify(link: &mut dyn ModuleLink) -> Result<ModuleIdentity, LinkError> {
    let mut reader = LineReader::new(Mode::Lenient);
    let mut awake = false;
    for _ in 0..WAKE_TRIES {
        if let Some(Ok(_)) = command(link, &mut reader, "AT", WAKE_WAIT)? {
            awake = true;
            break;
        }
    }
    if !awake {
        return Err(LinkError::Io(format!(
            "the module does not answer `AT` ({WAKE_TRIES} tries, {} ms each): \
             is it powered, and is the baud rate right?",
            WAKE_WAIT.as_millis()
        )));
    }
    let mut ask = |cmd: &str| -> Result<Option<Vec<String>>, LinkError> {
        Ok(match command(link, &mut reader, cmd, WAIT)? {
            Some(Ok(lines)) => Some(lines),
            _ => None,
        })
    };
    ask("ATE0")?;
    let mut id = ModuleIdentity {
        ati: ask("ATI")?.unwrap_or_default(),
        cgmr: ask("AT+CGMR")?.unwrap_or_default(),
        ..ModuleIdentity::default()
    };
    id.imei = ask("AT+CGSN=1")?.and_then(|l| value(&l, "+CGSN:"));
    id.iccid = ask("AT+QCCID")?.and_then(|l| value(&l, "+QCCID:"));
    id.imsi = ask("AT+CIMI")?.and_then(|l| value(&l, "+CIMI:"));
    id.revision = id
        .cgmr
        .iter()
        .chain(id.ati.iter())
        .find_map(|l| l.strip_prefix("Revision:").map(|r| r.trim().to_owned()))
        .or_else(|| id.cgmr.first().cloned());
    Ok(id)
}

/// The value of an information line `PREFIX value` (or a bare value), if any.
fn value(lines: &[String], prefix: &str) -> Option<String> {
    lines
        .iter()
        .map(|l| l.strip_prefix(prefix).unwrap_or(l).trim())
        .find(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Sends `cmd` and waits up to `wait` for its final result code: `Some(Ok(information
/// lines))` for `OK`, `Some(Err(final line))` for an error code, `None` for silence.
fn command(
    link: &mut dyn ModuleLink,
    reader: &mut LineReader,
    cmd: &str,
    wait: Duration,
) -> Result<Option<Result<Vec<String>, String>>, LinkError> {
    link.write(format!("{cmd}\r").as_bytes())?;
    let deadline = link.now() + wait;
    let mut info = Vec::new();
    let mut buf = Vec::new();
    while link.now() < deadline {
        buf.clear();
        if link.read(deadline, &mut buf)? == 0 {
            continue;
        }
        for l in reader.feed(link.now(), &buf) {
            match l.line() {
                Some(Line::Response(r)) if r.is_final() => {
                    return Ok(Some(match r {
                        Response::Ok => Ok(info),
                        _ => Err(l.text()),
                    }))
                }
                Some(Line::Command(_)) => {} // echo
                _ if is_information(&l) => info.push(l.text()),
                _ => {}
            }
        }
    }
    Ok(None)
}

/// Information lines are anything but URCs the grammar knows (a `+QMTSTAT` arriving during
/// identification is not the module's name).
fn is_information(l: &ModuleLine) -> bool {
    !matches!(l.line(), Some(Line::Urc(u)) if !matches!(u, bc20_grammar::Urc::Unknown { .. }))
}
