//! Reads spec/ and fails when any command form, response, URC, final result code or code
//! table entry there has no codec in this crate, or when a test vector does not round-trip.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use bc20_grammar::codes::*;
use bc20_grammar::limits::{self, max_response_ms};
use bc20_grammar::{decode_line, Context, Line, Mode, MqttCommand};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct SpecFile {
    command: Option<CommandHeader>,
    #[serde(default)]
    parameter: Vec<Parameter>,
    #[serde(default)]
    form: Vec<Entry>,
    #[serde(default)]
    response: Vec<Entry>,
    #[serde(default)]
    urc: Vec<Entry>,
    #[serde(default, rename = "final")]
    finals: Vec<Entry>,
    #[serde(default)]
    code_table: Vec<CodeTable>,
}

#[derive(Debug, Deserialize)]
struct CommandHeader {
    name: String,
    clause: String,
    max_response_time: MaxResponseTime,
}

#[derive(Debug, Deserialize)]
struct MaxResponseTime {
    ms: Option<u64>,
    expr: Option<String>,
    default_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct Parameter {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    min: i64,
    max: i64,
    default: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    id: String,
    clause: String,
    #[serde(default)]
    examples: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct CodeTable {
    name: String,
    codes: Vec<Code>,
}

#[derive(Debug, Deserialize)]
struct Code {
    code: i64,
    action: Option<String>,
}

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec")
}

fn load_all() -> Vec<(String, SpecFile)> {
    let mut files = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(spec_dir().join("commands"))
        .expect("spec/commands exists")
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for name in ["final.toml", "urcs.toml", "basic.toml"] {
        paths.push(spec_dir().join(name));
    }
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        let parsed: SpecFile =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        files.push((
            p.file_name().unwrap().to_string_lossy().into_owned(),
            parsed,
        ));
    }
    files
}

/// Decodes an example the way a conversation would present it: a read response with its
/// read command pending (D26).
fn decode_example<'a>(id: &str, example: &'a str) -> Result<Line<'a>, String> {
    let ctx = Context {
        conn_read_pending: id == "qmtconn.read.response",
    };
    decode_line(example.as_bytes(), Mode::Strict, ctx)
        .map(|d| d.line)
        .map_err(|e| e.to_string())
}

