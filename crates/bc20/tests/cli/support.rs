//! Running the binary and building fixtures.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;

use serde_json::Value;

/// What one run of `bc20` produced.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Raw standard output.
    pub stdout: Vec<u8>,
    /// Standard error, as text.
    pub stderr: String,
}

impl Run {
    /// Standard output as text (decode output is always UTF-8 JSON).
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.stdout).expect("stdout is UTF-8")
    }

    /// Standard output as JSON objects, one per line.
    pub fn json(&self) -> Vec<Value> {
        self.text()
            .lines()
            .map(|l| serde_json::from_str(l).expect("every output line is JSON"))
            .collect()
    }
}

/// A `bc20` command for the built binary.
pub fn bc20() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bc20"))
}

/// Runs `bc20 args...` with `stdin` as standard input.
pub fn run(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = bc20()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bc20 runs");
    let mut input = child.stdin.take().expect("stdin is piped");
    let data = stdin.to_vec();
    // A thread, so a large input cannot deadlock against a full stdout pipe.
    let writer = thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("bc20 finishes");
    writer.join().expect("stdin writer");
    Run {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes `bytes` to a fixture file under the target's test scratch directory.
pub fn fixture(name: &str, bytes: &[u8]) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("bc20-cli")
        .join(name);
    std::fs::create_dir_all(path.parent().expect("has a parent")).expect("scratch dir");
    std::fs::write(&path, bytes).expect("fixture written");
    path
}

/// The chapter 6 session of spec/examples.toml as the module's output with echo on.
pub use bc20_testkit::chapter6::capture as chapter6;
