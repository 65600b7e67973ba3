//! The system under test: the real driver wired to a module [`Environment`] (by default the
//! simulator core on its deterministic virtual network and clock), the serial-line
//! [`Monitor`] that holds it to the line's invariants, and the reference model.

use std::collections::BTreeSet;
use std::time::{Duration, Instant as WallClock};

use bc20_sim::{Fault, Way};

use crate::check::env::{Environment, Virtual};
use crate::check::expect::Observation;
use crate::check::faults::outage_span_secs;
use crate::check::model::Model;
use crate::check::monitor::Monitor;
use crate::check::step::{noise, topic, StallOp, Step};
use crate::{Client, ClientConfig, Event, Handle, Instant, RequestError, SlotState, SLOT_COUNT};

/// Longest single advance of virtual time a step may ask for, seconds.
pub const MAX_ADVANCE_SECS: u16 = 600;
/// Bound on pump rounds in one settle: a livelock is a failure, not a hang.
const MAX_ROUNDS: usize = 100_000;
/// On a real line: how long the line must stay quiet for a step to be over.
const QUIET: Duration = Duration::from_millis(80);
/// On a real line: the longest a step may take.
const REAL_STEP_LIMIT: Duration = Duration::from_secs(30);

/// Driver + module environment + reference model, stepped together.
#[derive(Debug)]
pub struct World<E: Environment = Virtual> {
    /// The driver under test.
    pub client: Client,
    /// The module and its network.
    pub env: E,
    /// The reference model, advanced in lock-step.
    pub model: Model,
    /// Prefix of topics and client ids (keeps cases apart on a shared real broker).
    pub(super) namespace: String,
    chunks: Vec<usize>,
    chunk_at: usize,
    monitor: Monitor,
    /// Accepted requests not yet completed.
    open: BTreeSet<Handle>,
}

impl World<Virtual> {
    /// A booted simulated module (echo on, as at power-up) and a driver that ran its
    /// initialisation (`ATE0`, `AT+CMEE=1`). Modem output is fed to the driver in chunks of
    /// the sizes in `chunks`, cycling (empty or zero sizes mean 1).
    pub fn new(chunks: Vec<usize>) -> Result<World<Virtual>, String> {
        World::with_env(
            Virtual::new(),
            String::new(),
            chunks,
            ClientConfig::default(),
        )
    }
}

impl<E: Environment> World<E> {
    /// A world on `env` with a driver configured by `config`; topics and client ids are
    /// prefixed with `namespace`.
    pub fn with_env(
        env: E,
        namespace: String,
        chunks: Vec<usize>,
        config: ClientConfig,
    ) -> Result<World<E>, String> {
        let mut world = World {
            client: Client::new(config),
            env,
            model: Model::default(),
            namespace,
            chunks,
            chunk_at: 0,
            monitor: Monitor::new(),
            open: BTreeSet::new(),
        };
        let handles = world.client.initialize().map_err(|e| e.to_string())?;
        world.open.extend(handles);
        world.pump()?;
        let events = world.drain()?;
        let done = events
            .iter()
            .filter(|e| matches!(e, Event::Completed { result: Ok(_), .. }));
        if done.count() != 2 || !world.open.is_empty() {
            return Err(format!("initialisation: {events:?}"));
        }
        Ok(world)
    }

    /// Runs one step on the system and on the model, and compares them.
    pub fn step(&mut self, step: &Step) -> Result<(), String> {
        let obs = self
            .run(step)
            .map_err(|e| format!("{step:?}: invariant: {e}"))?;
        let expected = self.model.apply(step);
        expected.check(&obs).map_err(|e| {
            format!(
                "{step:?}: differs from the model: {e}\nevents: {:#?}",
                obs.events
            )
        })
    }

    fn now(&self) -> Instant {
        self.env.now()
    }

    fn topic(&self, i: u8) -> String {
        format!("{}{}", self.namespace, topic(i))
    }

