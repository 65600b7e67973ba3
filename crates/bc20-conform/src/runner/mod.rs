//! Running one script against one module: the session, its steps, and the verdict.

mod expect;
pub mod identify;
mod ids;
mod io;
mod known_state;
mod lines;
mod network_checks;
mod peer_steps;
mod result;
mod timing;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant, SystemTime};

use bc20_grammar::Mode;

pub use crate::interrupt::{clear_interrupt, interrupt, interrupted, signal_name};
pub use ids::RunIds;
pub use lines::{observe, ModuleLine};
pub use result::{verdict_line, Attempt, CommandTiming, Failure, ScriptResult, Verdict};
pub use timing::Timing;

use crate::link::{Fault, LinkError, ModuleLink};
use crate::mask::Masker;
use crate::peer::{BrokerPeer, PeerMessage};
use crate::script::{raw_bytes, Script, Section, Step, StepKind};
use crate::transcript::{printable, raw_hex_of, Dir, Event, TranscriptSink};
use lines::LineReader;

/// How scripts are run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Strict (the note) or lenient decoding of module lines.
    pub mode: Mode,
    /// Added to every timeout derived from the note (transport and firmware slack).
    pub grace: Duration,
    /// Wait for an `expect` when no command awaits its result and the script sets no `timeout`.
    pub default_timeout: Duration,
    /// After the test steps, how long the module must stay quiet.
    pub settle: Duration,
    /// Variables every script starts with (`broker_host`, `broker_port`; `uid` and `script`
    /// are added per script).
    pub vars: BTreeMap<String, String>,
    /// Whether the link is real hardware (fault steps skipped, `requires sim` scripts skipped).
    pub hardware: bool,
    /// Reset the module (`--reset-cmd` on hardware) before each script.
    pub reset_before: bool,
    /// Added to the note's limit before a response time counts as too slow: the measurement
    /// resolution of the link (zero on the simulator's virtual time;
    /// [`crate::testbed::SERIAL_LATENCY_TOLERANCE`] on a serial port).
    pub latency_tolerance: Duration,
    /// Commands sent before each script, each answered by a final result code:
    /// echo off and numeric errors (spec/DECISIONS.md D4, D5).
    pub prologue: Vec<String>,
    /// Bring the module to the suite's start state before each script (hardware: slots
    /// closed, QMTCFG defaults, AliAuth checked; see `known_state.rs`).
    pub known_state: bool,
    /// Longest time (link clock) a whole script may take, unless it sets `time-limit`.
    pub time_limit: Option<Duration>,
    /// After an interrupt, the longest time (link clock) the teardown may take.
    pub teardown_bound: Duration,
    /// Known state: how long to wait for the module to attach to the network.
    pub attach_timeout: Duration,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            mode: Mode::Strict,
            grace: Duration::from_millis(200),
            default_timeout: Duration::from_secs(10),
            settle: Duration::from_millis(200),
            vars: BTreeMap::new(),
            hardware: false,
            reset_before: false,
            latency_tolerance: Duration::ZERO,
            prologue: vec!["ATE0".to_owned(), "AT+CMEE=1".to_owned()],
            known_state: false,
            time_limit: None,
            teardown_bound: Duration::from_secs(5),
            attach_timeout: Duration::from_secs(60),
        }
    }
}

impl RunConfig {
    /// Settings for a module on a clock running `scale` times faster than real time (the
    /// simulator): the grace, the settle time and the response-time tolerance are a fixed real
    /// time (75 ms, 20 ms, 25 ms) of scheduling slack, scaled to module time.
    pub fn scaled(scale: f64) -> Self {
        RunConfig {
            grace: Duration::from_millis(75).mul_f64(scale),
            settle: Duration::from_millis(20).mul_f64(scale),
            latency_tolerance: Duration::from_millis(25).mul_f64(scale),
            teardown_bound: Duration::from_secs(5).mul_f64(scale),
            ..RunConfig::default()
        }
    }
}

/// Why a step stopped the section.
pub(crate) enum StepError {
    /// The module deviated: the script fails.
    Fail(String),
    /// The run could not go on (link, peer, interrupt): the script errors.
    Abort(String),
}

impl From<LinkError> for StepError {
    fn from(e: LinkError) -> Self {
        StepError::Abort(e.to_string())
    }
}

