//! Running many scripts: discovery, parallel jobs, and the report rewritten after each one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::Instant;

use crate::link::{LinkError, ModuleLink};
use crate::peer::{BrokerPeer, PeerError};
use crate::report::{
    case_ids, Certification, ModuleIdentity, ReportPaths, RunOrder, RunReport, Target,
};
use crate::runner::identify::identify;
use crate::runner::RunIds;
use crate::runner::{run_script, Failure, RunConfig, ScriptResult, Verdict};
use crate::script::{load_script, Script, ScriptError};
use crate::transcript::{JsonlSink, NullSink, TranscriptSink};

/// File extension of conformance scripts.
pub const SCRIPT_EXT: &str = "bc20";

/// Where scripts run: opens links and peers for the workers.
pub trait Testbed: Sync {
    /// How the report describes it.
    fn target(&self) -> Target;
    /// Most scripts that may run at once.
    fn max_parallel(&self) -> usize;
    /// Whether each script gets a fresh module (the simulator) rather than reusing the
    /// worker's link (hardware).
    fn fresh_per_script(&self) -> bool;
    /// Whether this is real hardware.
    fn hardware(&self) -> bool;
    /// Opens the link for worker `worker`.
    fn open_link(&self, worker: usize) -> Result<Box<dyn ModuleLink>, LinkError>;
    /// A broker-side peer for one script (`uid` makes its client id unique), if the run
    /// has a broker. By default the link's own ([`ModuleLink::open_peer`]: the simulator's
    /// beds, whose clock must know the peer); `None` when the link has none.
    ///
    /// # Errors
    /// What connecting the peer to the broker gave ([`PeerError`]).
    fn open_peer(
        &self,
        uid: &str,
        link: &mut dyn ModuleLink,
    ) -> Result<Option<Box<dyn BrokerPeer>>, PeerError> {
        link.open_peer(&format!("peer-{uid}")).transpose()
    }
    /// `broker_host` and `broker_port` as the module must use them.
    fn vars(&self) -> BTreeMap<String, String>;
    /// [`Testbed::vars`] for worker `worker`'s module, where modules reach different
    /// addresses (a fault proxy per serial port); by default the same for all.
    fn vars_for(&self, _worker: usize) -> BTreeMap<String, String> {
        self.vars()
    }
    /// `${uid}`/`${cid}` of one run of script `name`: unique per run by default; a
    /// deterministic bed (the virtual one) derives them from the name and its seed.
    fn run_ids(&self, name: &str) -> RunIds {
        RunIds::new(name)
    }
}

/// Expands directories into their `*.bc20` files (sorted); files are kept as given.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| format!("{}: {e}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == SCRIPT_EXT) && f.is_file())
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(format!("{}: no *.{SCRIPT_EXT} script", p.display()));
            }
            out.extend(found);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    // A script named twice (a folder and a file in it, or a file given twice) runs once.
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    Ok(out)
}

/// Loads every script; all script errors are returned together (nothing has been sent yet).
pub fn load_all(paths: &[PathBuf]) -> Result<Vec<Script>, Vec<ScriptError>> {
    let mut scripts = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match load_script(p) {
            Ok(s) => scripts.push(s),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(scripts)
    } else {
        Err(errors)
    }
}

/// Called as scripts start and finish (for progress output).
pub trait Progress: Sync {
    /// A script started on worker `worker`.
    fn started(&self, _script: &Script, _worker: usize) {}
    /// A script finished.
    fn finished(&self, _result: &ScriptResult) {}
}

/// No progress output.
pub struct Quiet;
impl Progress for Quiet {}

/// Options of [`run_suite`].
pub struct SuiteOptions<'a> {
    /// How each script is run.
    pub config: RunConfig,
    /// Parallel jobs (capped by the testbed).
    pub jobs: usize,
    /// Where reports go (None: no files).
    pub reports: Option<ReportPaths>,
    /// Progress callbacks.
    pub progress: &'a dyn Progress,
    /// Run a script that failed or errored up to this many more times (every try is kept in
    /// the report: a flaky verdict is shown, never hidden).
    pub retry_failed: usize,
    /// The certification record (tool and suite revisions, script digests, command line),
    /// on the report from its first write.
    pub certification: Certification,
    /// The order the scripts were put in, for the report.
    pub order: Option<RunOrder>,
}

