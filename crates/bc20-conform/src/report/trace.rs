//! The traceability matrix: spec clause (or id) → scripts → verdict.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::runner::{ScriptResult, Verdict};

/// One tag of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceRow {
    /// The clause (`3.2.2`), spec id (`qmtopen.write`) or code (`qmtopen.result=2`).
    pub tag: String,
    /// Scripts that tag it, with their verdicts.
    pub scripts: Vec<(String, Verdict)>,
    /// The worst verdict of those scripts (fail beats error beats pass beats skipped); `None`
    /// when no script of this run covers it.
    pub verdict: Option<Verdict>,
}

/// Builds the matrix: every clause and id of spec/ (covered or not) and every other tag of
/// the scripts, sorted by tag (clauses in numeric order).
pub fn traceability(scripts: &[ScriptResult]) -> Vec<TraceRow> {
    type Key = (Vec<u32>, String);
    let mut rows: BTreeMap<Key, Vec<(String, Verdict)>> = BTreeMap::new();
    for t in super::catalog::spec_tags() {
        rows.entry((clause_key(&t), t)).or_default();
    }
    for s in scripts {
        for t in &s.tags {
            rows.entry((clause_key(t), t.clone()))
                .or_default()
                .push((s.name.clone(), s.verdict));
        }
    }
    rows.into_iter()
        .map(|((_, tag), scripts)| {
            let verdict = worst(scripts.iter().map(|(_, v)| *v));
            TraceRow {
                tag,
                scripts,
                verdict,
            }
        })
        .collect()
}

/// Fail > Error > Pass > Skipped; `None` for no verdict at all.
fn worst(vs: impl Iterator<Item = Verdict>) -> Option<Verdict> {
    let rank = |v: Verdict| match v {
        Verdict::Fail => 3,
        Verdict::Error => 2,
        Verdict::Pass => 1,
        Verdict::Skipped => 0,
    };
    vs.max_by_key(|v| rank(*v))
}

/// Numeric clauses first, in numeric order (`3.2.10` after `3.2.9`), then the rest.
fn clause_key(tag: &str) -> Vec<u32> {
    let parts: Option<Vec<u32>> = tag.split('.').map(|p| p.parse().ok()).collect();
    parts.unwrap_or_else(|| vec![u32::MAX])
}
