//! A proxy on another host, driven over its control channel ([`crate::control`]).
//!
//! The proxy stamps its log with its own clock. At connect the client asks for that clock a
//! few times and keeps the quickest round trip: the proxy read its clock somewhere between
//! sending and receiving, so placing the reading at the middle is off by at most half the
//! round trip ([`RemoteProxy::clock_uncertainty`]). Clock drift over a run (ppm) is far
//! below that.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Mutex;
use std::time::{Duration, Instant as WallInstant};

use bc20_fault::{Fault, LogEntry};
use bc20_grammar::time::Instant;

use crate::control::{ControlError, ControlRequest, ControlResponse};
use crate::engine::ProxyError;
use crate::shell::ShellError;

/// How long connecting to the control channel, and each answer, may take.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(10);
/// Clock readings at connect; the quickest round trip wins.
const CLOCK_SAMPLES: usize = 5;

struct Channel {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

/// A connected, authenticated control channel to a remote `bc20 proxy --control`.
pub struct RemoteProxy {
    control: SocketAddr,
    addr: SocketAddr,
    channel: Mutex<Channel>,
    /// This host's instant at which the proxy's clock read `anchor_ms`.
    anchor: WallInstant,
    anchor_ms: u64,
    uncertainty: Duration,
}

fn io(what: String) -> impl FnOnce(std::io::Error) -> ControlError {
    move |e| ControlError::Io {
        what,
        reason: e.to_string(),
    }
}

impl RemoteProxy {
    /// Connects to the control channel at `control` (`HOST:PORT`), authenticates with
    /// `token` and measures the proxy's clock against this host's.
    ///
    /// # Errors
    /// [`ControlError::Io`] when the proxy cannot be reached; [`ControlError::Refused`]
    /// (with the proxy's reason) for a wrong token.
    pub fn connect(control: &str, token: &str) -> Result<RemoteProxy, ControlError> {
        let addr = control
            .to_socket_addrs()
            .map_err(io(format!("resolving {control}")))?
            .next()
            .ok_or_else(|| ControlError::Io {
                what: format!("resolving {control}"),
                reason: "no address".to_owned(),
            })?;
        let stream = TcpStream::connect_timeout(&addr, CONTROL_TIMEOUT).map_err(io(format!(
            "connecting to the proxy's control channel {addr}"
        )))?;
        let _ = stream.set_nodelay(true);
        stream
            .set_read_timeout(Some(CONTROL_TIMEOUT))
            .map_err(io(format!("configuring {addr}")))?;
        let writer = stream
            .try_clone()
            .map_err(io(format!("configuring {addr}")))?;
        let mut channel = Channel {
            reader: BufReader::new(stream),
            writer,
        };
        match channel.ask(&ControlRequest::Auth(token.to_owned()))? {
            ControlResponse::Ok => {}
            other => return Err(unexpected(other)),
        }
        let mut best: Option<(Duration, WallInstant, u64)> = None;
        for _ in 0..CLOCK_SAMPLES {
            let sent = WallInstant::now();
            let ControlResponse::Clock(ms) = channel.ask(&ControlRequest::Clock)? else {
                return Err(ControlError::UnexpectedAnswer("not a clock".to_owned()));
            };
            let rtt = sent.elapsed();
            if best.map_or(true, |(b, _, _)| rtt < b) {
                best = Some((rtt, sent + rtt / 2, ms));
            }
        }
        let (rtt, anchor, anchor_ms) = best.ok_or(ControlError::Empty)?;
        let ControlResponse::Addr(module_addr) = channel.ask(&ControlRequest::Addr)? else {
            return Err(ControlError::UnexpectedAnswer("not an address".to_owned()));
        };
        Ok(RemoteProxy {
            control: addr,
            addr: module_addr,
            channel: Mutex::new(channel),
            anchor,
            anchor_ms,
            uncertainty: rtt / 2,
        })
    }

