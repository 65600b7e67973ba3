//! What running one script produced: verdict, failures, timings, transcript.

use serde::{Deserialize, Serialize};

use crate::script::Section;
use crate::transcript::Event;

/// The outcome of one script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every step passed and every command answered within its limit.
    Pass,
    /// A step failed or a command was too slow: the module deviates.
    Fail,
    /// The script could not run (link or peer failure, script error, interrupted).
    Error,
    /// Not run (e.g. `requires sim` on hardware).
    Skipped,
}

impl Verdict {
    /// `PASS`, `FAIL`, `ERROR`, `SKIP`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Error => "ERROR",
            Verdict::Skipped => "SKIP",
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScriptResult {
    /// Script name (file stem).
    pub name: String,
    /// Path as given.
    pub path: String,
    /// `title`.
    pub title: Option<String>,
    /// `tags`.
    pub tags: Vec<String>,
    /// Verdict.
    pub verdict: Verdict,
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
