//! `bc20 conform diff OLD.json NEW.json`: what changed between two runs.
//!
//! Like is compared with like: when the runs differ in what they tested (target kind, links
//! and time scale, quirks, MQTT version, decoding mode, suite revision, script files) or one of them is
//! incomplete, the diff says so in [`RunDiff::warnings`]; scripts the new run did not get to
//! are listed as not run, not as changes. Latency is compared only between runs on the same
//! kind of target at the same time scale, and a change counts only beyond a noise band that
//! includes the runs' timing resolution (see [`latency_band_ms`]).

mod render;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

pub use render::render_diff;

use crate::report::{RunReport, Target, UNKNOWN};
use crate::runner::{CommandTiming, ScriptResult, Verdict};

/// A response time counts as a regression when it grows by this factor ...
pub const LATENCY_FACTOR: f64 = 1.5;
/// ... and by at least this many milliseconds (so 2 ms → 4 ms is not news) ...
pub const LATENCY_MIN_DELTA_MS: f64 = 50.0;
/// ... and by at least this fraction of the note's limit (so 100 ms more on a 75 s QMTOPEN
/// is noise, not a regression) ...
pub const LATENCY_MIN_DELTA_OF_LIMIT: f64 = 0.05;
/// ... and by at least the runs' timing resolution ([`Target::latency_resolution_ms`]). For a
/// simulator run that does not record it (`/1` reports), the resolution is this real-time
/// tolerance times the time scale in its links, as the runner sets it
/// (`RunConfig::scaled`).
pub const SIM_TOLERANCE_REAL_MS: f64 = 25.0;

/// A script whose verdict changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerdictChange {
    /// Script case id.
    pub script: String,
    /// Verdict in the old run (None: not in it).
    pub old: Option<Verdict>,
    /// Verdict in the new run (None: not in it).
    pub new: Option<Verdict>,
    /// First failure message of the new run, if any.
    pub message: Option<String>,
}

/// A command that got slower or faster beyond the noise band (or crossed its limit).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyChange {
    /// Script case id.
    pub script: String,
    /// The command line.
    pub command: String,
    /// Old response time, ms.
    pub old_ms: f64,
    /// New response time, ms.
    pub new_ms: f64,
    /// The note's limit, ms.
    pub limit_ms: Option<f64>,
    /// The smallest change that counted for this command, ms ([`latency_band_ms`]).
    pub band_ms: f64,
    /// Whether the new time is over the limit while the old one was not (for an
    /// improvement: the other way round).
    pub crossed_limit: bool,
}

/// Everything that changed.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct RunDiff {
    /// Old module revision.
    pub old_revision: Option<String>,
    /// New module revision.
    pub new_revision: Option<String>,
    /// Why the two runs may not be comparable (different targets, time scales, quirks,
    /// decoding, suite revisions or script files, an incomplete run, flaky scripts).
    pub warnings: Vec<String>,
    /// Whether latencies were compared (same target kind and time scale, known resolution).
    pub latency_compared: bool,
    /// The timing resolution used for the noise band, ms (the larger of the two runs').
    pub latency_resolution_ms: Option<f64>,
    /// Passed (or absent) before, fail or error now.
    pub new_failures: Vec<VerdictChange>,
    /// Failed before, pass now.
    pub fixed: Vec<VerdictChange>,
    /// Had a verdict before; the new run stopped before it (NOT RUN, pending, or absent
    /// from an incomplete run). Not a change of the module.
    pub not_run: Vec<VerdictChange>,
    /// Any other verdict change (skips, xfail markers, scripts added or removed).
    pub other_changes: Vec<VerdictChange>,
    /// Slower commands.
    pub latency_regressions: Vec<LatencyChange>,
    /// Faster commands (same thresholds, the other way).
    pub latency_improvements: Vec<LatencyChange>,
}

impl RunDiff {
    /// Whether the new run is worse: a new failure or a latency regression (what makes
    /// `bc20 conform diff` exit with 1). Warnings and scripts not run do not count.
    pub fn has_regressions(&self) -> bool {
        !self.new_failures.is_empty() || !self.latency_regressions.is_empty()
    }
}

fn bad(v: Option<Verdict>) -> bool {
    matches!(v, Some(Verdict::Fail | Verdict::Error))
}

fn id(s: &ScriptResult) -> &str {
    if s.id.is_empty() {
        &s.name
    } else {
        &s.id
    }
}

