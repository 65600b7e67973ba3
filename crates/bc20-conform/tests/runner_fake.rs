//! The runner against a scripted fake module on a virtual clock: hardware semantics (skipped
//! faults, `requires sim`), masking, response-time limits, unexpected lines, link failures.

use std::collections::VecDeque;
use std::time::Duration;

use bc20_conform::link::{LinkError, ModuleLink};
use bc20_conform::parse_script;
use bc20_conform::runner::RunIds;
use bc20_conform::runner::{run_script, RunConfig, ScriptResult, Verdict};
use bc20_conform::transcript::NullSink;

/// A module that answers each command line with canned lines after canned delays.
struct FakeLink {
    now: Duration,
    /// (command, [(delay after the command, line)]).
    answers: Vec<(&'static str, Vec<(u64, &'static str)>)>,
    /// Bytes due at a time.
    out: VecDeque<(Duration, Vec<u8>)>,
    input: Vec<u8>,
    /// Fail every read after this many commands.
    die_after: Option<usize>,
    commands: usize,
}

impl FakeLink {
    fn new(answers: Vec<(&'static str, Vec<(u64, &'static str)>)>) -> Self {
        FakeLink {
            now: Duration::ZERO,
            answers,
            out: VecDeque::new(),
            input: Vec::new(),
            die_after: None,
            commands: 0,
        }
    }
}

impl ModuleLink for FakeLink {
    fn describe(&self) -> String {
        "fake".to_owned()
    }

    fn now(&self) -> Duration {
        self.now
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        self.input.extend_from_slice(bytes);
        while let Some(cr) = self.input.iter().position(|&b| b == b'\r') {
            let line: Vec<u8> = self.input.drain(..=cr).collect();
            let line = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
            self.commands += 1;
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
            self.out.make_contiguous().sort_by_key(|(t, _)| *t);
        }
        Ok(())
    }

