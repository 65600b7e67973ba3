//! The proxy on real sockets: a listener for modules, a TCP connection to the broker for
//! each, reader threads feeding one driver thread that owns the [`Proxy`](crate::Proxy) and the
//! clock (module `driver`); a control channel for a remote runner ([`ControlServer`]).
//!
//! ```no_run
//! use bc20_proxy::shell::ProxyServer;
//! let proxy = ProxyServer::start("127.0.0.1:0".parse()?, "127.0.0.1:1883".parse()?)?;
//! println!("modules dial {}", proxy.addr());
//! proxy.expect_connection(0); // the runner is about to send AT+QMTOPEN=0,...
//! proxy.inject("black-hole 0 down 5s".parse()?)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant as WallInstant};

use bc20_fault::{Fault, LogEntry};
use bc20_grammar::time::Instant;
use thiserror::Error;

use crate::control::ControlError;
use crate::engine::ProxyError;

mod control;
mod driver;

pub use control::ControlServer;
use driver::{Driver, Event};

/// Most log entries kept for [`ProxyServer::take_log`]; older ones go first (a proxy left
/// running with nobody reading its log must not grow without bound).
pub const MAX_LOG: usize = 100_000;

/// Why the proxy could not start or do something.
#[derive(Debug, Error)]
pub enum ShellError {
    /// Binding the listener (or another socket call) failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The fault cannot be applied at the proxy.
    #[error(transparent)]
    Fault(#[from] ProxyError),
    /// The proxy has stopped.
    #[error("the proxy has stopped")]
    Stopped,
    /// A remote proxy's control channel failed or answered an error.
    #[error("fault proxy control channel: {0}")]
    Control(#[from] ControlError),
}

/// Something that watches every log entry as it is made (`bc20 proxy` prints them).
pub type LogObserver = Box<dyn Fn(&LogEntry) + Send + Sync>;

/// The log between the driver and whoever takes it: bounded at [`MAX_LOG`].
pub(crate) struct LogBook {
    entries: Mutex<VecDeque<LogEntry>>,
    observer: Option<LogObserver>,
}

impl LogBook {
    fn push(&self, e: LogEntry) {
        if let Some(o) = &self.observer {
            o(&e);
        }
        if let Ok(mut g) = self.entries.lock() {
            if g.len() >= MAX_LOG {
                g.pop_front();
            }
            g.push_back(e);
        }
    }

    fn take(&self) -> Vec<LogEntry> {
        self.entries
            .lock()
            .map(|mut g| g.drain(..).collect())
            .unwrap_or_default()
    }
}

/// What the control channel and the public handle share.
pub(crate) struct Inner {
    addr: SocketAddr,
    listener: Arc<driver::Listener>,
    epoch: WallInstant,
    tx: Sender<Event>,
    log: Arc<LogBook>,
}

impl Inner {
    fn send(&self, e: Event) -> Result<(), ShellError> {
        self.tx.send(e).map_err(|_| ShellError::Stopped)
    }

    fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    fn inject(&self, fault: Fault) -> Result<(), ShellError> {
        let (reply, answer) = mpsc::channel();
        let refuse = match fault {
            Fault::RefuseConnections { on } => Some(on),
            Fault::Clear => Some(false),
            _ => None,
        };
        // A module's connect completes in the kernel before the proxy accepts it, and the
        // module reports +QMTOPEN at once: connections already waiting are handed to the
        // driver first, so that a fault injected right after reaches its connection.
        while let Some(module) = self.listener.accept() {
            self.send(Event::Accepted(module))?;
        }
        self.send(Event::Fault(fault, reply))?;
        answer
            .recv_timeout(Duration::from_secs(5))
            .map_err(|_| ShellError::Stopped)?
            .map_err(ShellError::Fault)?;
        if let Some(on) = refuse {
            self.listener.refuse(on)?;
        }
        Ok(())
    }
}

/// A running proxy. Dropping it stops it and closes every connection.
pub struct ProxyServer {
    inner: Arc<Inner>,
    stop: Arc<AtomicBool>,
    driver: Option<JoinHandle<()>>,
}

impl ProxyServer {
    /// Listens on `listen` (port 0: a free one) and forwards every connection to `broker`.
    ///
    /// # Errors
    /// [`ShellError::Io`] when the listener cannot be bound.
    pub fn start(listen: SocketAddr, broker: SocketAddr) -> Result<ProxyServer, ShellError> {
        Self::start_observed(listen, broker, None)
    }

    /// [`ProxyServer::start`], and `observer` sees every log entry as it is made (on the
    /// proxy's driver thread: it must be quick).
    ///
    /// # Errors
    /// [`ShellError::Io`] when the listener cannot be bound.
    pub fn start_observed(
        listen: SocketAddr,
        broker: SocketAddr,
        observer: Option<LogObserver>,
    ) -> Result<ProxyServer, ShellError> {
        let listener = Arc::new(driver::Listener::bind(listen)?);
        let addr = listener.addr();
        let (tx, rx) = mpsc::channel();
        let log = Arc::new(LogBook {
            entries: Mutex::new(VecDeque::new()),
            observer,
        });
        let stop = Arc::new(AtomicBool::new(false));
        let (accept_tx, accept_stop, accepting) = (tx.clone(), stop.clone(), listener.clone());
        thread::Builder::new()
            .name("bc20-proxy-accept".into())
            .spawn(move || driver::accept_loop(&accepting, &accept_stop, &accept_tx))?;
        let epoch = WallInstant::now();
        let (driver_tx, driver_log) = (tx.clone(), log.clone());
        let driver = thread::Builder::new()
            .name("bc20-proxy".into())
            .spawn(move || Driver::new(epoch, broker, driver_tx, driver_log).run(&rx))?;
        Ok(ProxyServer {
            inner: Arc::new(Inner {
                addr,
                listener,
                epoch,
                tx,
                log,
            }),
            stop,
            driver: Some(driver),
        })
    }

    /// The address modules dial.
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// The real instant the log's times ([`LogEntry::at`], milliseconds) count from.
    pub fn epoch(&self) -> WallInstant {
        self.inner.epoch
    }

    /// The proxy's clock now: milliseconds since [`ProxyServer::epoch`].
    pub fn now(&self) -> Instant {
        self.inner.now()
    }

    /// The next connection to arrive is slot `conn_id`'s (see [`Proxy::expect_connection`]).
    ///
    /// # Errors
    /// [`ShellError::Stopped`] when the proxy has stopped.
    ///
    /// [`Proxy::expect_connection`]: crate::Proxy::expect_connection
    pub fn expect_connection(&self, conn_id: u8) -> Result<(), ShellError> {
        self.inner.send(Event::Expect(conn_id))
    }

    /// Slot `conn_id`'s AT+QMTOPEN made no connection (see [`Proxy::cancel_expected`]).
    ///
    /// # Errors
    /// [`ShellError::Stopped`] when the proxy has stopped.
    ///
    /// [`Proxy::cancel_expected`]: crate::Proxy::cancel_expected
    pub fn cancel_connection(&self, conn_id: u8) -> Result<(), ShellError> {
        self.inner.send(Event::Cancel(conn_id))
    }

    /// Applies a fault and says whether the proxy can produce it.
    ///
    /// # Errors
    /// [`ShellError::Fault`] for a fault that happens inside the module;
    /// [`ShellError::Stopped`] when the proxy has stopped.
    pub fn inject(&self, fault: Fault) -> Result<(), ShellError> {
        self.inner.inject(fault)
    }

    /// What the proxy did since the last call, oldest first (at most [`MAX_LOG`] entries).
    pub fn take_log(&self) -> Vec<LogEntry> {
        self.inner.log.take()
    }

    /// Serves the control channel ([`crate::control`]) on `listen`, for clients that know
    /// `token`; `notify` hears about refused clients (a wrong or missing token) and other
    /// control events, one line each.
    ///
    /// # Errors
    /// [`ShellError::Io`] when the listener cannot be bound;
    /// [`ShellError::Control`] for an empty token.
    pub fn serve_control(
        &self,
        listen: SocketAddr,
        token: &str,
        notify: Box<dyn Fn(String) + Send + Sync>,
    ) -> Result<ControlServer, ShellError> {
        ControlServer::start(self.inner.clone(), listen, token, notify)
    }
}

impl Drop for ProxyServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.inner.tx.send(Event::Shutdown);
        if let Some(d) = self.driver.take() {
            let _ = d.join();
        }
    }
}
