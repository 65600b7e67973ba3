//! Steps at run time against an echoing fake module on a virtual clock: `${var}` in every
//! matcher form meeting an echoed command, `note` expansion, `expect-eventually` and
//! `expect-any`.

use std::collections::VecDeque;
use std::time::Duration;

use bc20_conform::link::{LinkError, ModuleLink};
use bc20_conform::parse_script;
use bc20_conform::runner::RunIds;
use bc20_conform::runner::{run_script, RunConfig, ScriptResult, Verdict};
use bc20_conform::transcript::{Dir, NullSink};

/// A module with echo on (as a BC20 boots, D4): each command line comes back followed by CR,
/// then its canned answer lines, each after its delay in ms; other commands get `OK`.
struct EchoLink {
    now: Duration,
    answers: Vec<(&'static str, Vec<(u64, &'static str)>)>,
    /// Bytes due at a time.
    out: VecDeque<(Duration, Vec<u8>)>,
    input: Vec<u8>,
}

impl EchoLink {
    fn new(answers: Vec<(&'static str, Vec<(u64, &'static str)>)>) -> Self {
        EchoLink {
            now: Duration::ZERO,
            answers,
            out: VecDeque::new(),
            input: Vec::new(),
        }
    }
}

impl ModuleLink for EchoLink {
    fn describe(&self) -> String {
        "fake with echo".to_owned()
    }

    fn now(&self) -> Duration {
        self.now
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        self.input.extend_from_slice(bytes);
        while let Some(cr) = self.input.iter().position(|&b| b == b'\r') {
            let line: Vec<u8> = self.input.drain(..=cr).collect();
            // The echo: the command's bytes and its CR, at once.
            self.out.push_back((self.now, line.clone()));
            let line = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
            let answer = self
                .answers
                .iter()
                .find(|(c, _)| *c == line)
                .map(|(_, a)| a.clone())
                .unwrap_or_else(|| vec![(1, "OK")]);
            for (delay, text) in answer {
                let at = self.now + Duration::from_millis(delay);
                self.out
                    .push_back((at, format!("\r\n{text}\r\n").into_bytes()));
            }
            // Stable: the echo stays ahead of answers due at the same time.
            self.out.make_contiguous().sort_by_key(|(t, _)| *t);
        }
        Ok(())
    }

    fn read(&mut self, deadline: Duration, buf: &mut Vec<u8>) -> Result<usize, LinkError> {
        match self.out.front() {
            Some((at, _)) if *at <= deadline => {
                let Some((at, bytes)) = self.out.pop_front() else {
                    return Ok(0);
                };
                self.now = self.now.max(at);
                buf.extend_from_slice(&bytes);
                Ok(bytes.len())
            }
            _ => {
                self.now = self.now.max(deadline);
                Ok(0)
            }
        }
    }
}

fn config() -> RunConfig {
    let mut cfg = RunConfig {
        hardware: true,
        grace: Duration::from_millis(100),
        ..RunConfig::default()
    };
    cfg.vars
        .insert("broker_host".to_owned(), "127.0.0.1".to_owned());
    cfg.vars.insert("broker_port".to_owned(), "1883".to_owned());
    cfg
}

fn run(text: &str, link: &mut EchoLink) -> ScriptResult {
    let script = parse_script("steps.bc20", text).unwrap_or_else(|e| panic!("{e}"));
    run_script(&script, link, None, &config(), &mut NullSink, &test_ids())
}

const OPEN: &str = "AT+QMTOPEN=0,\"127.0.0.1\",1883";

fn open_link() -> EchoLink {
    EchoLink::new(vec![(OPEN, vec![(1, "OK"), (5, "+QMTOPEN: 0,0")])])
}

fn assert_pass(r: &ScriptResult) {
    assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.failures);
}

#[test]
fn typed_patterns_expand_variables_in_an_echoed_command() {
    let text = "prologue off\n\
                send AT+QMTOPEN=0,\"${broker_host}\",${broker_port}\n\
                expect AT+QMTOPEN=0,\"${broker_host}\",${broker_port}\n\
                expect OK\nexpect +QMTOPEN: 0,0\n";
    assert_pass(&run(text, &mut open_link()));
}

#[test]
fn typed_patterns_of_a_command_capture_its_fields() {
    let text = "prologue off\n\
                send AT+QMTOPEN=0,\"${broker_host}\",${broker_port}\n\
                expect AT+QMTOPEN=$slot,\"$host\",_\n\
                expect OK\nexpect +QMTOPEN: ${slot},0\n\
                send AT+QMTOPEN=1,\"${host}\",1${slot}\n\
                expect AT+QMTOPEN=1,\"127.0.0.1\",10\nexpect OK\n";
    let r = run(text, &mut open_link());
    assert_pass(&r);
    assert!(
        r.commands
            .iter()
            .any(|c| c.command == "AT+QMTOPEN=1,\"127.0.0.1\",10"),
        "{:?}",
        r.commands
    );
}

