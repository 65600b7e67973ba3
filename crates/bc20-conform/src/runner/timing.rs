//! Response-time bookkeeping: which command a final result code or asynchronous result
//! closes, and the note's limit for it.

use std::time::Duration;

use bc20_grammar::{Command, Line, MqttCommand, Response, SlotSettings, Urc};

use super::result::CommandTiming;

/// A command whose last line has not arrived yet.
#[derive(Debug, Clone)]
struct Pending {
    timing_index: usize,
    sent_at: Duration,
    mqtt: Option<MqttCommand>,
    conn_id: Option<u8>,
    msg_id: Option<u16>,
    async_result: bool,
    final_seen: bool,
    /// An AT+QMTCFG write and its slot, applied to the slot's settings when its OK arrives.
    qmtcfg: Option<(u8, Command<'static>)>,
}

/// Tracks sent commands until their last line, per the D23 rules.
#[derive(Debug)]
pub struct Timing {
    pending: Vec<Pending>,
    /// Each slot's AT+QMTCFG settings, as the module was configured by this script (the
    /// grammar's one model of them: its `max_response` gives the note's limits, D23).
    slots: [SlotSettings; 6],
    /// Every command of the script.
    pub timings: Vec<CommandTiming>,
    tolerance_ms: f64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl Timing {
    /// A tracker with the note's default timeouts on every slot; a response counts as too
    /// slow when it takes longer than the note's limit plus `tolerance`.
    pub fn new(tolerance: Duration) -> Self {
        Timing {
            pending: Vec::new(),
            slots: Default::default(),
            timings: Vec::new(),
            tolerance_ms: ms(tolerance),
        }
    }

    /// Forgets per-slot settings (after a module reset).
    pub fn reset_module(&mut self) {
        self.pending.clear();
        self.slots = Default::default();
    }

    /// Records a command sent at `at`; `cmd` is its decoded form, if it decodes.
    pub fn sent(&mut self, at: Duration, text: &str, cmd: Option<&Command<'_>>) {
        let mqtt = cmd.and_then(Command::mqtt_command);
        let (conn_id, msg_id) = cmd.map_or((None, None), |c| (c.conn_id(), c.msg_id()));
        let limit = mqtt.map(|m| {
            let limit = match conn_id.and_then(|c| self.slots.get(usize::from(c))) {
                Some(slot) => slot.max_response(m),
                None => SlotSettings::default().max_response(m),
            };
            ms(limit)
        });
        let qmtcfg = match (mqtt, conn_id, cmd) {
            (Some(MqttCommand::QmtCfg), Some(c), Some(cmd)) => Some((c, cmd.clone().into_owned())),
            _ => None,
        };
        let index = self.timings.len();
        self.timings.push(CommandTiming {
            index,
            command: text.to_owned(),
            form: cmd.map(|c| c.spec_id().to_owned()),
            sent_ms: ms(at),
            final_ms: None,
            latency_ms: None,
            limit_ms: limit,
            within_limit: None,
            outcome: None,
        });
        self.pending.push(Pending {
            timing_index: index,
            sent_at: at,
            mqtt,
            conn_id,
            msg_id,
            async_result: cmd.is_some_and(Command::has_async_result),
            final_seen: false,
            qmtcfg,
        });
    }

    /// Feeds a module line that arrived at `at`.
    pub fn received(&mut self, at: Duration, text: &str, line: &Line<'_>) {
        match line {
            Line::Response(r) if r.is_final() => self.final_code(at, text, r),
            Line::Urc(u) => self.async_result(at, text, u),
            _ => {}
        }
    }

    fn final_code(&mut self, at: Duration, text: &str, r: &Response<'_>) {
        let Some(pos) = self.pending.iter().position(|p| !p.final_seen) else {
            return;
        };
        let ok = matches!(r, Response::Ok);
        let p = &mut self.pending[pos];
        p.final_seen = true;
        let t = &mut self.timings[p.timing_index];
        t.final_ms = Some(ms(at.saturating_sub(p.sent_at)));
        t.outcome = Some(text.to_owned());
        if ok {
            if let Some((slot, cmd)) = &p.qmtcfg {
                if let Some(s) = self.slots.get_mut(usize::from(*slot)) {
                    s.apply(cmd);
                }
            }
        }
        if !p.async_result || !ok {
            self.complete(pos, at);
        }
    }

    fn async_result(&mut self, at: Duration, text: &str, u: &Urc<'_>) {
        if let Urc::QmtStat { conn_id, .. } = u {
            // The link is gone: commands still in flight on it get no result (D43, D38).
            self.end_slot(*conn_id, text);
            return;
        }
        let Some(of) = u.result_of() else {
            return;
        };
        if u.is_retransmission_notice() {
            return;
        }
        let (conn_id, msg_id) = (u.conn_id(), u.msg_id());
        let Some(pos) = self.pending.iter().position(|p| {
            p.async_result
                && p.mqtt == Some(of)
                && p.conn_id == conn_id
                && (p.msg_id.is_none() || msg_id.is_none() || p.msg_id == msg_id)
        }) else {
            return;
        };
        self.timings[self.pending[pos].timing_index].outcome = Some(text.to_owned());
        self.complete(pos, at);
        if let (MqttCommand::QmtClose | MqttCommand::QmtDisc, Some(id)) = (of, conn_id) {
            // The link is closed: the slot's other commands get no result (D43).
            self.end_slot(id, text);
        }
    }

    /// Ends every command of `conn_id` that waits for an asynchronous result, with `why`
    /// as its outcome.
    fn end_slot(&mut self, conn_id: u8, why: &str) {
        while let Some(pos) = self
            .pending
            .iter()
            .position(|p| p.async_result && p.final_seen && p.conn_id == Some(conn_id))
        {
            let index = self.pending[pos].timing_index;
            self.pending.remove(pos);
            // No result came, so it has no response time to hold against the note's limit.
            self.timings[index].outcome = Some(format!("no result: ended by `{why}`"));
        }
    }

    fn complete(&mut self, pos: usize, at: Duration) {
        let p = self.pending.remove(pos);
        let t = &mut self.timings[p.timing_index];
        let latency = ms(at.saturating_sub(p.sent_at));
        t.latency_ms = Some(latency);
        // The note's limits are in whole milliseconds; allow for sub-millisecond clock noise.
        let slack = self.tolerance_ms + 0.5;
        t.within_limit = t.limit_ms.map(|l| latency <= l + slack);
    }

    /// When the most recent command that is still waiting for a line must be done, by the
    /// note (sent time + limit); `None` when nothing waits or the note gives no limit.
    pub fn deadline(&self) -> Option<Duration> {
        let p = self.pending.last()?;
        let limit = self.timings[p.timing_index].limit_ms?;
        Some(p.sent_at + Duration::from_micros((limit * 1000.0) as u64))
    }

    /// Whether some command still waits for a line.
    pub fn waiting(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Commands that exceeded their limit.
    pub fn over_limit(&self) -> impl Iterator<Item = &CommandTiming> {
        self.timings
            .iter()
            .filter(|t| t.within_limit == Some(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> Line<'_> {
        let ctx = bc20_grammar::Context::default();
        bc20_grammar::decode_line(text.as_bytes(), bc20_grammar::Mode::Strict, ctx)
            .unwrap()
            .line
    }

    #[test]
    fn a_qmtstat_ends_the_commands_in_flight_on_its_slot_d43() {
        let mut t = Timing::new(Duration::ZERO);
        let cmd = "AT+QMTPUB=0,9,1,0,\"t\",\"x\"";
        let Line::Command(decoded) = line(cmd) else {
            panic!("{cmd} is a command");
        };
        t.sent(Duration::ZERO, cmd, Some(&decoded));
        t.received(Duration::from_millis(10), "OK", &line("OK"));
        assert!(t.waiting(), "QMTPUB waits for its +QMTPUB");
        assert!(t.deadline().is_some());
        t.received(
            Duration::from_millis(20),
            "+QMTSTAT: 0,1",
            &line("+QMTSTAT: 0,1"),
        );
        assert!(!t.waiting());
        assert_eq!(t.deadline(), None);
        let timing = &t.timings[0];
        assert_eq!(timing.latency_ms, None, "no result, no response time");
        assert!(timing.outcome.as_deref().unwrap().contains("+QMTSTAT: 0,1"));
    }

    #[test]
    fn a_qmtclose_result_ends_the_other_commands_of_its_slot_d43() {
        let mut t = Timing::new(Duration::ZERO);
        for (i, cmd) in ["AT+QMTPUB=0,9,1,0,\"t\",\"x\"", "AT+QMTCLOSE=0"]
            .into_iter()
            .enumerate()
        {
            let Line::Command(decoded) = line(cmd) else {
                panic!("{cmd} is a command");
            };
            let at = Duration::from_millis(10 * i as u64);
            t.sent(at, cmd, Some(&decoded));
            t.received(at + Duration::from_millis(1), "OK", &line("OK"));
        }
        t.received(
            Duration::from_millis(30),
            "+QMTCLOSE: 0,0",
            &line("+QMTCLOSE: 0,0"),
        );
        assert!(!t.waiting(), "the QMTPUB ended with its link");
        assert_eq!(t.timings[0].latency_ms, None);
        assert!(t.timings[1].latency_ms.is_some());
    }
}
