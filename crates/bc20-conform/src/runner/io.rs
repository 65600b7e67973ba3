//! The session's I/O: sending lines, pumping the link, queueing and logging what arrives.

use std::time::Duration;

use bc20_grammar::{Command, Mode};

use super::lines::{observe, ModuleLine};
use super::{interrupted, signal_name, Session, StepError};
use crate::script::format_duration;
use crate::transcript::{printable, Dir};

impl Session<'_> {
    pub(crate) fn expand(&self, t: &crate::script::Template) -> Result<String, StepError> {
        t.expand(&self.vars)
            .map_err(|v| StepError::Abort(format!("variable `{v}` is not defined at this point")))
    }

    /// Sends `line` + CR, logging and timing it.
    pub(crate) fn send_line(&mut self, line: &str) -> Result<(), StepError> {
        let mut bytes = line.as_bytes().to_vec();
        bytes.push(b'\r');
        let shown = self.masker.learn_and_mask_line(line);
        self.send_bytes(&bytes, &shown, None)
    }

    /// Sends `bytes` (a `send` line with its CR, or a `send-raw` step's bytes), logged as
    /// `shown`; one ending in CR is a command like any other for the timing. The command is
    /// decoded once, and announced to the link before it goes out: behind the fault proxy
    /// an AT+QMTOPEN's connection may arrive before the write call even returns.
    pub(super) fn send_bytes(
        &mut self,
        bytes: &[u8],
        shown: &str,
        note: Option<String>,
    ) -> Result<(), StepError> {
        let decoded = bytes
            .strip_suffix(b"\r")
            .map(|body| Command::decode(body, Mode::Lenient).map(|(c, _)| c));
        if let Some(Ok(cmd)) = &decoded {
            self.link.command_sent(cmd);
        }
        self.link.write(bytes)?;
        let at = self.link.now().saturating_sub(self.t0);
        let form = match (&decoded, &note) {
            (Some(Ok(cmd)), None) => Some(cmd.spec_id()),
            _ => None,
        };
        self.log(Dir::Host, shown, form, note);
        match decoded {
            Some(Ok(cmd)) => {
                self.observed.insert(cmd.spec_id().to_owned());
                self.reader.command_sent(&cmd);
                self.timing.sent(at, shown, Some(&cmd));
            }
            Some(Err(_)) => self.timing.sent(at, shown, None),
            None => {}
        }
        Ok(())
    }

    /// Reads from the link until `deadline` (link time) or until a line arrives; lines go to
    /// the queue (or are dropped by `ignore`), peer messages to the inbox.
    pub(crate) fn pump(&mut self, deadline: Duration) -> Result<bool, StepError> {
        let now = self.link.now();
        match (interrupted(), self.teardown_deadline) {
            (Some(sig), None) if self.in_teardown => {
                // The signal came during the teardown: it goes on, within the bound.
                self.teardown_deadline = Some(now + self.cfg.teardown_bound);
                let msg = format!(
                    "{} received: teardown within {}",
                    signal_name(sig),
                    format_duration(self.cfg.teardown_bound)
                );
                self.runner_note(&msg);
            }
            (Some(sig), None) => match self.interrupt_deadline {
                // The step in flight may finish, within the same bound as the teardown.
                None => {
                    self.interrupt_deadline = Some(now + self.cfg.teardown_bound);
                    let msg = format!(
                        "{} received: finishing the current step (at most {})",
                        signal_name(sig),
                        format_duration(self.cfg.teardown_bound)
                    );
                    self.runner_note(&msg);
                }
                Some(end) if now >= end => {
                    return Err(StepError::Abort(format!(
                        "interrupted by {}: the step did not finish within {}",
                        signal_name(sig),
                        format_duration(self.cfg.teardown_bound)
                    )))
                }
                Some(_) => {}
            },
            (_, Some(end)) if now >= end => {
                return Err(StepError::Abort(
                    "the teardown after the interrupt ran out of time".to_owned(),
                ))
            }
            _ => {}
        }
        if let Some(end) = self.script_deadline {
            if now >= end {
                let limit = self.script.time_limit.or(self.cfg.time_limit);
                return Err(StepError::Fail(format!(
                    "the script's time limit ({}) is over",
                    limit.map_or_else(|| "?".to_owned(), format_duration)
                )));
            }
        }
        let deadline = self.bounded(deadline);
        let mut buf = Vec::new();
        let n = self.link.read(deadline, &mut buf)?;
        // The network first: what it logged happened no later than the output this read
        // hands out, so the transcript keeps time order whether a bed's read stopped at the
        // packet or ran on to the module's next line.
        self.poll_network();
        let mut got = false;
        if n > 0 {
            let at = self.elapsed();
            for line in self.reader.feed(at, &buf) {
                got |= self.accept_line(line);
            }
        }
        if let Some(why) = self.link.lost() {
            // The fault proxy went away: what the module says now (its link reset) is the
            // proxy's doing, not a deviation; the lines are in the transcript, the script
            // errors and the run stops.
            return Err(StepError::Abort(why));
        }
        self.poll_peer();
        Ok(got)
    }

    /// What the network (the fault proxy, or the simulated module's own log) did since the
    /// last look: into the transcript, and kept for the timing checks.
    pub(crate) fn poll_network(&mut self) {
        for (at, entry) in self.link.take_network_log() {
            self.log_at(at, Dir::Network, &entry.to_string(), None, None);
            self.network.push((at, entry));
        }
    }

    pub(super) fn accept_line(&mut self, line: ModuleLine) -> bool {
        let text = line.text();
        let (form, note) = match &line.decoded {
            Ok(l) => {
                self.link.line_received(l);
                observe(l, &mut self.observed);
                let t = self.masker.mask(&text);
                self.timing.received(line.at, &t, l);
                (Some(l.spec_id()), None)
            }
            Err(e) => (None, Some(format!("does not decode: {e}"))),
        };
        let ignored = self
            .script
            .ignore
            .iter()
            .any(|m| m.matches(&line.raw, line.line(), &self.vars).is_ok());
        let note = if ignored {
            Some(note.map_or("ignored".to_owned(), |n| format!("ignored; {n}")))
        } else {
            note
        };
        self.log(Dir::Module, &text, form, note);
        if !ignored {
            self.reader.queue.push_back(line);
        }
        !ignored
    }

    pub(super) fn poll_peer(&mut self) {
        let msgs = match self.peer.as_mut() {
            Some(p) => p.poll(),
            None => return,
        };
        for m in msgs {
            let text = format!(
                "recv topic={} qos={} retain={} payload={}",
                m.topic,
                m.qos,
                u8::from(m.retain),
                printable(&m.payload)
            );
            self.log(Dir::Peer, &text, None, None);
            self.peer_inbox.push(m);
        }
    }

    /// `deadline`, brought forward to the script's time limit and the teardown bound, so a
    /// wait never outlasts them.
    fn bounded(&self, deadline: Duration) -> Duration {
        [
            self.script_deadline,
            self.teardown_deadline,
            self.interrupt_deadline,
        ]
        .into_iter()
        .flatten()
        .fold(deadline, Duration::min)
    }

    /// Lets time pass until `until`, queueing whatever arrives.
    pub(crate) fn pump_until(&mut self, until: Duration) -> Result<(), StepError> {
        // pump() bounds each read by the script's limit and the interrupt bounds, and says
        // when one of them is reached: a wait never ends quietly at a limit.
        while self.link.now() < until {
            self.pump(until)?;
        }
        Ok(())
    }

    /// The next queued line, waiting until `deadline` for one.
    pub(crate) fn next_line(
        &mut self,
        deadline: Duration,
    ) -> Result<Option<ModuleLine>, StepError> {
        loop {
            if let Some(l) = self.reader.queue.pop_front() {
                return Ok(Some(l));
            }
            let now = self.link.now();
            if now >= deadline {
                return Ok(None);
            }
            if self.bounded(deadline) <= now {
                // The script's limit or the teardown bound: pump() says which.
                self.pump(deadline)?;
                return Ok(None);
            }
            self.pump(deadline)?;
        }
    }

    /// The deadline of an expectation without `within`.
    pub(crate) fn default_deadline(&self) -> Duration {
        let fallback = self
            .script
            .default_timeout
            .unwrap_or(self.cfg.default_timeout);
        let now = self.link.now();
        match self.timing.deadline() {
            // A command still waits for its result within the note's limit.
            Some(d) if self.t0 + d + self.cfg.grace > now => self.t0 + d + self.cfg.grace,
            // None waits, or one is overdue: its limit is past (the timing report says so),
            // and an expectation still gets the script's own wait rather than none.
            _ => now + fallback,
        }
    }

    /// After the test: the module must stay quiet for `settle`.
    pub(super) fn settle(&mut self) -> Result<(), StepError> {
        let until = self.link.now() + self.cfg.settle;
        self.pump_until(until)?;
        if let Some(l) = self.reader.queue.front() {
            return Err(StepError::Fail(format!(
                "unexpected line from the module after the last step: `{}`",
                l.text()
            )));
        }
        Ok(())
    }

    pub(crate) fn describe_wait(&self, deadline: Duration) -> String {
        let waited = deadline.saturating_sub(self.t0);
        let partial = self.reader.partial();
        let mut s = format!("until {} (script time)", format_duration(waited));
        if partial > 0 {
            s.push_str(&format!(
                "; {partial} byte(s) of an unfinished line are buffered"
            ));
        }
        s
    }
}
