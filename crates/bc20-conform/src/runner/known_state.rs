//! Bringing a module to the suite's starting state before a script, and waking it.
//!
//! On the simulator every script gets a fresh module. A real module keeps what the previous
//! script (or an interrupted run) left: open slots, a keep-alive of 3600, a Will, echo on. The
//! suite must not depend on script order or on the run before, so before each script on
//! hardware the runner:
//! 1. wakes the module (`AT` until `OK`: a module in sleep loses the first command);
//! 2. sends the run's prologue: echo off and numeric errors on (D4, D5), also for a script
//!    with `prologue off` (a module's boot state is only reached through a reset);
//! 3. disconnects every connected slot and closes every open one (`AT+QMTCONN?`,
//!    `AT+QMTOPEN?`, then `AT+QMTDISC` / `AT+QMTCLOSE`), and checks that none stays open;
//! 4. writes every AT+QMTCFG setting a command can restore back to its default, on all six
//!    slots (keep-alive 120, clean session 1, timeout 10,3,0, no Will: 3.2.1 and D20);
//! 5. reads the AliAuth setting of each slot, which no command can clear (D20, D21): only a
//!    reset does, so the caller resets (with a hook) or refuses scripts that depend on it.
//!
//! Everything it sends and receives is in the script's transcript, marked `known state`.
//! These commands are not timed against the note's limits: they are not the script's.

use std::time::Duration;

use bc20_grammar::limits::{
    CLEAN_SESSION_DEFAULT, CONN_ID, KEEPALIVE_DEFAULT, PKT_TIMEOUT_DEFAULT, RETRY_TIMES_DEFAULT,
    TIMEOUT_NOTICE_DEFAULT,
};
use bc20_grammar::{CfgKeyword, CfgSetting, Command, ConnState, Line, Mode, Response, Urc};

use super::lines::ModuleLine;
use super::{Session, StepError};
use crate::transcript::Dir;

/// Longest wait for a final result code of a known-state command (link time).
const ANSWER: Duration = Duration::from_secs(5);
/// Longest wait for the `+QMTDISC`/`+QMTCLOSE` result after its `OK`.
const ASYNC_RESULT: Duration = Duration::from_secs(10);
/// Wake handshake: how long each `AT` waits for its `OK`, and how many are sent.
pub(crate) const WAKE_WAIT: Duration = Duration::from_millis(500);
/// See [`WAKE_WAIT`].
pub(crate) const WAKE_TRIES: usize = 10;
/// Pause between two `AT+CGATT?` while waiting for the attach.
const ATTACH_POLL: Duration = Duration::from_secs(1);

/// What the module looked like after [`Session::known_state`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KnownState {
    /// Slots with AliAuth configured (only a reset clears it).
    pub(crate) aliauth: Vec<u8>,
}

/// The answer to one command: its information lines and URCs, and the final result code.
pub(crate) struct Answer {
    pub(crate) lines: Vec<ModuleLine>,
    pub(crate) ok: bool,
    pub(crate) final_text: String,
}

