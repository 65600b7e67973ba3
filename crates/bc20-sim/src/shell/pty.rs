//! The PTY transport. The simulator keeps the master; the host opens the slave path like a
//! serial port. The slave is put in raw mode once (the setting outlives the opener). With no
//! slave open, the master reads EIO and polls POLLHUP: that means "nobody is listening", not
//! an error, and the module's output is dropped as a UART with no cable would drop it.

use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::pty::openpty;
use nix::sys::termios::{cfmakeraw, tcflush, tcgetattr, tcsetattr, FlushArg, SetArg};

use super::driver::Event;
use super::SimError;

/// Most output kept while the host does not read; older bytes are dropped beyond it.
const MAX_PENDING: usize = 1 << 20;

/// The writing half, used by the driver thread.
#[derive(Debug)]
pub(crate) struct PtyWriter {
    master: Arc<OwnedFd>,
    pending: Vec<u8>,
}

/// Opens a PTY, starts its reader thread, returns the writer and the slave's path.
pub(crate) fn open(tx: Sender<Event>) -> Result<(PtyWriter, PathBuf), SimError> {
    let pty = openpty(None, None)?;
    let mut t = tcgetattr(&pty.slave)?;
    cfmakeraw(&mut t);
    tcsetattr(&pty.slave, SetArg::TCSANOW, &t)?;
    let path = nix::unistd::ttyname(pty.slave.as_fd())?;
    drop(pty.slave);
    let flags = OFlag::from_bits_truncate(fcntl(&pty.master, FcntlArg::F_GETFL)?);
    fcntl(&pty.master, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    let master = Arc::new(pty.master);
    let reader = Arc::clone(&master);
    thread::Builder::new()
        .name("bc20-sim-pty".into())
        .spawn(move || read_loop(&reader, &tx))
        .map_err(SimError::Io)?;
    Ok((
        PtyWriter {
            master,
            pending: Vec::new(),
        },
        path,
    ))
}

fn hung_up(fd: &OwnedFd) -> bool {
    let mut fds = [PollFd::new(fd.as_fd(), PollFlags::empty())];
    poll(&mut fds, PollTimeout::ZERO).is_ok()
        && fds[0]
            .revents()
            .is_some_and(|r| r.contains(PollFlags::POLLHUP))
}

fn read_loop(master: &OwnedFd, tx: &Sender<Event>) {
    let mut buf = [0u8; 4096];
    let mut was_hung_up = true;
    loop {
        let mut fds = [PollFd::new(master.as_fd(), PollFlags::POLLIN)];
        let ready = poll(&mut fds, PollTimeout::from(100u16));
        let revents = fds[0].revents().unwrap_or(PollFlags::empty());
        if matches!(ready, Err(e) if e != Errno::EINTR) {
            return;
        }
        if revents.contains(PollFlags::POLLHUP) && !revents.contains(PollFlags::POLLIN) {
            if !was_hung_up {
                // The host closed the device: forget what it did not read.
                let _ = tcflush(master, FlushArg::TCIOFLUSH);
                was_hung_up = true;
            }
            thread::sleep(Duration::from_millis(20));
            continue;
        }
        was_hung_up = false;
        if !revents.contains(PollFlags::POLLIN) {
            continue;
        }
        match nix::unistd::read(master, &mut buf) {
            Ok(0) | Err(Errno::EAGAIN | Errno::EINTR | Errno::EIO) => {}
            Ok(n) => {
                if tx.send(Event::Host(buf[..n].to_vec())).is_err() {
                    return;
                }
            }
            Err(_) => return,
        }
    }
}

impl PtyWriter {
    pub(crate) fn write(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() > MAX_PENDING {
            let excess = self.pending.len() - MAX_PENDING;
            self.pending.drain(..excess);
        }
        self.flush();
    }

    pub(crate) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    pub(crate) fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        if hung_up(&self.master) {
            self.pending.clear();
            return;
        }
        while !self.pending.is_empty() {
            match nix::unistd::write(&*self.master, &self.pending) {
                Ok(n) => {
                    self.pending.drain(..n);
                }
                Err(Errno::EINTR) => {}
                Err(Errno::EIO) => {
                    self.pending.clear();
                    return;
                }
                Err(_) => return,
            }
        }
    }
}
