//! Transports to a module: the [`ModuleLink`] trait, a serial port, and the simulator.

mod hook;
#[cfg(feature = "sim")]
mod in_flight;
mod serial;
#[cfg(feature = "sim")]
mod sim;
#[cfg(feature = "sim")]
mod stepped;
#[cfg(feature = "sim")]
mod virtual_time;

use std::time::Duration;

use thiserror::Error;

pub use hook::run_hook;
pub use serial::{FlowControl, SerialLink, SerialOptions};
#[cfg(feature = "sim")]
pub use sim::{SimLink, SimOptions, SimPeer, REPLY_BOUND};
#[cfg(feature = "sim")]
pub use virtual_time::{VirtualLink, VirtualPeer};

use crate::peer::{BrokerPeer, PeerError};

/// A transport failure. Timeouts are not errors: [`ModuleLink::read`] returns 0 bytes.
#[derive(Debug, Error)]
pub enum LinkError {
    /// The device could not be opened.
    #[error("cannot open {path}: {reason}")]
    Open {
        /// Device path.
        path: String,
        /// What the OS said.
        reason: String,
    },
    /// Reading or writing failed (an unplugged cable, a dead simulator).
    #[error("link failed: {0}")]
    Io(String),
    /// The module's side closed the link.
    #[error("the link was closed")]
    Closed,
    /// The reset hook failed, timed out, or the device did not come back after it.
    #[error("reset failed: {0}")]
    Reset(String),
    /// No reset hook is configured (a script that needs one is skipped, not failed).
    #[error("no reset hook is configured (--reset-cmd)")]
    NoReset,
    /// The device went away and did not come back within the reopen time: the run cannot go
    /// on on this port (the suite stops; the scripts not yet run are NOT RUN).
    #[error("lost {path}: {reason}")]
    PortLost {
        /// Device path.
        path: String,
        /// What happened (the OS error and how long reopening was tried).
        reason: String,
    },
    /// A fault the link cannot inject (hardware, or a fault the simulator lacks).
    #[error("fault `{0}` is not available on this link")]
    FaultUnavailable(String),
    /// A fault's arguments are wrong.
    #[error("fault `{name}`: {reason}")]
    FaultArgs {
        /// Fault name.
        name: String,
        /// What is wrong.
        reason: String,
    },
}

/// Longest real time one [`ModuleLink::read`] blocks.
pub const MAX_BLOCK: Duration = Duration::from_millis(100);

/// A fault to inject into the simulated module or its network as a script step wrote it (`fault NAME ARGS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The fault's name as scripts write it.
    pub name: String,
    /// Its arguments, variables already expanded.
    pub args: Vec<String>,
}

impl Fault {
    /// The typed fault: name and arguments read as bc20-fault's text (the one fault parser).
    ///
    /// # Errors
    /// [`LinkError::FaultArgs`] with the parser's reason when the text is not a fault.
    pub fn parse(&self) -> Result<bc20_fault::Fault, LinkError> {
        let mut text = self.name.clone();
        for a in &self.args {
            text.push(' ');
            text.push_str(a);
        }
        text.parse()
            .map_err(|e: bc20_fault::ParseFaultError| LinkError::FaultArgs {
                name: self.name.clone(),
                reason: e.kind.to_string(),
            })
    }
}

/// A duplex byte channel to a module, with its own clock.
///
/// Time is the link's: a serial link uses the wall clock, the simulator may use virtual time
/// so that a 40 s retransmission scenario runs in milliseconds. Every timeout of the runner is
/// measured with [`ModuleLink::now`], so scripts are written in module time.
pub trait ModuleLink: Send {
    /// One line describing the link (`serial /dev/ttyUSB0 @115200`, `simulator`).
    fn describe(&self) -> String;

    /// Time since the link was opened, on the link's clock.
    fn now(&self) -> Duration;

    /// Sends bytes to the module.
    fn write(&mut self, bytes: &[u8]) -> Result<(), LinkError>;

    /// Appends what the module sends to `buf`, waiting at most until `deadline` (link time)
    /// for the first byte. Returns how many bytes were appended. 0 means nothing arrived: the
    /// deadline passed, or the link returned early (at most [`MAX_BLOCK`] of real time per
    /// call, so that Ctrl-C is noticed); callers loop until their deadline.
    fn read(&mut self, deadline: Duration, buf: &mut Vec<u8>) -> Result<usize, LinkError>;