    /// Applies `step` to driver and module and records what happened.
    pub fn run(&mut self, step: &Step) -> Result<Observation, String> {
        let mut calls = Vec::new();
        let in_range = |slot: &u8| usize::from(*slot) < SLOT_COUNT;
        match step {
            Step::Api(ops) => {
                for op in ops {
                    let r = self.call(op);
                    calls.push(r);
                }
            }
            Step::PeerPublish {
                topic: t,
                qos,
                payload,
            } => {
                let topic = self.topic(*t);
                self.env
                    .peer_publish(&topic, format!("p{payload}").as_bytes(), *qos)?;
            }
            Step::DropLink { slot } if in_range(slot) => self.env.inject(Fault::DropLink {
                conn_id: *slot,
                how: Default::default(),
            })?,
            Step::LinkDown { slot } if in_range(slot) => {
                self.env.inject(Fault::LinkDown { conn_id: *slot })?
            }
            Step::Garbage { bytes } => {
                let line = noise(bytes);
                if !line.is_empty() {
                    let framed = [b"\r\n".as_slice(), &line, b"\r\n"].concat();
                    self.client.handle_input(self.now(), &framed);
                }
            }
            Step::Advance { secs } => {
                let secs = u64::from(*secs % (MAX_ADVANCE_SECS + 1));
                self.advance(Duration::from_secs(secs))?;
            }
            Step::Outage { slot, secs, during } if in_range(slot) => {
                // A hole of 0 s is none: the QoS 0 publishes it must swallow would get through
                // (found by the client_ops fuzz target).
                let secs = (*secs).max(1);
                let span = outage_span_secs(&self.model.slots[usize::from(*slot)], secs);
                let duration = Duration::from_secs(u64::from(secs));
                // The publishes go straight into the hole (on a real clock, waiting for the
                // line to go quiet first would let the hole's consequences start).
                self.env.inject(Fault::BlackHole {
                    conn_id: *slot,
                    way: Way::Both,
                    duration,
                })?;
                for (qos, t, n) in during {
                    let topic = self.topic(*t);
                    let r =
                        self.client
                            .publish(*slot, *qos, false, &topic, format!("o{n}").as_bytes());
                    calls.push(self.accepted(r));
                }
                self.pump_now()?;
                self.advance(Duration::from_secs(span))?;
                self.env.inject(Fault::DropLink {
                    conn_id: *slot,
                    how: Default::default(),
                })?;
            }
            Step::Stall {
                slot,
                ops,
                wait,
                kill,
            } if in_range(slot) => {
                if !self.env.set_silent(true) {
                    return Err("this broker cannot stop acknowledging".into());
                }
                for op in ops {
                    let r = match op {
                        StallOp::Publish(qos, t, n) => {
                            let topic = self.topic(*t);
                            self.client.publish(
                                *slot,
                                *qos,
                                false,
                                &topic,
                                format!("s{n}").as_bytes(),
                            )
                        }
                        StallOp::Subscribe(qos, t) => {
                            self.client.subscribe(*slot, &[(&self.topic(*t), *qos)])
                        }
                        StallOp::Unsubscribe(t) => {
                            self.client.unsubscribe(*slot, &[&self.topic(*t)])
                        }
                    };
                    calls.push(self.accepted(r));
                }
                self.pump_now()?;
                self.advance(Duration::from_secs(u64::from(*wait)))?;
                let fault = if *kill {
                    Fault::LinkDown { conn_id: *slot }
                } else {
                    Fault::DropLink {
                        conn_id: *slot,
                        how: Default::default(),
                    }
                };
                self.env.inject(fault)?;
                self.pump()?;
                self.env.set_silent(false);
            }
            Step::DropLink { .. }
            | Step::LinkDown { .. }
            | Step::Outage { .. }
            | Step::Stall { .. } => {}
        }
        self.pump()?;
        let mut events = self.drain()?;
        for e in &mut events {
            if let Event::Received(m) = e {
                if let Some(t) = m.topic.strip_prefix(&self.namespace) {
                    m.topic = t.to_owned();
                }
            }
        }
        let slots = 0..SLOT_COUNT as u8;
        Ok(Observation {
            calls,
            events,
            driver_states: slots
                .clone()
                .map(|s| self.client.slot_state(s).unwrap_or_default())
                .collect(),
            sim_states: slots
                .clone()
                .map(|s| self.env.slot_state(s))
                .collect::<Option<Vec<_>>>(),
            msg_ids: slots.map(|s| self.client.msg_ids_in_flight(s)).collect(),
            outstanding: self.client.outstanding(),
        })
    }

