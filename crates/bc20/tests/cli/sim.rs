//! `bc20 sim` as a user starts it: a module on TCP that answers until `--exit-after` ends it;
//! a module on a PTY behind a stable `--pty-link` that a reset hook restarts through its
//! `--pid-file`, as a relay power-cycles a board behind a USB adapter.

use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use nix::fcntl::OFlag;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::support::{bc20, run};

/// Reads from `s` until `want` has arrived or the deadline passes.
fn read_until(s: &mut TcpStream, want: &[u8], deadline: Instant) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    while !got.windows(want.len()).any(|w| w == want) && Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    got
}

#[test]
fn sim_over_tcp_answers_until_exit_after() {
    let mut child = bc20()
        .args(["sim", "--tcp", "127.0.0.1:0", "--exit-after", "20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bc20 runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut addr = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("module 0 tcp://") {
            addr = Some(rest.to_owned());
        }
        if line == "ready" {
            break;
        }
    }
    let addr = addr.expect("a `module 0 tcp://...` line");
    let mut s = TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    s.write_all(b"ATE0\r").unwrap();
    assert!(read_until(&mut s, b"OK\r\n", deadline).ends_with(b"OK\r\n"));
    s.write_all(b"AT+QMTOPEN=0,\"220.180.239.212\",8401\r")
        .unwrap();
    let got = read_until(&mut s, b"+QMTOPEN: 0,0\r\n", deadline);
    assert_eq!(
        got,
        b"\r\nOK\r\n\r\n+QMTOPEN: 0,0\r\n",
        "{}",
        String::from_utf8_lossy(&got)
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn sim_lists_its_quirks_one_per_line() {
    let out = bc20().args(["sim", "--list-quirks"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().count() >= 5);
    assert!(text.lines().any(|l| l == "unquoted-recv-payload"));
}

// --- A stable device path across restarts: --pty-link, --pid-file, signals, --attach-after ---

/// The longest any step below waits (the simulator starting, a reply, an exit); generous, as
/// CI machines are noisy, but finite so a hang fails instead of blocking the run.
const PATIENCE: Duration = Duration::from_secs(20);

/// A running `bc20 sim`. Dropping it kills (SIGKILL) and reaps the process if it is still
/// running, so a failing assertion leaves nothing behind.
struct Sim {
    child: Child,
    /// Status lines as they arrive (read on a thread, so waiting for them is bounded).
    status: Receiver<String>,
}

impl Sim {
    /// Starts `bc20 sim ARGS` (status lines on stdout) and waits for `ready`; returns it with
    /// the status lines before `ready`.
    fn start<I, S>(args: I) -> (Sim, Vec<String>)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut child = bc20()
            .arg("sim")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("bc20 runs");
        let status = lines_of(child.stdout.take().expect("stdout is piped"));
        let mut sim = Sim { child, status };
        let lines = sim.until_ready();
        (sim, lines)
    }

    fn until_ready(&mut self) -> Vec<String> {
        let deadline = Instant::now() + PATIENCE;
        let mut lines = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.status.recv_timeout(left) {
                Ok(line) if line == "ready" => return lines,
                Ok(line) => lines.push(line),
                Err(e) => panic!("no `ready` ({e:?}); status so far: {lines:?}"),
            }
        }
    }

    /// Sends `signal` to the pid the simulator wrote to `pid_file`, after checking it is the
    /// child's (a reset hook does `kill "$(cat PATH)"`).
    fn signal_via_pid_file(&self, pid_file: &Path, signal: Signal) {
        let text = std::fs::read_to_string(pid_file).expect("the pid file exists");
        let pid: i32 = text.trim().parse().expect("the pid file holds a number");
        assert_eq!(text, format!("{}\n", self.child.id()), "the child's pid");
        kill(Pid::from_raw(pid), signal).expect("kill");
    }

    /// The exit code once the process has ended, failing after [`PATIENCE`].
    fn exit_code(&mut self) -> Option<i32> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code();
            }
            assert!(Instant::now() < deadline, "bc20 sim did not exit");
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// The lines of `r`, sent on a channel by a thread.
fn lines_of(r: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// The value of the status line `KEY I VALUE`.
fn status_value(lines: &[String], key: &str, index: usize) -> String {
    let prefix = format!("{key} {index} ");
    lines
        .iter()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no `{prefix}...` line in {lines:?}"))
        .to_owned()
}

/// A serial port opened through a path, as a host opens a module, with bounded reads.
struct Port {
    file: File,
    chunks: Receiver<Vec<u8>>,
    got: Vec<u8>,
}

impl Port {
    fn open(path: &Path) -> Port {
        // O_NOCTTY: the test process must not take the PTY as its controlling terminal.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(OFlag::O_NOCTTY.bits())
            .open(path)
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        let mut reader = file.try_clone().expect("clone the port");
        let (tx, chunks) = mpsc::channel();
        // Ends when the simulator goes away (the slave then reads EOF or EIO).
        thread::spawn(move || {
            let mut buf = [0u8; 512];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    return;
                }
            }
        });
        Port {
            file,
            chunks,
            got: Vec::new(),
        }
    }

    /// Writes `line` and reads until `want` has arrived; everything read so far.
    fn ask(&mut self, line: &[u8], want: &[u8]) -> String {
        self.file.write_all(line).expect("write to the port");
        let deadline = Instant::now() + PATIENCE;
        while !self.got.windows(want.len()).any(|w| w == want) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.chunks.recv_timeout(left) {
                Ok(chunk) => self.got.extend_from_slice(&chunk),
                Err(e) => panic!(
                    "{:?} not answered with {:?} ({e:?}); got {:?}",
                    String::from_utf8_lossy(line),
                    String::from_utf8_lossy(want),
                    String::from_utf8_lossy(&self.got)
                ),
            }
        }
        String::from_utf8_lossy(&self.got).into_owned()
    }
}