#[test]
fn a_typed_command_pattern_with_another_value_does_not_match_the_echo() {
    let text = "prologue off\n\
                set port = 1884\n\
                send AT+QMTOPEN=0,\"${broker_host}\",${broker_port}\n\
                expect AT+QMTOPEN=0,\"${broker_host}\",${port}\n";
    let r = run(text, &mut open_link());
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(
        r.failures[0]
            .message
            .contains("field 3 is `1883`, not `1884`"),
        "{:?}",
        r.failures
    );
}

#[test]
fn literal_and_regex_matchers_expand_variables_in_an_echoed_command() {
    for matcher in [
        "literal AT+QMTOPEN=0,\"${broker_host}\",${broker_port}",
        "regex AT\\+QMTOPEN=0,\"${broker_host}\",${broker_port}",
    ] {
        let text = format!(
            "prologue off\nsend AT+QMTOPEN=0,\"${{broker_host}}\",${{broker_port}}\n\
             expect {matcher}\nexpect OK\nexpect +QMTOPEN: 0,0\n"
        );
        assert_pass(&run(&text, &mut open_link()));
    }
}

#[test]
fn expect_set_members_expand_variables_in_an_echoed_command() {
    let text = "prologue off\n\
                send AT+QMTOPEN=0,\"${broker_host}\",${broker_port}\n\
                expect-set {\n\
                  OK\n\
                  AT+QMTOPEN=0,\"${broker_host}\",${broker_port}\n\
                }\n\
                expect +QMTOPEN: 0,0\n";
    assert_pass(&run(text, &mut open_link()));
}

#[test]
fn ignore_lines_expand_variables_to_drop_an_echoed_command() {
    let text = "prologue off\n\
                ignore AT+QMTOPEN=0,\"${broker_host}\",${broker_port}\n\
                send AT+QMTOPEN=0,\"${broker_host}\",${broker_port}\n\
                expect OK\nexpect +QMTOPEN: 0,0\n";
    let r = run(text, &mut open_link());
    assert_pass(&r);
    assert!(r
        .transcript
        .iter()
        .any(|e| e.dir == Dir::Module && e.text == OPEN && e.note.as_deref() == Some("ignored")));
}

#[test]
fn notes_expand_variables_and_mask_secrets() {
    let text = "prologue off\nsecret pw = hunter2\n\
                note broker ${broker_host}:${broker_port} for ${uid} as ${cid}, password ${pw}, $$5\n\
                send AT\nexpect AT\nexpect OK\n";
    let r = run(text, &mut EchoLink::new(vec![]));
    assert_pass(&r);
    let notes: Vec<&str> = r
        .transcript
        .iter()
        .filter(|e| e.dir == Dir::Runner && e.note.as_deref() == Some("note"))
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(
        notes,
        ["broker 127.0.0.1:1883 for u1 as 0000c1d1, password ****, $5"]
    );
}

/// The `skipped by expect-eventually` notes of a run.
fn skip_notes(r: &ScriptResult) -> Vec<&str> {
    r.transcript
        .iter()
        .filter(|e| e.dir == Dir::Runner && e.text.starts_with("skipped by expect-eventually"))
        .map(|e| e.text.as_str())
        .collect()
}

#[test]
fn expect_eventually_skips_unrelated_lines_and_logs_them() {
    let mut link = EchoLink::new(vec![(
        OPEN,
        vec![
            (1, "OK"),
            (3, "+CEREG: 1"),
            (4, "+QMTSTAT: 1,1"),
            (6, "+QMTOPEN: 0,0"),
        ],
    )]);
    let text = "prologue off\n\
                send AT+QMTOPEN=0,\"${broker_host}\",${broker_port}\n\
                expect-eventually +QMTOPEN: $slot,0\n\
                send AT+QMTCLOSE=${slot}\n\
                expect AT+QMTCLOSE=0\nexpect OK\n";
    let r = run(text, &mut link);
    assert_pass(&r);
    assert_eq!(
        skip_notes(&r),
        [
            format!("skipped by expect-eventually: `{OPEN}`"),
            "skipped by expect-eventually: `OK`".to_owned(),
            "skipped by expect-eventually: `+CEREG: 1`".to_owned(),
            "skipped by expect-eventually: `+QMTSTAT: 1,1`".to_owned(),
        ]
    );
}

