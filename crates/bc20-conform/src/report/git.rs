//! Asking git for a revision: shared, through `#[path]`, by the crate (the suite's revision
//! at run time) and by `build.rs` (bc20kit's own revision at build time), so both label a
//! tree the same way. Only `std`: a build script cannot use the crate's dependencies.

use std::path::Path;
use std::process::Command;

/// What a revision is called when git or the repository is missing.
pub const UNKNOWN: &str = "unknown";

/// Runs `git -C dir ARGS...`; its trimmed standard output, or `None` when git is missing or
/// fails.
pub fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The revision of the work tree at `dir`: 12 hex digits of `HEAD`, plus `-dirty` when
/// `git status --porcelain -- PATHSPEC...` lists a change (or cannot say), or [`UNKNOWN`].
pub fn revision_of(dir: &Path, pathspec: &[&str]) -> String {
    let rev = git(dir, &["rev-parse", "--short=12", "HEAD"]);
    let mut status_args = vec!["status", "--porcelain"];
    if !pathspec.is_empty() {
        status_args.push("--");
        status_args.extend_from_slice(pathspec);
    }
    let status = git(dir, &status_args);
    revision_label(rev.as_deref(), status.as_deref())
}

/// `rev`, `rev-dirty` or [`UNKNOWN`] from the outputs of `rev-parse` and `status --porcelain`
/// (None: the command failed). A failed status counts as dirty: a certificate must not claim
/// a clean tree it has not seen.
pub fn revision_label(rev: Option<&str>, porcelain: Option<&str>) -> String {
    match rev.map(str::trim) {
        Some(r) if !r.is_empty() => match porcelain {
            Some(s) if s.trim().is_empty() => r.to_owned(),
            _ => format!("{r}-dirty"),
        },
        _ => UNKNOWN.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revision_labels() {
        assert_eq!(
            revision_label(Some("0123456789ab\n"), Some("")),
            "0123456789ab"
        );
        assert_eq!(
            revision_label(Some("0123456789ab"), Some(" M a.bc20\n")),
            "0123456789ab-dirty"
        );
        assert_eq!(
            revision_label(Some("0123456789ab"), None),
            "0123456789ab-dirty"
        );
        assert_eq!(revision_label(None, None), UNKNOWN);
        assert_eq!(revision_label(Some(""), Some("")), UNKNOWN);
    }
}
