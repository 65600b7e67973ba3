//! Real TCP links driven by the caller's loop instead of a driver thread: the network half of
//! a stepped simulator (the conformance runner's broker bed), which owns the [`Modem`] and
//! its clock itself and asks the network "what happened?" with a bounded real-time wait.
//!
//! It is the same [`RealNet`] the driver thread uses (connects and reads still run on their
//! own threads, so a slow broker never blocks the caller), with the driver's event filtering
//! (stale links are dropped) done here.
//!
//! [`Modem`]: crate::Modem

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::driver::Event;
use super::net::RealNet;
use super::Route;
use crate::modem::{NetAction, NetEvent};

/// The slots' real TCP links, polled by the caller (see the module docs).
///
/// Events come out in the order the network produced them, each with the
/// `<tcpconnectID>` (`conn_id`, 0-5) of its link; events of a link that a
/// [`NetAction::Close`] or a later [`NetAction::Open`] replaced are never returned, which is
/// the contract [`Modem`](crate::Modem) asks of drivers.
#[derive(Debug)]
pub struct RealNetwork {
    net: RealNet,
    rx: Receiver<Event>,
    ready: VecDeque<(u8, NetEvent)>,
}

impl RealNetwork {
    /// A network whose QMTOPENs go where `route` says.
    pub fn new(route: Route) -> RealNetwork {
        let (tx, rx) = mpsc::channel();
        RealNetwork {
            net: RealNet::new(route, tx),
            rx,
            ready: VecDeque::new(),
        }
    }

    /// Carries out one action of the module. An open starts a connect in the background
    /// (its outcome comes from [`RealNetwork::poll_event`]); a send that fails at once is
    /// reported there too.
    pub fn handle_action(&mut self, action: NetAction) {
        if let Some(event) = self.net.apply(action) {
            self.ready.push_back(event);
        }
    }

    /// The next event of a current link, waiting at most `wait` of real time for one
    /// (`Duration::ZERO`: only what is already there).
    pub fn poll_event(&mut self, wait: Duration) -> Option<(u8, NetEvent)> {
        if let Some(event) = self.ready.pop_front() {
            return Some(event);
        }
        let until = Instant::now() + wait;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            let event = if left.is_zero() {
                self.rx.try_recv().ok()?
            } else {
                match self.rx.recv_timeout(left) {
                    Ok(e) => e,
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
                }
            };
            match event {
                Event::Connected { slot, gen, stream } => {
                    if let Some(e) = self.net.connected(slot, gen, stream) {
                        return Some((slot, e));
                    }
                }
                Event::Net { slot, gen, event } => {
                    if self.net.accept_event(slot, gen, &event) {
                        return Some((slot, event));
                    }
                }
                // Only the network's threads hold the sender: nothing else arrives.
                Event::Host(_) | Event::HostEof | Event::Fault(_) | Event::Shutdown => {}
            }
        }
    }

    /// Closes every link (what a module reboot or power-off does to its TCP connections).
    pub fn close_all(&mut self) {
        self.net.close_all();
        self.ready.clear();
    }
}

impl Drop for RealNetwork {
    fn drop(&mut self) {
        self.net.close_all();
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;

    #[test]
    fn a_link_opens_carries_bytes_both_ways_and_reports_the_close() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut net = RealNetwork::new(Route::Fixed(addr));
        net.handle_action(NetAction::Open {
            conn_id: 2,
            host: "broker.example".to_owned(),
            port: 1883,
        });
        let (mut server, _) = listener.accept().unwrap();
        assert_eq!(
            net.poll_event(Duration::from_secs(5)),
            Some((2, NetEvent::Connected))
        );
        net.handle_action(NetAction::Send {
            conn_id: 2,
            bytes: bytes::Bytes::from_static(b"\xc0\x00"),
        });
        let mut got = [0u8; 2];
        server.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"\xc0\x00");
        server.write_all(b"\xd0\x00").unwrap();
        assert_eq!(
            net.poll_event(Duration::from_secs(5)),
            Some((2, NetEvent::Data(bytes::Bytes::from_static(b"\xd0\x00"))))
        );
        drop(server);
        assert_eq!(
            net.poll_event(Duration::from_secs(5)),
            Some((2, NetEvent::Closed))
        );
        assert_eq!(net.poll_event(Duration::ZERO), None);
    }

    #[test]
    fn events_of_a_closed_link_are_not_returned() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut net = RealNetwork::new(Route::Fixed(listener.local_addr().unwrap()));
        net.handle_action(NetAction::Open {
            conn_id: 0,
            host: "b".to_owned(),
            port: 1,
        });
        net.handle_action(NetAction::Close { conn_id: 0 });
        assert_eq!(net.poll_event(Duration::from_millis(200)), None);
    }

    #[test]
    fn an_invalid_name_fails_to_resolve() {
        let mut net = RealNetwork::new(Route::Direct);
        net.handle_action(NetAction::Open {
            conn_id: 1,
            host: "nowhere.invalid".to_owned(),
            port: 1883,
        });
        assert_eq!(
            net.poll_event(Duration::from_secs(5)),
            Some((
                1,
                NetEvent::ConnectFailed(crate::modem::ConnectFailure::Dns)
            ))
        );
    }
}