fn gone(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_err()
}

#[test]
fn sim_pty_link_reaches_the_module_and_sigterm_removes_link_and_pid_file() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("tty");
    let pid_file = dir.path().join("pid");
    let (mut sim, status) = Sim::start([
        OsStr::new("--pty"),
        OsStr::new("--pty-link"),
        link.as_os_str(),
        OsStr::new("--pid-file"),
        pid_file.as_os_str(),
        OsStr::new("--attach-after"),
        OsStr::new("300ms"),
    ]);
    let slave = status_value(&status, "module", 0);
    assert!(slave.starts_with("/dev/pts/"), "{status:?}");
    assert_eq!(status_value(&status, "link", 0), link.display().to_string());
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new(&slave));

    let mut port = Port::open(&link);
    let got = port.ask(b"AT\r", b"OK\r\n");
    assert!(got.contains("AT\r\r\nOK\r\n"), "{got:?}");

    sim.signal_via_pid_file(&pid_file, Signal::SIGTERM);
    assert_eq!(sim.exit_code(), Some(143));
    assert!(gone(&link), "the link is removed");
    assert!(gone(&pid_file), "the pid file is removed");
}

#[test]
fn sim_restarted_after_sigkill_replaces_the_stale_link() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("tty");
    let args = [OsStr::new("--pty-link"), link.as_os_str()];
    let (mut first, _) = Sim::start(args);
    // SIGKILL cannot be handled: the link stays behind, as after a crash or a power cut.
    kill(Pid::from_raw(first.child.id() as i32), Signal::SIGKILL).unwrap();
    assert_eq!(first.exit_code(), None, "killed by the signal");
    assert!(std::fs::read_link(&link).is_ok(), "the stale link is left");

    let (mut second, status) = Sim::start(args);
    let slave = status_value(&status, "module", 0);
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new(&slave));
    let got = Port::open(&link).ask(b"AT\r", b"OK\r\n");
    assert!(got.ends_with("OK\r\n"), "{got:?}");
    kill(Pid::from_raw(second.child.id() as i32), Signal::SIGINT).unwrap();
    assert_eq!(second.exit_code(), Some(130));
    assert!(gone(&link));
}

#[test]
fn sim_replaces_a_stale_link_and_leaves_one_it_no_longer_owns() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("tty");
    let pid_file = dir.path().join("pid");
    std::os::unix::fs::symlink("/dev/pts/bc20-gone", &link).unwrap();
    let (mut sim, status) = Sim::start([
        OsStr::new("--pty-link"),
        link.as_os_str(),
        OsStr::new("--pid-file"),
        pid_file.as_os_str(),
    ]);
    let slave = status_value(&status, "module", 0);
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new(&slave));

    // Another instance takes the name over: ours must not remove its link on exit.
    let other = dir.path().join("other");
    std::os::unix::fs::symlink("/dev/pts/bc20-other", &other).unwrap();
    std::fs::rename(&other, &link).unwrap();
    sim.signal_via_pid_file(&pid_file, Signal::SIGHUP);
    assert_eq!(sim.exit_code(), Some(129));
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        Path::new("/dev/pts/bc20-other")
    );
    assert!(gone(&pid_file));
}

#[test]
fn sim_links_every_module_and_removes_the_links_after_exit_after() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("tty");
    let pid_file = dir.path().join("pid");
    let (mut sim, status) = Sim::start([
        OsStr::new("--count"),
        OsStr::new("2"),
        OsStr::new("--pty-link"),
        link.as_os_str(),
        OsStr::new("--pid-file"),
        pid_file.as_os_str(),
        OsStr::new("--exit-after"),
        OsStr::new("4"),
    ]);
    let link1 = dir.path().join("tty.1");
    assert_eq!(status_value(&status, "link", 0), link.display().to_string());
    assert_eq!(
        status_value(&status, "link", 1),
        link1.display().to_string()
    );
    for (i, path) in [&link, &link1].into_iter().enumerate() {
        let slave = status_value(&status, "module", i);
        assert_eq!(std::fs::read_link(path).unwrap(), Path::new(&slave));
    }
    // Each line follows its module's.
    let module1 = status.iter().position(|l| l.starts_with("module 1 "));
    let link1_line = status.iter().position(|l| l.starts_with("link 1 "));
    assert_eq!(link1_line, module1.map(|m| m + 1), "{status:?}");

    assert_eq!(sim.exit_code(), Some(0));
    assert!(gone(&link) && gone(&link1) && gone(&pid_file));
}

