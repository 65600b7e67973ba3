//! Transcripts: every byte line exchanged, with time and direction, written as it happens.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Who produced a transcript entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dir {
    /// Host → module (what the runner sent).
    Host,
    /// Module → host.
    Module,
    /// The broker-side MQTT peer (publish, subscribe, messages received).
    Peer,
    /// The runner itself: notes, verdicts, skipped steps, faults.
    Runner,
}

/// One transcript entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Milliseconds since the script started, on the link's clock (virtual on the simulator).
    pub t_ms: f64,
    /// Milliseconds since the Unix epoch, wall clock.
    pub wall_ms: u64,
    /// Direction.
    pub dir: Dir,
    /// The line (secrets masked) as [`printable`] renders bytes: valid UTF-8 kept, control
    /// bytes and bytes that are not UTF-8 escaped, a backslash doubled.
    pub text: String,
    /// The exact bytes of the line (secrets masked like `text`), lower-case hex, present
    /// when `text` contains an escape and so is not the bytes themselves ([`raw_hex_of`]).
    /// Absent from transcripts written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_hex: Option<String>,
    /// The spec/ id the grammar decoded the line to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    /// Decoding problem or annotation (`ignored`, `skipped`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Where transcript entries go as they happen.
pub trait TranscriptSink: Send {
    /// Records one entry; must not lose it if the process dies right after.
    fn record(&mut self, event: &Event);
}

/// A sink that keeps nothing (for tests and dry runs).
#[derive(Debug, Default)]
pub struct NullSink;

impl TranscriptSink for NullSink {
    fn record(&mut self, _event: &Event) {}
}

/// Writes one JSON object per line and flushes after each, so a crash, an unplugged cable or
/// Ctrl-C loses nothing already seen.
pub struct JsonlSink {
    out: Option<BufWriter<File>>,
}

impl JsonlSink {
    /// Creates (truncates) `path`. On failure the sink records nothing and says so once.
    pub fn create(path: &Path) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        Ok(JsonlSink {
            out: Some(BufWriter::new(File::create(path)?)),
        })
    }
}

impl TranscriptSink for JsonlSink {
    fn record(&mut self, event: &Event) {
        let Some(out) = self.out.as_mut() else {
            return;
        };
        let ok = serde_json::to_writer(&mut *out, event).is_ok()
            && out.write_all(b"\n").is_ok()
            && out.flush().is_ok();
        if !ok {
            eprintln!("warning: transcript write failed; later entries are kept in memory only");
            self.out = None;
        }
    }
}

/// Reads a transcript written by [`JsonlSink`], skipping a torn last line.
pub fn read_jsonl(path: &Path) -> std::io::Result<Vec<Event>> {
    let text = std::fs::read_to_string(path)?;
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

/// Renders bytes for a transcript, losslessly: valid UTF-8 is kept, `\r`, `\n`, `\t` and
/// the other control bytes (`\x1b`, `\x7f`) are escaped, every byte that is not part of
/// valid UTF-8 is written `\xHH` (never U+FFFD, which would hide what the module sent), and a
/// backslash the module sent is written `\\`, so that every `\` in the rendering starts an
/// escape and [`unprintable`] gives the exact bytes back.
pub fn printable(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match u8::try_from(c) {
                // std's escape_ascii writes exactly these as `\\`, `\r`, `\n`, `\t`, `\xHH`.
                Ok(b) if b == b'\\' || b.is_ascii_control() => {
                    out.extend(b.escape_ascii().map(char::from));
                }
                _ => out.push(c),
            }
        }
        for &b in chunk.invalid() {
            // Not ASCII, so escape_ascii gives `\xHH`.
            out.extend(b.escape_ascii().map(char::from));
        }
    }
    out
}

/// The bytes a [`printable`] rendering stands for; None when `text` has an escape
/// [`printable`] does not write (then it is not such a rendering).
pub fn unprintable(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('\\') {
        out.extend_from_slice(&rest.as_bytes()[..i]);
        let esc = &rest[i + 1..];
        let (byte, used) = match esc.as_bytes().first()? {
            b'\\' => (b'\\', 1),
            b'r' => (b'\r', 1),
            b'n' => (b'\n', 1),
            b't' => (b'\t', 1),
            b'x' => {
                let hh = esc
                    .get(1..3)
                    .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))?;
                (u8::from_str_radix(hh, 16).ok()?, 3)
            }
            _ => return None,
        };
        out.push(byte);
        rest = &esc[used..];
    }
    out.extend_from_slice(rest.as_bytes());
    Some(out)
}

/// The exact bytes behind a [`printable`] rendering as hex, for [`Event::raw_hex`]: None
/// when the rendering has no escape (it is the bytes) or is not such a rendering.
pub fn raw_hex_of(text: &str) -> Option<String> {
    if !text.contains('\\') {
        return None;
    }
    unprintable(text).map(hex::encode)
}

impl Event {
    /// The exact bytes of the entry: from [`Event::raw_hex`] when present, else the text.
    pub fn raw_bytes(&self) -> Vec<u8> {
        self.raw_hex
            .as_deref()
            .and_then(|h| hex::decode(h).ok())
            .unwrap_or_else(|| self.text.as_bytes().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_escaped_not_replaced() {
        let bytes = b"+QMTRECV: 0,0,\"t\",\"\xff\xfe\"\r\n";
        let text = printable(bytes);
        assert_eq!(text, "+QMTRECV: 0,0,\"t\",\"\\xff\\xfe\"\\r\\n");
        assert!(!text.contains('\u{fffd}'));
        assert_eq!(unprintable(&text).unwrap(), bytes);
        assert_eq!(raw_hex_of(&text).unwrap(), hex::encode(bytes));
    }

    #[test]
    fn valid_utf8_is_kept_and_a_backslash_doubled() {
        let bytes = "payload=caf\u{e9} \\x41 \u{1b}".as_bytes();
        let text = printable(bytes);
        assert_eq!(text, "payload=caf\u{e9} \\\\x41 \\x1b");
        assert_eq!(unprintable(&text).unwrap(), bytes);
        // A truncated multi-byte sequence is escaped byte by byte.
        assert_eq!(printable(b"\xc3"), "\\xc3");
    }

    #[test]
    fn plain_lines_carry_no_raw_bytes() {
        assert_eq!(raw_hex_of("+QMTOPEN: 0,0"), None);
        assert_eq!(raw_hex_of("bad \\q escape"), None);
        assert_eq!(raw_hex_of("sign \\x+f"), None);
    }

    #[test]
    fn events_without_raw_hex_still_read() {
        let old = r#"{"t_ms":1.0,"wall_ms":2,"dir":"module","text":"OK"}"#;
        let e: Event = serde_json::from_str(old).unwrap();
        assert_eq!(e.raw_hex, None);
        assert_eq!(e.raw_bytes(), b"OK");
        let with = Event {
            raw_hex: raw_hex_of("\\xff"),
            text: "\\xff".to_owned(),
            ..e
        };
        let back: Event = serde_json::from_str(&serde_json::to_string(&with).unwrap()).unwrap();
        assert_eq!(back.raw_bytes(), [0xff]);
    }
}
