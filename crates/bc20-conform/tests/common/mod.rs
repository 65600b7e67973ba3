//! Running the conformance suite in-process for the integration tests.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use bc20_conform::report::RunReport;
use bc20_conform::runner::RunConfig;
use bc20_conform::script::Script;
use bc20_conform::suite::{discover, load_all, run_suite, Quiet, SuiteOptions};
use bc20_conform::testbed::SimBed;
use bc20_sim::{MqttVersion, Quirks};

pub fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance")
}

pub fn suite() -> Vec<Script> {
    let files = discover(&[conformance_dir()]).unwrap();
    load_all(&files).unwrap_or_else(|errs| {
        panic!(
            "{}",
            errs.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

/// What `bc20 conform --sim` uses (either bed).
pub fn sim_config() -> RunConfig {
    bc20_conform::testbed::sim_run_config()
}

/// Runs `scripts` on simulators (2 at a time) against `broker` (None: the embedded one).
pub fn run_on_sim(scripts: &[Script], broker: Option<SocketAddr>, quirks: Quirks) -> RunReport {
    let bed = SimBed::new(broker, quirks, MqttVersion::V311, 2).unwrap();
    run_on_bed(scripts, &bed)
}

/// Runs `scripts` on `bed`, 2 at a time.
pub fn run_on_bed(scripts: &[Script], bed: &SimBed) -> RunReport {
    let opts = SuiteOptions {
        config: sim_config(),
        jobs: 2,
        reports: None,
        progress: &Quiet,
        retry_failed: 0,
        certification: Default::default(),
        order: None,
    };
    run_suite(scripts, bed, &opts)
}

/// One line per script that did not pass.
pub fn failures(r: &RunReport) -> String {
    r.scripts
        .iter()
        .filter(|s| s.verdict != bc20_conform::runner::Verdict::Pass)
        .map(|s| {
            format!(
                "{} {}: {}",
                s.verdict.label(),
                s.name,
                s.failures
                    .first()
                    .map(|f| format!("{}: {}", f.at, f.message))
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs `scripts` on the virtual bed (`jobs` at a time) as `bc20 conform --sim --virtual`.
pub fn run_on_virtual(scripts: &[Script], jobs: usize) -> RunReport {
    run_on_virtual_with(scripts, jobs, Quirks::NONE)
}

/// [`run_on_virtual`] with quirk profiles on.
pub fn run_on_virtual_with(scripts: &[Script], jobs: usize, quirks: Quirks) -> RunReport {
    let bed = bc20_conform::testbed::VirtualBed::new(quirks, MqttVersion::V311, jobs);
    let opts = SuiteOptions {
        config: sim_config(),
        jobs,
        reports: None,
        progress: &Quiet,
        retry_failed: 0,
        certification: Default::default(),
        order: None,
    };
    run_suite(scripts, &bed, &opts)
}
