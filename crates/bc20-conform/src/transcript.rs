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
    /// The network between module and broker: what the fault proxy passed, held or dropped.
    Network,
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

pub use bc20_grammar::printable::{printable, unprintable};

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
    fn an_escaped_rendering_carries_its_exact_bytes_as_hex() {
        let bytes = b"+QMTRECV: 0,0,\"t\",\"\xff\xfe\"\r\n";
        assert_eq!(raw_hex_of(&printable(bytes)).unwrap(), hex::encode(bytes));
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
