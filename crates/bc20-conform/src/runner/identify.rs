//! Asking the module who it is (ATI, AT+CGMR) before a run.

use std::time::Duration;

use bc20_grammar::{Line, Mode, Response};

use super::lines::LineReader;
use crate::link::{LinkError, ModuleLink};
use crate::report::ModuleIdentity;

/// How long each identification command may take.
const WAIT: Duration = Duration::from_secs(3);

/// Sends `ATE0`, `ATI` and `AT+CGMR` and collects their information lines. Tolerates echo and
/// URCs; a command without a final result code in 3 s is an error (the module is not there).
pub fn identify(link: &mut dyn ModuleLink) -> Result<ModuleIdentity, LinkError> {
    let mut reader = LineReader::new(Mode::Lenient);
    let mut id = ModuleIdentity::default();
    for cmd in ["ATE0", "ATI", "AT+CGMR"] {
        let info = command(link, &mut reader, cmd)?;
        match cmd {
            "ATI" => id.ati = info,
            "AT+CGMR" => id.cgmr = info,
            _ => {}
        }
    }
    id.revision = id
        .cgmr
        .iter()
        .chain(id.ati.iter())
        .find_map(|l| l.strip_prefix("Revision:").map(|r| r.trim().to_owned()))
        .or_else(|| id.cgmr.first().cloned());
    Ok(id)
}

fn command(
    link: &mut dyn ModuleLink,
    reader: &mut LineReader,
    cmd: &str,
) -> Result<Vec<String>, LinkError> {
    link.write(format!("{cmd}\r").as_bytes())?;
    let deadline = link.now() + WAIT;
    let mut info = Vec::new();
    let mut buf = Vec::new();
    loop {
        if link.now() >= deadline {
            return Err(LinkError::Io(format!(
                "the module does not answer `{cmd}` within {} s",
                WAIT.as_secs()
            )));
        }
        buf.clear();
        if link.read(deadline, &mut buf)? == 0 {
            continue;
        }
        for l in reader.feed(link.now(), &buf) {
            match l.line() {
                Some(Line::Response(r)) if r.is_final() => {
                    return match r {
                        Response::Ok => Ok(info),
                        _ => Err(LinkError::Io(format!(
                            "the module answers `{cmd}` with `{}`",
                            l.text()
                        ))),
                    }
                }
                Some(Line::Response(Response::Text { text })) => info.push(text.to_string()),
                Some(Line::Command(_)) => {} // echo
                _ => {}
            }
        }
    }
}
