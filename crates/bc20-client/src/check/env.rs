//! Where the module lives during a model check: [`Virtual`], the simulator core on its
//! deterministic virtual network and clock, or any other [`Environment`] (the PTY test
//! runs the simulator's shell against mosquitto, on a real clock).

use std::time::Duration;

use bc20_grammar::Qos;
use bc20_sim::{Bench, Fault, ModemConfig, SimTime};

use crate::SlotState;

/// A module the world can talk to, fault and observe.
pub trait Environment {
    /// Virtual time now (milliseconds since the module booted).
    fn now(&self) -> SimTime;
    /// Host bytes to the module.
    fn write(&mut self, bytes: &[u8]) -> Result<(), String>;
    /// Module bytes available now; a real line may wait up to `wait` for the first ones.
    fn read(&mut self, wait: Duration) -> Result<Vec<u8>, String>;
    /// Applies a fault to the module's link.
    fn inject(&mut self, fault: Fault) -> Result<(), String>;
    /// Another client publishes on the broker (not retained).
    fn peer_publish(&mut self, topic: &str, payload: &[u8], qos: Qos) -> Result<(), String>;
    /// Makes the broker stop (or resume) acknowledging SUBSCRIBE, UNSUBSCRIBE and PUBLISH;
    /// `false` when this broker cannot.
    fn set_silent(&mut self, on: bool) -> bool;
    /// The module's own view of the slot of `conn_id`, when the environment can see inside it.
    fn slot_state(&self, conn_id: u8) -> Option<SlotState>;
    /// For virtual time: the next timer of the module or network. `None` on a real clock.
    fn next_timer(&self) -> Option<SimTime>;
    /// Lets time run to `t` (virtual: at once, firing timers; real: not needed, see
    /// [`Environment::is_virtual`]).
    fn advance_to(&mut self, t: SimTime);
    /// Whether time is virtual (everything at one instant happens before `read` returns).
    fn is_virtual(&self) -> bool;
}

/// The simulator core, one module on a [`Bench`].
#[derive(Debug)]
pub struct Virtual {
    /// The module, network and broker.
    pub bench: Bench,
}

impl Virtual {
    /// A module booted at time zero with echo on, as at power-up (D4).
    pub fn new() -> Virtual {
        Virtual {
            bench: Bench::new(ModemConfig::default()),
        }
    }
}

impl Default for Virtual {
    fn default() -> Self {
        Virtual::new()
    }
}

fn state(s: bc20_sim::SlotState) -> SlotState {
    use bc20_sim::SlotState as S;
    match s {
        S::Closed => SlotState::Closed,
        S::Opening => SlotState::Opening,
        S::Initial => SlotState::Open,
        S::Connecting => SlotState::Connecting,
        S::Connected => SlotState::Connected,
        S::Disconnecting => SlotState::Disconnecting,
    }
}

impl Environment for Virtual {
    fn now(&self) -> SimTime {
        self.bench.now
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.bench.write(0, bytes);
        Ok(())
    }

    fn read(&mut self, _wait: Duration) -> Result<Vec<u8>, String> {
        Ok(self.bench.read(0))
    }

    fn inject(&mut self, fault: Fault) -> Result<(), String> {
        self.bench.inject(0, fault);
        Ok(())
    }

    fn peer_publish(&mut self, topic: &str, payload: &[u8], qos: Qos) -> Result<(), String> {
        self.bench.publish(topic, payload, qos.code(), false);
        Ok(())
    }

    fn set_silent(&mut self, on: bool) -> bool {
        let b = &mut self.bench.net.broker.behaviour;
        b.silent_puback = on;
        b.silent_suback = on;
        b.silent_unsuback = on;
        true
    }

    fn slot_state(&self, conn_id: u8) -> Option<SlotState> {
        Some(state(self.bench.modems[0].slot_state(conn_id)))
    }

    fn next_timer(&self) -> Option<SimTime> {
        self.bench.next_timer()
    }

    fn advance_to(&mut self, t: SimTime) {
        self.bench.advance_to(t);
    }

    fn is_virtual(&self) -> bool {
        true
    }
}