/// Runs every script on the testbed and returns the final report (also written to disk after
/// each script when `reports` is set).
pub fn run_suite(scripts: &[Script], bed: &dyn Testbed, opts: &SuiteOptions<'_>) -> RunReport {
    let started = Instant::now();
    let mut report = RunReport::new(
        bed.target(),
        scripts.iter().map(|s| s.path.clone()).collect(),
    );
    report.certification = opts.certification.clone();
    report.order = opts.order;
    // In the first report on disk already: a run killed before its end still says how it
    // decoded.
    report.target.mode = match opts.config.mode {
        bc20_grammar::Mode::Strict => "strict",
        bc20_grammar::Mode::Lenient => "lenient",
    }
    .to_owned();
    let ids = case_ids(&scripts.iter().map(|s| s.path.as_str()).collect::<Vec<_>>());
    let write = |r: &RunReport| {
        if let Some(p) = &opts.reports {
            if let Err(e) = p.write(r) {
                eprintln!("warning: cannot write the report: {e}");
            }
        }
    };
    write(&report);
    let jobs = opts
        .jobs
        .clamp(1, bed.max_parallel().max(1))
        .min(scripts.len().max(1));
    let next = AtomicUsize::new(0);
    let stop: Mutex<Option<String>> = Mutex::new(None);
    let (tx, rx) = mpsc::channel::<(usize, ScriptResult, Option<ModuleIdentity>)>();
    let mut results: Vec<Option<ScriptResult>> = vec![None; scripts.len()];
    std::thread::scope(|scope| {
        for worker in 0..jobs {
            let tx = tx.clone();
            let shared = Shared {
                next: &next,
                stop: &stop,
                ids: &ids,
            };
            scope.spawn(move || worker_loop(worker, scripts, bed, opts, shared, &tx));
        }
        drop(tx);
        for (i, result, identity) in rx {
            if let Some(id) = identity {
                if report.module == ModuleIdentity::default() {
                    report.module = id;
                }
            }
            opts.progress.finished(&result);
            results[i] = Some(result);
            report.scripts = results.iter().flatten().cloned().collect();
            report.pending = scripts
                .iter()
                .zip(&results)
                .filter(|(_, r)| r.is_none())
                .map(|(s, _)| s.path.clone())
                .collect();
            report.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
            report.refresh();
            write(&report);
        }
    });
    let stopped = stop.into_inner().ok().flatten();
    report.interrupted = match (crate::runner::interrupted(), stopped) {
        (Some(sig), _) => Some(crate::runner::signal_name(sig)),
        (None, Some(why)) => Some(why),
        (None, None) => None,
    };
    if let Some(why) = &report.interrupted {
        // What the run never reached is NOT RUN, with the reason, not silently absent.
        for (i, s) in scripts.iter().enumerate() {
            if results[i].is_none() {
                let mut r = errored(s, &format!("not run: the run stopped ({why})"));
                r.verdict = Verdict::NotRun;
                r.id = ids[i].clone();
                results[i] = Some(r);
            }
        }
        report.scripts = results.iter().flatten().cloned().collect();
        report.pending.clear();
    }
    report.complete = report.interrupted.is_none() && report.pending.is_empty();
    report.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    report.refresh();
    write(&report);
    report
}

type Sent = (usize, ScriptResult, Option<ModuleIdentity>);

/// What the workers share: the next script to take, and why the run stopped (a lost port).
#[derive(Clone, Copy)]
struct Shared<'a> {
    next: &'a AtomicUsize,
    stop: &'a Mutex<Option<String>>,
    /// The case id of each script (unique across folders).
    ids: &'a [String],
}

impl Shared<'_> {
    fn stopped(&self) -> bool {
        self.stop.lock().map_or(true, |s| s.is_some())
    }

    fn stop(&self, why: String) {
        if let Ok(mut s) = self.stop.lock() {
            s.get_or_insert(why);
        }
    }
}

