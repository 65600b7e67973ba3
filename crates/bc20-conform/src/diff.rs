//! `bc20 conform diff OLD.json NEW.json`: what changed between two runs.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::report::RunReport;
use crate::runner::{CommandTiming, ScriptResult, Verdict};

/// A response time counts as a regression when it grows by this factor ...
pub const LATENCY_FACTOR: f64 = 1.5;
/// ... and by at least this many milliseconds (so 2 ms → 4 ms is not news) ...
pub const LATENCY_MIN_DELTA_MS: f64 = 50.0;
/// ... and by at least this fraction of the note's limit (so 100 ms more on a 75 s QMTOPEN
/// is noise, not a regression).
pub const LATENCY_MIN_DELTA_OF_LIMIT: f64 = 0.05;

/// A script whose verdict changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerdictChange {
    /// Script name.
    pub script: String,
    /// Verdict in the old run (None: not in it).
    pub old: Option<Verdict>,
    /// Verdict in the new run (None: not in it).
    pub new: Option<Verdict>,
    /// First failure message of the new run, if any.
    pub message: Option<String>,
}

/// A command that got slower (or crossed its limit).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyChange {
    /// Script name.
    pub script: String,
    /// The command line.
    pub command: String,
    /// Old response time, ms.
    pub old_ms: f64,
    /// New response time, ms.
    pub new_ms: f64,
    /// The note's limit, ms.
    pub limit_ms: Option<f64>,
    /// Whether the new time is over the limit while the old one was not.
    pub crossed_limit: bool,
}

/// Everything that changed.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct RunDiff {
    /// Old module revision.
    pub old_revision: Option<String>,
    /// New module revision.
    pub new_revision: Option<String>,
    /// Passed (or absent) before, fail or error now.
    pub new_failures: Vec<VerdictChange>,
    /// Failed before, pass now.
    pub fixed: Vec<VerdictChange>,
    /// Any other verdict change (skips, scripts added or removed).
    pub other_changes: Vec<VerdictChange>,
    /// Slower commands.
    pub latency_regressions: Vec<LatencyChange>,
    /// Faster commands (same thresholds, the other way).
    pub latency_improvements: Vec<LatencyChange>,
}

impl RunDiff {
    /// Whether the new run is worse (new failures or latency regressions).
    pub fn has_regressions(&self) -> bool {
        !self.new_failures.is_empty() || !self.latency_regressions.is_empty()
    }
}

fn bad(v: Option<Verdict>) -> bool {
    matches!(v, Some(Verdict::Fail | Verdict::Error))
}

/// Compares two runs script by script, and command by command (matched by position and
/// text within each script).
pub fn diff_reports(old: &RunReport, new: &RunReport) -> RunDiff {
    let olds: BTreeMap<&str, &ScriptResult> =
        old.scripts.iter().map(|s| (s.name.as_str(), s)).collect();
    let news: BTreeMap<&str, &ScriptResult> =
        new.scripts.iter().map(|s| (s.name.as_str(), s)).collect();
    let mut d = RunDiff {
        old_revision: old.module.revision.clone(),
        new_revision: new.module.revision.clone(),
        ..RunDiff::default()
    };
    let mut names: Vec<&str> = olds.keys().chain(news.keys()).copied().collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let o = olds.get(name).copied();
        let n = news.get(name).copied();
        let ov = o.map(|s| s.verdict);
        let nv = n.map(|s| s.verdict);
        if ov != nv {
            let change = VerdictChange {
                script: name.to_owned(),
                old: ov,
                new: nv,
                message: n
                    .and_then(|s| s.failures.first())
                    .map(|f| format!("{}: {}", f.at, f.message)),
            };
            if bad(nv) && !bad(ov) {
                d.new_failures.push(change);
            } else if bad(ov) && nv == Some(Verdict::Pass) {
                d.fixed.push(change);
            } else {
                d.other_changes.push(change);
            }
        }
        if let (Some(o), Some(n)) = (o, n) {
            latency(name, &o.commands, &n.commands, &mut d);
        }
    }
    d
}

fn latency(script: &str, old: &[CommandTiming], new: &[CommandTiming], d: &mut RunDiff) {
    for (o, n) in old.iter().zip(new) {
        if o.command != n.command {
            continue;
        }
        let (Some(om), Some(nm)) = (o.latency_ms, n.latency_ms) else {
            continue;
        };
        let crossed = n.within_limit == Some(false) && o.within_limit != Some(false);
        let min_delta =
            LATENCY_MIN_DELTA_MS.max(n.limit_ms.unwrap_or(0.0) * LATENCY_MIN_DELTA_OF_LIMIT);
        let change = LatencyChange {
            script: script.to_owned(),
            command: n.command.clone(),
            old_ms: om,
            new_ms: nm,
            limit_ms: n.limit_ms,
            crossed_limit: crossed,
        };
        if crossed || (nm > om * LATENCY_FACTOR && nm - om >= min_delta) {
            d.latency_regressions.push(change);
        } else if om > nm * LATENCY_FACTOR && om - nm >= min_delta {
            d.latency_improvements.push(change);
        }
    }
}

fn v(v: Option<Verdict>) -> &'static str {
    v.map_or("absent", Verdict::label)
}

/// A human-readable rendering.
pub fn render_diff(d: &RunDiff) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "module revision: {} -> {}",
        d.old_revision.as_deref().unwrap_or("?"),
        d.new_revision.as_deref().unwrap_or("?")
    );
    let section = |s: &mut String, title: &str, items: &[VerdictChange]| {
        let _ = writeln!(s, "{title} ({}):", items.len());
        for c in items {
            let _ = write!(s, "  {:<28} {} -> {}", c.script, v(c.old), v(c.new));
            if let Some(m) = &c.message {
                let _ = write!(s, "  {m}");
            }
            s.push('\n');
        }
    };
    section(&mut s, "new failures", &d.new_failures);
    section(&mut s, "fixed", &d.fixed);
    if !d.other_changes.is_empty() {
        section(&mut s, "other changes", &d.other_changes);
    }
    let lat = |s: &mut String, title: &str, items: &[LatencyChange]| {
        let _ = writeln!(s, "{title} ({}):", items.len());
        for c in items {
            let _ = write!(
                s,
                "  {:<28} {:<40} {:.0} ms -> {:.0} ms",
                c.script, c.command, c.old_ms, c.new_ms
            );
            if let Some(l) = c.limit_ms {
                let _ = write!(
                    s,
                    " (limit {l:.0} ms{})",
                    if c.crossed_limit { ", now over" } else { "" }
                );
            }
            s.push('\n');
        }
    };
    lat(&mut s, "latency regressions", &d.latency_regressions);
    if !d.latency_improvements.is_empty() {
        lat(&mut s, "latency improvements", &d.latency_improvements);
    }
    s
}
