//! Run reports: the model ([`RunReport`]), and its JUnit XML, JSON and HTML renderings.
//!
//! The JSON form is the stable, machine-readable one (`schema` = [`SCHEMA`]); `bc20 conform
//! diff` reads it back, and also reads reports of the previous schema ([`SCHEMA_V1`]). The
//! files are rewritten after every script, so an interrupted run still leaves a complete
//! report of what ran; [`ReportPaths::prepare`] removes the previous run's files before a
//! new run starts, so a run that stops early never leaves an older run's report behind.

mod case_id;
mod catalog;
mod certify;
mod git;
mod html;
mod html_head;
mod json;
mod junit;
mod model;
mod paths;
mod svg;
mod trace;
mod wall;

pub use case_id::{case_ids, transcript_file_name};
pub use catalog::spec_tags;
pub use certify::{
    git_revision_of, mask_argv, script_files, sha256_file, sha256_hex, Certification, OrderKind,
    RunOrder, ScriptDigest, BUILD_GIT_REVISION, UNKNOWN,
};
pub use html::render_html;
pub use json::{read_json, render_json, ReadReportError};
pub use junit::render_junit;
pub use model::{ModuleIdentity, RunReport, Summary, Target};
pub use paths::ReportPaths;
pub use svg::latency_chart;
pub use trace::{traceability, ClauseVerdict, TraceRow};
pub use wall::rfc3339;

/// The JSON report's schema name; bump the number on an incompatible change.
pub const SCHEMA: &str = "bc20kit.conform.report/2";

/// The previous schema, still read by [`read_json`] (fields added in `/2` take their
/// defaults).
pub const SCHEMA_V1: &str = "bc20kit.conform.report/1";
