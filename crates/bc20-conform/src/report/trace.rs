//! The traceability matrix: spec clause (or id) → scripts → verdict.
//!
//! Scripts are not tagged step by step, so a clause's verdict is per script: the worst
//! verdict of the scripts that tag it, where only a script that FAILED can make a clause
//! FAIL. A script that could not establish anything (ERROR, NOT RUN) leaves the clause "not
//! established", and a SKIP counts only when every covering script was skipped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::runner::{ScriptResult, Verdict};

/// What a run says about one clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ClauseVerdict {
    /// A script that tags the clause FAILED.
    #[serde(rename = "fail")]
    Fail,
    /// No script failed, but one is marked `xfail` and failed as expected (a known defect).
    #[serde(rename = "xfail")]
    XFail,
    /// No failure, but a covering script could not run to its end (ERROR) or did not run
    /// (NOT RUN), so what it checks is unknown. `/1` reports said `error`.
    #[serde(rename = "not_established", alias = "error")]
    NotEstablished,
    /// Every covering script that ran passed (PASS or XPASS).
    #[serde(rename = "pass")]
    Pass,
    /// Every covering script was skipped.
    #[serde(rename = "skipped")]
    Skipped,
}

impl ClauseVerdict {
    /// What one script's verdict says about the clauses it tags.
    pub fn of(v: Verdict) -> ClauseVerdict {
        match v {
            Verdict::Fail => ClauseVerdict::Fail,
            Verdict::XFail => ClauseVerdict::XFail,
            Verdict::Error | Verdict::NotRun => ClauseVerdict::NotEstablished,
            Verdict::Pass | Verdict::XPass => ClauseVerdict::Pass,
            Verdict::Skipped => ClauseVerdict::Skipped,
        }
    }

    /// `FAIL`, `XFAIL`, `NOT ESTABLISHED`, `PASS`, `SKIP`.
    pub fn label(self) -> &'static str {
        match self {
            ClauseVerdict::Fail => "FAIL",
            ClauseVerdict::XFail => "XFAIL",
            ClauseVerdict::NotEstablished => "NOT ESTABLISHED",
            ClauseVerdict::Pass => "PASS",
            ClauseVerdict::Skipped => "SKIP",
        }
    }

    /// Higher is worse: fail > xfail > not established > pass > skipped.
    fn rank(self) -> u8 {
        match self {
            ClauseVerdict::Fail => 4,
            ClauseVerdict::XFail => 3,
            ClauseVerdict::NotEstablished => 2,
            ClauseVerdict::Pass => 1,
            ClauseVerdict::Skipped => 0,
        }
    }
}

/// One tag of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceRow {
    /// The clause (`3.2.2`), spec id (`qmtopen.write`) or code (`qmtopen.result=2`).
    pub tag: String,
    /// Scripts that tag it (case ids), with their verdicts.
    pub scripts: Vec<(String, Verdict)>,
    /// The worst verdict of the scripts that tag it, by [`ClauseVerdict::of`]; `None` when
    /// no script of this run covers it.
    pub verdict: Option<ClauseVerdict>,
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
        let id = if s.id.is_empty() { &s.name } else { &s.id };
        for t in &s.tags {
            rows.entry((clause_key(t), t.clone()))
                .or_default()
                .push((id.clone(), s.verdict));
        }
    }
    rows.into_iter()
        .map(|((_, tag), scripts)| {
            let verdict = scripts
                .iter()
                .map(|(_, v)| ClauseVerdict::of(*v))
                .max_by_key(|v| v.rank());
            TraceRow {
                tag,
                scripts,
                verdict,
            }
        })
        .collect()
}

/// Numeric clauses first, in numeric order (`3.2.10` after `3.2.9`), then the rest.
fn clause_key(tag: &str) -> Vec<u32> {
    let parts: Option<Vec<u32>> = tag.split('.').map(|p| p.parse().ok()).collect();
    parts.unwrap_or_else(|| vec![u32::MAX])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(verdicts: &[Verdict]) -> Option<ClauseVerdict> {
        let scripts: Vec<ScriptResult> = verdicts
            .iter()
            .enumerate()
            .map(|(i, v)| ScriptResult {
                id: format!("s{i}"),
                tags: vec!["x.clause".to_owned()],
                verdict: *v,
                ..ScriptResult::default()
            })
            .collect();
        traceability(&scripts)
            .into_iter()
            .find(|r| r.tag == "x.clause")
            .and_then(|r| r.verdict)
    }

    #[test]
    fn only_a_failed_script_makes_a_clause_fail() {
        use Verdict::*;
        assert_eq!(row(&[Pass, Fail, Error]), Some(ClauseVerdict::Fail));
        assert_eq!(row(&[Pass, Error]), Some(ClauseVerdict::NotEstablished));
        assert_eq!(row(&[Pass, NotRun]), Some(ClauseVerdict::NotEstablished));
        assert_eq!(row(&[Pass, Skipped]), Some(ClauseVerdict::Pass));
        assert_eq!(row(&[Skipped]), Some(ClauseVerdict::Skipped));
        assert_eq!(row(&[XPass, Pass]), Some(ClauseVerdict::Pass));
        assert_eq!(row(&[XFail, Pass]), Some(ClauseVerdict::XFail));
        assert_eq!(row(&[]), None);
    }

    #[test]
    fn v1_error_reads_as_not_established() {
        let r: ClauseVerdict = serde_json::from_str("\"error\"").unwrap();
        assert_eq!(r, ClauseVerdict::NotEstablished);
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"not_established\"");
    }
}
