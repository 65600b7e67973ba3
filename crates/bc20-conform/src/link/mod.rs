//! Transports to a module: the [`ModuleLink`] trait, a serial port, and the simulator.

mod serial;
#[cfg(feature = "sim")]
mod sim;

use std::time::Duration;

use thiserror::Error;

pub use serial::{FlowControl, SerialLink, SerialOptions};
#[cfg(feature = "sim")]
pub use sim::{SimLink, SimOptions};

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
    /// The reset hook failed.
    #[error("reset failed: {0}")]
    Reset(String),
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

/// A fault to inject into the simulated module or its network (see `FAULT_NAMES`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The fault's name as scripts write it.
    pub name: String,
    /// Its arguments, variables already expanded.
    pub args: Vec<String>,
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

    /// Injects a fault (simulator only).
    fn inject(&mut self, fault: &Fault) -> Result<(), LinkError> {
        Err(LinkError::FaultUnavailable(fault.name.clone()))
    }

    /// Resets the module: a power-cycle hook on hardware, a fresh module on the simulator.
    fn reset(&mut self) -> Result<(), LinkError> {
        Err(LinkError::Reset("no reset hook configured".to_owned()))
    }
}