/// One script's conversation with a module.
pub(crate) struct Session<'a> {
    pub(crate) link: &'a mut dyn ModuleLink,
    pub(crate) peer: Option<&'a mut dyn BrokerPeer>,
    pub(crate) sink: &'a mut dyn TranscriptSink,
    pub(crate) cfg: &'a RunConfig,
    pub(crate) script: &'a Script,
    pub(crate) reader: LineReader,
    pub(crate) vars: BTreeMap<String, String>,
    pub(crate) masker: Masker,
    pub(crate) timing: Timing,
    pub(crate) observed: BTreeSet<String>,
    pub(crate) transcript: Vec<Event>,
    pub(crate) notices: Vec<String>,
    pub(crate) peer_inbox: Vec<PeerMessage>,
    pub(crate) t0: Duration,
    /// In teardown: expectations skip lines that do not match instead of failing.
    pub(crate) lenient_order: bool,
    /// After an interrupt, when the teardown must be over (link clock).
    pub(crate) teardown_deadline: Option<Duration>,
    /// When the script's time limit is up (link clock).
    pub(crate) script_deadline: Option<Duration>,
    /// After an interrupt, when the step in flight must be over (link clock).
    pub(crate) interrupt_deadline: Option<Duration>,
    /// The teardown is running: an interrupt bounds it instead of stopping it.
    pub(crate) in_teardown: bool,
    /// The network log since the script started (link time, entry): the timing checks read it.
    pub(crate) network: Vec<(Duration, bc20_fault::LogEntry)>,
    /// `mark NAME` steps reached: name → link time.
    pub(crate) marks: BTreeMap<String, Duration>,
}

/// Runs `script` over `link`, with `peer` for broker-side steps, writing the transcript to
/// `sink` as it happens. Never panics on module bytes; a link failure gives [`Verdict::Error`].
pub fn run_script<'a>(
    script: &'a Script,
    link: &'a mut dyn ModuleLink,
    peer: Option<&'a mut dyn BrokerPeer>,
    cfg: &'a RunConfig,
    sink: &'a mut dyn TranscriptSink,
    ids: &RunIds,
) -> ScriptResult {
    let started = Instant::now();
    let mut vars = cfg.vars.clone();
    vars.insert("uid".to_owned(), ids.uid.clone());
    vars.insert("cid".to_owned(), ids.cid.clone());
    vars.insert("script".to_owned(), script.name.clone());
    let t0 = link.now();
    let mut s = Session {
        link,
        peer,
        sink,
        cfg,
        script,
        reader: LineReader::new(cfg.mode),
        vars,
        masker: Masker::default(),
        timing: Timing::new(cfg.latency_tolerance),
        observed: BTreeSet::new(),
        transcript: Vec::new(),
        notices: Vec::new(),
        peer_inbox: Vec::new(),
        t0,
        lenient_order: false,
        teardown_deadline: None,
        script_deadline: None,
        interrupt_deadline: None,
        in_teardown: false,
        network: Vec::new(),
        marks: BTreeMap::new(),
    };
    let mut failures = Vec::new();
    let mut verdict = Verdict::Pass;

    if let Some(reason) = skip_reason(script, cfg, &*s.link) {
        s.runner_note(&format!("skipped: {reason}"));
        s.notices.push(format!("skipped: {reason}"));
        verdict = Verdict::Skipped;
    } else {
        if cfg.hardware && s.link.supports_faults() {
            // The network between module and broker (the fault proxy) outlives a script:
            // each one starts with it unimpaired, as each starts on a fresh simulator.
            let clear = Fault {
                name: "clear".to_owned(),
                args: Vec::new(),
            };
            if let Err(e) = s.link.inject(&clear) {
                s.runner_note(&format!("could not clear the network's faults: {e}"));
            }
        }
        match s.prepare() {
            Err(StepError::Abort(m)) | Err(StepError::Fail(m)) => {
                verdict = Verdict::Error;
                let message = s.masker.mask(&m);
                s.runner_note(&format!("ERROR before the script: {message}"));
                failures.push(Failure {
                    at: script.path.clone(),
                    section: None,
                    step: "(before the script)".to_owned(),
                    message,
                });
            }
            Ok(()) => {
                s.script_deadline = script
                    .time_limit
                    .or(cfg.time_limit)
                    .map(|d| s.link.now() + d);
                for (section, steps) in [
                    (Section::Setup, &script.setup),
                    (Section::Test, &script.test),
                ] {
                    if let Some((f, v)) = s.run_section(section, steps) {
                        failures.push(f);
                        verdict = v;
                        break;
                    }
                }
                if verdict == Verdict::Pass {
                    if let Err(e) = s.settle() {
                        let (msg, v) = match e {
                            StepError::Fail(m) => (m, Verdict::Fail),
                            StepError::Abort(m) => (m, Verdict::Error),
                        };
                        failures.push(Failure {
                            at: script.path.clone(),
                            section: Some(Section::Test),
                            step: "(end of test)".to_owned(),
                            message: s.masker.mask(&msg),
                        });
                        verdict = v;
                    }
                }
                s.script_deadline = None;
                s.teardown(&mut failures, &mut verdict);
            }
        }
        for t in s.timing.over_limit() {
            s.notices.push(format!(
                "`{}` took {:.0} ms, over the note's {:.0} ms",
                t.command,
                t.latency_ms.unwrap_or(0.0),
                t.limit_ms.unwrap_or(0.0)
            ));
        }
        if verdict == Verdict::Pass {
            if let Some(t) = s.timing.over_limit().next() {
                failures.push(Failure {
                    at: script.path.clone(),
                    section: Some(Section::Test),
                    step: t.command.clone(),
                    message: format!(
                        "response time {:.0} ms is over the note's maximum of {:.0} ms",
                        t.latency_ms.unwrap_or(0.0),
                        t.limit_ms.unwrap_or(0.0)
                    ),
                });
                verdict = Verdict::Fail;
            }
        }
    }
    let verdict_line = match failures.first() {
        Some(f) => format!("verdict {}: {}: {}", verdict.label(), f.at, f.message),
        None => format!("verdict {}", verdict.label()),
    };
    s.runner_note(&verdict_line);
    let link_ms = s.elapsed().as_secs_f64() * 1000.0;
    ScriptResult {
        name: script.name.clone(),
        path: script.path.clone(),
        title: script.title.clone(),
        tags: script.tags.clone(),
        verdict,
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        link_ms,
        failures,
        notices: s.notices,
        commands: s.timing.timings,
        observed: s.observed.into_iter().collect(),
        transcript: s.transcript,
        ..ScriptResult::default()
    }
}

