//! A module on a serial port (or any serial device path, such as a PTY).
//!
//! Two things a lab port does that a desk port rarely does shape this file:
//! - a reset hook power-cycles the board, and a USB-serial adapter re-enumerates: the device
//!   node disappears for a moment and comes back under the same `/dev/serial/by-id/` name. So
//!   [`ModuleLink::reset`] closes the port *before* the hook (ports are opened exclusive, and
//!   the hook may need the device), runs the hook with a time limit, and reopens with retries;
//! - a cable is pulled or an adapter resets mid-run: an I/O error first tries to reopen the
//!   same path for `reopen_timeout`, and only then gives up with [`LinkError::PortLost`], which
//!   stops the run instead of failing every remaining script on its own.

use std::io::{ErrorKind, Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bc20_proxy::shell::ShellError;
use bc20_proxy::FaultProxyHandle;

use serialport::SerialPort;

use super::hook::run_hook;
use super::Fault;
use super::{LinkError, ModuleLink, Reset, MAX_BLOCK};

/// Hardware or software flow control on the UART.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
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
    /// Device path (`/dev/ttyUSB0`, a `/dev/serial/by-id/` link, a PTY or a link to one).
    pub path: String,
    /// Baud rate (at least 1).
    pub baud: u32,
    /// Flow control.
    pub flow_control: FlowControl,
    /// Whether the path is a PTY, where EIO means "no one on the other side right now".
    pub pty: bool,
    /// Shell command run by [`ModuleLink::reset`] (e.g. a relay power-cycling the board).
    pub reset_cmd: Option<String>,
    /// Longest time the reset command may run before it is killed (`--reset-timeout`).
    pub reset_timeout: Duration,
    /// How long to read (and record) what the module prints after a reset before talking to
    /// it (`--reset-wait`).
    pub reset_wait: Duration,
    /// How long to keep trying to reopen the device after a reset or after it went away
    /// (`--reopen-timeout`).
    pub reopen_timeout: Duration,
}

impl SerialOptions {
    /// Options for `path` with the defaults of `bc20 conform`: 115200 baud, no flow control,
    /// no reset hook, 60 s reset limit, 5 s reset wait, 20 s reopen time.
    pub fn new(path: impl Into<String>) -> Self {
        SerialOptions {
            path: path.into(),
            baud: 115_200,
            flow_control: FlowControl::None,
            pty: false,
            reset_cmd: None,
            reset_timeout: Duration::from_secs(60),
            reset_wait: Duration::from_secs(5),
            reopen_timeout: Duration::from_secs(20),
        }
    }

    /// `serial PATH @BAUD flow=...`, as reports show the link.
    pub fn describe(&self) -> String {
        format!(
            "serial {} @{} flow={:?}",
            self.path, self.baud, self.flow_control
        )
        .to_lowercase()
    }
}

/// A [`ModuleLink`] over a serial device; time is the wall clock.
pub struct SerialLink {
    options: SerialOptions,
    /// `None` between closing for a reset (or after a loss) and reopening.
    port: Option<Box<dyn SerialPort>>,
    epoch: Instant,
    /// Set once the device did not come back ([`LinkError::PortLost`]).
    lost: Option<String>,
    /// The fault proxy between the module and the broker, when the run has one.
    proxy: Option<Arc<dyn FaultProxyHandle>>,
}

/// Longest single blocking read, so deadlines are kept to within this.
const READ_SLICE: Duration = Duration::from_millis(20);

/// Pause between two attempts to reopen a device that is not back yet.
const REOPEN_PAUSE: Duration = Duration::from_millis(100);

impl SerialLink {
    /// Opens the device.
    ///
    /// # Errors
    /// [`LinkError::Open`] when the device cannot be opened (missing, busy, no permission).
    pub fn open(options: SerialOptions) -> Result<Self, LinkError> {
        let port = open_port(&options)?;
        Ok(SerialLink {
            options,
            port: Some(port),
            epoch: Instant::now(),
            lost: None,
            proxy: None,
        })
    }

