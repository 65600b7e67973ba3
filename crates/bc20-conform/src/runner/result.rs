//! What running one script produced: verdict, failures, timings, transcript.

use serde::{Deserialize, Serialize};

use crate::script::Section;
use crate::transcript::Event;

/// The outcome of one script.
///
/// The derived order is declaration order; it carries no meaning (the traceability matrix
/// and the diff rank verdicts explicitly).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every step passed and every command answered within its limit.
    Pass,
    /// A step failed or a command was too slow: the module deviates.
    Fail,
    /// The script could not run to its end (link or peer failure, script error).
    Error,
    /// Deliberately not run (e.g. `requires sim` on hardware).
    Skipped,
    /// The script is marked `xfail` (a known firmware defect) and failed, as expected. Does
    /// not fail the run.
    #[serde(rename = "xfail")]
    XFail,
    /// The script is marked `xfail` but passed: the defect looks fixed and the marker should
    /// be removed. Does not fail the run, but every report shows it prominently.
    #[serde(rename = "xpass")]
    XPass,
    /// The run stopped before this script (interrupt, lost port). Fails the run. The default,
    /// so that a result nobody filled in can never pass for a success.
    #[default]
    #[serde(rename = "not_run")]
    NotRun,
}

impl Verdict {
    /// `PASS`, `FAIL`, `ERROR`, `SKIP`, `XFAIL`, `XPASS`, `NOT RUN`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Error => "ERROR",
            Verdict::Skipped => "SKIP",
            Verdict::XFail => "XFAIL",
            Verdict::XPass => "XPASS",
            Verdict::NotRun => "NOT RUN",
        }
    }

    /// Whether this verdict makes the run fail: FAIL, ERROR and NOT RUN do; PASS, SKIP,
    /// XFAIL and XPASS do not.
    pub fn fails_run(self) -> bool {
        matches!(self, Verdict::Fail | Verdict::Error | Verdict::NotRun)
    }

    /// The verdict of a script marked `xfail` (`marked`): FAIL becomes XFAIL and PASS
    /// becomes XPASS; any other verdict (an ERROR proves nothing about the defect) is kept.
    pub fn expecting_failure(self, marked: bool) -> Verdict {
        match (marked, self) {
            (true, Verdict::Fail) => Verdict::XFail,
            (true, Verdict::Pass) => Verdict::XPass,
            (_, v) => v,
        }
    }
}

/// One earlier try of a script that `--retry-failed` ran again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Attempt {
    /// The verdict of that try.
    pub verdict: Verdict,
    /// Its wall-clock duration, ms.
    pub duration_ms: f64,
    /// Its first failure, `file:line:col: message` (None when it had none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Attempt {
    /// The summary of a finished try.
    pub fn of(result: &ScriptResult) -> Attempt {
        Attempt {
            verdict: result.verdict,
            duration_ms: result.duration_ms,
            message: result.first_failure(),
        }
    }
}

/// One failed step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Where the step is (`file:line:col`).
    pub at: String,
    /// Section of the step.
    pub section: Option<Section>,
    /// The step as written.
    pub step: String,
    /// What went wrong.
    pub message: String,
}

/// Response time of one command against the note's maximum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandTiming {
    /// Position among the script's commands (0-based).
    pub index: usize,
    /// The command line (secrets masked).
    pub command: String,
    /// Its spec/ form id, when the grammar knows it.
    pub form: Option<String>,
    /// Milliseconds after the script start (link clock) when it was sent.
    pub sent_ms: f64,
    /// Time to the final result code, ms.
    pub final_ms: Option<f64>,
    /// Time to the command's last line (the asynchronous result where there is one), ms.
    pub latency_ms: Option<f64>,
    /// The note's maximum response time, ms (None for commands the note does not cover).
    pub limit_ms: Option<f64>,
    /// `latency_ms <= limit_ms`; None when either is unknown.
    pub within_limit: Option<bool>,
    /// The last line the command got (final or asynchronous result).
    pub outcome: Option<String>,
}

