//! Fixed report data shared by the report and diff tests.

use bc20_conform::report::{
    Certification, ModuleIdentity, OrderKind, RunOrder, RunReport, ScriptDigest, Target,
};
use bc20_conform::runner::{Attempt, CommandTiming, Failure, ScriptResult, Verdict};
use bc20_conform::script::Section;
use bc20_conform::transcript::{raw_hex_of, Dir, Event};

pub fn event(t_ms: f64, dir: Dir, text: &str, form: Option<&str>) -> Event {
    Event {
        t_ms,
        wall_ms: 1_764_063_000_000 + t_ms as u64,
        dir,
        text: text.to_owned(),
        raw_hex: raw_hex_of(text),
        form: form.map(str::to_owned),
        note: None,
    }
}

pub fn timing(index: usize, command: &str, latency: f64, limit: Option<f64>) -> CommandTiming {
    CommandTiming {
        index,
        command: command.to_owned(),
        form: Some("qmtopen.write".to_owned()),
        sent_ms: 10.0,
        final_ms: Some(2.0),
        latency_ms: Some(latency),
        limit_ms: limit,
        within_limit: limit.map(|l| latency <= l),
        outcome: Some("+QMTOPEN: 0,0".to_owned()),
    }
}

fn failure(path: &str) -> Failure {
    Failure {
        at: format!("{path}:7:3"),
        section: Some(Section::Test),
        step: "expect +QMTOPEN: 0,0".to_owned(),
        message: "expected `+QMTOPEN: 0,0`, got `+qmtopen: 0,0`: <not decoded> & \"quoted\""
            .to_owned(),
    }
}

/// A script result at `path` (`conformance/NAME.bc20` when `name` has no `/`).
pub fn script(name: &str, verdict: Verdict, latency: f64) -> ScriptResult {
    let path = if name.contains('/') {
        format!("{name}.bc20")
    } else {
        format!("conformance/{name}.bc20")
    };
    let stem = name.rsplit('/').next().unwrap_or(name).to_owned();
    let failures = if matches!(verdict, Verdict::Fail | Verdict::XFail) {
        vec![failure(&path)]
    } else {
        Vec::new()
    };
    ScriptResult {
        name: stem.clone(),
        path,
        title: Some(format!("{stem} <title>")),
        tags: vec!["3.2.2".to_owned(), "qmtopen.write".to_owned()],
        verdict,
        duration_ms: 123.0,
        link_ms: 2460.0,
        failures,
        notices: vec!["skipped on hardware: `fault clear`".to_owned()],
        commands: vec![
            timing(
                0,
                "AT+QMTOPEN=0,\"127.0.0.1\",1883",
                latency,
                Some(75_000.0),
            ),
            timing(1, "AT+QMTCFG=\"keepalive\",0", 450.0, Some(300.0)),
            timing(2, "ATI", 3.0, None),
        ],
        observed: vec!["qmtopen.write".to_owned()],
        transcript: vec![
            event(
                0.0,
                Dir::Host,
                "AT+QMTOPEN=0,\"127.0.0.1\",1883",
                Some("qmtopen.write"),
            ),
            event(2.0, Dir::Module, "OK", Some("final.ok")),
            event(40.5, Dir::Module, "+QMTOPEN: 0,0", Some("qmtopen.result")),
            event(
                41.0,
                Dir::Peer,
                "publish topic=t qos=1 retain=0 payload=<b>",
                None,
            ),
            event(41.5, Dir::Runner, "verdict PASS", None),
        ],
        ..ScriptResult::default()
    }
}

pub fn sim_target() -> Target {
    Target {
        kind: "sim".to_owned(),
        links: vec!["simulator, in-process, time ×20 (1 parallel)".to_owned()],
        broker: Some("mqtt://127.0.0.1:1883 (embedded)".to_owned()),
        quirks: vec!["plain-error".to_owned()],
        mode: "strict".to_owned(),
        latency_resolution_ms: 500.0,
        mqtt_version: Some("3.1.1".to_owned()),
    }
}