    /// Whether [`ModuleLink::inject`] can work (the simulator).
    fn supports_faults(&self) -> bool {
        false
    }

    /// Whether [`ModuleLink::inject`] can produce this fault (the simulator: every one; a
    /// serial link behind the fault proxy: those a network can produce).
    fn can_inject(&self, _fault: &bc20_fault::Fault) -> bool {
        self.supports_faults()
    }

    /// Injects a fault (inside the simulator, or at the fault proxy).
    ///
    /// # Errors
    /// [`LinkError::FaultUnavailable`] when the link cannot produce it;
    /// [`LinkError::FaultArgs`] when its text is wrong.
    fn inject(&mut self, fault: &Fault) -> Result<(), LinkError> {
        Err(LinkError::FaultUnavailable(fault.name.clone()))
    }

    /// The runner is sending `cmd` (already on its way): a link behind the fault proxy
    /// labels the next proxied connection with the slot of an AT+QMTOPEN.
    fn command_sent(&mut self, _cmd: &bc20_grammar::Command<'_>) {}

    /// The module said `line`: a link behind the fault proxy forgets the connection an
    /// AT+QMTOPEN announced when its `+QMTOPEN: <id>,<result>` says none was made.
    fn line_received(&mut self, _line: &bc20_grammar::Line<'_>) {}

    /// Whether [`ModuleLink::take_network_log`] reports what the network did (the
    /// simulator; a serial link behind the fault proxy). Without it the runner's timing
    /// checks have nothing to read, and a script with one is SKIP, never PASS.
    fn has_network_log(&self) -> bool {
        false
    }

    /// What the network did since the last call (the fault proxy's log, or the simulated
    /// module's own network log), each entry with the link time it happened at.
    fn take_network_log(&mut self) -> Vec<(Duration, bc20_fault::LogEntry)> {
        Vec::new()
    }

    /// Why the link is gone for good, if it is ([`LinkError::PortLost`] was returned): the
    /// suite stops the run instead of giving every remaining script its own error.
    fn lost(&self) -> Option<String> {
        None
    }

    /// Whether [`ModuleLink::reset`] can work (a reset hook is configured, or the simulator).
    fn can_reset(&self) -> bool {
        false
    }

    /// Resets the module: a power-cycle hook on hardware, a fresh module on the simulator.
    /// On success the link is open again; [`Reset::settle`] says how long the caller should
    /// keep reading (and recording) before talking to the module, [`Reset::notes`] what the
    /// hook printed and how the device came back.
    ///
    /// # Errors
    /// [`LinkError::NoReset`] without a hook; [`LinkError::Reset`] when the hook fails or
    /// times out, or the device does not come back.
    fn reset(&mut self) -> Result<Reset, LinkError> {
        Err(LinkError::NoReset)
    }

    /// A broker-side peer as `client_id` that the link's clock knows of (the simulator's
    /// beds: the virtual broker in the link's own world, or a real broker whose answers the
    /// broker bed's clock waits for); `None` when the link has no clock of its own (the
    /// peer then connects to the broker by itself).
    ///
    /// # Errors
    /// `Some(Err(PeerError))` when the link's broker cannot be reached.
    fn open_peer(&mut self, _client_id: &str) -> Option<Result<Box<dyn BrokerPeer>, PeerError>> {
        None
    }
}

/// What a successful [`ModuleLink::reset`] reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reset {
    /// Time (link clock) the caller should spend reading what the module prints after its
    /// boot (`--reset-wait`) before sending anything.
    pub settle: Duration,
    /// Lines for the transcript: the hook's output, reopen attempts.
    pub notes: Vec<String>,
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn step(name: &str, args: &[&str]) -> Fault {
        Fault {
            name: name.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    #[test]
    fn an_expanded_fault_step_reads_as_the_typed_fault() {
        assert_eq!(
            step("black-hole", &["0", "up", "5s"]).parse().unwrap(),
            bc20_fault::Fault::BlackHole {
                conn_id: 0,
                way: bc20_fault::Way::Up,
                duration: Duration::from_secs(5),
            }
        );
        assert_eq!(
            step("clear", &[]).parse().unwrap(),
            bc20_fault::Fault::Clear
        );
    }

    #[test]
    fn a_bad_expanded_argument_is_a_fault_args_error() {
        let e = step("drop-link", &["9"]).parse().unwrap_err();
        assert_eq!(
            e.to_string(),
            "fault `drop-link`: CONN_ID must be a <tcpconnectID>, 0-5, not `9`"
        );
    }
}