/// Everything one script run produced.
///
/// `Default` gives an empty result with the verdict NOT RUN, for building results field by
/// field (`ScriptResult { verdict, ..ScriptResult::default() }`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ScriptResult {
    /// The unique case name of the script in its run: its path relative to the deepest
    /// directory holding every script of the run, without the `.bc20` extension, with `/`
    /// separators (`qmtopen` when all scripts are in one folder; `conformance/qmtopen` and
    /// `extra/qmtopen` when two folders hold a `qmtopen.bc20`). See
    /// [`crate::report::case_ids`]. JUnit test case names, HTML anchors, transcript file names
    /// and the diff use it. Empty in a result not yet placed in a run: [`RunReport::refresh`]
    /// fills it in.
    ///
    /// [`RunReport::refresh`]: crate::report::RunReport::refresh
    #[serde(default)]
    pub id: String,
    /// Script name (file stem; not unique when two folders hold the same file name).
    pub name: String,
    /// Path as given.
    pub path: String,
    /// `title`.
    pub title: Option<String>,
    /// `tags`.
    pub tags: Vec<String>,
    /// Verdict (of the last try when the script was retried).
    pub verdict: Verdict,
    /// Why the script is marked `xfail` (the known firmware defect), when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xfail: Option<String>,
    /// Earlier tries, oldest first, when `--retry-failed` ran the script again after a
    /// failure; the fields of this result describe the last try. Empty: tried once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<Attempt>,
    /// The module (serial port or simulator instance) that ran the script.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// SHA-256 (lower-case hex) of the script file as run (not of its includes, which are in
    /// the run's certification record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Wall-clock duration, ms.
    pub duration_ms: f64,
    /// Link-clock duration, ms (virtual time on the simulator).
    pub link_ms: f64,
    /// Failed steps (the first one ends the test section).
    pub failures: Vec<Failure>,
    /// Notices: skipped steps, teardown problems after a failure, warnings.
    pub notices: Vec<String>,
    /// Every command with its response time.
    pub commands: Vec<CommandTiming>,
    /// spec/ ids seen in the module's lines and the commands sent, plus `id=code` for coded
    /// results (`qmtopen.result=2`, `urc.qmtstat=1`, `qmtconn.result.ret_code=0`).
    pub observed: Vec<String>,
    /// The transcript (also written as JSON lines while the script ran).
    pub transcript: Vec<Event>,
}

impl ScriptResult {
    /// The first failure as `file:line:col: message`.
    pub fn first_failure(&self) -> Option<String> {
        self.failures
            .first()
            .map(|f| format!("{}: {}", f.at, f.message))
    }

    /// Marks the result as belonging to a script marked `xfail` for `reason`, turning FAIL
    /// into XFAIL and PASS into XPASS (see [`Verdict::expecting_failure`]). Earlier tries are
    /// mapped the same way.
    pub fn expect_failure(&mut self, reason: &str) {
        self.xfail = Some(reason.to_owned());
        self.verdict = self.verdict.expecting_failure(true);
        for a in &mut self.attempts {
            a.verdict = a.verdict.expecting_failure(true);
        }
    }

    /// Makes `self` (a new try) the result, keeping `earlier` (the previous try, with its own
    /// earlier tries) in [`ScriptResult::attempts`].
    pub fn retried_after(&mut self, earlier: &ScriptResult) {
        let mut attempts = earlier.attempts.clone();
        attempts.push(Attempt::of(earlier));
        attempts.append(&mut self.attempts);
        self.attempts = attempts;
    }

    /// How many times the script ran (1 without retries).
    pub fn tries(&self) -> usize {
        self.attempts.len() + 1
    }

    /// Whether the tries disagree (some failed, some passed): the verdict is not reliable.
    pub fn flaky(&self) -> bool {
        self.attempts.iter().any(|a| a.verdict != self.verdict)
    }