pub fn serial_target() -> Target {
    Target {
        kind: "serial".to_owned(),
        links: vec!["serial /dev/ttyusb0 @115200 flow=none".to_owned()],
        broker: Some("mqtt://192.0.2.1:1883".to_owned()),
        mode: "strict".to_owned(),
        ..Target::default()
    }
}

pub fn certification() -> Certification {
    Certification {
        tool: "bc20kit 0.1.0".to_owned(),
        git_revision: "0123456789ab".to_owned(),
        suite_revision: "ba9876543210".to_owned(),
        scripts: vec![ScriptDigest {
            path: "conformance/open.bc20".to_owned(),
            sha256: Some("ab".repeat(32)),
        }],
        command_line: [
            "bc20",
            "conform",
            "--sim",
            "--broker",
            "mqtt://u:****@h",
            "a b",
        ]
        .map(str::to_owned)
        .to_vec(),
        host: "ci-runner-7".to_owned(),
        started_at: "2025-11-25T09:30:00Z".to_owned(),
    }
}

/// A complete run of `scripts` on `target`.
pub fn run_of(target: Target, scripts: Vec<ScriptResult>) -> RunReport {
    let mut r = RunReport::new(target, Vec::new());
    r.started_at = "2025-11-25T09:30:00Z".to_owned();
    r.duration_ms = 4321.0;
    r.complete = true;
    r.certification = certification();
    r.module = ModuleIdentity {
        ati: vec![
            "Quectel".to_owned(),
            "BC20".to_owned(),
            "Revision: X".to_owned(),
        ],
        cgmr: vec!["Revision: X".to_owned()],
        revision: Some("X".to_owned()),
        imei: Some("866123456789012".to_owned()),
        ..ModuleIdentity::default()
    };
    r.scripts = scripts;
    r.refresh();
    r
}

/// A complete sim run of `(name, verdict, QMTOPEN latency)`.
pub fn report(verdicts: &[(&str, Verdict, f64)]) -> RunReport {
    run_of(
        sim_target(),
        verdicts.iter().map(|(n, v, l)| script(n, *v, *l)).collect(),
    )
}

/// The report the snapshots pin: every verdict, a flaky script, a retried failure, two
/// scripts with the same stem, an invalid byte in a transcript.
pub fn fixed() -> RunReport {
    let mut flaky = script("extra/open", Verdict::Pass, 40.5);
    flaky.attempts = vec![Attempt {
        verdict: Verdict::Fail,
        duration_ms: 130.0,
        message: Some("extra/open.bc20:7:3: expected `OK`, got nothing within 300 ms".to_owned()),
    }];
    flaky.module = Some("/dev/ttyUSB1".to_owned());
    let mut bad = script("open-bad", Verdict::Fail, 90.0);
    bad.retried_after(&script("open-bad", Verdict::Fail, 95.0));
    bad.transcript.push(event(
        50.0,
        Dir::Module,
        "+QMTRECV: 0,0,\"t\",\"\\xff\\xfe \\\\\"",
        Some("urc.qmtrecv"),
    ));
    let mut xfail = script("known-defect", Verdict::Fail, 40.0);
    xfail.expect_failure("BC20JAR01A04 answers +QMTOPEN: 0,3 (QT-123)");
    let mut xpass = script("fixed-defect", Verdict::Pass, 40.0);
    xpass.expect_failure("QT-99");
    let mut cut = script("cut", Verdict::NotRun, 0.0);
    cut.failures.clear();
    cut.notices = vec!["interrupted before it ran".to_owned()];
    let mut r = run_of(
        sim_target(),
        vec![
            script("open", Verdict::Pass, 40.5),
            bad,
            flaky,
            xfail,
            xpass,
            cut,
        ],
    );
    r.order = Some(RunOrder {
        kind: OrderKind::Shuffle,
        seed: Some(42),
    });
    r.interrupted = Some("SIGINT".to_owned());
    r.complete = false;
    r.refresh();
    r
}
