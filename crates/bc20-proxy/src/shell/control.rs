//! The control channel's server ([`crate::control`]): one thread accepting runners, one
//! thread per runner reading its requests and carrying them out on the proxy.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use super::{Event, Inner, ShellError};
use crate::control::{ControlRequest, ControlResponse, ControlSession, Step, MAX_REQUEST};

/// How long a control client may take to send its token.
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);

type Notify = Arc<dyn Fn(String) + Send + Sync>;

/// The open control connections (a handle each, to close them when the server goes), by a
/// number of their own; each removes itself when it ends.
type Clients = Arc<Mutex<HashMap<u64, TcpStream>>>;

/// A running control channel; dropping it closes the listener and every control
/// connection (the proxy keeps running).
pub struct ControlServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    clients: Clients,
}

impl ControlServer {
    pub(super) fn start(
        inner: Arc<Inner>,
        listen: SocketAddr,
        token: &str,
        notify: Box<dyn Fn(String) + Send + Sync>,
    ) -> Result<ControlServer, ShellError> {
        // Checked here, once, rather than refusing every client later.
        ControlSession::new(token)?;
        let listener = TcpListener::bind(listen)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Clients = Arc::default();
        let (token, notify): (String, Notify) = (token.to_owned(), Arc::from(notify));
        let (s, c) = (stop.clone(), clients.clone());
        thread::Builder::new()
            .name("bc20-proxy-control".into())
            .spawn(move || {
                for (id, conn) in (0u64..).zip(listener.incoming()) {
                    if s.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(conn) = conn else { continue };
                    if let (Ok(mut list), Ok(clone)) = (c.lock(), conn.try_clone()) {
                        list.insert(id, clone);
                    }
                    let (inner, token, notify) = (inner.clone(), token.clone(), notify.clone());
                    let c = c.clone();
                    let _ = thread::Builder::new()
                        .name("bc20-proxy-control-conn".into())
                        .spawn(move || {
                            serve(&inner, conn, &token, &notify);
                            if let Ok(mut list) = c.lock() {
                                list.remove(&id);
                            }
                        });
                }
            })?;
        Ok(ControlServer {
            addr,
            stop,
            clients,
        })
    }

    /// Where the control channel listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Ok(list) = self.clients.lock() {
            for c in list.values() {
                let _ = c.shutdown(Shutdown::Both);
            }
        }
    }
}

fn serve(inner: &Inner, conn: TcpStream, token: &str, notify: &Notify) {
    let peer = conn
        .peer_addr()
        .map_or_else(|_| "?".to_owned(), |a| a.to_string());
    let Ok(mut session) = ControlSession::new(token) else {
        return;
    };
    let _ = conn.set_read_timeout(Some(AUTH_TIMEOUT));
    // Request and answer are one small segment each: Nagle's algorithm against the peer's
    // delayed ACK would add about 40 ms to every request.
    let _ = conn.set_nodelay(true);
    let Ok(mut out) = conn.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(conn);
    let mut line = Vec::new();
    loop {
        line.clear();
        // One more byte than allowed, to tell a long line from a line of exactly the limit.
        let limit = u64::try_from(MAX_REQUEST + 2).unwrap_or(u64::MAX);
        match (&mut reader).take(limit).read_until(b'\n', &mut line) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) => {
                if !session.authenticated() {
                    notify(format!(
                        "control {peer}: no token within {AUTH_TIMEOUT:?} ({e})"
                    ));
                }
                return;
            }
        }
        let step = if line.len() > MAX_REQUEST + 1 && !line.ends_with(b"\n") {
            session.too_long()
        } else {
            let text = String::from_utf8_lossy(&line);
            let was = session.authenticated();
            let step = session.line(&text);
            if !was && session.authenticated() {
                let _ = reader.get_ref().set_read_timeout(None);
                notify(format!("control {peer}: authenticated"));
            }
            step
        };
        let (answer, close) = match step {
            Step::Reply(r) => (r, false),
            Step::Close(r, why) => {
                notify(format!("control {peer}: refused: {why}"));
                (r, true)
            }
            Step::Do(request) => (carry_out(inner, request), false),
        };
        if writeln!(out, "{answer}").is_err() {
            return;
        }
        if close {
            // A FIN after the answer, then what the client still sends is read and
            // dropped: closing with unread input would be an RST, which can destroy the
            // answer before the client reads it.
            let _ = out.shutdown(Shutdown::Write);
            let _ = reader
                .get_ref()
                .set_read_timeout(Some(Duration::from_secs(1)));
            let _ = (&mut reader).take(64 * 1024).read_to_end(&mut Vec::new());
            return;
        }
    }
}

fn carry_out(inner: &Inner, request: ControlRequest) -> ControlResponse {
    let done = |r: Result<(), ShellError>| match r {
        Ok(()) => ControlResponse::Ok,
        Err(e) => ControlResponse::Error(e.to_string()),
    };
    match request {
        // Answered by the session before authentication; never reaches here.
        ControlRequest::Auth(_) => ControlResponse::Error("already authenticated".to_owned()),
        ControlRequest::Expect(id) => done(inner.send(Event::Expect(id))),
        ControlRequest::Cancel(id) => done(inner.send(Event::Cancel(id))),
        ControlRequest::Inject(fault) => match inner.inject(fault.clone()) {
            Ok(()) => ControlResponse::Ok,
            Err(ShellError::Fault(_)) => ControlResponse::Unavailable(fault),
            Err(e) => ControlResponse::Error(e.to_string()),
        },
        ControlRequest::TakeLog => ControlResponse::Log(inner.log.take()),
        ControlRequest::Clock => ControlResponse::Clock(inner.now().as_millis()),
        ControlRequest::Addr => ControlResponse::Addr(inner.addr),
    }
}