#[test]
fn expect_eventually_fails_at_its_deadline_with_the_lines_it_skipped() {
    let urcs = vec![
        (1, "+QMTSTAT: 1,1"),
        (2, "+QMTSTAT: 2,1"),
        (3, "+QMTSTAT: 3,1"),
        (4, "+QMTSTAT: 4,1"),
        (5, "+QMTSTAT: 5,1"),
        (6, "+QMTSTAT: 5,2"),
        (7, "+QMTSTAT: 5,3"),
        // Too late for the step's second.
        (1500, "+QMTSTAT: 0,1"),
    ];
    let mut link = EchoLink::new(vec![("AT", urcs)]);
    let text = "prologue off\nsend AT\nexpect AT\nexpect-eventually within 1s +QMTSTAT: 0,$err\n";
    let r = run(text, &mut link);
    assert_eq!(r.verdict, Verdict::Fail);
    let m = &r.failures[0].message;
    assert!(
        m.contains("expected `+QMTSTAT: 0,$err` eventually")
            && m.contains("skipped 7 line(s): `+QMTSTAT: 1,1`, `+QMTSTAT: 2,1`")
            && m.contains("`+QMTSTAT: 5,1` and 2 more")
            && !m.contains("5,2"),
        "{m}"
    );
    assert_eq!(skip_notes(&r).len(), 7);
}

#[test]
fn expect_any_takes_the_first_alternative_that_matches_and_binds_its_captures() {
    let mut link = EchoLink::new(vec![("AT", vec![(1, "+QMTSTAT: 0,1")])]);
    let text = "prologue off\nsend AT\nexpect AT\n\
                expect-any {\n  +QMTOPEN: $c,_\n  +QMTSTAT: $c,_\n  +QMTSTAT: _,$c\n}\n\
                send AT+QMTCLOSE=${c}\nexpect AT+QMTCLOSE=0\nexpect OK\n";
    let r = run(text, &mut link);
    assert_pass(&r);
    assert!(r.commands.iter().any(|c| c.command == "AT+QMTCLOSE=0"));
}

#[test]
fn expect_any_fails_listing_every_alternative() {
    let mut link = EchoLink::new(vec![("AT", vec![(1, "ERROR")])]);
    let text = "prologue off\nsend AT\nexpect AT\n\
                expect-any {\n  OK\n  +CME ERROR: $e\n  literal NO CARRIER\n}\n";
    let r = run(text, &mut link);
    assert_eq!(r.verdict, Verdict::Fail);
    let m = &r.failures[0].message;
    assert!(
        m.contains("expected one of `OK`, `+CME ERROR: $e`, `literal NO CARRIER`, got `ERROR`"),
        "{m}"
    );
}

#[test]
fn expect_any_fails_when_nothing_arrives_within_its_limit() {
    let mut link = EchoLink::new(vec![("AT", vec![(1, "OK"), (900, "+QMTSTAT: 0,1")])]);
    let text = "prologue off\nsend AT\nexpect AT\nexpect OK\n\
                expect-any within 500ms {\n  +QMTSTAT: 0,_\n  +QMTOPEN: 0,_\n}\n";
    let r = run(text, &mut link);
    assert_eq!(r.verdict, Verdict::Fail);
    let m = &r.failures[0].message;
    assert!(
        m.contains("expected one of `+QMTSTAT: 0,_`, `+QMTOPEN: 0,_`, nothing arrived"),
        "{m}"
    );
}

/// Fixed run ids, so assertions can name them.
fn test_ids() -> RunIds {
    RunIds {
        uid: "u1".to_owned(),
        cid: "0000c1d1".to_owned(),
    }
}

/// D62: a literal topic no broker accepts is a script error at the topic, on every bed (the
/// virtual broker would accept what a real one refuses); a `${var}` topic waits for the run.
#[test]
fn peer_steps_refuse_topics_mqtt_forbids() {
    for step in [
        "peer publish topic=a/# payload=x",
        "peer subscribe topic=a/#/b",
        "peer unsubscribe topic=a+",
    ] {
        let text = format!("test:\n  {step}\n");
        let err = bc20_conform::parse_script("t.bc20", &text).unwrap_err();
        // 1-based, after the two-blank indent: on the topic's first byte.
        let col = 2 + step.find("topic=").unwrap() + "topic=".len() + 1;
        assert_eq!((err.line, err.column as usize), (2, col), "{step}: {err}");
        assert!(err.to_string().contains("topic `"), "{step}: {err}");
    }
    for ok in [
        "peer publish topic=a/b payload=x",
        "peer subscribe topic=a/#",
        "peer subscribe topic=+/x",
        "peer unsubscribe topic=#",
        "peer publish topic=${uid}/# payload=x",
    ] {
        let text = format!("test:\n  {ok}\n");
        assert!(bc20_conform::parse_script("t.bc20", &text).is_ok(), "{ok}");
    }
}