impl Session<'_> {
    /// Sends `AT` until the module answers `OK` (at most [`WAKE_TRIES`] times,
    /// [`WAKE_WAIT`] each). Lines other than the echo and the result codes stay queued, so
    /// boot URCs (`+IP:`) reach the script.
    pub(crate) fn wake(&mut self) -> Result<(), StepError> {
        for attempt in 1..=WAKE_TRIES {
            self.send_untimed("AT", "wake")?;
            let deadline = self.link.now() + WAKE_WAIT;
            let mut kept = Vec::new();
            let mut ok = false;
            while let Some(line) = self.next_line(deadline)? {
                match line.line() {
                    Some(Line::Response(Response::Ok)) => {
                        ok = true;
                        break;
                    }
                    Some(Line::Response(r)) if r.is_final() => {}
                    Some(Line::Command(_)) => {}
                    _ => kept.push(line),
                }
            }
            for l in kept.into_iter().rev() {
                self.reader.queue.push_front(l);
            }
            if ok {
                if attempt > 1 {
                    self.runner_note(&format!("the module woke up on `AT` number {attempt}"));
                }
                // A late OK of an earlier attempt must not be taken for a script's answer.
                self.drain_result_codes(self.cfg.settle);
                return Ok(());
            }
        }
        Err(StepError::Abort(format!(
            "the module does not answer `AT` ({WAKE_TRIES} tries, {} ms each)",
            WAKE_WAIT.as_millis()
        )))
    }

    /// Reads for `d` and drops bare result codes and echoes from the queue.
    fn drain_result_codes(&mut self, d: Duration) {
        let until = self.link.now() + d;
        let _ = self.pump_until(until);
        self.reader.queue.retain(|l| {
            !matches!(
                l.line(),
                Some(Line::Response(r)) if r.is_final()
            ) && !matches!(l.line(), Some(Line::Command(_)))
        });
    }

    /// Sends `cmd` (not timed, marked in the transcript) and collects its answer.
    pub(crate) fn exchange(&mut self, cmd: &str) -> Result<Answer, StepError> {
        self.send_untimed(cmd, "known state")?;
        let deadline = self.link.now() + ANSWER + self.cfg.grace;
        let mut lines = Vec::new();
        loop {
            let Some(line) = self.next_line(deadline)? else {
                return Err(StepError::Abort(format!(
                    "module not in a known state: no final result code for `{cmd}` within {} s",
                    ANSWER.as_secs()
                )));
            };
            match line.line() {
                Some(Line::Response(r)) if r.is_final() => {
                    return Ok(Answer {
                        ok: matches!(r, Response::Ok),
                        final_text: line.text(),
                        lines,
                    })
                }
                Some(Line::Command(_)) => {}
                _ => lines.push(line),
            }
        }
    }

    /// Like [`Session::exchange`], and the answer must be `OK`.
    fn exchange_ok(&mut self, cmd: &str) -> Result<Answer, StepError> {
        let a = self.exchange(cmd)?;
        if a.ok {
            Ok(a)
        } else {
            Err(StepError::Abort(format!(
                "module not in a known state: `{cmd}` answered `{}`",
                a.final_text
            )))
        }
    }

    /// Waits for a URC about `slot` that `is_result` accepts (the asynchronous result of a
    /// known-state command); other lines are logged and dropped.
    fn await_result(&mut self, slot: u8, what: &str, is_result: fn(&Urc<'_>) -> bool) -> bool {
        let deadline = self.link.now() + ASYNC_RESULT + self.cfg.grace;
        while let Ok(Some(line)) = self.next_line(deadline) {
            if let Some(Line::Urc(u)) = line.line() {
                if u.conn_id() == Some(slot) && is_result(u) {
                    return true;
                }
            }
        }
        self.runner_note(&format!("known state: no {what} result for slot {slot}"));
        false
    }

    /// Steps 1-5 of the module docs. Errors are [`StepError::Abort`] with "module not in a
    /// known state: ..." (the script is ERROR, not FAIL: the module was not tested).
    pub(crate) fn known_state(&mut self) -> Result<KnownState, StepError> {
        self.runner_note("known state: waking the module and restoring the suite's start state");
        self.wake()?;
        // The run's prologue (echo off, numeric errors: D4, D5) is part of the start state;
        // prepare() does not send it a second time.
        for cmd in self.cfg.prologue.clone() {
            self.exchange_ok(&cmd)?;
        }
        self.await_attach()?;
        let slots = CONN_ID.0 as u8..=CONN_ID.1 as u8;

        let conn = self.exchange_ok(&Command::QmtConnRead.to_string())?;
        for l in &conn.lines {
            if let Some(Line::Response(Response::QmtConnRead { conn_id, state })) = l.line() {
                if matches!(state, ConnState::Connecting | ConnState::Connected) {
                    let id = *conn_id;
                    let a = self.exchange(&Command::QmtDisc { conn_id: id }.to_string())?;
                    if a.ok {
                        self.await_result(id, "+QMTDISC", |u| {
                            matches!(u, Urc::QmtDisc { .. } | Urc::QmtStat { .. })
                        });
                    }
                }
            }
        }
        for round in 0..2 {
            let open = self.exchange_ok(&Command::QmtOpenRead.to_string())?;
            let ids: Vec<u8> = open
                .lines
                .iter()
                .filter_map(|l| match l.line() {
                    Some(Line::Response(Response::QmtOpenRead { conn_id, .. })) => Some(*conn_id),
                    _ => None,
                })
                .collect();
            if ids.is_empty() {
                break;
            }
            if round == 1 {
                return Err(StepError::Abort(format!(
                    "module not in a known state: slot(s) {} stay open after AT+QMTCLOSE",
                    join(&ids)
                )));
            }
            for id in ids {
                let a = self.exchange(&Command::QmtClose { conn_id: id }.to_string())?;
                if a.ok {
                    self.await_result(id, "+QMTCLOSE", |u| {
                        matches!(u, Urc::QmtClose { .. } | Urc::QmtStat { .. })
                    });
                }
            }
        }

        let mut aliauth = Vec::new();
        for conn_id in slots {
            let defaults = [
                CfgSetting::KeepAlive {
                    keepalive: KEEPALIVE_DEFAULT,
                },
                CfgSetting::Session {
                    clean_session: CLEAN_SESSION_DEFAULT,
                },
                CfgSetting::Timeout {
                    pkt_timeout: PKT_TIMEOUT_DEFAULT,
                    retry_times: Some(RETRY_TIMES_DEFAULT),
                    timeout_notice: Some(TIMEOUT_NOTICE_DEFAULT),
                },
                CfgSetting::Will(None),
            ];
            for setting in defaults {
                self.exchange_ok(&Command::QmtCfg { conn_id, setting }.to_string())?;
            }
            let aliauth_query = Command::QmtCfg {
                conn_id,
                setting: CfgSetting::Query(CfgKeyword::AliAuth),
            };
            let a = self.exchange_ok(&aliauth_query.to_string())?;
            if a.lines.iter().any(|l| {
                matches!(
                    l.line(),
                    Some(Line::Response(Response::QmtCfgAliAuth { .. }))
                )
            }) {
                aliauth.push(conn_id);
            }
        }
        // URCs the closing caused (+QMTSTAT) are not the script's business.
        let until = self.link.now() + self.cfg.settle;
        self.pump_until(until)?;
        while let Some(l) = self.reader.queue.pop_front() {
            let text = l.text();
            self.runner_note(&format!("known state discards `{text}`"));
        }
        let state = KnownState { aliauth };
        self.runner_note(&if state.aliauth.is_empty() {
            "known state: reached".to_owned()
        } else {
            format!(
                "known state: reached, but AliAuth is set on slot(s) {} (only a reset clears it, D20)",
                join(&state.aliauth)
            )
        });
        Ok(state)
    }

    /// Polls `AT+CGATT?` once a second until the module is attached (`+CGATT: 1`), for at most
    /// [`super::RunConfig::attach_timeout`]: every MQTT script assumes a registered module, and
    /// a module just after a power cycle takes seconds to attach (field notes).
    fn await_attach(&mut self) -> Result<(), StepError> {
        let deadline = self.link.now() + self.cfg.attach_timeout;
        let mut polls = 0;
        loop {
            polls += 1;
            let a = self.exchange_ok("AT+CGATT?")?;
            let attached = a.lines.iter().any(|l| {
                matches!(
                    l.line(),
                    Some(Line::Response(Response::Cgatt { state: true }))
                )
            });
            if attached {
                if polls > 1 {
                    self.runner_note(&format!("known state: attached after {polls} polls"));
                }
                return Ok(());
            }
            if self.link.now() >= deadline {
                return Err(StepError::Abort(format!(
                    "module not in a known state: not attached to the network (AT+CGATT? \
                     answers 0 after {}; --attach-timeout)",
                    crate::script::format_duration(self.cfg.attach_timeout)
                )));
            }
            let until = (self.link.now() + ATTACH_POLL).min(deadline);
            self.pump_until(until)?;
        }
    }

    /// Writes `cmd` + CR without timing it; the transcript marks it with `why`.
    pub(crate) fn send_untimed(&mut self, cmd: &str, why: &str) -> Result<(), StepError> {
        let mut bytes = cmd.as_bytes().to_vec();
        bytes.push(b'\r');
        self.link.write(&bytes)?;
        if let Ok((c, _)) = Command::decode(cmd.as_bytes(), Mode::Lenient) {
            self.reader.command_sent(&c);
        }
        let shown = self.masker.learn_and_mask_line(cmd);
        self.log(Dir::Host, &shown, None, Some(why.to_owned()));
        Ok(())
    }
}

fn join(ids: &[u8]) -> String {
    ids.iter().map(u8::to_string).collect::<Vec<_>>().join(", ")
}
