//! The timing checks of the network log (`expect-keepalive`, `expect-retransmissions`): what
//! the module sent, as the fault proxy or the simulated module logged it, against the
//! keep-alive and retransmission rules (Figure 1 T2, 3.2.1, D22, D25, D66). The checks
//! themselves are pure functions of the log and a window, so they are tested without a link.

use std::time::Duration;

use bc20_fault::{type_name, Fate, LogEntry, PacketType, Way};

use super::{Session, StepError};
use crate::script::{default_tolerance, NetValue, NetworkCheck, NetworkCheckKind};
use crate::transcript::Dir;

/// The resolution of a network log's times ([`bc20_fault::LogEntry::at`]: whole
/// milliseconds).
const LOG_RESOLUTION: Duration = Duration::from_millis(1);

/// The stretch of link time a check looks at, and the script's start (times in messages
/// are script time, as in the transcript).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    /// First instant looked at (link time).
    pub(crate) start: Duration,
    /// Last instant looked at: when the check ran (link time).
    pub(crate) end: Duration,
    /// The script's start (link time).
    pub(crate) t0: Duration,
}

impl Window {
    /// Whether `at` (a log time) is not before the window's start. The log's times are
    /// whole milliseconds of the logger's clock (the proxy's own), moved onto the link's: a
    /// packet sent just after the mark may carry a time up to [`LOG_RESOLUTION`] before it.
    fn not_before_start(&self, at: Duration) -> bool {
        at + LOG_RESOLUTION >= self.start
    }

    /// `12.345 s`: an instant in script time.
    fn at(&self, t: Duration) -> String {
        secs(t.saturating_sub(self.t0))
    }
}

/// `2.500 s`.
fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// `2.500 s ± 0.250 s`.
fn plus_minus(d: Duration, tol: Duration) -> String {
    format!("{} ± {}", secs(d), secs(tol))
}

/// Every packet the module sent on `slot` up to the window's end: when it was sent and the
/// packet (each packet once, whatever the network then did with it), with the closing
/// events of the slot's connections as `None`.
fn sent_by_module(
    log: &[(Duration, LogEntry)],
    slot: u8,
    end: Duration,
) -> impl Iterator<Item = (Duration, Option<bc20_fault::PacketInfo>)> + '_ {
    log.iter()
        .filter(move |(at, e)| e.conn_id == Some(slot) && *at <= end)
        .filter_map(|(at, e)| match (&e.packet, &e.fate) {
            (Some(p), _) if e.is_sending() && e.way == Way::Up => Some((*at, Some(*p))),
            (None, Fate::Closed(_)) => Some((*at, None)),
            _ => None,
        })
}

/// Why a timing check did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CheckError {
    /// What the module sent deviates: the script fails.
    Deviation(String),
    /// The check cannot tell what it is about (two packet ids in its window and no `id=`):
    /// the script's mistake, so it errors.
    Ambiguous(String),
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckError::Deviation(m) | CheckError::Ambiguous(m) => f.write_str(m),
        }
    }
}

