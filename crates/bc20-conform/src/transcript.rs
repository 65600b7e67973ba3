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
    /// The line (secrets masked), with control bytes escaped.
    pub text: String,
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

/// Renders bytes for a transcript: UTF-8 kept, control bytes as `\r`, `\n`, `\xHH`.
pub fn printable(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}
