//! The report model: what was tested, by whom, and what every script gave.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{case_ids, rfc3339, traceability, Certification, RunOrder, TraceRow, SCHEMA};
use crate::runner::{ScriptResult, Verdict};

/// What was tested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Target {
    /// `sim` or `serial`.
    pub kind: String,
    /// Links used (`serial /dev/ttyUSB0 @115200`, `simulator, in-process, broker bed`).
    pub links: Vec<String>,
    /// The broker the peer used (password masked).
    pub broker: Option<String>,
    /// Simulator quirk profiles that were on.
    pub quirks: Vec<String>,
    /// Strict or lenient decoding.
    pub mode: String,
    /// The timing resolution of the run's response times, ms: the tolerance the runner adds
    /// to the note's limits (`RunConfig::latency_tolerance`): 0 on serial and on both
    /// simulator beds (virtual time is exact); earlier versions ran the simulator on a
    /// scaled wall clock and recorded 25 ms × the time scale. The testbed fills it in;
    /// `bc20 conform diff` ignores latency changes smaller than it. On a `sim` target whose
    /// links name a time scale (`time ×20`, reports of those versions, `/1` included), 0
    /// means unknown and the diff derives it from the scale.
    #[serde(default)]
    pub latency_resolution_ms: f64,
    /// The MQTT version the module speaks (`3.1.1`, `3.1`), when the testbed chose it (the
    /// simulator); `None` on serial, where the module decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mqtt_version: Option<String>,
}

/// The module's identity as it reported it before the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ModuleIdentity {
    /// `ATI` information lines.
    pub ati: Vec<String>,
    /// `AT+CGMR` information lines.
    pub cgmr: Vec<String>,
    /// The firmware revision, from `AT+CGMR` (or the `Revision:` line of `ATI`).
    pub revision: Option<String>,
    /// The IMEI (`AT+CGSN=1`), when the runner asked and the module answered.
    #[serde(default)]
    pub imei: Option<String>,
    /// The SIM's ICCID (`AT+QCCID`), when known.
    #[serde(default)]
    pub iccid: Option<String>,
    /// The SIM's IMSI (`AT+CIMI`), when known.
    #[serde(default)]
    pub imsi: Option<String>,
}

/// Counts per verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Summary {
    /// Scripts in the run.
    pub total: usize,
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Could not run to their end.
    pub errors: usize,
    /// Skipped.
    pub skipped: usize,
    /// Without a result yet (the run is in progress or was cut short).
    pub pending: usize,
    /// Marked `xfail` and failed as expected.
    #[serde(default)]
    pub xfailed: usize,
    /// Marked `xfail` but passed (remove the marker).
    #[serde(default)]
    pub xpassed: usize,
    /// Reported NOT RUN (the run stopped before them).
    #[serde(default)]
    pub not_run: usize,
    /// Retried scripts whose tries disagree (their verdict is not reliable).
    #[serde(default)]
    pub flaky: usize,
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// [`SCHEMA`] (or the schema the report was read with).
    pub schema: String,
    /// `bc20-conform <version>`.
    pub tool: String,
    /// Wall-clock start, RFC 3339 UTC.
    pub started_at: String,
    /// Wall-clock duration so far, ms.
    pub duration_ms: f64,
    /// Whether every script has run (false while running or after an interrupt).
    pub complete: bool,
    /// Why the run stopped early (`SIGINT`, `port /dev/ttyUSB0 lost: ...`); None when it
    /// was not interrupted.
    #[serde(default)]
    pub interrupted: Option<String>,
    /// The order the scripts ran in (`--order`); None: as given.
    #[serde(default)]
    pub order: Option<RunOrder>,
    /// What was tested.
    pub target: Target,
    /// The module's identity.
    pub module: ModuleIdentity,
    /// What ran the test and on what: tool and suite revisions, script digests, command
    /// line, host. Empty in `/1` reports.
    #[serde(default)]
    pub certification: Certification,
    /// Counts.
    pub summary: Summary,
    /// Scripts without a result yet, by path.
    pub pending: Vec<String>,
    /// Every script that ran, in the order given.
    pub scripts: Vec<ScriptResult>,
    /// Spec clause → scripts → verdict.
    pub traceability: Vec<TraceRow>,
}

impl RunReport {
    /// An empty report for a run starting now.
    pub fn new(target: Target, pending: Vec<String>) -> Self {
        let mut r = RunReport {
            schema: SCHEMA.to_owned(),
            tool: format!("bc20-conform {}", env!("CARGO_PKG_VERSION")),
            started_at: rfc3339(std::time::SystemTime::now()),
            duration_ms: 0.0,
            complete: false,
            interrupted: None,
            order: None,
            target,
            module: ModuleIdentity::default(),
            certification: Certification::default(),
            summary: Summary::default(),
            pending,
            scripts: Vec::new(),
            traceability: Vec::new(),
        };
        r.refresh();
        r
    }

    /// Fills what the results may lack (case ids, script digests from the certification
    /// record) and recomputes the summary and the traceability matrix.
    pub fn refresh(&mut self) {
        self.fill_ids();
        let digests: BTreeMap<&str, &str> = self
            .certification
            .scripts
            .iter()
            .filter_map(|d| Some((d.path.as_str(), d.sha256.as_deref()?)))
            .collect();
        for s in &mut self.scripts {
            if s.sha256.is_none() {
                s.sha256 = digests.get(s.path.as_str()).map(|h| (*h).to_owned());
            }
        }
        let count = |v: Verdict| self.scripts.iter().filter(|s| s.verdict == v).count();
        self.summary = Summary {
            total: self.scripts.len() + self.pending.len(),
            passed: count(Verdict::Pass),
            failed: count(Verdict::Fail),
            errors: count(Verdict::Error),
            skipped: count(Verdict::Skipped),
            pending: self.pending.len(),
            xfailed: count(Verdict::XFail),
            xpassed: count(Verdict::XPass),
            not_run: count(Verdict::NotRun),
            flaky: self.scripts.iter().filter(|s| s.flaky()).count(),
        };
        self.traceability = traceability(&self.scripts);
    }

    /// Gives every result without an id the one [`case_ids`] computes over all the run's
    /// paths (results and pending), so ids do not depend on which scripts finished first.
    pub(crate) fn fill_ids(&mut self) {
        if self.scripts.iter().all(|s| !s.id.is_empty()) {
            return;
        }
        let paths: Vec<&str> = self
            .scripts
            .iter()
            .map(|s| s.path.as_str())
            .chain(self.pending.iter().map(String::as_str))
            .collect();
        let ids = case_ids(&paths);
        for (s, id) in self.scripts.iter_mut().zip(ids) {
            if s.id.is_empty() {
                s.id = id;
            }
        }
    }

    /// Whether the run counts as passed: no script FAILED, ERRORED or was NOT RUN, and
    /// none is pending. SKIP, XFAIL and XPASS do not fail the run.
    pub fn all_passed(&self) -> bool {
        let s = &self.summary;
        s.failed == 0 && s.errors == 0 && s.not_run == 0 && s.pending == 0
    }
}