    pub(super) fn accepted(
        &mut self,
        r: Result<Handle, RequestError>,
    ) -> Result<Handle, RequestError> {
        if let Ok(h) = r {
            self.open.insert(h);
        }
        r
    }

    /// Moves bytes both ways until the step's work is done: on virtual time until nothing
    /// more happens at this instant; on a real line until every request has completed and
    /// the line has been quiet for a while.
    fn pump(&mut self) -> Result<(), String> {
        self.pump_until(|c| c.outstanding() == 0)
    }

    /// Like [`World::pump`], but on a real line does not wait for asynchronous results.
    fn pump_now(&mut self) -> Result<(), String> {
        self.pump_until(|c| c.command_in_flight().is_none())
    }

    fn pump_until(&mut self, done: impl Fn(&Client) -> bool) -> Result<(), String> {
        let started = WallClock::now();
        let mut quiet_since = WallClock::now();
        for _ in 0..MAX_ROUNDS {
            let wait = if self.env.is_virtual() {
                Duration::ZERO
            } else {
                Duration::from_millis(10)
            };
            let out = self.env.read(wait)?;
            let mut progress = false;
            if !out.is_empty() {
                self.monitor.observe(&out);
                self.feed(&out);
                progress = true;
            }
            if !self.env.is_virtual() {
                self.client.handle_timeout(self.now());
            }
            if let Some(bytes) = self.client.poll_transmit(self.now()) {
                let env = &self.env;
                self.monitor.check_write(&bytes, |s| {
                    env.slot_state(s).map(|st| st == SlotState::Closed)
                })?;
                self.env.write(&bytes)?;
                progress = true;
            }
            if self.env.is_virtual() {
                if !progress {
                    return Ok(());
                }
                continue;
            }
            if progress {
                quiet_since = WallClock::now();
            } else if done(&self.client) && quiet_since.elapsed() >= QUIET {
                return Ok(());
            }
            if started.elapsed() > REAL_STEP_LIMIT {
                return Err(format!("the step did not settle in {REAL_STEP_LIMIT:?}"));
            }
        }
        Err("the serial line never went quiet".into())
    }

    fn feed(&mut self, bytes: &[u8]) {
        let now = self.now();
        let mut rest = bytes;
        while !rest.is_empty() {
            let size = self
                .chunks
                .get(self.chunk_at % self.chunks.len().max(1))
                .copied()
                .unwrap_or(1)
                .max(1);
            self.chunk_at += 1;
            let (head, tail) = rest.split_at(size.min(rest.len()));
            self.client.handle_input(now, head);
            rest = tail;
        }
    }

    /// Lets time run forward by `d`, stopping at every deadline of either side.
    fn advance(&mut self, d: Duration) -> Result<(), String> {
        let target = self.env.now() + d;
        if !self.env.is_virtual() {
            while self.env.now() < target {
                self.pump_now()?;
            }
            return self.pump();
        }
        for _ in 0..MAX_ROUNDS {
            let next = match (self.client.poll_timeout(), self.env.next_timer()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let Some(t) = next.filter(|&t| t <= target) else {
                break;
            };
            let t = t.max(self.env.now());
            self.env.advance_to(t);
            self.client.handle_timeout(t);
            self.pump()?;
        }
        self.env.advance_to(target);
        self.client.handle_timeout(target);
        self.pump()
    }

    /// Takes the driver's events, checking that each request completes once.
    fn drain(&mut self) -> Result<Vec<Event>, String> {
        let events: Vec<Event> = std::iter::from_fn(|| self.client.poll_event()).collect();
        for e in &events {
            if let Event::Completed { handle, .. } = e {
                if !self.open.remove(handle) {
                    return Err(format!("{handle} completed twice, or was never accepted"));
                }
            }
        }
        Ok(events)
    }
}