/// Why `script` cannot run on this link, if it cannot: on hardware without the fault proxy a
/// script that needs fault injection (`requires sim`, or any `fault` step: a fault that is
/// not injected proves nothing); behind the proxy a fault step only the simulator can
/// produce (inside the module); a timing check without a network log (no fault proxy); a
/// `reset` step without a reset hook.
fn skip_reason(script: &Script, cfg: &RunConfig, link: &dyn ModuleLink) -> Option<String> {
    let faults = link.supports_faults();
    if cfg.hardware && script.requires_sim && !faults {
        return Some(
            "the script `requires sim` (fault injection) and this is hardware without the \
             fault proxy (--fault-proxy)"
                .to_owned(),
        );
    }
    if cfg.hardware {
        for step in script.steps() {
            if !matches!(step.kind, StepKind::Fault(_)) {
                continue;
            }
            let text = step.source.trim();
            if !faults {
                return Some(format!(
                    "the script injects a fault (`{text}` at {}), which needs the simulator or \
                     the fault proxy (--fault-proxy)",
                    step.span
                ));
            }
            // A fault written with ${variables} is checked when it runs.
            let typed = text
                .strip_prefix("fault")
                .and_then(|t| t.trim().parse::<bc20_fault::Fault>().ok());
            if typed.is_some_and(|f| !link.can_inject(&f)) {
                return Some(format!(
                    "the script injects `{text}` (at {}), which happens inside the module: only \
                     the simulator can produce it",
                    step.span
                ));
            }
        }
    }
    if !link.has_network_log() {
        if let Some(step) = script
            .steps()
            .find(|s| matches!(s.kind, StepKind::Network(_)))
        {
            return Some(format!(
                "the script checks packet timing (`{}` at {}), which needs the network log of \
                 the simulator or of the fault proxy (--fault-proxy)",
                step.source.trim(),
                step.span
            ));
        }
    }
    if !link.can_reset() {
        if let Some(step) = script.steps().find(|s| matches!(s.kind, StepKind::Reset)) {
            return Some(format!(
                "the script needs a reset (`reset` at {}) and no --reset-cmd is configured",
                step.span
            ));
        }
    }
    None
}

/// Whether the script's steps connect (AT+QMTCONN=) or touch AliAuth: with AliAuth set on a
/// slot, such a script would not run on the module the suite assumes (D20, D21).
fn depends_on_aliauth(script: &Script) -> bool {
    script.steps().any(|s| {
        let src = s.source.to_ascii_uppercase();
        matches!(s.kind, StepKind::Send(_) | StepKind::SendRaw(_))
            && (src.contains("AT+QMTCONN=") || src.contains("\"ALIAUTH\""))
    })
}

