//! The JSON report (stable schema, see [`super::SCHEMA`]).

use std::path::{Path, PathBuf};

use super::{RunReport, SCHEMA, SCHEMA_V1};

/// Why a JSON report could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadReportError {
    /// The file cannot be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a report of a known schema's shape.
    #[error("{}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// Where and why the JSON does not fit.
        source: serde_json::Error,
    },
    /// The file is a report of another schema.
    #[error("{}: schema `{schema}` is neither `{SCHEMA}` nor `{SCHEMA_V1}`", path.display())]
    Schema {
        /// The file.
        path: PathBuf,
        /// The schema it names.
        schema: String,
    },
}

/// Pretty-printed JSON.
pub fn render_json(report: &RunReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// Reads a JSON report of schema [`SCHEMA`] or [`SCHEMA_V1`]. Fields a `/1` report lacks take
/// their defaults (no certification record, resolution 0, no tries), and its scripts get the
/// case ids [`super::case_ids`] gives their paths (the file stems for one folder, as `/1`
/// named them). `schema` keeps the value read.
///
/// # Errors
///
/// The file cannot be read, is not JSON of the report's shape, or names another schema.
pub fn read_json(path: &Path) -> Result<RunReport, ReadReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadReportError::Io {
        path: path.to_owned(),
        source,
    })?;
    // The schema first, so that another schema is reported as such, not as a missing field.
    #[derive(serde::Deserialize)]
    struct Head {
        schema: String,
    }
    let json = |source| ReadReportError::Json {
        path: path.to_owned(),
        source,
    };
    let head: Head = serde_json::from_str(&text).map_err(json)?;
    if head.schema != SCHEMA && head.schema != SCHEMA_V1 {
        return Err(ReadReportError::Schema {
            path: path.to_owned(),
            schema: head.schema,
        });
    }
    let mut report: RunReport = serde_json::from_str(&text).map_err(json)?;
    report.fill_ids();
    Ok(report)
}
