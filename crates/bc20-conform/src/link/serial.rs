//! A module on a serial port (or any serial device path, such as a PTY).

use std::io::{ErrorKind, Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};

use serialport::SerialPort;

use super::{LinkError, ModuleLink, MAX_BLOCK};

/// Hardware or software flow control on the UART.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowControl {
    /// No flow control (the BC20 EVB default).
    #[default]
    None,
    /// XON/XOFF.
    Software,
    /// RTS/CTS.
    Hardware,
}

/// How to open and reset a serial module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialOptions {
    /// Device path (`/dev/ttyUSB0`, a PTY).
    pub path: String,
    /// Baud rate.
    pub baud: u32,
    /// Flow control.
    pub flow_control: FlowControl,
    /// Whether the path is a PTY, where EIO means "no one on the other side right now".
    pub pty: bool,
    /// Shell command run by [`ModuleLink::reset`] (e.g. a relay power-cycling the board).
    pub reset_cmd: Option<String>,
    /// How long to wait after the reset command before talking to the module again.
    pub reset_wait: Duration,
}

/// A [`ModuleLink`] over a serial device; time is the wall clock.
pub struct SerialLink {
    options: SerialOptions,
    port: Box<dyn SerialPort>,
    epoch: Instant,
}

/// Longest single blocking read, so deadlines are kept to within this.
const READ_SLICE: Duration = Duration::from_millis(20);

impl SerialLink {
    /// Opens the device.
    pub fn open(options: SerialOptions) -> Result<Self, LinkError> {
        let port = open_port(&options)?;
        Ok(SerialLink {
            options,
            port,
            epoch: Instant::now(),
        })
    }
}

fn open_port(o: &SerialOptions) -> Result<Box<dyn SerialPort>, LinkError> {
    let flow = match o.flow_control {
        FlowControl::None => serialport::FlowControl::None,
        FlowControl::Software => serialport::FlowControl::Software,
        FlowControl::Hardware => serialport::FlowControl::Hardware,
    };
    serialport::new(o.path.as_str(), o.baud)
        .flow_control(flow)
        .timeout(READ_SLICE)
        .open()
        .map_err(|e| LinkError::Open {
            path: o.path.clone(),
            reason: e.to_string(),
        })
}

impl ModuleLink for SerialLink {
    fn describe(&self) -> String {
        format!(
            "serial {} @{} flow={:?}",
            self.options.path, self.options.baud, self.options.flow_control
        )
        .to_lowercase()
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        self.port
            .write_all(bytes)
            .and_then(|()| self.port.flush())
            .map_err(|e| LinkError::Io(e.to_string()))
    }

    fn read(&mut self, deadline: Duration, buf: &mut Vec<u8>) -> Result<usize, LinkError> {
        let mut chunk = [0u8; 1024];
        let stop = self.now() + MAX_BLOCK;
        loop {
            let now = self.now();
            if now >= deadline || now >= stop {
                return Ok(0);
            }
            let slice = (deadline - now)
                .min(READ_SLICE)
                .max(Duration::from_millis(1));
            if let Err(e) = self.port.set_timeout(slice) {
                return Err(LinkError::Io(e.to_string()));
            }
            match self.port.read(&mut chunk) {
                Ok(0) => {
                    if !self.options.pty {
                        return Err(LinkError::Closed);
                    }
                    std::thread::sleep(slice);
                }
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                // A PTY whose other side is closed answers EIO until someone opens it again.
                Err(e) if self.options.pty && e.raw_os_error() == Some(5) => {
                    std::thread::sleep(slice);
                }
                Err(e) => return Err(LinkError::Io(e.to_string())),
            }
        }
    }

    fn reset(&mut self) -> Result<(), LinkError> {
        let Some(cmd) = self.options.reset_cmd.clone() else {
            return Err(LinkError::Reset(
                "no --reset-cmd given for this serial port".to_owned(),
            ));
        };
        let status = Command::new("sh")
            .arg("-c")
            .arg(&cmd)
            .status()
            .map_err(|e| LinkError::Reset(format!("`{cmd}`: {e}")))?;
        if !status.success() {
            return Err(LinkError::Reset(format!("`{cmd}` exited with {status}")));
        }
        std::thread::sleep(self.options.reset_wait);
        self.port = open_port(&self.options)?;
        Ok(())
    }
}