impl Session<'_> {
    /// Link time since the script started.
    pub(crate) fn elapsed(&self) -> Duration {
        self.link.now().saturating_sub(self.t0)
    }

    pub(crate) fn log(&mut self, dir: Dir, text: &str, form: Option<&str>, note: Option<String>) {
        let now = self.link.now();
        self.log_at(now, dir, text, form, note);
    }

    /// [`Session::log`] for something that happened at link time `at` (the fault proxy's
    /// packets, polled after the fact).
    pub(crate) fn log_at(
        &mut self,
        at: Duration,
        dir: Dir,
        text: &str,
        form: Option<&str>,
        note: Option<String>,
    ) {
        let elapsed = at.saturating_sub(self.t0);
        let wall_ms = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let text = self.masker.mask(text);
        let event = Event {
            t_ms: (elapsed.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
            wall_ms,
            dir,
            // Module lines are `printable` renderings: keep their exact bytes when escaped.
            raw_hex: (dir == Dir::Module).then(|| raw_hex_of(&text)).flatten(),
            text,
            form: form.map(str::to_owned),
            note: note.map(|n| self.masker.mask(&n)),
        };
        self.sink.record(&event);
        self.transcript.push(event);
    }

    pub(crate) fn runner_note(&mut self, text: &str) {
        self.log(Dir::Runner, text, None, None);
    }

    /// Everything before the first step: the reset (`--reset-each`), the known state
    /// (hardware), and the prologue.
    fn prepare(&mut self) -> Result<(), StepError> {
        if self.cfg.reset_before {
            self.reset_module("reset before the script (--reset-each)")?;
        }
        if self.cfg.known_state {
            let mut state = self.known_state()?;
            if !state.aliauth.is_empty() && depends_on_aliauth(self.script) {
                if self.link.can_reset() {
                    self.reset_module("AliAuth is set and this script connects: reset")?;
                    state = self.known_state()?;
                }
                if !state.aliauth.is_empty() {
                    return Err(StepError::Abort(format!(
                        "module not in a known state: AliAuth is set on slot(s) {:?} and only a \
                         reset clears it (D20); configure --reset-cmd",
                        state.aliauth
                    )));
                }
            }
            // The known state has sent the prologue already.
            return Ok(());
        }
        self.prologue()
    }

    /// Resets the module through the link, records what the hook said, reads (and queues)
    /// what the module prints for the link's settle time, then wakes it.
    pub(crate) fn reset_module(&mut self, why: &str) -> Result<(), StepError> {
        self.runner_note(why);
        let reset = self.link.reset()?;
        for n in &reset.notes {
            self.runner_note(n);
        }
        self.reader.reset(self.cfg.mode);
        self.timing.reset_module();
        let until = self.link.now() + reset.settle;
        self.pump_until(until)?;
        self.wake()
    }

    /// Echo off and numeric errors before the script; tolerant of echo and boot URCs.
    fn prologue(&mut self) -> Result<(), StepError> {
        if !self.script.prologue {
            return Ok(());
        }
        for cmd in self.cfg.prologue.clone() {
            self.send_line(&cmd)?;
            let deadline = self.link.now() + Duration::from_secs(2) + self.cfg.grace;
            loop {
                let line = self.next_line(deadline)?.ok_or_else(|| {
                    StepError::Abort(format!(
                        "the module does not answer `{cmd}` (no final result code within 2 s)"
                    ))
                })?;
                if let Some(bc20_grammar::Line::Response(r)) = line.line() {
                    if r.is_final() {
                        break;
                    }
                }
            }
        }
        self.reader.queue.clear();
        Ok(())
    }

    /// Runs steps until one fails; returns the failure and the verdict it implies.
    fn run_section(&mut self, section: Section, steps: &[Step]) -> Option<(Failure, Verdict)> {
        for step in steps {
            if let (Some(sig), false) = (interrupted(), self.in_teardown) {
                return Some((
                    self.failure(
                        section,
                        step,
                        format!("interrupted by {} before this step", signal_name(sig)),
                    ),
                    Verdict::Error,
                ));
            }
            match self.step(step) {
                Ok(()) => {}
                Err(StepError::Fail(m)) => {
                    return Some((self.failure(section, step, m), Verdict::Fail))
                }
                Err(StepError::Abort(m)) => {
                    return Some((self.failure(section, step, m), Verdict::Error))
                }
            }
        }
        None
    }

    fn failure(&mut self, section: Section, step: &Step, message: String) -> Failure {
        let message = self.masker.mask(&message);
        self.log(
            Dir::Runner,
            &format!("FAILED {}: {}", step.span, message),
            None,
            None,
        );
        Failure {
            at: step.span.to_string(),
            section: Some(section),
            step: self.masker.mask(step.source.trim()),
            message,
        }
    }

    /// Teardown always runs; its problems fail a passing script and are notices otherwise.
    fn teardown(&mut self, failures: &mut Vec<Failure>, verdict: &mut Verdict) {
        if self.script.teardown.is_empty() {
            return;
        }
        // Whatever the test left unread is not the teardown's business.
        while let Some(l) = self.reader.queue.pop_front() {
            let text = l.text();
            self.log(
                Dir::Runner,
                &format!("teardown discards `{text}`"),
                None,
                None,
            );
        }
        self.lenient_order = true;
        self.in_teardown = true;
        if let Some(sig) = interrupted() {
            self.teardown_deadline = Some(self.link.now() + self.cfg.teardown_bound);
            let msg = format!(
                "{} received: teardown within {}",
                signal_name(sig),
                crate::script::format_duration(self.cfg.teardown_bound)
            );
            self.runner_note(&msg);
        }
        let steps = &self.script.teardown;
        if let Some((f, v)) = self.run_section(Section::Teardown, steps) {
            if *verdict == Verdict::Pass {
                *verdict = v;
                failures.push(f);
            } else {
                self.notices
                    .push(format!("teardown: {}: {}", f.at, f.message));
            }
        }
    }

    fn step(&mut self, step: &Step) -> Result<(), StepError> {
        match &step.kind {
            StepKind::Send(t) => {
                let line = self.expand(t)?;
                self.send_line(&line)
            }
            StepKind::SendRaw(t) => {
                let text = self.expand(t)?;
                let bytes = raw_bytes(&text);
                let shown = self.masker.learn_and_mask_line(&printable(&bytes));
                self.send_bytes(&bytes, &shown, Some("raw".to_owned()))
            }
            StepKind::Expect { within, matcher } => self.expect_one(*within, matcher, step),
            StepKind::ExpectSet { within, matchers } => self.expect_set(*within, matchers),
            StepKind::ExpectEventually { within, matcher } => {
                self.expect_eventually(*within, matcher)
            }
            StepKind::ExpectAny { within, matchers } => self.expect_any(*within, matchers),
            StepKind::ExpectNone(d) => self.expect_none(*d),
            StepKind::Wait(d) => {
                let until = self.link.now() + *d;
                self.pump_until(until)
            }
            StepKind::Set {
                name,
                value,
                secret,
            } => {
                let v = self.expand(value)?;
                if *secret {
                    self.masker.add(&v);
                }
                self.vars.insert(name.clone(), v);
                Ok(())
            }
            StepKind::Peer(p) => self.peer_step(p),
            StepKind::Fault(f) => {
                let fault = Fault {
                    name: f.name.clone(),
                    args: f
                        .args
                        .iter()
                        .map(|a| self.expand(a))
                        .collect::<Result<_, _>>()?,
                };
                let shown = format!("fault {} {}", fault.name, fault.args.join(" "));
                if !self.link.supports_faults() {
                    // skip_reason() keeps such scripts from running; a link that cannot inject
                    // must never let the step pass silently.
                    return Err(StepError::Abort(format!(
                        "`{}` cannot be injected on {}",
                        shown.trim(),
                        self.link.describe()
                    )));
                }
                self.log(Dir::Runner, shown.trim(), None, Some("fault".to_owned()));
                self.link.inject(&fault).map_err(|e| match e {
                    LinkError::FaultArgs { .. } | LinkError::FaultUnavailable(_) => {
                        StepError::Abort(e.to_string())
                    }
                    other => StepError::Abort(other.to_string()),
                })
            }
            StepKind::Reset => {
                self.reset_module("reset")?;
                self.prologue()
            }
            StepKind::Note(t) => {
                let text = self.expand(t)?;
                self.log(Dir::Runner, &text, None, Some("note".to_owned()));
                Ok(())
            }
            StepKind::Mark(name) => {
                self.mark(name);
                Ok(())
            }
            StepKind::Network(check) => self.network_check(check),
            StepKind::Include(path) => Err(StepError::Abort(format!(
                "`include {path}` was not resolved (load scripts with load_script)"
            ))),
        }
    }
}