fn worker_loop(
    worker: usize,
    scripts: &[Script],
    bed: &dyn Testbed,
    opts: &SuiteOptions<'_>,
    shared: Shared<'_>,
    tx: &mpsc::Sender<Sent>,
) {
    let mut link: Option<Box<dyn ModuleLink>> = None;
    let mut identified = false;
    loop {
        if crate::runner::interrupted().is_some() || shared.stopped() {
            return;
        }
        let i = shared.next.fetch_add(1, Ordering::SeqCst);
        let Some(script) = scripts.get(i) else {
            return;
        };
        opts.progress.started(script, worker);
        let began = Instant::now();
        let failed = |message: &str| {
            let mut r = errored(script, message);
            r.id = shared.ids[i].clone();
            r.duration_ms = began.elapsed().as_secs_f64() * 1000.0;
            r
        };
        if bed.fresh_per_script() || link.is_none() {
            link = match bed.open_link(worker) {
                Ok(l) => Some(l),
                Err(e) => {
                    let _ = tx.send((i, failed(&e.to_string()), None));
                    if bed.hardware() {
                        // A port that cannot be opened will not open for the next script
                        // either: one clear error, the rest NOT RUN.
                        shared.stop(e.to_string());
                    }
                    link = None;
                    continue;
                }
            };
        }
        let Some(l) = link.as_deref_mut() else {
            continue;
        };
        let mut identity = None;
        // A fresh module per script is identified per script too: every script then starts
        // from the same point whichever worker ran it, so the report does not depend on
        // the schedule.
        if !identified || bed.fresh_per_script() {
            match identify(l) {
                Ok(id) => {
                    identity = Some(id);
                    identified = true;
                }
                Err(e) => {
                    let why = format!("the module on {} does not answer: {e}", l.describe());
                    let _ = tx.send((i, failed(&format!("identification: {e}")), None));
                    if bed.hardware() {
                        // A module that does not answer will not answer the next script
                        // either: one clear error, the rest NOT RUN.
                        shared.stop(why);
                    }
                    link = None;
                    continue;
                }
            }
        }
        let ids = bed.run_ids(&script.name);
        let mut peer = match bed.open_peer(&ids.uid, l) {
            Ok(p) => p,
            Err(e) => {
                let _ = tx.send((i, failed(&e.to_string()), identity));
                continue;
            }
        };
        let mut sink: Box<dyn TranscriptSink> = match &opts.reports {
            Some(p) => match JsonlSink::create(&p.transcript(&shared.ids[i])) {
                Ok(s) => Box::new(s),
                Err(e) => {
                    eprintln!(
                        "warning: cannot write the transcript of {}: {e}",
                        script.name
                    );
                    Box::new(NullSink)
                }
            },
            None => Box::new(NullSink),
        };
        let mut cfg = opts.config.clone();
        cfg.vars.extend(bed.vars_for(worker));
        cfg.hardware = bed.hardware();
        cfg.known_state = cfg.known_state || bed.hardware();
        let mut tries = 0;
        let mut result: Option<ScriptResult> = None;
        loop {
            tries += 1;
            let peer_ref: Option<&mut dyn BrokerPeer> = peer.as_deref_mut().map(|p| p as _);
            let mut r = run_script(script, l, peer_ref, &cfg, sink.as_mut(), &ids);
            if let Some(previous) = result.take() {
                r.retried_after(&previous);
            }
            // A script marked `xfail` is expected to fail: retrying it only costs time.
            let retry = matches!(r.verdict, Verdict::Fail | Verdict::Error)
                && script.xfail.is_none()
                && tries <= opts.retry_failed
                && crate::runner::interrupted().is_none()
                && l.lost().is_none();
            result = Some(r);
            if !retry {
                break;
            }
        }
        let Some(mut result) = result else {
            continue;
        };
        result.id = shared.ids[i].clone();
        result.module = Some(l.describe());
        if let Some(reason) = &script.xfail {
            result.expect_failure(reason);
        }
        if let Some(why) = l.lost() {
            shared.stop(why);
        }
        if tx.send((i, result, identity)).is_err() {
            return;
        }
    }
}

/// A result for a script that could not start.
pub fn errored(script: &Script, message: &str) -> ScriptResult {
    ScriptResult {
        name: script.name.clone(),
        path: script.path.clone(),
        title: script.title.clone(),
        tags: script.tags.clone(),
        verdict: Verdict::Error,
        duration_ms: 0.0,
        link_ms: 0.0,
        failures: vec![Failure {
            at: script.path.clone(),
            section: None,
            step: "(start)".to_owned(),
            message: message.to_owned(),
        }],
        notices: Vec::new(),
        commands: Vec::new(),
        observed: Vec::new(),
        transcript: Vec::new(),
        ..ScriptResult::default()
    }
}

/// Whether `path` looks like a script.
pub fn is_script(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == SCRIPT_EXT)
}
