//! The fuzz seed corpus, derived from spec/: every `examples` line of spec/**/*.toml and the
//! chapter 6 session of spec/examples.toml.
//!
//! The files under `fuzz/seeds/<target>/` are committed; this test checks they are what
//! spec/ gives today. After a spec change, regenerate them with
//! `BC20_BLESS_SEEDS=1 cargo test -p bc20-benches --test fuzz_seeds`.
//!
//! - `decode_line`, `roundtrip`: one line per file, without terminator.
//! - `stream`: a control byte (see `fuzz/props/split.rs`) then a byte stream: the module's
//!   lines of a spec file framed `\r\n<line>\r\n`, its commands ended by `\r`, and the
//!   chapter 6 session as the module sends it with echo on and off.
//! - `command`: a control byte (see `fuzz/props/command.rs`) then the commands of a spec file,
//!   each ended by `\r`, as the host types them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `examples = [...]` string in a TOML value, in document order.
fn examples(value: &toml::Value, out: &mut Vec<String>) {
    match value {
        toml::Value::Table(t) => {
            for (key, v) in t {
                match (key.as_str(), v) {
                    ("examples", toml::Value::Array(a)) => {
                        out.extend(a.iter().filter_map(|e| e.as_str().map(str::to_string)))
                    }
                    _ => examples(v, out),
                }
            }
        }
        toml::Value::Array(a) => a.iter().for_each(|v| examples(v, out)),
        _ => {}
    }
}

fn parse(path: &Path) -> toml::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn is_command(line: &str) -> bool {
    line.starts_with("AT") || line.starts_with("at")
}

/// Stream seed control bytes (fuzz/props/split.rs): strict, module to host, default limit;
/// lenient; host to module; strict with a 32-byte line limit.
const STRICT: u8 = 0b0000;
const LENIENT: u8 = 0b0001;
const HOST: u8 = 0b0010;
const LIMIT_32: u8 = 0b1000;

/// Command seed control bytes (fuzz/props/command.rs): strict with echo on and AT+CMEE=1 (a
/// BC20 at boot); lenient, echo off, AT+CMEE=2.
const BOOT: u8 = 0b0110;
const LENIENT_QUIET_VERBOSE: u8 = 0b1001;

/// file name → contents, per target.
fn expected_seeds() -> BTreeMap<(&'static str, String), Vec<u8>> {
    let spec = root().join("spec");
    let mut sources: Vec<(String, Vec<String>)> = Vec::new();
    let mut paths: Vec<PathBuf> = ["basic.toml", "final.toml", "urcs.toml"]
        .iter()
        .map(|f| spec.join(f))
        .collect();
    let mut commands: Vec<PathBuf> = std::fs::read_dir(spec.join("commands"))
        .expect("spec/commands")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    commands.sort();
    paths.extend(commands);
    for path in paths {
        let mut lines = Vec::new();
        examples(&parse(&path), &mut lines);
        sources.push((
            path.file_stem().unwrap().to_string_lossy().into_owned(),
            lines,
        ));
    }
    let steps: Vec<(bool, String)> = bc20_testkit::chapter6::steps()
        .into_iter()
        .map(|(dir, line)| (dir == "host", line))
        .collect();
    sources.push((
        "examples".into(),
        steps.iter().map(|(_, l)| l.clone()).collect(),
    ));

    let mut seeds = BTreeMap::new();
    for (stem, lines) in &sources {
        for (i, line) in lines.iter().enumerate() {
            for target in ["decode_line", "roundtrip"] {
                seeds.insert((target, format!("{stem}-{i:02}")), line.as_bytes().to_vec());
            }
        }
        let (host, modem): (Vec<&String>, Vec<&String>) = lines.iter().partition(|l| is_command(l));
        let framed: Vec<u8> = modem
            .iter()
            .flat_map(|l| [b"\r\n", l.as_bytes(), b"\r\n"].concat())
            .collect();
        let commands: Vec<u8> = host
            .iter()
            .flat_map(|l| [l.as_bytes(), b"\r"].concat())
            .collect();
        if !framed.is_empty() {
            seeds.insert(
                ("stream", format!("{stem}-modem")),
                [&[STRICT][..], &framed].concat(),
            );
            seeds.insert(
                ("stream", format!("{stem}-modem-limit32")),
                [&[STRICT | LIMIT_32][..], &framed].concat(),
            );
        }
        if !commands.is_empty() {
            seeds.insert(
                ("stream", format!("{stem}-host")),
                [&[HOST][..], &commands].concat(),
            );
            seeds.insert(("command", stem.clone()), [&[BOOT][..], &commands].concat());
            seeds.insert(
                ("command", format!("{stem}-lenient")),
                [&[LENIENT_QUIET_VERBOSE][..], &commands].concat(),
            );
        }
    }
    // Chapter 6 as the module sends it: with echo (the command and its CR, D3/D4) and without.
    let mut echo_on = vec![LENIENT];
    let mut echo_off = vec![STRICT];
    for (host, line) in &steps {
        if *host {
            echo_on.extend_from_slice(line.as_bytes());
            echo_on.push(b'\r');
        } else {
            for s in [&mut echo_on, &mut echo_off] {
                s.extend_from_slice(b"\r\n");
                s.extend_from_slice(line.as_bytes());
                s.extend_from_slice(b"\r\n");
            }
        }
    }
    seeds.insert(("stream", "session-echo".into()), echo_on);
    seeds.insert(("stream", "session".into()), echo_off);
    seeds
}

#[test]
fn seed_corpus_matches_spec() {
    let seeds_dir = root().join("fuzz/seeds");
    let expected = expected_seeds();
    if std::env::var_os("BC20_BLESS_SEEDS").is_some() {
        for target in ["decode_line", "roundtrip", "stream", "command"] {
            let dir = seeds_dir.join(target);
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("create fuzz/seeds/<target>");
        }
        for ((target, name), bytes) in &expected {
            std::fs::write(seeds_dir.join(target).join(name), bytes).expect("write seed");
        }
        return;
    }
    let mut stale = Vec::new();
    for ((target, name), bytes) in &expected {
        let path = seeds_dir.join(target).join(name);
        if std::fs::read(&path).ok().as_ref() != Some(bytes) {
            stale.push(format!("{target}/{name}"));
        }
    }
    assert!(
        stale.is_empty(),
        "fuzz/seeds/ is out of date with spec/ ({} files: {}): run `BC20_BLESS_SEEDS=1 cargo test -p bc20-benches --test fuzz_seeds`",
        stale.len(),
        stale.join(", ")
    );
}
