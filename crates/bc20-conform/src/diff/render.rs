//! The human-readable rendering of a [`RunDiff`].

use std::fmt::Write;

use super::{LatencyChange, RunDiff, VerdictChange};
use crate::runner::Verdict;

fn v(v: Option<Verdict>) -> &'static str {
    v.map_or("absent", Verdict::label)
}

fn verdicts(s: &mut String, title: &str, items: &[VerdictChange]) {
    let _ = writeln!(s, "{title} ({}):", items.len());
    for c in items {
        let _ = write!(s, "  {:<28} {} -> {}", c.script, v(c.old), v(c.new));
        if let Some(m) = &c.message {
            let _ = write!(s, "  {m}");
        }
        s.push('\n');
    }
}

fn latencies(s: &mut String, title: &str, items: &[LatencyChange]) {
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
                if c.crossed_limit { ", crossed" } else { "" }
            );
        }
        s.push('\n');
    }
}

/// A human-readable rendering: warnings first, then verdict changes, then latency.
pub fn render_diff(d: &RunDiff) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "module revision: {} -> {}",
        d.old_revision.as_deref().unwrap_or("?"),
        d.new_revision.as_deref().unwrap_or("?")
    );
    for w in &d.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    verdicts(&mut s, "new failures", &d.new_failures);
    verdicts(&mut s, "fixed", &d.fixed);
    if !d.not_run.is_empty() {
        verdicts(&mut s, "not run in the new run (not a change)", &d.not_run);
    }
    if !d.other_changes.is_empty() {
        verdicts(&mut s, "other changes", &d.other_changes);
    }
    match (d.latency_compared, d.latency_resolution_ms) {
        (true, Some(r)) => {
            let _ = writeln!(
                s,
                "latency: a change counts when 1.5× and at least max(50 ms, 5 % of the limit, \
                 resolution {r:.0} ms), or when it crosses the limit"
            );
            latencies(&mut s, "latency regressions", &d.latency_regressions);
            if !d.latency_improvements.is_empty() {
                latencies(&mut s, "latency improvements", &d.latency_improvements);
            }
        }
        _ => {
            let _ = writeln!(s, "latency: not compared (see the warnings)");
        }
    }
    s
}
