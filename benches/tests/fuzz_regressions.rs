//! Replays the fuzz targets' inputs through the same properties libFuzzer runs
//! (`fuzz/props/`), with a plain `cargo test`: a crash found once stays fixed on every
//! machine, with or without libFuzzer.
//!
//! - `fuzz/regressions/<target>/*`: inputs that once failed. They must pass.
//! - `fuzz/regressions/<target>/open-<id>-*`: minimal inputs of grammar issues still open
//!   (`fuzz/props/known.rs`). They must pass while the fuzzer steps over the issue, and fail
//!   when the issue is enforced; once one passes enforced, the issue is fixed: rename the file
//!   without `open-<id>-` and delete the issue from `known::OPEN`.
//! - `fuzz/seeds/<target>/*`: the committed seed corpus (from spec/, see `fuzz_seeds.rs`).
//! - `fuzz/corpus/<target>/*`: a local campaign's corpus, when there is one (not committed),
//!   replayed for at most [`LOCAL_CORPUS_BUDGET`].

#[allow(dead_code)]
#[path = "../../fuzz/props/mod.rs"]
mod props;

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::{Duration, Instant};

/// Wall-clock budget for replaying a local (uncommitted) corpus, per target.
const LOCAL_CORPUS_BUDGET: Duration = Duration::from_secs(20);

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files of `dir`, sorted, dot files left out; none when `dir` does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    out.sort();
    out
}

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs a property on one input; `Err` carries the panic message. Expected panics are not
/// printed (the hook stays quiet on the running thread).
fn check(property: fn(&[u8]), data: &[u8]) -> Result<(), String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                default(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(|| property(data)));
    QUIET.with(|q| q.set(false));
    result.map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "non-string panic".into())
    })
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The issue id of an `open-<id>-...` file name.
fn open_issue(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let rest = name.strip_prefix("open-")?;
    Some(rest.split('-').next().unwrap_or_default().to_string())
}

#[test]
fn regression_inputs_stay_fixed() {
    let mut failures = Vec::new();
    for &(target, property) in props::TARGETS {
        for path in files(&fuzz_dir().join("regressions").join(target)) {
            let data = read(&path);
            if let Some(id) = open_issue(&path) {
                if !props::known::OPEN.iter().any(|i| i.id == id) {
                    failures.push(format!(
                        "{}: {id} is not an open issue in fuzz/props/known.rs",
                        path.display()
                    ));
                    continue;
                }
                if let Err(e) = check(property, &data) {
                    failures.push(format!(
                        "{}: fails although {id} is tolerated: {e}",
                        path.display()
                    ));
                }
                if props::known::enforced(|| check(property, &data)).is_ok() {
                    failures.push(format!(
                        "{}: passes with {id} enforced, so {id} is fixed: rename the file without `open-{id}-` and delete {id} from known::OPEN",
                        path.display()
                    ));
                }
            } else if let Err(e) = check(property, &data) {
                failures.push(format!(
                    "{}: {e}\ninput: {}",
                    path.display(),
                    props::show(&data)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} regression input(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn seed_corpus_passes() {
    let mut failures = Vec::new();
    let mut seen = 0;
    for &(target, property) in props::TARGETS {
        for path in files(&fuzz_dir().join("seeds").join(target)) {
            seen += 1;
            let data = read(&path);
            if let Err(e) = check(property, &data) {
                failures.push(format!("{}: {e}", path.display()));
            }
        }
    }
    assert!(seen > 0, "no seeds under fuzz/seeds/: run `BC20_BLESS_SEEDS=1 cargo test -p bc20-benches --test fuzz_seeds`");
    assert!(
        failures.is_empty(),
        "{} seed(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn local_corpus_passes() {
    let mut failures = Vec::new();
    for &(target, property) in props::TARGETS {
        let start = Instant::now();
        for path in files(&fuzz_dir().join("corpus").join(target)) {
            if start.elapsed() > LOCAL_CORPUS_BUDGET {
                eprintln!("fuzz/corpus/{target}: replay stopped after {LOCAL_CORPUS_BUDGET:?}");
                break;
            }
            // The local corpus is libFuzzer's working set: a fuzzer running beside the tests
            // may merge an input away between the listing and the read.
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            if let Err(e) = check(property, &bytes) {
                failures.push(format!("{}: {e}", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} corpus input(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_open_issue_has_a_regression_input() {
    let inputs: Vec<String> = props::TARGETS
        .iter()
        .flat_map(|(target, _)| files(&fuzz_dir().join("regressions").join(target)))
        .filter_map(|p| open_issue(&p))
        .collect();
    for issue in props::known::OPEN {
        assert!(
            inputs.iter().any(|id| id == issue.id),
            "{} ({}) has no fuzz/regressions/<target>/open-{}-* input",
            issue.id,
            issue.summary,
            issue.id
        );
    }
}