    /// The control channel's address.
    pub fn control_addr(&self) -> SocketAddr {
        self.control
    }

    /// Where the proxy listens for modules, as it bound it (`0.0.0.0:PORT` for all its
    /// addresses: modules dial its public address, `--module-broker`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How far [`RemoteProxy::local_time`] may be off: half the quickest round trip
    /// measured at connect, plus the proxy's millisecond resolution.
    pub fn clock_uncertainty(&self) -> Duration {
        self.uncertainty + Duration::from_millis(1)
    }

    /// The instant of this host's clock at which the proxy's clock read `at`.
    pub fn local_time(&self, at: Instant) -> WallInstant {
        let ms = at.as_millis();
        if ms >= self.anchor_ms {
            self.anchor + Duration::from_millis(ms - self.anchor_ms)
        } else {
            let back = Duration::from_millis(self.anchor_ms - ms);
            self.anchor.checked_sub(back).unwrap_or(self.anchor)
        }
    }

    fn ask(&self, request: &ControlRequest) -> Result<ControlResponse, ShellError> {
        let mut c = self.channel.lock().map_err(|_| ShellError::Stopped)?;
        Ok(c.ask(request)?)
    }

    fn expect_ok(&self, request: &ControlRequest) -> Result<(), ShellError> {
        match self.ask(request)? {
            ControlResponse::Ok => Ok(()),
            other => Err(unexpected(other).into()),
        }
    }

    /// The next connection to arrive is slot `conn_id`'s.
    ///
    /// # Errors
    /// [`ShellError::Control`] when the channel fails or the proxy refuses.
    pub fn expect_connection(&self, conn_id: u8) -> Result<(), ShellError> {
        self.expect_ok(&ControlRequest::Expect(conn_id))
    }

    /// Slot `conn_id`'s AT+QMTOPEN made no connection.
    ///
    /// # Errors
    /// [`ShellError::Control`] when the channel fails or the proxy refuses.
    pub fn cancel_connection(&self, conn_id: u8) -> Result<(), ShellError> {
        self.expect_ok(&ControlRequest::Cancel(conn_id))
    }

    /// Applies a fault at the proxy.
    ///
    /// # Errors
    /// [`ShellError::Fault`] for a fault that happens inside the module;
    /// [`ShellError::Control`] when the channel fails or the proxy refuses.
    pub fn inject(&self, fault: Fault) -> Result<(), ShellError> {
        match self.ask(&ControlRequest::Inject(fault))? {
            ControlResponse::Ok => Ok(()),
            ControlResponse::Unavailable(f) => Err(ProxyError::InsideTheModule(f).into()),
            other => Err(unexpected(other).into()),
        }
    }

    /// What the proxy did since the last call, oldest first.
    ///
    /// # Errors
    /// [`ShellError::Control`] when the channel fails or the proxy refuses.
    pub fn take_log(&self) -> Result<Vec<LogEntry>, ShellError> {
        match self.ask(&ControlRequest::TakeLog)? {
            ControlResponse::Log(entries) => Ok(entries),
            other => Err(unexpected(other).into()),
        }
    }
}

fn unexpected(r: ControlResponse) -> ControlError {
    match r {
        ControlResponse::Error(what) => ControlError::Refused(what),
        other => ControlError::UnexpectedAnswer(other.to_string()),
    }
}

impl Channel {
    fn ask(&mut self, request: &ControlRequest) -> Result<ControlResponse, ControlError> {
        writeln!(self.writer, "{request}").map_err(io("writing to the proxy".to_owned()))?;
        let mut line = String::new();
        let n = self
            .reader
            .read_line(&mut line)
            .map_err(io("reading the proxy's answer".to_owned()))?;
        if n == 0 {
            return Err(ControlError::Io {
                what: "reading the proxy's answer".to_owned(),
                reason: "the proxy closed the control channel".to_owned(),
            });
        }
        ControlResponse::parse(&line)
    }
}
