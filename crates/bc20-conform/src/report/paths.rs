//! Where a run's files go, and clearing a previous run's files before a new run writes any.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::{render_html, render_json, render_junit, transcript_file_name, RunReport};

/// Where the three report files and the transcripts go.
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

    /// Makes the directory ready for a new run: removes a previous run's `report.json`,
    /// `junit.xml`, `report.html` (and their temporary files) and everything inside
    /// `transcripts/`, then creates the directories. Call it before anything else of the run
    /// (before loading the scripts), so that a run that stops early, on a script error or a
    /// crash, never leaves an older run's "all passed" for CI to publish. Files it does not
    /// know are left alone.
    ///
    /// # Errors
    ///
    /// The first file or directory that exists and cannot be removed or created (a
    /// missing one is fine).
    pub fn prepare(&self) -> std::io::Result<()> {
        for f in [&self.json, &self.junit, &self.html] {
            remove_file_if_any(f)?;
            remove_file_if_any(&f.with_extension("tmp"))?;
        }
        // Only what a run writes: `*.jsonl` files directly in `transcripts/`. Other files,
        // folders, and a `transcripts` that is a link to elsewhere are the user's.
        let is_link =
            std::fs::symlink_metadata(&self.transcripts).is_ok_and(|m| m.file_type().is_symlink());
        if !is_link {
            match std::fs::read_dir(&self.transcripts) {
                Ok(entries) => {
                    for e in entries {
                        let e = e?;
                        let ours = e.file_type()?.is_file()
                            && e.path().extension().is_some_and(|x| x == "jsonl");
                        if ours {
                            std::fs::remove_file(e.path())?;
                        }
                    }
                }
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        std::fs::create_dir_all(&self.transcripts)
    }

    /// The transcript file of the script with case id `id` (see [`transcript_file_name`]).
    pub fn transcript(&self, id: &str) -> PathBuf {
        self.transcripts.join(transcript_file_name(id))
    }

    /// Writes all three renderings (each via a temporary file and a rename, so a reader
    /// never sees half a file).
    ///
    /// # Errors
    ///
    /// Creating the directory or writing or renaming a file failed.
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

fn remove_file_if_any(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepare_removes_the_previous_runs_reports_and_transcripts_only() {
        let dir = tempfile::tempdir().unwrap();
        let p = ReportPaths::in_dir(dir.path());
        std::fs::create_dir_all(p.transcripts.join("field-captures")).unwrap();
        for f in [&p.json, &p.junit, &p.html, &p.json.with_extension("tmp")] {
            std::fs::write(f, "36 passed").unwrap();
        }
        std::fs::write(p.transcript("qmtopen"), "{}").unwrap();
        let nested = p.transcripts.join("field-captures/site1.log");
        std::fs::write(&nested, "a user's capture").unwrap();
        let notes = p.transcripts.join("notes.md");
        std::fs::write(&notes, "mine").unwrap();
        let keep = dir.path().join("notes.txt");
        std::fs::write(&keep, "mine").unwrap();

        p.prepare().unwrap();

        for f in [&p.json, &p.junit, &p.html, &p.json.with_extension("tmp")] {
            assert!(!f.exists(), "{}", f.display());
        }
        assert!(!p.transcript("qmtopen").exists());
        assert!(
            nested.exists() && notes.exists() && keep.exists(),
            "a user's files stay"
        );
    }

    #[test]
    fn prepare_never_follows_a_transcripts_link() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let precious = elsewhere.path().join("precious.jsonl");
        std::fs::write(&precious, "{}").unwrap();
        let p = ReportPaths::in_dir(dir.path());
        std::os::unix::fs::symlink(elsewhere.path(), &p.transcripts).unwrap();
        p.prepare().unwrap();
        assert!(precious.exists());
    }

    #[test]
    fn prepare_creates_a_missing_directory() {
        let dir = tempfile::tempdir().unwrap();
        let p = ReportPaths::in_dir(&dir.path().join("new/report"));
        p.prepare().unwrap();
        assert!(p.transcripts.is_dir());
    }
}
