//! Run reports: the model ([`RunReport`]), and its JUnit XML, JSON and HTML renderings.
//!
//! The JSON form is the stable, machine-readable one (`schema` = [`SCHEMA`]); `bc20 conform
//! diff` reads it back. The files are rewritten after every script, so an interrupted run
//! still leaves a complete report of what ran.

mod catalog;
mod html;
mod json;
mod junit;
mod svg;
mod trace;
mod wall;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use catalog::spec_tags;
pub use html::render_html;
pub use json::{read_json, render_json};
pub use junit::render_junit;
pub use svg::latency_chart;
pub use trace::{traceability, TraceRow};
pub use wall::rfc3339;

use crate::runner::{ScriptResult, Verdict};

/// The JSON report's schema name; bump the number on an incompatible change.
pub const SCHEMA: &str = "bc20kit.conform.report/1";

/// What was tested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Target {
    /// `sim` or `serial`.
    pub kind: String,
    /// Links used (`serial /dev/ttyUSB0 @115200`, `simulator (virtual time)`).
    pub links: Vec<String>,
    /// The broker the peer used.
    pub broker: Option<String>,
    /// Simulator quirk profiles that were on.
    pub quirks: Vec<String>,
    /// Strict or lenient decoding.
    pub mode: String,
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
    /// IMEI (`AT+CGSN=1`), if the module answered.
    #[serde(default)]
    pub imei: Option<String>,
    /// ICCID of the SIM (`AT+QCCID`), if the module answered.
    #[serde(default)]
    pub iccid: Option<String>,
    /// IMSI (`AT+CIMI`), if the module answered.
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
    /// Could not run.
    pub errors: usize,
    /// Skipped.
    pub skipped: usize,
    /// Not run yet (the run is in progress or was interrupted).
    pub pending: usize,
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// [`SCHEMA`].
    pub schema: String,
    /// `bc20-conform <version>`.
    pub tool: String,
    /// Wall-clock start, RFC 3339 UTC.
    pub started_at: String,
    /// Wall-clock duration so far, ms.
    pub duration_ms: f64,
    /// Whether every script has run (false while running or after an interrupt).
    pub complete: bool,
    /// What was tested.
    pub target: Target,
    /// The module's identity.
    pub module: ModuleIdentity,
    /// Counts.
    pub summary: Summary,
    /// Scripts not run yet, by path.
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
            target,
            module: ModuleIdentity::default(),
            summary: Summary::default(),
            pending,
            scripts: Vec::new(),
            traceability: Vec::new(),
        };
        r.refresh();
        r
    }

    /// Recomputes the summary and the traceability matrix.
    pub fn refresh(&mut self) {
        let count = |v: Verdict| self.scripts.iter().filter(|s| s.verdict == v).count();
        self.summary = Summary {
            total: self.scripts.len() + self.pending.len(),
            passed: count(Verdict::Pass),
            failed: count(Verdict::Fail),
            errors: count(Verdict::Error),
            skipped: count(Verdict::Skipped),
            pending: self.pending.len(),
        };
        self.traceability = traceability(&self.scripts);
    }

    /// Whether every script that ran passed (or was skipped) and none is pending.
    pub fn all_passed(&self) -> bool {
        self.summary.failed == 0 && self.summary.errors == 0 && self.summary.pending == 0
    }
}

/// Where the three report files go.
#[derive(Debug, Clone)]
pub struct ReportPaths {
    /// `report.json`.
    pub json: PathBuf,
    /// `junit.xml`.
    pub junit: PathBuf,
    /// `report.html`.
    pub html: PathBuf,
    /// `transcripts/` (one JSON-lines file per script, written as it runs).
    pub transcripts: PathBuf,
}

impl ReportPaths {
    /// The standard names under `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        ReportPaths {
            json: dir.join("report.json"),
            junit: dir.join("junit.xml"),
            html: dir.join("report.html"),
            transcripts: dir.join("transcripts"),
        }
    }

    /// Writes all three renderings (each via a temporary file and a rename, so a reader
    /// never sees half a file).
    pub fn write(&self, report: &RunReport) -> std::io::Result<()> {
        if let Some(d) = self.json.parent() {
            std::fs::create_dir_all(d)?;
        }
        write_atomic(&self.json, render_json(report).as_bytes())?;
        write_atomic(&self.junit, render_junit(report).as_bytes())?;
        write_atomic(&self.html, render_html(report).as_bytes())?;
        Ok(())
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
