//! A private mosquitto broker on a free loopback port: what the integration tests of the
//! simulator, the client and the conformance runner run against besides the embedded broker.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::broker::free_port;
use super::SimError;

/// Finds mosquitto on PATH or in /usr/sbin (where Debian installs it).
///
/// `Ok(None)` (after a printed notice) when it is missing and `BC20_SKIP_MOSQUITTO=1`; an error
/// saying how to install it when it is missing otherwise, so a test cannot pass by skipping.
pub fn mosquitto_binary() -> Result<Option<PathBuf>, SimError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin")])
        .map(|d| d.join("mosquitto"))
        .find(|c| c.is_file());
    match found {
        Some(p) => Ok(Some(p)),
        None if std::env::var("BC20_SKIP_MOSQUITTO").as_deref() == Ok("1") => {
            eprintln!("notice: mosquitto is missing; skipped because BC20_SKIP_MOSQUITTO=1");
            Ok(None)
        }
        None => Err(SimError::Broker(
            "mosquitto is missing: install it (apt-get install mosquitto) or set BC20_SKIP_MOSQUITTO=1 to skip".into(),
        )),
    }
}

/// A mosquitto process listening on 127.0.0.1 only, killed (and its config removed) on drop.
#[derive(Debug)]
pub struct Mosquitto {
    child: Child,
    addr: SocketAddr,
    dir: PathBuf,
}

impl Mosquitto {
    /// Starts `binary` on a free loopback port and waits (up to 10 s) until it accepts
    /// connections.
    pub fn start(binary: &Path) -> Result<Mosquitto, SimError> {
        let port = free_port()?;
        let dir =
            std::env::temp_dir().join(format!("bc20-mosquitto-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let conf = dir.join("mosquitto.conf");
        // `user root`: mosquitto otherwise drops to a user that may not exist in a container.
        let text = format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nuser root\n"
        );
        std::fs::write(&conf, text)?;
        let child = Command::new(binary)
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let m = Mosquitto { child, addr, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
            if Instant::now() >= deadline {
                return Err(SimError::Broker(format!(
                    "mosquitto did not listen on {addr} within 10 s"
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(m)
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
