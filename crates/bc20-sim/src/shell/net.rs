//! Real TCP links for the modem's slots. Each QMTOPEN gets a new link number ("generation");
//! events of older links are dropped, which is the contract [`crate::Modem`] asks of drivers.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc::Sender;
use std::thread;
use std::time::Duration;

use bytes::Bytes;

use super::driver::Event;
use super::Route;
use crate::modem::{conn_ids, ConnectFailure, NetAction, NetEvent, SLOTS};

/// How long a TCP connect may take in real time (the module's own 75 s timer also runs).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A send that blocks longer than this fails (the link is treated as broken).
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug)]
struct Link {
    gen: u64,
    stream: Option<TcpStream>,
}

/// The slots' links.
#[derive(Debug)]
pub(crate) struct RealNet {
    route: Route,
    tx: Sender<Event>,
    links: Vec<Option<Link>>,
    next_gen: u64,
}

impl RealNet {
    pub(crate) fn new(route: Route, tx: Sender<Event>) -> RealNet {
        RealNet {
            route,
            tx,
            links: (0..SLOTS).map(|_| None).collect(),
            next_gen: 0,
        }
    }

    /// Carries out an action; returns an event to give the modem at once, if any.
    pub(crate) fn apply(&mut self, action: NetAction) -> Option<(u8, NetEvent)> {
        match action {
            NetAction::Open {
                conn_id: slot,
                host,
                port,
            } => {
                self.close(slot);
                self.next_gen += 1;
                let gen = self.next_gen;
                *self.links.get_mut(usize::from(slot))? = Some(Link { gen, stream: None });
                let target = match &self.route {
                    _ if host.ends_with(".invalid") => None,
                    Route::Fixed(addr) => Some(Target::Addr(*addr)),
                    Route::Direct => Some(Target::Name(host, port)),
                };
                let tx = self.tx.clone();
                let spawned = thread::Builder::new()
                    .name("bc20-sim-connect".into())
                    .spawn(move || connect(slot, gen, target, &tx));
                if spawned.is_err() {
                    self.links[usize::from(slot)] = None;
                    return Some((slot, NetEvent::ConnectFailed(ConnectFailure::Refused)));
                }
                None
            }
            NetAction::Send {
                conn_id: slot,
                bytes,
            } => {
                let link = self.links.get_mut(usize::from(slot))?.as_mut()?;
                let stream = link.stream.as_mut()?;
                if stream.write_all(&bytes).is_err() {
                    let _ = stream.shutdown(Shutdown::Both);
                    self.links[usize::from(slot)] = None;
                    return Some((slot, NetEvent::SendFailed));
                }
                None
            }
            NetAction::Close { conn_id: slot } => {
                self.close(slot);
                None
            }
        }
    }

    /// A connect finished: keep the stream if the link is still wanted.
    pub(crate) fn connected(&mut self, slot: u8, gen: u64, stream: TcpStream) -> Option<NetEvent> {
        let link = self
            .links
            .get_mut(usize::from(slot))?
            .as_mut()
            .filter(|l| l.gen == gen && l.stream.is_none())?;
        let reader = stream.try_clone().ok()?;
        let _ = stream.set_nodelay(true);
        let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
        link.stream = Some(stream);
        let tx = self.tx.clone();
        let spawned = thread::Builder::new()
            .name("bc20-sim-read".into())
            .spawn(move || read_loop(slot, gen, reader, &tx));
        if spawned.is_err() {
            self.close(slot);
            return Some(NetEvent::ConnectFailed(ConnectFailure::Refused));
        }
        Some(NetEvent::Connected)
    }

    /// Whether an event belongs to the slot's current link (stale ones are dropped).
    pub(crate) fn accept_event(&mut self, slot: u8, gen: u64, event: &NetEvent) -> bool {
        let current = self
            .links
            .get(usize::from(slot))
            .and_then(|l| l.as_ref())
            .is_some_and(|l| l.gen == gen);
        if current
            && matches!(
                event,
                NetEvent::Closed | NetEvent::LinkDown | NetEvent::ConnectFailed(_)
            )
        {
            self.links[usize::from(slot)] = None;
        }
        current
    }

    fn close(&mut self, slot: u8) {
        if let Some(Some(link)) = self.links.get_mut(usize::from(slot)).map(Option::take) {
            if let Some(s) = link.stream {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }

    pub(crate) fn close_all(&mut self) {
        for slot in conn_ids() {
            self.close(slot);
        }
    }
}

enum Target {
    Addr(SocketAddr),
    Name(String, u16),
}

fn connect(slot: u8, gen: u64, target: Option<Target>, tx: &Sender<Event>) {
    let addrs: Vec<SocketAddr> = match target {
        None => Vec::new(),
        Some(Target::Addr(a)) => vec![a],
        Some(Target::Name(host, port)) => (host.as_str(), port)
            .to_socket_addrs()
            .map(|a| a.collect())
            .unwrap_or_default(),
    };
    if addrs.is_empty() {
        let _ = tx.send(Event::Net {
            slot,
            gen,
            event: NetEvent::ConnectFailed(ConnectFailure::Dns),
        });
        return;
    }
    let mut failure = ConnectFailure::Refused;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(stream) => {
                let _ = tx.send(Event::Connected { slot, gen, stream });
                return;
            }
            Err(e) if e.kind() == ErrorKind::TimedOut => failure = ConnectFailure::Timeout,
            Err(_) => {}
        }
    }
    let _ = tx.send(Event::Net {
        slot,
        gen,
        event: NetEvent::ConnectFailed(failure),
    });
}

fn read_loop(slot: u8, gen: u64, mut stream: TcpStream, tx: &Sender<Event>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let event = match stream.read(&mut buf) {
            Ok(0) => NetEvent::Closed,
            Ok(n) => NetEvent::Data(Bytes::copy_from_slice(&buf[..n])),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::ConnectionReset
                        | ErrorKind::ConnectionAborted
                        | ErrorKind::BrokenPipe
                ) =>
            {
                NetEvent::Closed
            }
            Err(_) => NetEvent::LinkDown,
        };
        let last = !matches!(event, NetEvent::Data(_));
        if tx.send(Event::Net { slot, gen, event }).is_err() || last {
            return;
        }
    }
}
