//! The certification record: which tool, which suite, which exact script files, which command
//! line, on which host; enough to reproduce a run or to show that two reports are comparable.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::case_id::{common_dir_len, components};
pub use super::git::UNKNOWN;
use super::rfc3339;
use crate::mask::{mask_url_password, MASK};
use crate::script::Script;

/// bc20kit's own git revision, embedded by the build script: `git rev-parse --short=12 HEAD`,
/// plus `-dirty` when the work tree had changes at build time, or `unknown` (built without
/// git or outside the repository).
pub const BUILD_GIT_REVISION: &str = env!("BC20KIT_GIT_REVISION");

/// How the scripts were ordered (`--order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum OrderKind {
    /// As given (directories sorted by name).
    #[default]
    Forward,
    /// The other way round.
    Reverse,
    /// Shuffled with a seed.
    Shuffle,
}

/// The order a run used; with the seed, a shuffled run can be repeated exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RunOrder {
    /// Forward, reverse or shuffled.
    pub kind: OrderKind,
    /// The shuffle's seed.
    #[serde(default)]
    pub seed: Option<u64>,
}

impl std::fmt::Display for RunOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            OrderKind::Forward => "forward",
            OrderKind::Reverse => "reverse",
            OrderKind::Shuffle => "shuffle",
        };
        match self.seed {
            Some(s) => write!(f, "{kind} (seed {s})"),
            None => f.write_str(kind),
        }
    }
}

/// One file the run read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ScriptDigest {
    /// The path as given (or as an `include` named it).
    pub path: String,
    /// SHA-256 of the file's bytes, lower-case hex; None when it could not be read.
    pub sha256: Option<String>,
}

/// What ran the test, and on what. Every field is empty in a `/1` report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Certification {
    /// `bc20kit <version>`.
    pub tool: String,
    /// bc20kit's git revision ([`BUILD_GIT_REVISION`]).
    pub git_revision: String,
    /// The git revision of the scripts' directory at run time (12 hex digits, `-dirty` when
    /// that directory has uncommitted changes or their state is unknown), or `unknown`.
    pub suite_revision: String,
    /// Every script file and included file, with its digest.
    pub scripts: Vec<ScriptDigest>,
    /// The command line, secrets masked ([`mask_argv`]).
    pub command_line: Vec<String>,
    /// The host name of the machine that ran the test.
    pub host: String,
    /// When the record was made (the run's start), RFC 3339 UTC.
    pub started_at: String,
}

impl Certification {
    /// The record for a run of `script_paths` (the scripts and their includes, see
    /// [`script_files`]; duplicates are listed once) started now by the command line
    /// `argv`. Reads every file and runs `git` in the scripts' common directory; never
    /// fails: what cannot be found out is `unknown` (or a `None` digest).
    pub fn collect(script_paths: &[PathBuf], argv: &[String]) -> Certification {
        let mut scripts: Vec<ScriptDigest> = Vec::new();
        for p in script_paths {
            let path = p.display().to_string();
            if scripts.iter().any(|d| d.path == path) {
                continue;
            }
            scripts.push(ScriptDigest {
                sha256: sha256_file(p).ok(),
                path,
            });
        }
        Certification {
            tool: format!("bc20kit {}", env!("CARGO_PKG_VERSION")),
            git_revision: BUILD_GIT_REVISION.to_owned(),
            suite_revision: suite_revision(script_paths),
            scripts,
            command_line: mask_argv(argv),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            started_at: rfc3339(std::time::SystemTime::now()),
        }
    }
}

/// The files a loaded script was built from: the script itself, then every included file
/// that contributed a step (in order, each once). An included file with only header lines
/// (`tags`, `ignore`) is not visible in the loaded script and is not listed.
pub fn script_files(script: &Script) -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from(&script.path)];
    for s in script.steps() {
        let f = PathBuf::from(&s.span.file);
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// SHA-256 of the file at `path`, lower-case hex.
///
/// # Errors
///
/// The file cannot be read.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    Ok(sha256_hex(&std::fs::read(path)?))
}

/// The deepest directory holding every path (`.` when they share none).
fn common_dir(paths: &[PathBuf]) -> PathBuf {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let parts: Vec<Vec<String>> = shown.iter().map(|p| components(p)).collect();
    let n = common_dir_len(&parts);
    let Some(first) = paths.first() else {
        return PathBuf::from(".");
    };
    // Rebuild from the first path so that an absolute path stays absolute.
    let mut dir = PathBuf::new();
    let mut kept = 0;
    for c in first.components() {
        if kept == n {
            break;
        }
        if matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::ParentDir
        ) {
            kept += 1;
        }
        dir.push(c);
    }
    if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    }
}

/// The git revision of the work tree at `dir`: 12 hex digits of `HEAD`, plus `-dirty` when
/// `git status --porcelain` lists a change under `dir` (or cannot say), or [`UNKNOWN`] when
/// git is missing or `dir` is not in a repository.
pub fn git_revision_of(dir: &Path) -> String {
    super::git::revision_of(dir, &["."])
}

