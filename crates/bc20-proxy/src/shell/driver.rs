//! The threads of a running proxy: the acceptor, one reader per socket, one dialler per
//! module connection, and the driver that owns the [`Proxy`] and the clock.
//!
//! The engine learns of a module connection the moment it is accepted, before the broker
//! is dialled: a module's TCP handshake completes in the kernel before the proxy accepts,
//! so the module may report `+QMTOPEN: 0,0` (and the runner inject a fault for slot 0)
//! while the proxy is still dialling. Bytes the engine sends towards a broker that is not
//! connected yet wait in [`Ends::pending`].

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant as WallInstant};

use bc20_fault::{CloseHow, ConnKey, Fate, Fault, LogEntry, Way};
use bc20_grammar::time::Instant;
use bytes::Bytes;
use socket2::SockRef;

use super::LogBook;
use crate::engine::{Action, Proxy, ProxyError, Side};

/// How long dialling the broker may take for one module connection.
const BROKER_CONNECT: Duration = Duration::from_secs(5);
/// A write to one end that blocks longer than this cuts the connection.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest the driver sleeps without a due packet.
const IDLE: Duration = Duration::from_millis(200);

pub(super) enum Event {
    Accepted(TcpStream),
    BrokerDialled {
        key: ConnKey,
        broker: std::io::Result<TcpStream>,
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

/// How often the accept loop looks for a new connection (and at the stop flag): the
/// listener is non-blocking so that `refuse-connections` can close and reopen it.
const ACCEPT_POLL: Duration = Duration::from_millis(5);

/// The proxy's listening socket, closed while `refuse-connections` is on: a module's SYN
/// then gets a RST from the kernel (QMTOPEN result -1), as from a refusing network. Accepting
/// and then resetting would not do: the module's TCP handshake would already have succeeded
/// (D65).
pub(super) struct Listener {
    addr: SocketAddr,
    socket: Mutex<Option<TcpListener>>,
}

impl Listener {
    pub(super) fn bind(addr: SocketAddr) -> std::io::Result<Listener> {
        let l = TcpListener::bind(addr)?;
        l.set_nonblocking(true)?;
        Ok(Listener {
            addr: l.local_addr()?,
            socket: Mutex::new(Some(l)),
        })
    }

    pub(super) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Closes the socket (`on`) or listens again on the same address (std sets
    /// SO_REUSEADDR, so connections of the old socket in TIME_WAIT do not stand in the way).
    pub(super) fn refuse(&self, on: bool) -> std::io::Result<()> {
        let mut socket = self.socket.lock().unwrap_or_else(|p| p.into_inner());
        match (on, socket.is_some()) {
            (true, true) => *socket = None,
            (false, false) => {
                let l = TcpListener::bind(self.addr)?;
                l.set_nonblocking(true)?;
                *socket = Some(l);
            }
            _ => {}
        }
        Ok(())
    }

    /// A connection waiting to be accepted, if there is one (never blocks).
    pub(super) fn accept(&self) -> Option<TcpStream> {
        let socket = self.socket.lock().unwrap_or_else(|p| p.into_inner());
        let (s, _) = socket.as_ref()?.accept().ok()?;
        // Accepted sockets inherit non-blocking on some systems; the reader threads block.
        s.set_nonblocking(false).ok()?;
        Some(s)
    }
}

pub(super) fn accept_loop(listener: &Listener, stop: &AtomicBool, tx: &Sender<Event>) {
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Some(module) => {
                if tx.send(Event::Accepted(module)).is_err() {
                    return;
                }
            }
            None => thread::sleep(ACCEPT_POLL),
        }
    }
}

pub(super) fn reset(s: &TcpStream) {
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

fn spawn_reader(key: ConnKey, side: Side, s: &TcpStream, tx: &Sender<Event>) {
    if let Ok(reader) = s.try_clone() {
        let tx = tx.clone();
        let _ = thread::Builder::new()
            .name("bc20-proxy-read".into())
            .spawn(move || read_loop(key, side, reader, &tx));
    }
}

fn prepare(s: &TcpStream) {
    let _ = s.set_nodelay(true);
    let _ = s.set_write_timeout(Some(WRITE_TIMEOUT));
}

/// The sockets of one proxied connection.
#[derive(Default)]
struct Ends {
    module: Option<TcpStream>,
    broker: Option<TcpStream>,
    /// The broker is being dialled.
    dialling: bool,
    /// Bytes for the broker, written once it is connected.
    pending: Vec<Bytes>,
    /// The engine closed the broker end while it was being dialled.
    close_broker: Option<CloseHow>,
}

impl Ends {
    fn done(&self) -> bool {
        self.module.is_none() && self.broker.is_none() && !self.dialling
    }
}

pub(super) struct Driver {
    proxy: Proxy,
    epoch: WallInstant,
    broker: SocketAddr,
    streams: HashMap<ConnKey, Ends>,
    next_key: ConnKey,
    tx: Sender<Event>,
    log: Arc<LogBook>,
}

impl Driver {
    pub(super) fn new(
        epoch: WallInstant,
        broker: SocketAddr,
        tx: Sender<Event>,
        log: Arc<LogBook>,
    ) -> Driver {
        Driver {
            proxy: Proxy::new(),
            epoch,
            broker,
            streams: HashMap::new(),
            next_key: 0,
            tx,
            log,
        }
    }

    fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn run(mut self, rx: &Receiver<Event>) {
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
        for ends in self.streams.values() {
            for s in [&ends.module, &ends.broker].into_iter().flatten() {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }

    fn handle(&mut self, event: Event) {
        let now = self.now();
        match event {
            Event::Accepted(module) => self.accepted(now, module),
            Event::BrokerDialled { key, broker } => self.dialled(now, key, broker),
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

    /// The engine learns of the connection (and labels it) now; the broker is dialled on
    /// its own thread, so a slow broker holds up neither this driver nor other modules.
    fn accepted(&mut self, now: Instant, module: TcpStream) {
        self.next_key += 1;
        let key = self.next_key;
        if !self.proxy.accept(now, key) {
            reset(&module);
            return;
        }
        prepare(&module);
        spawn_reader(key, Side::Module, &module, &self.tx);
        self.streams.insert(
            key,
            Ends {
                module: Some(module),
                dialling: true,
                ..Ends::default()
            },
        );
        let (tx, target) = (self.tx.clone(), self.broker);
        let dialler = thread::Builder::new()
            .name("bc20-proxy-dial".into())
            .spawn(move || {
                let broker = TcpStream::connect_timeout(&target, BROKER_CONNECT);
                let _ = tx.send(Event::BrokerDialled { key, broker });
            });
        if let Err(e) = dialler {
            self.dialled(now, key, Err(e));
        }
    }

    fn dialled(&mut self, now: Instant, key: ConnKey, broker: std::io::Result<TcpStream>) {
        let Some(ends) = self.streams.get_mut(&key) else {
            // The module end went while dialling: the broker is not needed any more.
            if let Ok(b) = broker {
                let _ = b.shutdown(Shutdown::Both);
            }
            return;
        };
        ends.dialling = false;
        let broker = match broker {
            Ok(b) => b,
            Err(e) => {
                // A broker that cannot be reached is a refused connection for the module.
                if let Some(m) = ends.module.take() {
                    reset(&m);
                }
                self.streams.remove(&key);
                self.log.push(LogEntry {
                    at: now,
                    key,
                    conn_id: None,
                    way: Way::Both,
                    packet: None,
                    fate: Fate::Closed(format!("broker {} unreachable: {e}", self.broker)),
                });
                // The engine forgets the connection (its module end is already reset).
                self.proxy.closed(now, key, Side::Broker);
                self.proxy.closed(now, key, Side::Module);
                return;
            }
        };
        prepare(&broker);
        let mut failed = false;
        for bytes in std::mem::take(&mut ends.pending) {
            if (&broker).write_all(&bytes).is_err() {
                failed = true;
                break;
            }
        }
        match ends.close_broker.take() {
            Some(how) => close(&broker, how),
            None => {
                spawn_reader(key, Side::Broker, &broker, &self.tx);
                ends.broker = Some(broker);
            }
        }
        if ends.done() {
            self.streams.remove(&key);
        }
        if failed {
            self.proxy.closed(now, key, Side::Broker);
        }
    }

    fn apply(&mut self) {
        while let Some(a) = self.proxy.poll_action() {
            match a {
                Action::Send { key, to, bytes } => self.send(key, to, bytes),
                Action::Close { key, side, how } => {
                    let Some(ends) = self.streams.get_mut(&key) else {
                        continue;
                    };
                    match side {
                        Side::Module => {
                            if let Some(s) = ends.module.take() {
                                close(&s, how);
                            }
                        }
                        Side::Broker if ends.dialling => ends.close_broker = Some(how),
                        Side::Broker => {
                            if let Some(s) = ends.broker.take() {
                                close(&s, how);
                            }
                        }
                    }
                    if ends.done() {
                        self.streams.remove(&key);
                    }
                }
                Action::Log(e) => self.log.push(e),
            }
        }
    }

    fn send(&mut self, key: ConnKey, to: Side, bytes: Bytes) {
        let Some(ends) = self.streams.get_mut(&key) else {
            return;
        };
        let end = match to {
            Side::Broker if ends.dialling => {
                ends.pending.push(bytes);
                return;
            }
            Side::Broker => ends.broker.as_ref(),
            Side::Module => ends.module.as_ref(),
        };
        if end.is_some_and(|mut s| s.write_all(&bytes).is_err()) {
            let now = self.now();
            self.proxy.closed(now, key, to);
        }
    }
}

fn close(s: &TcpStream, how: CloseHow) {
    match how {
        CloseHow::Reset => reset(s),
        CloseHow::Fin => {
            let _ = s.shutdown(Shutdown::Write);
        }
    }
}
