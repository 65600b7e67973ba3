//! The JSON report (stable schema, see [`super::SCHEMA`]).

use std::path::Path;

use super::{RunReport, SCHEMA};

/// Pretty-printed JSON.
pub fn render_json(report: &RunReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// Reads a JSON report; refuses other schemas.
pub fn read_json(path: &Path) -> Result<RunReport, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let report: RunReport =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if report.schema != SCHEMA {
        return Err(format!(
            "{}: schema `{}` is not `{SCHEMA}`",
            path.display(),
            report.schema
        ));
    }
    Ok(report)
}