/// Keep-alive (Figure 1 T2, D22): while the slot is connected, no gap between two packets
/// the module sent (CONNECT counts, DISCONNECT or the connection's end stops the clock) and
/// none from the last one to the window's end longer than `keepalive + tol`; a window
/// longer than that holds a PINGREQ (the check is meant for idle windows). A gap that
/// overlaps the window counts whole. `Ok` is a one-line summary for the transcript.
pub(crate) fn check_keepalive(
    log: &[(Duration, LogEntry)],
    w: Window,
    slot: u8,
    keepalive: Duration,
    tol: Duration,
) -> Result<String, String> {
    let limit = keepalive + tol;
    let mut last: Option<(Duration, &'static str)> = None;
    let mut pings = Vec::new();
    let mut late = Vec::new();
    let mut longest = Duration::ZERO;
    let mut gap = |from: (Duration, &'static str), to: Duration, what: String| {
        let d = to.saturating_sub(from.0);
        if w.not_before_start(to) {
            longest = longest.max(d);
            if d > limit {
                late.push(format!(
                    "{} from the {} at {} to {what}",
                    secs(d),
                    from.1,
                    w.at(from.0)
                ));
            }
        }
    };
    for (at, packet) in sent_by_module(log, slot, w.end) {
        let Some(p) = packet else {
            last = None;
            continue;
        };
        let name = type_name(p.kind);
        if let Some(from) = last {
            gap(from, at, format!("the {name} at {}", w.at(at)));
        }
        if p.kind == PacketType::PingReq && w.not_before_start(at) {
            pings.push(at);
        }
        last = (p.kind != PacketType::Disconnect).then_some((at, name));
    }
    if let Some(from) = last {
        gap(
            from,
            w.end,
            format!("the check at {} (nothing since)", w.at(w.end)),
        );
    }
    let span = format!("{} to {}", w.at(w.start), w.at(w.end));
    let pings_seen = if pings.is_empty() {
        "no PINGREQ".to_owned()
    } else {
        format!(
            "PINGREQ at {}",
            pings
                .iter()
                .map(|t| w.at(*t))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let mut problems = Vec::new();
    if !late.is_empty() {
        problems.push(format!(
            "the module sent nothing on slot {slot} for longer than the keep-alive {}: {}",
            plus_minus(keepalive, tol),
            late.join("; ")
        ));
    }
    if pings.is_empty() && w.end.saturating_sub(w.start) > limit {
        problems.push(format!(
            "no PINGREQ on slot {slot} in {span}, longer than the keep-alive {}",
            plus_minus(keepalive, tol)
        ));
    }
    if problems.is_empty() {
        Ok(format!(
            "keep-alive on slot {slot}, {span}: {pings_seen}, longest gap {} (limit {})",
            secs(longest),
            secs(limit)
        ))
    } else {
        Err(format!(
            "expect-keepalive: {} (seen: {pings_seen} in {span})",
            problems.join("; ")
        ))
    }
}

/// What [`check_retransmissions`] expects, the step's values read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expected {
    /// PUBLISH, SUBSCRIBE, UNSUBSCRIBE or PUBREL.
    pub(crate) packet: PacketType,
    /// Only this packet id; `None`: the one id the window holds.
    pub(crate) id: Option<u16>,
    /// `retry_times`: the packet is sent `1 + retries` times.
    pub(crate) retries: u16,
    /// `pkt_timeout`: the interval between two sendings.
    pub(crate) every: Duration,
    /// How far an interval may be off `every`.
    pub(crate) tol: Duration,
}

/// Retransmissions (3.2.1 `pkt_timeout`/`retry_times`, D25): the packet (with its id, or the
/// one id the window holds) sent on `slot` exactly `1 + retries` times in the window, each
/// retransmission `every ± tol` after the one before; a PUBLISH first with DUP 0 and then
/// with DUP 1. `Ok` is a one-line summary for the transcript.
pub(crate) fn check_retransmissions(
    log: &[(Duration, LogEntry)],
    w: Window,
    slot: u8,
    x: Expected,
) -> Result<String, CheckError> {
    let Expected {
        packet,
        id,
        retries,
        every,
        tol,
    } = x;
    let name = type_name(packet);
    let sent: Vec<(Duration, bc20_fault::PacketInfo)> = sent_by_module(log, slot, w.end)
        .filter_map(|(at, p)| Some((at, p?)))
        .filter(|(at, p)| w.not_before_start(*at) && p.kind == packet)
        .filter(|(_, p)| id.is_none_or(|id| p.pkid == Some(id)))
        .collect();
    let span = format!("{} to {}", w.at(w.start), w.at(w.end));
    let mut ids: Vec<u16> = sent.iter().filter_map(|(_, p)| p.pkid).collect();
    ids.sort_unstable();
    ids.dedup();
    if id.is_none() && ids.len() > 1 {
        let ids: Vec<String> = ids.iter().map(u16::to_string).collect();
        return Err(CheckError::Ambiguous(format!(
            "expect-retransmissions: {name} with ids {} on slot {slot} in {span}: say which with `id=`",
            ids.join(", ")
        )));
    }
    let what = match id.or(ids.first().copied()) {
        Some(i) => format!("{name} id {i} on slot {slot}"),
        None => format!("{name} on slot {slot}"),
    };
    let publish = packet == PacketType::Publish;
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    let expected = usize::from(retries) + 1;
    if sent.len() != expected {
        problems.push(format!(
            "sent {} time(s), not {expected} (1 + retries {retries})",
            sent.len()
        ));
    }
    for (i, (at, p)) in sent.iter().enumerate() {
        let mut text = w.at(*at);
        let mut notes = Vec::new();
        if publish {
            notes.push(format!("DUP {}", u8::from(p.dup)));
            let want = i > 0;
            if p.dup != want {
                problems.push(if want {
                    format!("retransmission {i} has DUP 0 (a retransmitted PUBLISH has DUP 1)")
                } else {
                    "the first sending has DUP 1".to_owned()
                });
            }
        }
        if let Some((before, _)) = i.checked_sub(1).and_then(|j| sent.get(j)) {
            let d = at.saturating_sub(*before);
            notes.push(format!("+{}", secs(d)));
            if d.abs_diff(every) > tol {
                problems.push(format!(
                    "retransmission {i} came {} after the sending before, not {}",
                    secs(d),
                    plus_minus(every, tol)
                ));
            }
        }
        if !notes.is_empty() {
            text.push_str(&format!(" ({})", notes.join(", ")));
        }
        seen.push(text);
    }
    let seen = if seen.is_empty() {
        format!("none in {span}")
    } else {
        format!("at {}", seen.join(", "))
    };
    if problems.is_empty() {
        Ok(format!("retransmissions of {what}: {seen}"))
    } else {
        Err(CheckError::Deviation(format!(
            "expect-retransmissions {what}: {} (seen: {seen})",
            problems.join("; ")
        )))
    }
}

impl Session<'_> {
    /// `mark NAME`: the network log up to now is read, and the window of a later
    /// `since=NAME` starts here.
    pub(super) fn mark(&mut self, name: &str) {
        self.poll_network();
        let now = self.link.now();
        self.marks.insert(name.to_owned(), now);
    }

    /// Runs a timing check over the network log (see the module documentation).
    pub(super) fn network_check(&mut self, c: &NetworkCheck) -> Result<(), StepError> {
        if !self.link.has_network_log() {
            // skip_reason() keeps such scripts from running: never let the step pass.
            return Err(StepError::Abort(format!(
                "{} has no network log (a serial port needs a fault proxy: --fault-proxy or --proxy-control)",
                self.link.describe()
            )));
        }
        self.poll_network();
        let start = match &c.since {
            Some(name) => *self.marks.get(name).ok_or_else(|| {
                StepError::Abort(format!("`since={name}`: the mark `{name}` was not reached"))
            })?,
            None => self.t0,
        };
        let w = Window {
            start,
            end: self.link.now(),
            t0: self.t0,
        };
        let slot = u8::try_from(self.number(&c.slot)?).unwrap_or(u8::MAX);
        let tolerance = |s: &Self, interval: Duration| match &c.tolerance {
            Some(t) => s.duration(t),
            None => Ok(default_tolerance(interval)),
        };
        let outcome = match &c.kind {
            NetworkCheckKind::KeepAlive { keepalive } => {
                let ka = self.duration(keepalive)?;
                check_keepalive(&self.network, w, slot, ka, tolerance(self, ka)?)
                    .map_err(CheckError::Deviation)
            }
            NetworkCheckKind::Retransmissions {
                packet,
                id,
                retries,
                every,
            } => {
                let id = id.as_ref().map(|v| self.number(v)).transpose()?;
                let every = self.duration(every)?;
                let x = Expected {
                    packet: *packet,
                    id,
                    retries: self.number(retries)?,
                    every,
                    tol: tolerance(self, every)?,
                };
                check_retransmissions(&self.network, w, slot, x)
            }
        };
        match outcome {
            Ok(summary) => {
                self.log(Dir::Runner, &summary, None, Some("timing check".to_owned()));
                Ok(())
            }
            Err(CheckError::Deviation(m)) => Err(StepError::Fail(m)),
            Err(CheckError::Ambiguous(m)) => Err(StepError::Abort(m)),
        }
    }

    /// A value with its variables expanded, as a number (a bad value is the script's error).
    fn number(&self, v: &NetValue) -> Result<u16, StepError> {
        v.number(&self.expand(&v.text)?).map_err(StepError::Abort)
    }

    /// A value with its variables expanded, as a duration.
    fn duration(&self, v: &NetValue) -> Result<Duration, StepError> {
        v.duration(&self.expand(&v.text)?).map_err(StepError::Abort)
    }
}

#[cfg(test)]
mod tests;
