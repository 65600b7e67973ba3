//! `bc20 conform diff`: like is compared with like, latency noise is not news, and an
//! interrupted run is not a list of regressions.

#[allow(dead_code)]
#[path = "support/reports.rs"]
mod reports;

use bc20_conform::diff::{diff_reports, render_diff};
use bc20_conform::report::{read_json, render_json, RunReport};
use bc20_conform::runner::{ScriptResult, Verdict};
use reports::{run_of, serial_target, sim_target, timing};

/// A passing script whose commands took `latencies` ms (limits: none, 300 ms, 75 s).
fn timed(name: &str, latencies: [f64; 3]) -> ScriptResult {
    let mut s = reports::script(name, Verdict::Pass, 0.0);
    s.commands = vec![
        timing(0, "ATE0", latencies[0], None),
        timing(1, "AT+QMTCFG=\"keepalive\",0", latencies[1], Some(300.0)),
        timing(
            2,
            "AT+QMTOPEN=0,\"127.0.0.1\",1883",
            latencies[2],
            Some(75_000.0),
        ),
    ];
    s
}

/// What `bc20 conform diff` exits with: 1 when something got worse (after a round trip
/// through report.json, as the command reads them).
fn exit_of(old: &RunReport, new: &RunReport) -> u8 {
    let dir = tempfile::tempdir().unwrap();
    let (po, pn) = (dir.path().join("old.json"), dir.path().join("new.json"));
    std::fs::write(&po, render_json(old)).unwrap();
    std::fs::write(&pn, render_json(new)).unwrap();
    let (old, new) = (read_json(&po).unwrap(), read_json(&pn).unwrap());
    if diff_reports(&old, &new).has_regressions() {
        bc20_exit::FAILED
    } else {
        bc20_exit::OK
    }
}

#[test]
fn simulator_jitter_is_not_a_latency_regression() {
    // Two identical simulator runs: real-time jitter of up to 69 ms, ×20 time scale.
    let old = run_of(
        sim_target(),
        vec![timed("a", [0.0, 20.0, 40.0]), timed("b", [5.0, 10.0, 60.0])],
    );
    let new = run_of(
        sim_target(),
        vec![
            timed("a", [69.0, 89.0, 109.0]),
            timed("b", [74.0, 79.0, 129.0]),
        ],
    );
    let d = diff_reports(&old, &new);
    assert!(d.latency_compared, "{:?}", d.warnings);
    assert!(d.latency_regressions.is_empty(), "{}", render_diff(&d));
    assert!(!d.has_regressions());
    assert_eq!(exit_of(&old, &new), bc20_exit::OK);

    // A /1 report has no resolution: it is derived from the time scale in the links.
    let (mut old1, mut new1) = (old.clone(), new.clone());
    old1.target.latency_resolution_ms = 0.0;
    new1.target.latency_resolution_ms = 0.0;
    let d = diff_reports(&old1, &new1);
    assert_eq!(d.latency_resolution_ms, Some(500.0));
    assert!(!d.has_regressions());
}

#[test]
fn a_simulator_run_of_unknown_resolution_is_not_compared_for_latency() {
    let mut old = run_of(sim_target(), vec![timed("a", [0.0, 20.0, 40.0])]);
    old.target.latency_resolution_ms = 0.0;
    old.target.links = vec!["simulator".to_owned()];
    let mut new = old.clone();
    new.scripts = vec![timed("a", [5000.0, 20.0, 40.0])];
    let d = diff_reports(&old, &new);
    assert!(!d.latency_compared && d.latency_regressions.is_empty());
    assert!(d.warnings.iter().any(|w| w.contains("resolution")));
}

#[test]
fn a_real_regression_on_serial_is_found() {
    let old = run_of(serial_target(), vec![timed("a", [3.0, 120.0, 900.0])]);
    let new = run_of(serial_target(), vec![timed("a", [80.0, 310.0, 960.0])]);
    let d = diff_reports(&old, &new);
    let got: Vec<(&str, bool)> = d
        .latency_regressions
        .iter()
        .map(|c| (c.command.as_str(), c.crossed_limit))
        .collect();
    // ATE0: 3 → 80 ms is 1.5× and 77 ms ≥ 50 ms; keepalive crosses its 300 ms limit;
    // QMTOPEN: 60 ms more on a 75 s limit is noise.
    assert_eq!(got, [("ATE0", false), ("AT+QMTCFG=\"keepalive\",0", true)]);
    assert!(d.has_regressions());
    assert_eq!(exit_of(&old, &new), bc20_exit::FAILED);
}