/// The revision of the scripts' folder; `-dirty` also when a script is not tracked by git
/// (copied into an ignored folder and edited there: `git status` would not list it).
fn suite_revision(script_paths: &[PathBuf]) -> String {
    let dir = common_dir(script_paths);
    let rev = git_revision_of(&dir);
    if rev == UNKNOWN || rev.ends_with("-dirty") || script_paths.is_empty() {
        return rev;
    }
    let mut args = vec!["ls-files", "--error-unmatch", "--"];
    let names: Vec<String> = script_paths
        .iter()
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
        .map(|p| p.display().to_string())
        .collect();
    args.extend(names.iter().map(String::as_str));
    match super::git::git(&dir, &args) {
        Some(_) => rev,
        None => format!("{rev}-dirty"),
    }
}

/// Whether a command-line flag name says its value is a secret.
fn secret_flag(name: &str) -> bool {
    let n = name.trim_start_matches('-').to_ascii_lowercase();
    ["password", "passwd", "secret", "token", "api-key", "apikey"]
        .iter()
        .any(|s| n.contains(s))
}

/// The command line with its secrets masked: the password of every URL
/// (`mqtt://user:pw@host` → `mqtt://user:****@host`, also inside a longer argument such as a
/// `--reset-cmd`), and the value of any flag whose name says password, secret, token or API
/// key (`--password X`, `--password=X`).
pub fn mask_argv(argv: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(argv.len());
    let mut value_is_secret = false;
    for a in argv {
        if value_is_secret {
            out.push(MASK.to_owned());
            value_is_secret = false;
            continue;
        }
        if a.starts_with('-') {
            if let Some((name, _)) = a.split_once('=') {
                if secret_flag(name) {
                    out.push(format!("{name}={MASK}"));
                    continue;
                }
            } else if secret_flag(a) {
                value_is_secret = true;
            }
        }
        if a.contains(' ') {
            // A command line inside an argument (`--reset-cmd 'relay --password X'`).
            let words: Vec<String> = a.split(' ').map(str::to_owned).collect();
            out.push(mask_argv(&words).join(" "));
        } else {
            out.push(mask_url_password(a));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn secrets_inside_a_command_line_argument_are_masked() {
        let m = mask_argv(&argv(&[
            "bc20",
            "--reset-cmd",
            "relay.sh --password hunter2 http://a:RelayPw@h/x",
        ]));
        let all = m.join(" ");
        assert!(
            !all.contains("hunter2") && !all.contains("RelayPw"),
            "{all}"
        );
    }

    #[test]
    fn argv_secrets_are_masked() {
        let got = mask_argv(&argv(&[
            "bc20",
            "conform",
            "--broker",
            "mqtt://user:pw@host:1883",
            "--broker=mqtts://u:p%40ss@[::1]:8883/x",
            "--reset-cmd",
            "curl -s http://admin:hunter2@10.0.0.9/reset",
            "--password",
            "s3cret",
            "--api-token=abc",
            "--port",
            "/dev/ttyUSB0",
        ]));
        assert_eq!(
            got,
            argv(&[
                "bc20",
                "conform",
                "--broker",
                "mqtt://user:****@host:1883",
                "--broker=mqtts://u:****@[::1]:8883/x",
                "--reset-cmd",
                "curl -s http://admin:****@10.0.0.9/reset",
                "--password",
                "****",
                "--api-token=****",
                "--port",
                "/dev/ttyUSB0",
            ])
        );
    }

    #[test]
    fn common_dir_of_scripts() {
        let p = |s: &[&str]| common_dir(&s.iter().map(PathBuf::from).collect::<Vec<_>>());
        assert_eq!(
            p(&["conformance/a.bc20", "conformance/lib/b.bc20inc"]),
            PathBuf::from("conformance")
        );
        assert_eq!(
            p(&["/x/conformance/a.bc20", "/x/extra/b.bc20"]),
            PathBuf::from("/x")
        );
        assert_eq!(p(&["a.bc20"]), PathBuf::from("."));
        assert_eq!(p(&[]), PathBuf::from("."));
    }

    #[test]
    fn collect_hashes_each_file_once_and_masks_argv() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.bc20");
        std::fs::write(&a, b"send AT\r\n").unwrap();
        let missing = dir.path().join("missing.bc20");
        let c = Certification::collect(
            &[a.clone(), a.clone(), missing],
            &argv(&["bc20", "--broker", "mqtt://u:pw@h"]),
        );
        assert_eq!(c.scripts.len(), 2);
        assert_eq!(
            c.scripts[0].sha256.as_deref(),
            Some(sha256_hex(b"send AT\r\n").as_str())
        );
        assert_eq!(c.scripts[1].sha256, None);
        assert_eq!(c.command_line[2], "mqtt://u:****@h");
        // A temporary directory is in no repository.
        assert_eq!(c.suite_revision, UNKNOWN);
        assert!(c.tool.starts_with("bc20kit "));
        assert!(!c.git_revision.is_empty() && !c.host.is_empty());
    }

    #[test]
    fn sha256_matches_the_standard_test_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