#[test]
fn sim_pty_link_needs_the_pty_transport() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("tty");
    let link = link.to_str().unwrap();
    for transport in [&["--tcp", "127.0.0.1:0"][..], &["--stdio"][..]] {
        let mut args = vec!["sim", "--pty-link", link, "--exit-after", "0"];
        args.extend_from_slice(transport);
        let out = run(&args, b"");
        assert_eq!(out.code, Some(2), "{transport:?}: {}", out.stderr);
        assert!(out.stderr.contains("--pty-link"), "{}", out.stderr);
        assert!(gone(Path::new(link)));
    }
}

#[test]
fn sim_attach_after_delays_the_ip_urc() {
    let started = Instant::now();
    let mut child = bc20()
        .args(["sim", "--stdio", "--attach-after", "1s"])
        // Held open: end of input would stop the module.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("bc20 runs");
    let mut stdout = child.stdout.take().unwrap();
    let mut sim = Sim {
        status: mpsc::channel().1,
        child,
    };
    let (tx, chunks) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send((Instant::now(), buf[..n].to_vec())).is_err() {
                return;
            }
        }
    });
    // A real BC20 attaches within seconds; 10 s is far beyond 1 s even on a loaded machine.
    let within = Duration::from_secs(10);
    let mut got = Vec::new();
    let arrived = loop {
        let left = (started + within).saturating_duration_since(Instant::now());
        match chunks.recv_timeout(left) {
            Ok((at, chunk)) => {
                got.extend_from_slice(&chunk);
                if got.windows(5).any(|w| w == b"+IP: ") {
                    break at;
                }
            }
            Err(e) => panic!("no +IP ({e:?}); got {:?}", String::from_utf8_lossy(&got)),
        }
    };
    // Only bounds that hold on a loaded machine: the module's clock starts after the process
    // does, so the URC cannot come before 1 s of it (200 ms of slack for rounding anyway).
    let after = arrived - started;
    assert!(after >= Duration::from_millis(800), "+IP after {after:?}");
    assert!(after <= within, "+IP after {after:?}");
    assert!(
        String::from_utf8_lossy(&got).contains("+IP: 10.0.0.1\r\n"),
        "{got:?}"
    );
    drop(sim.child.stdin.take());
    assert_eq!(sim.exit_code(), Some(0), "end of input stops it");
}

/// Sends `input` to `bc20 sim --stdio <args>` and collects its output until `finals` final
/// result codes have arrived (10 s at most).
fn sim_answers(args: &[&str], input: &[u8], finals: usize) -> String {
    let mut child = bc20()
        .args(["sim", "--stdio"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("bc20 runs");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let sim = Sim {
        status: mpsc::channel().1,
        child,
    };
    let (tx, chunks) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                return;
            }
        }
    });
    stdin.write_all(input).unwrap();
    stdin.flush().unwrap();
    let until = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    let count = |got: &[u8]| {
        String::from_utf8_lossy(got)
            .split("\r\n")
            .filter(|l| *l == "OK" || *l == "ERROR" || l.starts_with("+CME ERROR:"))
            .count()
    };
    while count(&got) < finals {
        let left = until.saturating_duration_since(Instant::now());
        match chunks.recv_timeout(left) {
            Ok(chunk) => got.extend_from_slice(&chunk),
            Err(e) => panic!("{e:?}; got {:?}", String::from_utf8_lossy(&got)),
        }
    }
    drop(stdin);
    drop(sim);
    String::from_utf8_lossy(&got).into_owned()
}

#[test]
fn sim_lenient_answers_commands_with_trailing_blanks_and_refuses_other_publish_forms() {
    // Issue 10 A and B (D46, D48): every command form takes trailing blanks leniently; the
    // BG95 length form and an unquoted client ID are refused, never published or connected.
    let input = b"AT \rAT+CSQ \rAT+QMTCONN? \rAT+QMTCFG=\"keepalive\",0 \r\
AT+QMTPUB=0,0,0,0,\"t\",5\rAT+QMTCONN=0,0\rAT+QMTOPEN=0,broker,1883 \r";
    let got = sim_answers(&["--lenient", "--echo-off"], input, 7);
    let finals: Vec<&str> = got
        .split("\r\n")
        .filter(|l| *l == "OK" || *l == "ERROR" || l.starts_with("+CME ERROR:"))
        .collect();
    assert_eq!(
        finals,
        [
            "OK",
            "OK",
            "OK",
            "OK",
            "+CME ERROR: 50",
            "+CME ERROR: 50",
            "OK"
        ],
        "{got:?}"
    );
    assert!(got.contains("+CSQ: "), "{got:?}");
    assert!(got.contains("+QMTCFG: \"keepalive\",120"), "{got:?}");

    // Strict: the same blanks are refused (ERROR for a blank after the name, D6).
    let got = sim_answers(&["--echo-off"], b"AT \rAT+QMTCFG=\"keepalive\",0 \r", 2);
    assert!(!got.contains("OK"), "{got:?}");
}