    /// The module reaches its broker through `proxy` (in this process, or on another host
    /// behind its control channel): fault steps act there (the network faults), and what
    /// the proxy does goes into the transcript.
    #[must_use]
    pub fn with_fault_proxy(mut self, proxy: Arc<dyn FaultProxyHandle>) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Reopens the device, retrying while it is absent or busy, for at most `reopen_timeout`.
    /// Returns how many attempts it took.
    fn reopen(&mut self) -> Result<usize, LinkError> {
        self.port = None;
        let deadline = Instant::now() + self.options.reopen_timeout;
        let mut attempts = 0;
        loop {
            attempts += 1;
            match open_port(&self.options) {
                Ok(p) => {
                    self.port = Some(p);
                    return Ok(attempts);
                }
                Err(e)
                    if Instant::now() >= deadline || crate::interrupt::interrupted().is_some() =>
                {
                    return Err(LinkError::PortLost {
                        path: self.options.path.clone(),
                        reason: format!(
                            "not back after {} attempts in {:.1} s (--reopen-timeout): {e}",
                            attempts,
                            self.options.reopen_timeout.as_secs_f64()
                        ),
                    })
                }
                Err(_) => std::thread::sleep(REOPEN_PAUSE),
            }
        }
    }

    /// The port failed with `error`: try to get it back. The operation in flight is lost
    /// either way, so this always returns an error: [`LinkError::Io`] when the port came back
    /// (the script in progress cannot be trusted, the next one can run),
    /// [`LinkError::PortLost`] when it did not.
    fn recover(&mut self, error: &str) -> LinkError {
        if let Some(why) = &self.lost {
            return LinkError::PortLost {
                path: self.options.path.clone(),
                reason: why.clone(),
            };
        }
        let started = Instant::now();
        match self.reopen() {
            Ok(_) => LinkError::Io(format!(
                "{} failed ({error}) and was reopened after {:.1} s; the module's state is unknown",
                self.options.path,
                started.elapsed().as_secs_f64()
            )),
            Err(LinkError::PortLost { path, reason }) => {
                let reason = format!("{error}; {reason}");
                self.lost = Some(reason.clone());
                LinkError::PortLost { path, reason }
            }
            Err(e) => e,
        }
    }

    /// The fault proxy `described` failed with `error`: the link is gone for good (the
    /// suite stops, the scripts not yet run are NOT RUN).
    fn proxy_lost(&mut self, described: &str, error: &str) -> LinkError {
        let reason = format!("the fault proxy {described} is gone: {error}");
        if self.lost.is_none() {
            eprintln!("error: {reason}");
        }
        self.lost = Some(reason.clone());
        LinkError::PortLost {
            path: self.options.path.clone(),
            reason,
        }
    }

    fn port_mut(&mut self) -> Result<&mut Box<dyn SerialPort>, LinkError> {
        if self.port.is_none() {
            let e = "the port is closed".to_owned();
            return Err(self.recover(&e));
        }
        self.port.as_mut().ok_or(LinkError::Closed)
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
        match &self.proxy {
            Some(p) => format!("{} (fault proxy {})", self.options.describe(), p.describe()),
            None => self.options.describe(),
        }
    }

    fn supports_faults(&self) -> bool {
        self.proxy.is_some()
    }

    fn can_inject(&self, fault: &bc20_fault::Fault) -> bool {
        self.proxy.is_some() && bc20_proxy::Proxy::can_produce(fault)
    }

    fn inject(&mut self, fault: &Fault) -> Result<(), LinkError> {
        let typed = fault.parse()?;
        let proxy = self
            .proxy
            .as_ref()
            .ok_or_else(|| LinkError::FaultUnavailable(fault.name.clone()))?;
        let described = proxy.describe();
        proxy.inject(typed).map_err(|e| match e {
            ShellError::Fault(_) => LinkError::FaultUnavailable(fault.name.clone()),
            other => self.proxy_lost(&described, &other.to_string()),
        })
    }

    fn command_sent(&mut self, cmd: &bc20_grammar::Command<'_>) {
        if let (Some(p), bc20_grammar::Command::QmtOpen { conn_id, .. }) = (&self.proxy, cmd) {
            let _ = p.expect_connection(*conn_id);
        }
    }

