//! The virtual bed (virtual broker) against the broker bed (the embedded rumqttd), both on
//! virtual time: same verdict for every script, the same conversation, at the same virtual
//! instants and in the same order, once run ids are masked; and a report that is identical
//! run to run apart from its wall-clock fields.

mod common;

use std::collections::BTreeMap;

use bc20_conform::report::RunReport;
use bc20_conform::runner::{ScriptResult, Verdict};
use bc20_sim::{Quirk, Quirks};
use common::{failures, run_on_sim, run_on_virtual, run_on_virtual_with, suite};

/// Scripts whose verdict may differ between the beds, with the reason. None today.
const ALLOWED_TO_DIFFER: &[(&str, &str)] = &[];

/// Scripts whose normalised transcript may differ between the beds (both pass), with the
/// reason.
const TRANSCRIPTS_MAY_DIFFER: &[(&str, &str)] = &[(
    "chapter6",
    "rumqttd delivers the peer's QoS 0 publish at the subscription's QoS 2 (`+QMTRECV: 0,1,...`); \
     the virtual broker delivers at min(publish, subscription) QoS as MQTT 3.1.1 3.8.4 says \
     (`+QMTRECV: 0,0,...`); the script accepts either",
)];

/// The fields of report.json that depend on the wall clock, the host or the command line.
const WALL_CLOCK_FIELDS: &[&str] = &[
    "started_at",
    "duration_ms",
    "wall_ms",
    "host",
    "command_line",
];

fn strip_wall_clock(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|k, _| !WALL_CLOCK_FIELDS.contains(&k.as_str()));
            m.values_mut().for_each(strip_wall_clock);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_wall_clock),
        _ => {}
    }
}

fn normalised_json(r: &RunReport) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap();
    strip_wall_clock(&mut v);
    v
}

/// The whole conversation, in order, each line with its virtual instant and side, and the
/// run ids masked (each bed seeds its own).
fn lines(s: &ScriptResult) -> Vec<String> {
    let token = regex::Regex::new(r"[0-9a-f]{8}").unwrap();
    s.transcript
        .iter()
        .map(|e| {
            let text = token.replace_all(&e.text, "TOKEN");
            format!("{:>8.1} {:?} {text}", e.t_ms, e.dir)
        })
        .collect()
}

#[test]
fn the_virtual_bed_gives_the_broker_beds_verdict_and_conversation_for_every_script() {
    let scripts = suite();
    let on_virtual = run_on_virtual(&scripts, 2);
    assert!(
        on_virtual.all_passed(),
        "failed:\n{}",
        failures(&on_virtual)
    );
    let on_broker = run_on_sim(&scripts, None, Quirks::NONE);
    let allowed: BTreeMap<&str, &str> = ALLOWED_TO_DIFFER.iter().copied().collect();
    let mut differ = Vec::new();
    for (v, b) in on_virtual.scripts.iter().zip(&on_broker.scripts) {
        assert_eq!(v.name, b.name);
        if v.verdict != b.verdict && !allowed.contains_key(v.name.as_str()) {
            differ.push(format!(
                "{}: virtual {} / broker {} ({})",
                v.name,
                v.verdict.label(),
                b.verdict.label(),
                failures_of(b)
            ));
        }
        if v.verdict == Verdict::Pass && b.verdict == Verdict::Pass {
            let (x, y) = (lines(v), lines(b));
            if x != y && !TRANSCRIPTS_MAY_DIFFER.iter().any(|(n, _)| *n == v.name) {
                let i = x.iter().zip(&y).take_while(|(p, q)| p == q).count();
                differ.push(format!(
                    "{}: virtual {:?} / broker {:?}",
                    v.name,
                    x.get(i),
                    y.get(i)
                ));
            }
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

fn failures_of(s: &ScriptResult) -> String {
    s.failures
        .iter()
        .map(|f| format!("{}: {}", f.at, f.message))
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn two_virtual_runs_give_the_same_report_apart_from_wall_clock_fields() {
    let scripts = suite();
    let first = run_on_virtual(&scripts, 2);
    let second = run_on_virtual(&scripts, 1);
    assert!(first.all_passed(), "failed:\n{}", failures(&first));
    let (a, b) = (normalised_json(&first), normalised_json(&second));
    if a != b {
        let (a, b) = (
            serde_json::to_string_pretty(&a).unwrap(),
            serde_json::to_string_pretty(&b).unwrap(),
        );
        let first_difference = a
            .lines()
            .zip(b.lines())
            .enumerate()
            .find(|(_, (x, y))| x != y)
            .map(|(i, (x, y))| format!("line {i}: {x} / {y}"));
        panic!("the reports differ: {first_difference:?}");
    }
}

#[test]
fn the_whole_suite_passes_on_the_virtual_bed_with_one_worker() {
    // How fast it runs is a benchmark's business (benches/suite.rs), not a timed test's: the
    // machines are shared and noisy.
    let scripts = suite();
    let report = run_on_virtual(&scripts, 1);
    assert!(report.all_passed(), "failed:\n{}", failures(&report));
}

#[test]
fn every_quirk_profile_fails_at_least_one_script_on_the_virtual_bed_too() {
    let scripts = suite();
    let missed: Vec<&str> = Quirk::ALL
        .iter()
        .filter(|q| {
            run_on_virtual_with(&scripts, 2, Quirks::NONE.with(**q))
                .summary
                .failed
                == 0
        })
        .map(|q| q.name())
        .collect();
    assert!(
        missed.is_empty(),
        "no script fails with quirk(s): {}",
        missed.join(", ")
    );
}
