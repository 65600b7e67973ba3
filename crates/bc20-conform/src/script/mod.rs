//! Conformance scripts: the syntax tree, the parser and the loader that resolves `include`.
//!
//! The format is described in `conformance/README.md`; in short, one step per line:
//! `send AT+QMTOPEN=0,"${broker_host}",${broker_port}`, `expect OK`,
//! `expect +QMTOPEN: 0,0`, `peer publish topic="t" payload="x" qos=1`, and so on.

mod check;
mod duration;
mod error;
mod fault;
mod lexer;
pub use lexer::raw_bytes;
mod load;
mod parse;
mod parse_args;
mod parse_header;
mod parse_peer;
mod parse_timing;

use std::time::Duration;

use serde::Serialize;

pub use crate::template::{is_name, Piece, Template};
pub use duration::{format_duration, parse_duration, try_parse_duration};
pub use error::{ScriptError, ScriptErrorKind};
pub use load::{load_script, MAX_INCLUDE_DEPTH};
pub use parse::parse_script;
pub use parse_timing::{default_tolerance, NetValue, NetValueKind};

use crate::pattern::Matcher;

/// Variables every script may use without defining them.
pub const PREDEFINED_VARS: &[&str] = &["broker_host", "broker_port", "uid", "cid", "script"];

/// Fault step names the runner knows (simulator only; skipped with a notice on hardware): the
/// names of bc20-fault's vocabulary (see conformance/README.md, "Fault steps").
pub const FAULT_NAMES: &[&str] = bc20_fault::NAMES;

/// Where a step is: file, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    /// The file, as given to the parser.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column of the step keyword.
    pub column: usize,
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A parsed script.
#[derive(Debug, Clone)]
pub struct Script {
    /// The path as given.
    pub path: String,
    /// The file stem, used as the test case name.
    pub name: String,
    /// `title ...`, a one-line description.
    pub title: Option<String>,
    /// `tags ...`: spec clauses (`3.2.2`), spec ids (`qmtopen.write`) and codes
    /// (`qmtopen.result=2`) the script covers, in order of appearance.
    pub tags: Vec<String>,
    /// `requires sim`: the whole script is skipped (with a notice) on hardware.
    pub requires_sim: bool,
    /// `prologue off`: the runner does not send `ATE0` / `AT+CMEE=1` before the script.
    pub prologue: bool,
    /// `timeout D`: default wait for an `expect` when no command is awaiting its result.
    pub default_timeout: Option<Duration>,
    /// `xfail REASON`: the script is expected to fail because of a known firmware defect; the
    /// reason (free text, e.g. the defect's ticket id) is shown with the verdict.
    pub xfail: Option<String>,
    /// `time-limit D`: the longest the whole script may take, in module time (the link's
    /// clock: virtual on the simulator).
    pub time_limit: Option<Duration>,
    /// `ignore PATTERN`: module lines dropped before matching (still in the transcript).
    pub ignore: Vec<Matcher>,
    /// `setup:` steps.
    pub setup: Vec<Step>,
    /// `test:` steps (steps before any section header go here too).
    pub test: Vec<Step>,
    /// `teardown:` steps; they run even when setup or test failed.
    pub teardown: Vec<Step>,
}

impl Script {
    /// Every step in run order (setup, test, teardown).
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.setup.iter().chain(&self.test).chain(&self.teardown)
    }

    /// Whether the script contains fault steps (which need the simulator).
    pub fn uses_faults(&self) -> bool {
        self.steps().any(|s| matches!(s.kind, StepKind::Fault(_)))
    }
}

/// Which part of a script a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    /// `setup:`
    Setup,
    /// `test:`
    Test,
    /// `teardown:`
    Teardown,
}

/// One step and where it is.
#[derive(Debug, Clone)]
pub struct Step {
    /// Location of the step keyword.
    pub span: Span,
    /// The source line, for messages.
    pub source: String,
    /// What to do.
    pub kind: StepKind,
}

