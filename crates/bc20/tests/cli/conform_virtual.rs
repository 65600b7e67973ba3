//! `bc20 conform --sim` (the broker bed: embedded rumqttd) and `bc20 conform --sim
//! --virtual` (the virtual broker): on either bed the whole suite passes on virtual time,
//! says so in the report's target, and writes the same report.json twice apart from
//! wall-clock fields, whatever `-j`.

use serde_json::Value;

use crate::conform_cli::{conform, conformance, report, scratch};

/// Fields of report.json that depend on the wall clock, the host or the command line.
const WALL_CLOCK_FIELDS: &[&str] = &[
    "started_at",
    "duration_ms",
    "wall_ms",
    "host",
    "command_line",
];

fn strip_wall_clock(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| !WALL_CLOCK_FIELDS.contains(&k.as_str()));
            m.values_mut().for_each(strip_wall_clock);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_wall_clock),
        _ => {}
    }
}

/// `bed`: `--virtual`, or `--sim` for the default (broker) bed.
fn run(name: &str, bed: &str, jobs: &str) -> Value {
    let dir = scratch(name);
    let d = dir.display().to_string();
    let suite = conformance();
    let mut args = vec!["--sim", "-j", jobs, "-q", "--report-dir", &d, &suite];
    if bed != "--sim" {
        args.push(bed);
    }
    let (code, out) = conform(&args);
    assert_eq!(code, Some(0), "{out}");
    report(&dir)
}

#[test]
fn the_suite_passes_on_the_virtual_bed_with_the_same_report_every_run() {
    let mut first = run("virtual-1", "--virtual", "1");
    let mut second = run("virtual-2", "--virtual", "2");
    let target = &first["target"];
    assert_eq!(target["kind"], "sim");
    assert_eq!(target["broker"], "virtual");
    assert_eq!(
        target["links"],
        serde_json::json!(["simulator, in-process, virtual time"])
    );
    assert_eq!(first["summary"]["failed"], 0);
    assert_eq!(first["summary"]["errors"], 0);
    strip_wall_clock(&mut first);
    strip_wall_clock(&mut second);
    assert!(first == second, "the two virtual runs' reports differ");
}

#[test]
fn the_suite_passes_on_the_broker_bed_with_the_same_report_every_run() {
    // Two processes, so two fresh embedded brokers; the second run with two workers.
    let mut first = run("broker-1", "--sim", "1");
    let mut second = run("broker-2", "--sim", "2");
    let target = &first["target"];
    assert_eq!(target["kind"], "sim");
    assert_eq!(target["broker"], "embedded (rumqttd)");
    assert_eq!(
        target["links"],
        serde_json::json!(["simulator, in-process, broker bed"])
    );
    assert_eq!(first["summary"]["passed"], 38);
    strip_wall_clock(&mut first);
    strip_wall_clock(&mut second);
    if first != second {
        let (a, b) = (
            serde_json::to_string_pretty(&first).unwrap(),
            serde_json::to_string_pretty(&second).unwrap(),
        );
        let at = a
            .lines()
            .zip(b.lines())
            .enumerate()
            .find(|(_, (x, y))| x != y)
            .map(|(i, (x, y))| format!("line {i}: {x} / {y}"));
        panic!("the two broker-bed runs' reports differ: {at:?}");
    }
}
