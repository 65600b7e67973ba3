//! The proxy on real sockets: a listener for modules, a TCP connection to the broker for
//! each, reader threads feeding one driver thread that owns the [`Proxy`] and the clock.
//!
//! ```no_run
//! use bc20_proxy::shell::ProxyServer;
//! let proxy = ProxyServer::start("127.0.0.1:0".parse()?, "127.0.0.1:1883".parse()?)?;
//! println!("modules dial {}", proxy.addr());
//! proxy.expect_connection(0); // the runner is about to send AT+QMTOPEN=0,...
//! proxy.inject("black-hole 0 down 5s".parse()?)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant as WallInstant};

use bc20_fault::Fault;
use bc20_grammar::time::Instant;
use socket2::SockRef;
use thiserror::Error;

use crate::engine::{Action, Proxy, ProxyError, Side};
use bc20_fault::{CloseHow, ConnKey, LogEntry};

/// How long dialling the broker may take for one module connection.
const BROKER_CONNECT: Duration = Duration::from_secs(5);
/// A write to one end that blocks longer than this cuts the connection.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest the driver sleeps without a due packet.
const IDLE: Duration = Duration::from_millis(200);

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
}

enum Event {
    Accepted {
        module: TcpStream,
        broker: TcpStream,
    },
    Data {
        key: ConnKey,
        from: Side,
        bytes: Vec<u8>,
    },
    Closed {
        key: ConnKey,
        side: Side,
    },
    Fault(Fault, Sender<Result<(), ProxyError>>),
    Expect(u8),
    Cancel(u8),
    Shutdown,
}

/// A running proxy. Dropping it stops it and closes every connection.
pub struct ProxyServer {
    addr: SocketAddr,
    epoch: WallInstant,
    tx: Sender<Event>,
    /// Behind a lock so that one proxy can be shared by the links of a run (`Sync`).
    log: Mutex<Receiver<LogEntry>>,
    driver: Option<JoinHandle<()>>,
}

impl ProxyServer {
    /// Listens on `listen` (port 0: a free one) and forwards every connection to `broker`.
    ///
    /// # Errors
    /// [`ShellError::Io`] when the listener cannot be bound.
    pub fn start(listen: SocketAddr, broker: SocketAddr) -> Result<ProxyServer, ShellError> {
        let listener = TcpListener::bind(listen)?;
        let addr = listener.local_addr()?;
        let (tx, rx) = mpsc::channel();
        let (log_tx, log) = mpsc::channel();
        let accept_tx = tx.clone();
        thread::Builder::new()
            .name("bc20-proxy-accept".into())
            .spawn(move || accept_loop(&listener, broker, &accept_tx))?;
        let driver_tx = tx.clone();
        let epoch = WallInstant::now();
        let driver = thread::Builder::new()
            .name("bc20-proxy".into())
            .spawn(move || Driver::new(epoch, driver_tx, log_tx).run(&rx))?;
        Ok(ProxyServer {
            addr,
            epoch,
            tx,
            log: Mutex::new(log),
            driver: Some(driver),
        })
    }

    /// The address modules dial.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The real instant the log's times ([`LogEntry::at`], milliseconds) count from.
    pub fn epoch(&self) -> WallInstant {
        self.epoch
    }

    /// The next connection to arrive is slot `conn_id`'s (see [`Proxy::expect_connection`]).
    ///
    /// # Errors
    /// [`ShellError::Stopped`] when the proxy has stopped.
    pub fn expect_connection(&self, conn_id: u8) -> Result<(), ShellError> {
        self.tx
            .send(Event::Expect(conn_id))
            .map_err(|_| ShellError::Stopped)
    }

    /// Slot `conn_id`'s AT+QMTOPEN made no connection (see [`Proxy::cancel_expected`]).
    ///
    /// # Errors
    /// [`ShellError::Stopped`] when the proxy has stopped.
    pub fn cancel_connection(&self, conn_id: u8) -> Result<(), ShellError> {
        self.tx
            .send(Event::Cancel(conn_id))
            .map_err(|_| ShellError::Stopped)
    }

    /// Applies a fault and says whether the proxy can produce it.
    ///
    /// # Errors
    /// [`ShellError::Fault`] for a fault that happens inside the module;
    /// [`ShellError::Stopped`] when the proxy has stopped.
    pub fn inject(&self, fault: Fault) -> Result<(), ShellError> {
        let (reply, answer) = mpsc::channel();
        self.tx
            .send(Event::Fault(fault, reply))
            .map_err(|_| ShellError::Stopped)?;
        answer
            .recv_timeout(Duration::from_secs(5))
            .map_err(|_| ShellError::Stopped)?
            .map_err(ShellError::Fault)
    }

    /// What the proxy did since the last call, oldest first.
    pub fn take_log(&self) -> Vec<LogEntry> {
        self.log
            .lock()
            .map(|rx| rx.try_iter().collect())
            .unwrap_or_default()
    }
}

