//! The report writers (JSON, JUnit, HTML) on a fixed run, pinned with insta; the diff; and
//! reports surviving a run that is cut short.

use bc20_conform::diff::{diff_reports, render_diff};
use bc20_conform::report::{
    read_json, render_html, render_json, render_junit, ModuleIdentity, ReportPaths, RunReport,
    Target,
};
use bc20_conform::runner::{CommandTiming, Failure, ScriptResult, Verdict};
use bc20_conform::script::Section;
use bc20_conform::transcript::{Dir, Event};

fn event(t_ms: f64, dir: Dir, text: &str, form: Option<&str>) -> Event {
    Event {
        t_ms,
        wall_ms: 1_764_063_000_000 + t_ms as u64,
        dir,
        text: text.to_owned(),
        form: form.map(str::to_owned),
        note: None,
    }
}

fn timing(index: usize, command: &str, latency: f64, limit: Option<f64>) -> CommandTiming {
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

fn script(name: &str, verdict: Verdict, latency: f64) -> ScriptResult {
    let failures = if verdict == Verdict::Fail {
        vec![Failure {
            at: format!("conformance/{name}.bc20:7:3"),
            section: Some(Section::Test),
            step: "expect +QMTOPEN: 0,0".to_owned(),
            message: "expected `+QMTOPEN: 0,0`, got `+qmtopen: 0,0`: <not decoded> & \"quoted\""
                .to_owned(),
        }]
    } else {
        Vec::new()
    };
    ScriptResult {
        name: name.to_owned(),
        path: format!("conformance/{name}.bc20"),
        title: Some(format!("{name} <title>")),
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
    }
}

fn report(verdicts: &[(&str, Verdict, f64)]) -> RunReport {
    let mut r = RunReport::new(
        Target {
            kind: "sim".to_owned(),
            links: vec!["simulator, in-process, time ×20".to_owned()],
            broker: Some("mqtt://127.0.0.1:1883 (embedded)".to_owned()),
            quirks: vec!["plain-error".to_owned()],
            mode: "strict".to_owned(),
        },
        Vec::new(),
    );
    r.started_at = "2025-11-25T09:30:00Z".to_owned();
    r.duration_ms = 4321.0;
    r.complete = true;
    r.module = ModuleIdentity {
        ati: vec![
            "Quectel".to_owned(),
            "BC20".to_owned(),
            "Revision: X".to_owned(),
        ],
        cgmr: vec!["Revision: X".to_owned()],
        revision: Some("X".to_owned()),
    };
    r.scripts = verdicts.iter().map(|(n, v, l)| script(n, *v, *l)).collect();
    r.refresh();
    r
}

fn fixed() -> RunReport {
    report(&[
        ("open", Verdict::Pass, 40.5),
        ("open-bad", Verdict::Fail, 90.0),
    ])
}

#[test]
fn json_report() {
    insta::assert_snapshot!(render_json(&fixed()));
}

#[test]
fn junit_report() {
    insta::assert_snapshot!(render_junit(&fixed()));
}

#[test]
fn html_report() {
    let html = render_html(&fixed());
    // Self-contained: no scripts, stylesheets, images or links to fetch.
    for external in ["<script", "<link", "src=", "href=\"http", "url("] {
        assert!(!html.contains(external), "{external}");
    }
    assert!(html.contains("<svg") && html.contains("&lt;not decoded&gt;"));
    insta::assert_snapshot!(html);
}

#[test]
fn json_round_trips_and_diff_lists_changes() {
    let dir = tempfile::tempdir().unwrap();
    let old = report(&[
        ("a", Verdict::Pass, 40.0),
        ("b", Verdict::Fail, 40.0),
        ("c", Verdict::Pass, 40.0),
        ("gone", Verdict::Pass, 40.0),
    ]);
    let new = report(&[
        ("a", Verdict::Fail, 40.0),
        ("b", Verdict::Pass, 40.0),
        ("c", Verdict::Pass, 9000.0),
        ("added", Verdict::Pass, 40.0),
    ]);
    let (po, pn) = (dir.path().join("old.json"), dir.path().join("new.json"));
    std::fs::write(&po, render_json(&old)).unwrap();
    std::fs::write(&pn, render_json(&new)).unwrap();
    let (old, new) = (read_json(&po).unwrap(), read_json(&pn).unwrap());
    let d = diff_reports(&old, &new);
    assert!(d.has_regressions());
    assert!(!diff_reports(&old, &old).has_regressions());
    insta::assert_snapshot!(render_diff(&d));
}

#[test]
fn other_schemas_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    std::fs::write(
        &p,
        render_json(&fixed()).replace("bc20kit.conform.report/1", "other/9"),
    )
    .unwrap();
    assert!(read_json(&p).unwrap_err().contains("schema"));
}

#[test]
fn interrupted_runs_still_write_all_three_reports() {
    let dir = tempfile::tempdir().unwrap();
    let paths = ReportPaths::in_dir(dir.path());
    let mut r = fixed();
    r.complete = false;
    r.pending = vec!["conformance/later.bc20".to_owned()];
    r.refresh();
    paths.write(&r).unwrap();
    let back = read_json(&paths.json).unwrap();
    assert_eq!(back.summary.pending, 1);
    assert!(!back.all_passed());
    let junit = std::fs::read_to_string(&paths.junit).unwrap();
    assert!(junit.contains("later.bc20") && junit.contains("interrupted"));
    assert!(std::fs::read_to_string(&paths.html)
        .unwrap()
        .contains("INCOMPLETE"));
}