    /// What the reports say about the tries: `flaky: passed on try 2 of 2`, `flaky: FAIL,
    /// PASS, FAIL over 3 tries`, `FAIL on all 3 tries`; None for a single try.
    pub fn tries_note(&self) -> Option<String> {
        if self.attempts.is_empty() {
            return None;
        }
        let n = self.tries();
        let passed = matches!(self.verdict, Verdict::Pass | Verdict::XPass);
        let earlier_failed = self.attempts.iter().all(|a| a.verdict.fails_run());
        Some(if passed && earlier_failed {
            format!("flaky: passed on try {n} of {n}")
        } else if self.flaky() {
            let all: Vec<&str> = self
                .attempts
                .iter()
                .map(|a| a.verdict.label())
                .chain(std::iter::once(self.verdict.label()))
                .collect();
            format!("flaky: {} over {n} tries", all.join(", "))
        } else {
            format!("{} on all {n} tries", self.verdict.label())
        })
    }
}

/// `PASS  qmtopen-results   0.4s  title` (or the first failure): one script's line on a
/// console.
pub fn verdict_line(r: &ScriptResult) -> String {
    let detail = match r.verdict {
        Verdict::Pass => r.title.clone().unwrap_or_default(),
        _ => r
            .failures
            .first()
            .map(|f| format!("{}: {}", f.at, f.message))
            .or_else(|| r.notices.first().cloned())
            .unwrap_or_default(),
    };
    format!(
        "{:<5} {:<32} {:>6.2}s  {}",
        r.verdict.label(),
        r.name,
        r.duration_ms / 1000.0,
        detail
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(verdict: Verdict) -> ScriptResult {
        ScriptResult {
            verdict,
            ..ScriptResult::default()
        }
    }

    #[test]
    fn an_unfilled_result_never_passes() {
        assert_eq!(ScriptResult::default().verdict, Verdict::NotRun);
        assert!(Verdict::default().fails_run());
    }

    #[test]
    fn xfail_marks_turn_fail_and_pass_only() {
        let mut r = result(Verdict::Fail);
        r.expect_failure("QT-1");
        assert_eq!(
            (r.verdict, r.xfail.as_deref()),
            (Verdict::XFail, Some("QT-1"))
        );
        assert_eq!(Verdict::Pass.expecting_failure(true), Verdict::XPass);
        assert_eq!(Verdict::Error.expecting_failure(true), Verdict::Error);
        assert_eq!(Verdict::Fail.expecting_failure(false), Verdict::Fail);
        assert!(!Verdict::XFail.fails_run() && !Verdict::XPass.fails_run());
    }

    #[test]
    fn every_try_is_kept_and_a_flaky_pass_says_so() {
        let mut first = result(Verdict::Fail);
        first.duration_ms = 10.0;
        first.failures.push(Failure {
            at: "a.bc20:3:1".to_owned(),
            section: None,
            step: "expect OK".to_owned(),
            message: "timeout".to_owned(),
        });
        let mut second = result(Verdict::Error);
        second.retried_after(&first);
        let mut third = result(Verdict::Pass);
        third.retried_after(&second);
        assert_eq!(third.tries(), 3);
        assert_eq!(
            third.attempts[0].message.as_deref(),
            Some("a.bc20:3:1: timeout")
        );
        assert_eq!(third.attempts[1].verdict, Verdict::Error);
        assert!(third.flaky());
        assert_eq!(
            third.tries_note().as_deref(),
            Some("flaky: passed on try 3 of 3")
        );
        let mut failed_again = result(Verdict::Fail);
        failed_again.retried_after(&first);
        assert!(!failed_again.flaky());
        assert_eq!(
            failed_again.tries_note().as_deref(),
            Some("FAIL on all 2 tries")
        );
        let mut mixed = result(Verdict::Fail);
        mixed.retried_after(&second);
        assert_eq!(
            mixed.tries_note().as_deref(),
            Some("flaky: FAIL, ERROR, FAIL over 3 tries")
        );
        assert_eq!(result(Verdict::Pass).tries_note(), None);
    }
}