/// What a step does.
#[derive(Debug, Clone)]
pub enum StepKind {
    /// `send LINE`: the line plus CR.
    Send(Template),
    /// `send-raw "BYTES"`: the bytes exactly (escapes `\r \n \t \\ \" \xHH`), no CR added.
    SendRaw(Template),
    /// `expect [within D] MATCHER`: the next module line must match.
    Expect {
        /// Explicit timeout, else the pending command's maximum response time.
        within: Option<Duration>,
        /// The line matcher.
        matcher: Matcher,
    },
    /// `expect-set [within D] { ... }`: the next N lines match the N matchers in any order.
    ExpectSet {
        /// Explicit timeout for the whole set.
        within: Option<Duration>,
        /// The matchers, each with its own location.
        matchers: Vec<(Span, Matcher)>,
    },
    /// `expect-eventually [within D] MATCHER`: module lines that do not match are consumed (and
    /// logged as skipped) until one matches, within the time limit.
    ExpectEventually {
        /// Explicit timeout, else the pending command's maximum response time.
        within: Option<Duration>,
        /// The line matcher.
        matcher: Matcher,
    },
    /// `expect-any [within D] { ... }`: the next line matches at least one of the matchers;
    /// the first one in order that matches binds its captures.
    ExpectAny {
        /// Explicit timeout.
        within: Option<Duration>,
        /// The alternatives in order, each with its own location.
        matchers: Vec<(Span, Matcher)>,
    },
    /// `expect-none D`: no module line arrives for D.
    ExpectNone(Duration),
    /// `wait D`: let D pass; lines arriving meanwhile stay queued.
    Wait(Duration),
    /// `set NAME = VALUE` or `secret NAME = VALUE` (masked in every output).
    Set {
        /// Variable name.
        name: String,
        /// Value (may reference other variables).
        value: Template,
        /// Whether the value is a secret to mask.
        secret: bool,
    },
    /// `peer ...`: the broker-side MQTT client.
    Peer(PeerStep),
    /// `fault NAME [ARGS]`: simulator-only fault injection.
    Fault(FaultStep),
    /// `reset`: power-cycle hook on hardware, a fresh module on the simulator.
    Reset,
    /// `note TEXT`: a runner line in the transcript, with `${var}` expanded when the step runs
    /// (and secrets masked, like every transcript line).
    Note(Template),
    /// `include PATH`: replaced by the included file's steps by [`load_script`].
    Include(String),
    /// `mark NAME`: remembers the link time, for a later timing check's `since=NAME`.
    Mark(String),
    /// `expect-keepalive ...` or `expect-retransmissions ...`: a check of the network log
    /// (the fault proxy's, or the simulated module's own) over a window of module time.
    Network(NetworkCheck),
}

/// A timing check of the network log: what the module sent between a mark (or the start
/// of the script) and the step, against the keep-alive and retransmission rules of the note
/// (Figure 1 T2, 3.2.1 `pkt_timeout`/`retry_times`, D22, D25, D66).
#[derive(Debug, Clone)]
pub struct NetworkCheck {
    /// The slot (`<tcpconnectID>`, 0-5) whose packets are checked.
    pub slot: NetValue,
    /// What is checked.
    pub kind: NetworkCheckKind,
    /// `tolerance=D`: how far a measured interval may be off; by default
    /// [`default_tolerance`] of the interval (D66).
    pub tolerance: Option<NetValue>,
    /// `since=NAME`: the window starts at `mark NAME`; without it, at the script's start.
    pub since: Option<String>,
}

/// The two timing checks.
#[derive(Debug, Clone)]
pub enum NetworkCheckKind {
    /// `expect-keepalive SLOT keepalive=D`: while connected, no gap between two packets the
    /// module sent (CONNECT included) longer than the keep-alive + tolerance, none from the
    /// last one to the step, and a PINGREQ in a window longer than the keep-alive.
    KeepAlive {
        /// The keep-alive time the module was configured with.
        keepalive: NetValue,
    },
    /// `expect-retransmissions SLOT TYPE [id=N] retries=N every=D`: the packet is sent
    /// exactly `1 + retries` times, each retransmission `every` ± tolerance after the one
    /// before; a PUBLISH first with DUP 0, then with DUP 1.
    Retransmissions {
        /// PUBLISH, SUBSCRIBE, UNSUBSCRIBE or PUBREL.
        packet: bc20_fault::PacketType,
        /// `id=N`: only this packet id (the msgID); without it the window must hold one id.
        id: Option<NetValue>,
        /// `retries=N`: the `retry_times` in force (0-10).
        retries: NetValue,
        /// `every=D`: the `pkt_timeout` in force.
        every: NetValue,
    },
}

/// A broker-side action or expectation.
#[derive(Debug, Clone)]
pub enum PeerStep {
    /// `peer publish topic=T payload=P [qos=N] [retain=0|1]`.
    Publish {
        /// Topic.
        topic: Template,
        /// Payload.
        payload: Template,
        /// QoS 0-2.
        qos: u8,
        /// Retain flag.
        retain: bool,
    },
    /// `peer subscribe topic=FILTER [qos=N]`.
    Subscribe {
        /// Topic filter.
        topic: Template,
        /// Requested QoS.
        qos: u8,
    },
    /// `peer unsubscribe topic=FILTER`.
    Unsubscribe {
        /// Topic filter.
        topic: Template,
    },
    /// `peer expect topic=T [payload=P|$cap|_] [qos=N] [retain=0|1] [within D]`.
    Expect {
        /// Topic the message must have.
        topic: Template,
        /// Payload: literal, capture or wildcard.
        payload: PayloadPattern,
        /// QoS the peer must receive it with.
        qos: Option<u8>,
        /// Retain flag the peer must see.
        retain: Option<bool>,
        /// Timeout (default: the script's default timeout).
        within: Option<Duration>,
    },
    /// `peer expect-none D`: no message reaches the peer for D.
    ExpectNone(Duration),
}

/// The payload part of `peer expect`.
#[derive(Debug, Clone)]
pub enum PayloadPattern {
    /// `_` or not given: any payload.
    Any,
    /// `$name`: any payload, captured.
    Capture(String),
    /// `"text"`: exactly these bytes.
    Exact(Template),
}

/// A fault injection step.
#[derive(Debug, Clone)]
pub struct FaultStep {
    /// One of [`FAULT_NAMES`].
    pub name: String,
    /// Positional arguments, interpolated at run time.
    pub args: Vec<Template>,
}
