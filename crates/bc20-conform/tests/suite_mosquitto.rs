//! The whole suite passes against the simulator connected to mosquitto (a broker of its own
//! on a free loopback port). Without /usr/sbin/mosquitto the test fails, unless
//! BC20_SKIP_MOSQUITTO=1.

mod common;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bc20_sim::Quirks;
use common::{failures, run_on_sim, suite};

const MOSQUITTO: &str = "/usr/sbin/mosquitto";

/// A mosquitto process, killed when dropped.
struct Mosquitto {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_mosquitto() -> Mosquitto {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nuser root\n"),
    )
    .unwrap();
    let child = Command::new(MOSQUITTO)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {MOSQUITTO}: {e}"));
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let m = Mosquitto {
        child,
        addr,
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
        assert!(
            Instant::now() < deadline,
            "mosquitto did not start on {addr}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    m
}

#[test]
fn suite_passes_on_the_simulator_with_mosquitto() {
    if !std::path::Path::new(MOSQUITTO).exists() {
        if std::env::var("BC20_SKIP_MOSQUITTO").as_deref() == Ok("1") {
            eprintln!("skipped: {MOSQUITTO} is missing and BC20_SKIP_MOSQUITTO=1");
            return;
        }
        panic!("{MOSQUITTO} is missing: install mosquitto, or set BC20_SKIP_MOSQUITTO=1");
    }
    let broker = start_mosquitto();
    let report = run_on_sim(&suite(), Some(broker.addr), Quirks::NONE);
    assert!(report.all_passed(), "failed:\n{}", failures(&report));
}