    fn line_received(&mut self, line: &bc20_grammar::Line<'_>) {
        use bc20_grammar::{Line, OpenResult, Urc};
        if let (Some(p), Line::Urc(Urc::QmtOpen { conn_id, result })) = (&self.proxy, line) {
            if *result != OpenResult::Opened {
                let _ = p.cancel_connection(*conn_id);
            }
        }
    }

    fn has_network_log(&self) -> bool {
        self.proxy.is_some()
    }

    fn take_network_log(&mut self) -> Vec<(Duration, bc20_fault::LogEntry)> {
        let Some(p) = &self.proxy else {
            return Vec::new();
        };
        let log = match p.take_log() {
            Ok(log) => log,
            Err(e) => {
                // Without the proxy no fault acts and no network line is recorded: what the
                // module does next would be blamed on it. The run stops, as for a lost port.
                let described = p.describe();
                self.proxy_lost(&described, &e.to_string());
                return Vec::new();
            }
        };
        log.into_iter()
            .map(|e| {
                let at = p.local_time(e.at);
                (at.saturating_duration_since(self.epoch), e)
            })
            .collect()
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        let port = self.port_mut()?;
        match port.write_all(bytes).and_then(|()| port.flush()) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.recover(&format!("write: {e}"))),
        }
    }

    fn read(&mut self, deadline: Duration, buf: &mut Vec<u8>) -> Result<usize, LinkError> {
        if let Some(reason) = &self.lost {
            return Err(LinkError::PortLost {
                path: self.options.path.clone(),
                reason: reason.clone(),
            });
        }
        let mut chunk = [0u8; 1024];
        let stop = self.now() + MAX_BLOCK;
        let pty = self.options.pty;
        loop {
            let now = self.now();
            if now >= deadline || now >= stop {
                return Ok(0);
            }
            let slice = (deadline - now)
                .min(READ_SLICE)
                .max(Duration::from_millis(1));
            let port = self.port_mut()?;
            if let Err(e) = port.set_timeout(slice) {
                return Err(self.recover(&format!("set timeout: {e}")));
            }
            match port.read(&mut chunk) {
                Ok(0) if pty => std::thread::sleep(slice),
                Ok(0) => return Err(self.recover("end of file")),
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                // `--pty`: a PTY whose other side is closed answers EIO until someone opens
                // it again.
                Err(e) if pty && e.raw_os_error() == Some(5) => std::thread::sleep(slice),
                Err(e) => return Err(self.recover(&format!("read: {e}"))),
            }
        }
    }

    fn lost(&self) -> Option<String> {
        self.lost
            .as_ref()
            .map(|why| format!("port {} lost: {why}", self.options.path))
    }

    fn can_reset(&self) -> bool {
        self.options.reset_cmd.is_some()
    }

    fn reset(&mut self) -> Result<Reset, LinkError> {
        let Some(cmd) = self.options.reset_cmd.clone() else {
            return Err(LinkError::NoReset);
        };
        // Close first: the port is exclusive, and the hook may re-enumerate the device.
        self.port = None;
        let started = Instant::now();
        let output = match run_hook(&cmd, self.options.reset_timeout, &self.options.path) {
            Ok(o) => o,
            Err(e) => {
                // The hook failed, but the module may well be there: reopen (best effort) so
                // the next script does not start on a closed port.
                let _ = self.reopen();
                return Err(e);
            }
        };
        let hook_s = started.elapsed().as_secs_f64();
        let shown = super::hook::shown_cmd(&cmd);
        let attempts = self.reopen().map_err(|e| match e {
            LinkError::PortLost { reason, .. } => {
                // The device did not come back: nothing more can run on this port.
                self.lost = Some(format!("not back after the reset hook: {reason}"));
                LinkError::Reset(format!("after `{shown}`: {reason}"))
            }
            other => other,
        })?;
        let mut notes = vec![format!(
            "reset hook `{shown}` finished in {hook_s:.1} s; {} reopened after {} attempt(s)",
            self.options.path, attempts
        )];
        if !output.trim().is_empty() {
            notes.push(format!("reset hook printed: {}", output.trim()));
        }
        Ok(Reset {
            settle: self.options.reset_wait,
            notes,
        })
    }
}
