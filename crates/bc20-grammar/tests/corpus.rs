//! The field-capture corpus: every byte stream in `tests/corpus/` (module side `*.modem`, host
//! side `*.host`), decoded by the stream decoder in strict and in lenient mode and pinned as
//! one insta snapshot per capture (`snapshots/corpus__capture@<file>.snap`), so that a grammar
//! change shows up in `cargo insta review` as a per-capture diff. The captures also seed the
//! fuzzers (fuzz/README.md).

use std::path::Path;

use bc20_grammar::*;
use serde::Serialize;

#[derive(Serialize)]
struct Capture {
    file: String,
    strict: Vec<FrameOut>,
    lenient: Vec<FrameOut>,
}

#[derive(Serialize)]
struct FrameOut {
    line: u64,
    kind: FrameKind,
    raw: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn decode(bytes: &[u8], mode: Mode, direction: Direction) -> Vec<FrameOut> {
    let mut dec = StreamDecoder::new(StreamConfig {
        mode,
        direction,
        ..StreamConfig::default()
    });
    let mut out = Vec::new();
    let mut push = |f: &Frame<'_>| {
        let raw = shown(&f.raw);
        // Long lines are pinned by their ends: the middle says nothing a reviewer reads.
        let raw = if raw.len() > 120 {
            format!(
                "{} ... {} ({} bytes)",
                &raw[..60],
                &raw[raw.len() - 40..],
                f.raw.len()
            )
        } else {
            raw
        };
        out.push(match &f.decoded {
            Ok(d) => FrameOut {
                line: f.line,
                kind: f.kind,
                raw,
                name: Some(d.line.name()),
                value: Some(serde_json::to_value(&d.line).unwrap()),
                warnings: d.warnings.iter().map(|w| w.to_string()).collect(),
                error: None,
            },
            Err(e) => FrameOut {
                line: f.line,
                kind: f.kind,
                raw,
                name: None,
                value: None,
                warnings: Vec::new(),
                error: Some(e.to_string()),
            },
        })
    };
    dec.feed(bytes, &mut push);
    dec.finish(&mut push);
    out
}

/// The bytes as text, control bytes (and the bytes of invalid UTF-8) escaped.
fn shown(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

#[test]
fn capture() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut seen = 0;
    for path in files {
        let direction = match path.extension().and_then(|e| e.to_str()) {
            Some("modem") => Direction::ModemToHost,
            Some("host") => Direction::HostToModem,
            _ => panic!("{}: corpus files end in .modem or .host", path.display()),
        };
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let capture = Capture {
            strict: decode(&bytes, Mode::Strict, direction),
            lenient: decode(&bytes, Mode::Lenient, direction),
            file: file.clone(),
        };
        insta::with_settings!({ snapshot_suffix => file.as_str(), omit_expression => true }, {
            insta::assert_yaml_snapshot!(capture);
        });
        seen += 1;
    }
    assert!(seen >= 10, "the corpus has {seen} captures");
}
