//! The chapter 6 session of the note (`spec/examples.toml`): the example every crate replays.

use std::path::{Path, PathBuf};

/// `spec/examples.toml` of this workspace.
pub fn examples_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/examples.toml")
}

/// The session as `(dir, line)` pairs, `dir` being `host` or `modem`, in order.
///
/// # Panics
///
/// When spec/examples.toml is missing or malformed (a broken checkout, not a test failure to
/// recover from).
pub fn steps() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(examples_path()).expect("spec/examples.toml is readable");
    let value: toml::Table = toml::from_str(&text)
        .map_err(|e| e.to_string())
        .expect("spec/examples.toml is TOML");
    value["step"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["dir"].as_str().expect("dir").to_owned(),
                s["line"].as_str().expect("line").to_owned(),
            )
        })
        .collect()
}

/// The session as the module's output with echo on: every host line as the module echoes it
/// (`AT...\r`), every modem line framed `\r\n...\r\n`. The same bytes are a host/modem capture
/// of an echo-off session.
///
/// # Panics
///
/// As [`steps`], and on a `dir` other than `host` or `modem`.
pub fn capture() -> Vec<u8> {
    let mut out = Vec::new();
    for (dir, line) in steps() {
        match dir.as_str() {
            "host" => {
                out.extend_from_slice(line.as_bytes());
                out.push(b'\r');
            }
            "modem" => {
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(line.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            other => panic!("unknown dir {other:?} in examples.toml"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_session_opens_with_a_host_command_and_the_capture_frames_modem_lines() {
        let steps = super::steps();
        assert_eq!(steps[0].0, "host");
        assert!(steps.iter().any(|(d, _)| d == "modem"));
        let capture = super::capture();
        assert!(capture.starts_with(steps[0].1.as_bytes()));
    }
}