    fn read(&mut self, deadline: Duration, buf: &mut Vec<u8>) -> Result<usize, LinkError> {
        if self.die_after.is_some_and(|n| self.commands > n) {
            return Err(LinkError::Io("the cable was unplugged".to_owned()));
        }
        match self.out.front() {
            Some((at, _)) if *at <= deadline => {
                let (at, bytes) = self.out.pop_front().unwrap();
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

fn hardware() -> RunConfig {
    RunConfig {
        hardware: true,
        grace: Duration::from_millis(100),
        ..RunConfig::default()
    }
}

fn run(text: &str, link: &mut FakeLink, cfg: &RunConfig) -> ScriptResult {
    let script = parse_script("fake.bc20", text).unwrap();
    run_script(&script, link, None, cfg, &mut NullSink, &test_ids())
}

#[test]
fn a_script_whose_fault_cannot_be_injected_is_skipped_not_passed() {
    // No `requires sim` header: the fault step alone must make the script SKIP on hardware,
    // and nothing may be sent (a half-run script proves nothing).
    let mut link = FakeLink::new(vec![]);
    let r = run(
        "send AT\nexpect OK\nfault drop-link 0\nexpect +QMTSTAT: 0,1\n",
        &mut link,
        &hardware(),
    );
    assert_eq!(r.verdict, Verdict::Skipped, "{:?}", r.failures);
    assert!(
        r.notices.iter().any(|n| n.contains("fake.bc20:3:1")),
        "the notice names the fault step: {:?}",
        r.notices
    );
    assert_eq!(link.commands, 0, "nothing may be sent");
}

#[test]
fn a_timing_check_without_a_network_log_is_skipped_not_passed() {
    // A serial port without the fault proxy has no network log: a keep-alive check would
    // see no packet at all. The script is SKIP, naming the step, and nothing is sent.
    let mut link = FakeLink::new(vec![]);
    let r = run(
        "send AT\nexpect OK\nmark idle\nexpect-none 5s\nexpect-keepalive 0 keepalive=2s since=idle\n",
        &mut link,
        &hardware(),
    );
    assert_eq!(r.verdict, Verdict::Skipped, "{:?}", r.failures);
    assert!(
        r.notices
            .iter()
            .any(|n| n.contains("fake.bc20:5:1") && n.contains("--fault-proxy")),
        "the notice names the timing step: {:?}",
        r.notices
    );
    assert_eq!(link.commands, 0, "nothing may be sent");
}

#[test]
fn a_script_that_needs_a_reset_is_skipped_when_no_reset_hook_is_configured() {
    let mut link = FakeLink::new(vec![]);
    let r = run(
        "prologue off\nreset\nexpect within 60s +IP: $addr\n",
        &mut link,
        &hardware(),
    );
    assert_eq!(r.verdict, Verdict::Skipped, "{:?}", r.failures);
    assert!(
        r.notices.iter().any(|n| n.contains("--reset-cmd")),
        "{:?}",
        r.notices
    );
    assert_eq!(link.commands, 0, "nothing may be sent");
}

#[test]
fn requires_sim_scripts_are_skipped_on_hardware() {
    let mut link = FakeLink::new(vec![]);
    let r = run("requires sim\nsend AT\nexpect OK\n", &mut link, &hardware());
    assert_eq!(r.verdict, Verdict::Skipped);
    assert_eq!(link.commands, 0, "nothing may be sent");
}

#[test]
fn passwords_and_secrets_are_masked_everywhere() {
    let mut link = FakeLink::new(vec![
        (
            "AT+QMTCONN=0,\"c\",\"u\",\"hunter2\"",
            vec![(1, "OK"), (5, "+QMTCONN: 0,0,0")],
        ),
        ("AT+X", vec![(1, "token tok-9876 and hunter2")]),
    ]);
    let text = "secret tok = tok-9876\nsend AT+QMTCONN=0,\"c\",\"u\",\"hunter2\"\nexpect OK\n\
                expect +QMTCONN: 0,0,0\nsend AT+X\nexpect literal nothing\n";
    let r = run(text, &mut link, &hardware());
    let all = serde_json::to_string(&r).unwrap();
    assert!(
        !all.contains("hunter2") && !all.contains("tok-9876"),
        "{all}"
    );
    assert!(all.contains("****"));
    assert_eq!(r.verdict, Verdict::Fail);
}

#[test]
fn a_response_over_the_notes_limit_fails_the_script() {
    let mut link = FakeLink::new(vec![("AT+QMTCFG=\"keepalive\",0,60", vec![(450, "OK")])]);
    let r = run(
        "send AT+QMTCFG=\"keepalive\",0,60\nexpect within 2s OK\n",
        &mut link,
        &hardware(),
    );
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(
        r.failures[0]
            .message
            .contains("over the note's maximum of 300 ms"),
        "{:?}",
        r.failures
    );
    let t = r
        .commands
        .iter()
        .find(|c| c.command.contains("keepalive"))
        .unwrap();
    assert_eq!((t.limit_ms, t.within_limit), (Some(300.0), Some(false)));
}

#[test]
fn async_results_are_timed_to_their_result_with_the_slots_pkt_timeout() {
    let mut link = FakeLink::new(vec![
        ("AT+QMTCFG=\"timeout\",0,2,1", vec![(1, "OK")]),
        (
            "AT+QMTSUB=0,3,\"t\",1",
            vec![
                (2, "OK"),
                (2100, "+QMTSUB: 0,3,1,1"),
                (3900, "+QMTSUB: 0,3,0,1"),
            ],
        ),
    ]);
    let text =
        "send AT+QMTCFG=\"timeout\",0,2,1\nexpect OK\nsend AT+QMTSUB=0,3,\"t\",1\nexpect OK\n\
                expect +QMTSUB: 0,3,1,$n\nexpect +QMTSUB: 0,3,0,1\n";
    let r = run(text, &mut link, &hardware());
    assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.failures);
    let t = r
        .commands
        .iter()
        .find(|c| c.command.starts_with("AT+QMTSUB"))
        .unwrap();
    assert_eq!(t.limit_ms, Some(4000.0));
    assert_eq!(t.latency_ms, Some(3900.0));
}

#[test]
fn a_line_nobody_expected_fails_the_script() {
    let mut link = FakeLink::new(vec![("AT", vec![(1, "OK"), (2, "OK")])]);
    let r = run("send AT\nexpect OK\n", &mut link, &hardware());
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(
        r.failures[0].message.contains("unexpected line"),
        "{:?}",
        r.failures
    );
}

#[test]
fn the_next_line_must_match_in_order() {
    let mut link = FakeLink::new(vec![(
        "AT+QMTOPEN=0,\"h\",1",
        vec![(1, "+QMTOPEN: 0,0"), (2, "OK")],
    )]);
    let r = run(
        "send AT+QMTOPEN=0,\"h\",1\nexpect OK\nexpect +QMTOPEN: 0,0\n",
        &mut link,
        &hardware(),
    );
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(
        r.failures[0].message.contains("got `+QMTOPEN: 0,0`"),
        "{:?}",
        r.failures
    );
}

#[test]
fn an_unplugged_cable_is_an_error_and_keeps_the_transcript() {
    let mut link = FakeLink::new(vec![]);
    link.die_after = Some(3);
    let r = run(
        "send AT\nexpect OK\nsend AT\nexpect OK\nteardown:\nsend AT\n",
        &mut link,
        &hardware(),
    );
    assert_eq!(r.verdict, Verdict::Error);
    assert!(
        r.failures[0].message.contains("unplugged"),
        "{:?}",
        r.failures
    );
    assert!(r.transcript.iter().any(|e| e.text == "AT"));
}

#[test]
fn expect_set_takes_lines_in_any_order_and_captures() {
    let mut link = FakeLink::new(vec![(
        "AT+Z",
        vec![(1, "+QMTSTAT: 1,1"), (2, "+QMTSTAT: 0,7")],
    )]);
    let text = "send AT+Z\nexpect-set {\n  +QMTSTAT: 0,$code\n  +QMTSTAT: 1,_\n}\n\
                send AT+QMTCFG=\"keepalive\",${code}\nexpect OK\n";
    let r = run(text, &mut link, &hardware());
    assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.failures);
    assert!(r
        .commands
        .iter()
        .any(|c| c.command == "AT+QMTCFG=\"keepalive\",7"));
}

#[test]
fn module_bytes_that_are_garbage_never_panic_the_runner() {
    let garbage: &'static str = "\u{0}\u{1}+QMTRECV: 0,0,\"t\",\"\r\n\u{fffd}+CME ERROR: 99999999";
    let mut link = FakeLink::new(vec![(
        "AT",
        vec![(1, garbage), (2, "+QMTCONN:"), (3, "OK")],
    )]);
    let r = run("send AT\nexpect OK\n", &mut link, &hardware());
    assert_eq!(r.verdict, Verdict::Fail);
}

#[test]
fn a_failing_reset_hook_is_an_error_before_anything_is_sent() {
    let mut link = FakeLink::new(vec![]);
    let cfg = RunConfig {
        reset_before: true,
        ..hardware()
    };
    let r = run("send AT\nexpect OK\n", &mut link, &cfg);
    assert_eq!(r.verdict, Verdict::Error);
    assert!(r.failures[0].message.contains("reset"), "{:?}", r.failures);
    assert_eq!(link.commands, 0);
}

/// Fixed run ids, so assertions can name them.
fn test_ids() -> RunIds {
    RunIds {
        uid: "u1".to_owned(),
        cid: "0000c1d1".to_owned(),
    }
}