#[test]
fn differing_targets_warn_and_latency_is_not_compared() {
    let old = run_of(sim_target(), vec![timed("a", [0.0, 20.0, 40.0])]);
    let mut new = run_of(serial_target(), vec![timed("a", [900.0, 900.0, 9000.0])]);
    new.certification.suite_revision = "0000aaaa1111".to_owned();
    new.target.mode = "lenient".to_owned();
    let d = diff_reports(&old, &new);
    assert!(!d.latency_compared);
    assert!(d.latency_regressions.is_empty() && d.latency_improvements.is_empty());
    let all = d.warnings.join("\n");
    for w in [
        "targets differ",
        "quirks differ",
        "decoding modes differ",
        "suite revisions",
    ] {
        assert!(all.contains(w), "{w}: {all}");
    }
    assert!(render_diff(&d).contains("latency: not compared"));
    assert!(!d.has_regressions());

    let mut slower = old.clone();
    slower.target.links = vec!["simulator, in-process, time ×10 (1 parallel)".to_owned()];
    slower.scripts = vec![timed("a", [900.0, 900.0, 9000.0])];
    let d = diff_reports(&old, &slower);
    assert!(!d.latency_compared && d.latency_regressions.is_empty());
    assert!(d
        .warnings
        .iter()
        .any(|w| w.contains("time scales differ (×20 -> ×10)")));
}

#[test]
fn differing_mqtt_versions_warn_and_a_report_without_one_does_not() {
    let old = run_of(sim_target(), vec![timed("a", [0.0, 20.0, 40.0])]);
    let mut v31 = old.clone();
    v31.target.mqtt_version = Some("3.1".to_owned());
    let d = diff_reports(&old, &v31);
    assert!(
        d.warnings
            .iter()
            .any(|w| w == "the MQTT versions differ: 3.1.1 -> 3.1"),
        "{:?}",
        d.warnings
    );
    // A report written before the field existed (then always 3.1.1) warns of nothing.
    let mut older = old.clone();
    older.target.mqtt_version = None;
    let d = diff_reports(&older, &old);
    assert!(
        !d.warnings.iter().any(|w| w.contains("MQTT")),
        "{:?}",
        d.warnings
    );
}

#[test]
fn scripts_an_interrupted_run_did_not_reach_are_not_run_not_changes() {
    let old = run_of(
        sim_target(),
        vec![
            timed("a", [0.0; 3]),
            timed("b", [0.0; 3]),
            timed("c", [0.0; 3]),
        ],
    );
    let mut new = run_of(
        sim_target(),
        vec![timed("a", [0.0; 3]), timed("b", [0.0; 3])],
    );
    new.scripts[1].verdict = Verdict::NotRun;
    new.pending = vec!["conformance/c.bc20".to_owned()];
    new.complete = false;
    new.interrupted = Some("port /dev/ttyUSB0 lost: EIO".to_owned());
    new.refresh();
    let d = diff_reports(&old, &new);
    let not_run: Vec<&str> = d.not_run.iter().map(|c| c.script.as_str()).collect();
    assert_eq!(not_run, ["b", "c"]);
    assert!(d.new_failures.is_empty() && d.other_changes.is_empty());
    assert!(!d.has_regressions());
    assert!(d
        .warnings
        .iter()
        .any(|w| w.contains("new run is incomplete")));
    assert_eq!(exit_of(&old, &new), bc20_exit::OK);
}

#[test]
fn a_flaky_new_run_and_a_changed_script_are_warned_about() {
    let mut old = run_of(sim_target(), vec![timed("a", [0.0; 3])]);
    old.scripts[0].sha256 = Some("ab".repeat(32));
    let mut new = old.clone();
    let mut failed = new.scripts[0].clone();
    failed.verdict = Verdict::Fail;
    new.scripts[0].retried_after(&failed);
    new.scripts[0].sha256 = Some("cd".repeat(32));
    new.refresh();
    let d = diff_reports(&old, &new);
    let all = d.warnings.join("\n");
    assert!(all.contains("a: flaky: passed on try 2 of 2"), "{all}");
    assert!(all.contains("a: the script file changed"), "{all}");
    assert!(!d.has_regressions());
}