impl Drop for ProxyServer {
    fn drop(&mut self) {
        let _ = self.tx.send(Event::Shutdown);
        // Wake the accept loop so it sees the closed channel.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(d) = self.driver.take() {
            let _ = d.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, broker: SocketAddr, tx: &Sender<Event>) {
    for module in listener.incoming() {
        let Ok(module) = module else { continue };
        // A broker that cannot be reached is a refused connection for the module.
        let Ok(broker) = TcpStream::connect_timeout(&broker, BROKER_CONNECT) else {
            reset(&module);
            continue;
        };
        if tx.send(Event::Accepted { module, broker }).is_err() {
            return;
        }
    }
}

fn reset(s: &TcpStream) {
    // A zero linger makes the close an RST, as a refusing or failing network does. The
    // socket closes when its last handle goes: shutting the read side wakes the reader
    // thread (which drops its handle) without sending a FIN first.
    let _ = SockRef::from(s).set_linger(Some(Duration::ZERO));
    let _ = s.shutdown(Shutdown::Read);
}

fn read_loop(key: ConnKey, from: Side, mut s: TcpStream, tx: &Sender<Event>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let bytes = buf[..n].to_vec();
                if tx.send(Event::Data { key, from, bytes }).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let _ = tx.send(Event::Closed { key, side: from });
}

struct Driver {
    proxy: Proxy,
    epoch: WallInstant,
    streams: HashMap<ConnKey, [Option<TcpStream>; 2]>,
    next_key: ConnKey,
    tx: Sender<Event>,
    log: Sender<LogEntry>,
}

impl Driver {
    fn new(epoch: WallInstant, tx: Sender<Event>, log: Sender<LogEntry>) -> Driver {
        Driver {
            proxy: Proxy::new(),
            epoch,
            streams: HashMap::new(),
            next_key: 0,
            tx,
            log,
        }
    }

    fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    fn run(mut self, rx: &Receiver<Event>) {
        loop {
            let now = self.now();
            self.proxy.handle_timeout(now);
            self.apply();
            let wait = self
                .proxy
                .poll_timeout()
                .map_or(IDLE, |t| t.saturating_since(self.now()))
                .min(IDLE);
            match rx.recv_timeout(wait) {
                Ok(Event::Shutdown) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(e) => self.handle(e),
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
        for end in self.streams.values().flatten().flatten() {
            let _ = end.shutdown(Shutdown::Both);
        }
    }

    fn handle(&mut self, event: Event) {
        let now = self.now();
        match event {
            Event::Accepted { module, broker } => {
                self.next_key += 1;
                let key = self.next_key;
                if !self.proxy.accept(now, key) {
                    reset(&module);
                    let _ = broker.shutdown(Shutdown::Both);
                    self.apply_logs_only();
                    return;
                }
                for s in [&module, &broker] {
                    let _ = s.set_nodelay(true);
                    let _ = s.set_write_timeout(Some(WRITE_TIMEOUT));
                }
                for (side, s) in [(Side::Module, &module), (Side::Broker, &broker)] {
                    if let Ok(reader) = s.try_clone() {
                        let tx = self.tx.clone();
                        let _ = thread::Builder::new()
                            .name("bc20-proxy-read".into())
                            .spawn(move || read_loop(key, side, reader, &tx));
                    }
                }
                self.streams.insert(key, [Some(module), Some(broker)]);
            }
            Event::Data { key, from, bytes } => self.proxy.receive(now, key, from, &bytes),
            Event::Closed { key, side } => self.proxy.closed(now, key, side),
            Event::Fault(fault, reply) => {
                let _ = reply.send(self.proxy.inject(now, &fault));
            }
            Event::Expect(conn_id) => self.proxy.expect_connection(conn_id),
            Event::Cancel(conn_id) => self.proxy.cancel_expected(conn_id),
            Event::Shutdown => {}
        }
        self.apply();
    }

    /// Drops the actions of a refused connection but its log lines.
    fn apply_logs_only(&mut self) {
        while let Some(a) = self.proxy.poll_action() {
            if let Action::Log(e) = a {
                let _ = self.log.send(e);
            }
        }
    }

    fn apply(&mut self) {
        while let Some(a) = self.proxy.poll_action() {
            match a {
                Action::Send { key, to, bytes } => {
                    let failed = self
                        .end(key, to)
                        .is_some_and(|mut s| s.write_all(&bytes).is_err());
                    if failed {
                        let now = self.now();
                        self.proxy.closed(now, key, to);
                    }
                }
                Action::Close { key, side, how } => {
                    if let Some(ends) = self.streams.get_mut(&key) {
                        if let Some(s) = ends[usize::from(side == Side::Broker)].take() {
                            match how {
                                CloseHow::Reset => reset(&s),
                                CloseHow::Fin => {
                                    let _ = s.shutdown(Shutdown::Write);
                                }
                            }
                        }
                        if ends.iter().all(Option::is_none) {
                            self.streams.remove(&key);
                        }
                    }
                }
                Action::Log(e) => {
                    let _ = self.log.send(e);
                }
            }
        }
    }

    fn end(&self, key: ConnKey, side: Side) -> Option<&TcpStream> {
        self.streams.get(&key)?[usize::from(side == Side::Broker)].as_ref()
    }
}