/// The simulator time scale named in a target's links (`time ×20`), if any.
pub fn time_scale(t: &Target) -> Option<f64> {
    t.links.iter().find_map(|l| {
        let rest = &l[l.find("time ×")? + "time ×".len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        rest[..end].parse().ok()
    })
}

/// A run's timing resolution, ms: [`Target::latency_resolution_ms`] when recorded; for a
/// simulator run without it, [`SIM_TOLERANCE_REAL_MS`] × its time scale; None when that is
/// unknown too (its latencies are then not comparable). 0 for hardware.
pub fn resolution_ms(t: &Target) -> Option<f64> {
    if t.latency_resolution_ms > 0.0 {
        Some(t.latency_resolution_ms)
    } else if t.kind == "sim" {
        match time_scale(t) {
            Some(s) => Some(SIM_TOLERANCE_REAL_MS * s),
            // Both simulator beds run on virtual time: response times are exact.
            None if t
                .links
                .iter()
                .any(|l| l.contains("virtual time") || l.contains("broker bed")) =>
            {
                Some(0.0)
            }
            None => None,
        }
    } else {
        Some(0.0)
    }
}

/// The smallest latency change that counts, ms: the largest of [`LATENCY_MIN_DELTA_MS`],
/// [`LATENCY_MIN_DELTA_OF_LIMIT`] of the note's limit, and the runs' resolution.
pub fn latency_band_ms(limit_ms: Option<f64>, resolution_ms: f64) -> f64 {
    LATENCY_MIN_DELTA_MS
        .max(limit_ms.unwrap_or(0.0) * LATENCY_MIN_DELTA_OF_LIMIT)
        .max(resolution_ms)
}

fn comparability(old: &RunReport, new: &RunReport, d: &mut RunDiff) {
    let (o, n) = (&old.target, &new.target);
    let w = &mut d.warnings;
    let mut latency_ok = true;
    if o.kind != n.kind {
        w.push(format!(
            "the targets differ ({} -> {}): latency changes are not compared",
            o.kind, n.kind
        ));
        latency_ok = false;
    } else if time_scale(o) != time_scale(n) {
        let s = |t: &Target| time_scale(t).map_or("?".to_owned(), |s| format!("×{s}"));
        w.push(format!(
            "the time scales differ ({} -> {}): latency changes are not compared",
            s(o),
            s(n)
        ));
        latency_ok = false;
    }
    if o.links != n.links {
        w.push(format!(
            "the links differ: {} -> {}",
            o.links.join(", "),
            n.links.join(", ")
        ));
    }
    if o.quirks != n.quirks {
        w.push(format!(
            "the simulator quirks differ: [{}] -> [{}]",
            o.quirks.join(", "),
            n.quirks.join(", ")
        ));
    }
    // A report from before `mqtt_version` existed has none (it was 3.1.1 then).
    if let (Some(a), Some(b)) = (&o.mqtt_version, &n.mqtt_version) {
        if a != b {
            w.push(format!("the MQTT versions differ: {a} -> {b}"));
        }
    }
    if o.mode != n.mode {
        w.push(format!(
            "the decoding modes differ: {} -> {}",
            o.mode, n.mode
        ));
    }
    let (or, nr) = (resolution_ms(o), resolution_ms(n));
    if latency_ok {
        match (or, nr) {
            (Some(a), Some(b)) => d.latency_resolution_ms = Some(a.max(b)),
            _ => {
                w.push(
                    "the timing resolution of a simulator run is unknown: latency changes \
                     are not compared"
                        .to_owned(),
                );
                latency_ok = false;
            }
        }
    }
    d.latency_compared = latency_ok;
    match (clean_revision(old), clean_revision(new)) {
        (Some(a), Some(b)) if a != b => w.push(format!(
            "the suite revisions differ ({a} -> {b}): the scripts may have changed"
        )),
        (Some(_), Some(_)) => {}
        _ => w.push(format!(
            "a suite revision is unknown or dirty ({} -> {}): the scripts may differ",
            shown(&old.certification.suite_revision),
            shown(&new.certification.suite_revision)
        )),
    }
    for (name, r) in [("old", old), ("new", new)] {
        if !r.complete {
            w.push(format!(
                "the {name} run is incomplete{}",
                r.interrupted
                    .as_ref()
                    .map(|i| format!(" (interrupted: {i})"))
                    .unwrap_or_default()
            ));
        }
    }
}

/// The suite revision when it names an exact commit (known, not dirty).
fn clean_revision(r: &RunReport) -> Option<&str> {
    let s = r.certification.suite_revision.as_str();
    (!s.is_empty() && s != UNKNOWN && !s.ends_with("-dirty")).then_some(s)
}

fn shown(s: &str) -> &str {
    if s.is_empty() {
        UNKNOWN
    } else {
        s
    }
}

/// Compares two runs script by script (matched by case id), and command by command (matched
/// by position and text within each script).
pub fn diff_reports(old: &RunReport, new: &RunReport) -> RunDiff {
    let olds: BTreeMap<&str, &ScriptResult> = old.scripts.iter().map(|s| (id(s), s)).collect();
    let news: BTreeMap<&str, &ScriptResult> = new.scripts.iter().map(|s| (id(s), s)).collect();
    let pending = |r: &RunReport| -> BTreeSet<String> { r.pending.iter().cloned().collect() };
    let (old_pending, new_pending) = (pending(old), pending(new));
    let mut d = RunDiff {
        old_revision: old.module.revision.clone(),
        new_revision: new.module.revision.clone(),
        ..RunDiff::default()
    };
    comparability(old, new, &mut d);
    let mut names: Vec<&str> = olds.keys().chain(news.keys()).copied().collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let o = olds.get(name).copied();
        let n = news.get(name).copied();
        if let (Some(o), Some(n)) = (o, n) {
            if let (Some(a), Some(b)) = (&o.sha256, &n.sha256) {
                if a != b {
                    d.warnings
                        .push(format!("{name}: the script file changed between the runs"));
                }
            }
        }
        if let Some(note) = n.filter(|n| n.flaky()).and_then(|n| n.tries_note()) {
            d.warnings.push(format!("{name}: {note} in the new run"));
        }
        let ov = o.map(|s| s.verdict);
        let nv = n.map(|s| s.verdict);
        // The new run did not get to it: pending, NOT RUN, or absent from a cut-short run.
        let new_missed = match n {
            Some(n) => n.verdict == Verdict::NotRun,
            None => !new.complete || o.is_some_and(|o| new_pending.contains(&o.path)),
        };
        let old_missed = match o {
            Some(o) => o.verdict == Verdict::NotRun,
            None => !old.complete || n.is_some_and(|n| old_pending.contains(&n.path)),
        };
        if ov != nv {
            let change = VerdictChange {
                script: name.to_owned(),
                old: ov,
                new: nv,
                message: n.and_then(ScriptResult::first_failure),
            };
            if new_missed {
                if !old_missed {
                    d.not_run.push(change);
                }
            } else if bad(nv) && !bad(ov) {
                d.new_failures.push(change);
            } else if bad(ov) && matches!(nv, Some(Verdict::Pass | Verdict::XPass)) {
                d.fixed.push(change);
            } else {
                d.other_changes.push(change);
            }
        }
        if let (Some(o), Some(n), Some(res)) = (o, n, d.latency_resolution_ms) {
            if d.latency_compared {
                latency(name, &o.commands, &n.commands, res, &mut d);
            }
        }
    }
    d
}

fn latency(
    script: &str,
    old: &[CommandTiming],
    new: &[CommandTiming],
    resolution: f64,
    d: &mut RunDiff,
) {
    for (o, n) in old.iter().zip(new) {
        if o.command != n.command {
            continue;
        }
        let (Some(om), Some(nm)) = (o.latency_ms, n.latency_ms) else {
            continue;
        };
        let band = latency_band_ms(n.limit_ms.or(o.limit_ms), resolution);
        let over = |t: &CommandTiming| t.within_limit == Some(false);
        let change = |crossed| LatencyChange {
            script: script.to_owned(),
            command: n.command.clone(),
            old_ms: om,
            new_ms: nm,
            limit_ms: n.limit_ms,
            band_ms: band,
            crossed_limit: crossed,
        };
        if (over(n) && !over(o)) || (nm > om * LATENCY_FACTOR && nm - om >= band) {
            d.latency_regressions.push(change(over(n) && !over(o)));
        } else if (over(o) && !over(n)) || (om > nm * LATENCY_FACTOR && om - nm >= band) {
            d.latency_improvements.push(change(over(o) && !over(n)));
        }
    }
}
