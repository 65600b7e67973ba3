//! Host transports other than the PTY: TCP (one host at a time), stdio, in-process channel.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use super::driver::Event;
use super::pty::{self, PtyWriter};
use super::{Endpoint, SimError, Transport};

/// Where the module's output goes.
#[derive(Debug)]
pub(crate) enum HostSink {
    Channel(Sender<Vec<u8>>),
    Pty(PtyWriter),
    Tcp(Arc<Mutex<Option<TcpStream>>>),
    Stdout,
}

/// The receiving end of [`Transport::InProcess`] output.
pub(crate) type Output = Option<Receiver<Vec<u8>>>;

pub(crate) fn open(
    transport: &Transport,
    tx: Sender<Event>,
) -> Result<(HostSink, Endpoint, Output), SimError> {
    match transport {
        Transport::InProcess => {
            let (out_tx, out_rx) = mpsc::channel();
            Ok((HostSink::Channel(out_tx), Endpoint::InProcess, Some(out_rx)))
        }
        Transport::Pty => {
            let (writer, path) = pty::open(tx)?;
            Ok((HostSink::Pty(writer), Endpoint::Pty(path), None))
        }
        Transport::Tcp(addr) => {
            let listener = TcpListener::bind(addr)?;
            let local = listener.local_addr()?;
            let client: Arc<Mutex<Option<TcpStream>>> = Arc::default();
            let slot = Arc::clone(&client);
            thread::Builder::new()
                .name("bc20-sim-accept".into())
                .spawn(move || accept_loop(&listener, &slot, &tx))?;
            Ok((HostSink::Tcp(client), Endpoint::Tcp(local), None))
        }
        Transport::Stdio => {
            thread::Builder::new()
                .name("bc20-sim-stdin".into())
                .spawn(move || {
                    let mut stdin = std::io::stdin();
                    let mut buf = [0u8; 4096];
                    loop {
                        match stdin.read(&mut buf) {
                            Ok(0) | Err(_) => {
                                let _ = tx.send(Event::HostEof);
                                return;
                            }
                            Ok(n) => {
                                if tx.send(Event::Host(buf[..n].to_vec())).is_err() {
                                    return;
                                }
                            }
                        }
                    }
                })?;
            Ok((HostSink::Stdout, Endpoint::Stdio, None))
        }
    }
}

/// Accepts host connections; a new one replaces the old.
fn accept_loop(listener: &TcpListener, client: &Arc<Mutex<Option<TcpStream>>>, tx: &Sender<Event>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let _ = stream.set_nodelay(true);
        let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
        let Ok(mut reader) = stream.try_clone() else {
            continue;
        };
        if let Ok(mut c) = client.lock() {
            if let Some(old) = c.replace(stream) {
                let _ = old.shutdown(std::net::Shutdown::Both);
            }
        }
        let host_tx = tx.clone();
        let spawned = thread::Builder::new()
            .name("bc20-sim-host".into())
            .spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = reader.read(&mut buf) {
                    if n == 0 || host_tx.send(Event::Host(buf[..n].to_vec())).is_err() {
                        return;
                    }
                }
            });
        if spawned.is_err() {
            return;
        }
    }
}

impl HostSink {
    pub(crate) fn write(&mut self, bytes: &[u8]) {
        match self {
            HostSink::Channel(tx) => {
                let _ = tx.send(bytes.to_vec());
            }
            HostSink::Pty(w) => w.write(bytes),
            HostSink::Tcp(client) => {
                if let Ok(mut c) = client.lock() {
                    if c.as_mut().is_some_and(|s| s.write_all(bytes).is_err()) {
                        *c = None;
                    }
                }
            }
            HostSink::Stdout => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(bytes);
                let _ = out.flush();
            }
        }
    }

    pub(crate) fn has_pending(&self) -> bool {
        matches!(self, HostSink::Pty(w) if w.has_pending())
    }

    pub(crate) fn flush(&mut self) {
        if let HostSink::Pty(w) = self {
            w.flush();
        }
    }
}