#[test]
fn every_spec_entry_has_a_codec_and_round_trips_its_vectors() {
    let mut failures = Vec::new();
    let mut covered = BTreeSet::new();
    for (file, spec) in load_all() {
        let entries = spec
            .form
            .iter()
            .chain(&spec.response)
            .chain(&spec.urc)
            .chain(&spec.finals);
        for entry in entries {
            assert!(
                !entry.clause.is_empty(),
                "{file}: {} has no clause",
                entry.id
            );
            if entry.examples.is_empty() {
                failures.push(format!("{file}: {} has no test vector", entry.id));
            }
            for ex in &entry.examples {
                match decode_example(&entry.id, ex) {
                    Err(e) => failures.push(format!(
                        "{file}: {}: {ex:?} does not decode strictly: {e}",
                        entry.id
                    )),
                    Ok(line) => {
                        if line.spec_id() != entry.id {
                            failures.push(format!(
                                "{file}: {ex:?} decodes as {} not {}",
                                line.spec_id(),
                                entry.id
                            ));
                        }
                        let mut out = Vec::new();
                        line.encode(&mut out).unwrap();
                        let expected = match line {
                            Line::Command(_) => format!("{ex}\r"),
                            _ => format!("\r\n{ex}\r\n"),
                        };
                        if out != expected.as_bytes() {
                            failures.push(format!(
                                "{file}: {ex:?} re-encodes as {:?}",
                                String::from_utf8_lossy(&out)
                            ));
                        }
                        covered.insert(entry.id.clone());
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        covered.len() >= 60,
        "only {} spec ids covered",
        covered.len()
    );
}

fn table<'s>(spec: &'s SpecFile, name: &str) -> BTreeSet<i64> {
    let t: &'s CodeTable = spec
        .code_table
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no code table {name}"));
    t.codes.iter().map(|c| c.code).collect()
}

fn file<'a>(all: &'a [(String, SpecFile)], name: &str) -> &'a SpecFile {
    &all.iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no spec file {name}"))
        .1
}

#[test]
fn code_tables_match_the_rust_enums() {
    let all = load_all();
    let set = |codes: Vec<i64>| codes.into_iter().collect::<BTreeSet<_>>();
    assert_eq!(
        table(file(&all, "qmtopen.toml"), "result"),
        set(OpenResult::ALL.iter().map(|c| c.code().into()).collect())
    );
    let close = set(CloseResult::ALL.iter().map(|c| c.code().into()).collect());
    assert_eq!(table(file(&all, "qmtclose.toml"), "result"), close);
    assert_eq!(table(file(&all, "qmtdisc.toml"), "result"), close);
    let packet = set(PacketResult::ALL.iter().map(|c| c.code().into()).collect());
    for f in ["qmtconn.toml", "qmtsub.toml", "qmtuns.toml", "qmtpub.toml"] {
        assert_eq!(table(file(&all, f), "result"), packet, "{f}");
    }
    assert_eq!(
        table(file(&all, "qmtconn.toml"), "state"),
        set(ConnState::ALL.iter().map(|c| c.code().into()).collect())
    );
    assert_eq!(
        table(file(&all, "qmtconn.toml"), "ret_code"),
        set(ConnectReturnCode::ALL
            .iter()
            .map(|c| c.code().into())
            .collect())
    );
    let qos = set(Qos::ALL.iter().map(|c| c.code().into()).collect());
    for f in ["qmtcfg.toml", "qmtsub.toml", "qmtpub.toml"] {
        assert_eq!(table(file(&all, f), "qos"), qos, "{f}");
    }
    let mut granted = qos.clone();
    granted.insert(128);
    assert_eq!(table(file(&all, "qmtsub.toml"), "granted_qos"), granted);
    assert_eq!(
        table(file(&all, "final.toml"), "cme_error"),
        set(CmeError::KNOWN.iter().map(|c| c.code().into()).collect())
    );
    // 8 stands for the reserved range 8-255 (D38).
    let mut stat = set(QmtStatCode::KNOWN.iter().map(|c| c.code().into()).collect());
    stat.insert(8);
    assert_eq!(table(file(&all, "urcs.toml"), "qmtstat_err_code"), stat);
    assert_eq!(QmtStatCode::from_code(8), QmtStatCode::Reserved(8));
}

#[test]
fn qmtstat_recovery_texts_are_the_notes() {
    let all = load_all();
    let urcs = file(&all, "urcs.toml");
    let t = urcs
        .code_table
        .iter()
        .find(|t| t.name == "qmtstat_err_code")
        .unwrap();
    for code in &t.codes {
        let ours = QmtStatCode::from_code(code.code as u8).recovery();
        let theirs = code.action.as_deref().unwrap_or("");
        let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        if code.code < 8 {
            assert_eq!(norm(ours), norm(theirs), "err_code {}", code.code);
        }
    }
}

#[test]
fn parameter_ranges_and_defaults_match_the_constant_table() {
    let all = load_all();
    let mut checked = 0;
    for (f, spec) in &all {
        for p in &spec.parameter {
            let expected = match p.name.as_str() {
                "tcpconnectID" => Some(limits::CONN_ID),
                "port" => Some(limits::PORT),
                "keep-alive time" => Some(limits::KEEPALIVE),
                "pkt_timeout" => Some(limits::PKT_TIMEOUT),
                "retry_times" => Some(limits::RETRY_TIMES),
                "msgID" if f == "qmtpub.toml" => Some(limits::PUB_MSG_ID),
                "msgID" if f == "qmtsub.toml" || f == "qmtuns.toml" => Some(limits::SUB_MSG_ID),
                "host_name" => Some((1, bc20_grammar::HOST_NAME_MAX_LEN as i64)),
                "clientID" => Some((
                    limits::CLIENT_ID_LEN.0 as i64,
                    limits::CLIENT_ID_LEN.1 as i64,
                )),
                "topic" | "will_topic" if p.kind == "string" && f != "urcs.toml" => {
                    Some((limits::TOPIC_LEN.0 as i64, limits::TOPIC_LEN.1 as i64))
                }
                _ => None,
            };
            if let Some((min, max)) = expected {
                assert_eq!((p.min, p.max), (min, max), "{f}: {}", p.name);
                checked += 1;
            }
            match p.name.as_str() {
                "pkt_timeout" if p.default.is_some() => {
                    assert_eq!(p.default, Some(limits::PKT_TIMEOUT_DEFAULT.into()))
                }
                "retry_times" if p.default.is_some() => {
                    assert_eq!(p.default, Some(limits::RETRY_TIMES_DEFAULT.into()))
                }
                "keep-alive time" if p.default.is_some() => {
                    assert_eq!(p.default, Some(limits::KEEPALIVE_DEFAULT.into()))
                }
                _ => {}
            }
        }
    }
    assert!(checked >= 15, "only {checked} parameters checked");
}

#[test]
fn maximum_response_times_match_the_note() {
    for (f, spec) in load_all() {
        let Some(cmd) = spec.command else { continue };
        let mqtt = MqttCommand::from_name(cmd.name.trim_start_matches("AT+").as_bytes()).unwrap();
        assert_eq!(mqtt.clause(), cmd.clause, "{f}");
        let ours = max_response_ms(
            mqtt,
            limits::PKT_TIMEOUT_DEFAULT,
            limits::RETRY_TIMES_DEFAULT,
        );
        let theirs = cmd
            .max_response_time
            .ms
            .or(cmd.max_response_time.default_ms)
            .unwrap();
        assert_eq!(ours, theirs, "{f}: {:?}", cmd.max_response_time.expr);
    }
}

#[derive(Debug, Deserialize)]
struct Session {
    step: Vec<Step>,
}

#[derive(Debug, Deserialize)]
struct Step {
    dir: String,
    line: String,
}

#[test]
fn chapter_6_session_decodes_strictly_in_order() {
    let text = std::fs::read_to_string(spec_dir().join("examples.toml")).unwrap();
    let session: Session = toml::from_str(&text).unwrap();
    let mut pending_read = false;
    for step in &session.step {
        let ctx = Context {
            conn_read_pending: pending_read,
        };
        let line = decode_line(step.line.as_bytes(), Mode::Strict, ctx)
            .unwrap_or_else(|e| panic!("{:?}: {e}", step.line))
            .line;
        match (&*step.dir, &line) {
            ("host", Line::Command(c)) => {
                pending_read = matches!(c, bc20_grammar::Command::QmtConnRead)
            }
            ("modem", Line::Response(r)) if r.is_final() => pending_read = false,
            ("modem", Line::Response(_) | Line::Urc(_)) => {}
            _ => panic!("{} line {:?} decoded as {line:?}", step.dir, step.line),
        }
    }
    assert!(session.step.len() > 30);
}
