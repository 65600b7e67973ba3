//! A private mosquitto broker on a free loopback port: what the integration tests of the
//! simulator, the client, the conformance runner and the `bc20` binary run against besides the
//! embedded broker.
//!
//! Policy ([`crate::require`]): `cargo test --workspace` passes on a machine with only Rust, so
//! a missing mosquitto skips those tests with a visible notice; CI installs mosquitto and sets
//! `BC20_REQUIRE_MOSQUITTO=1`, so there a missing mosquitto fails them instead of skipping.

use std::ffi::OsStr;
use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::free_port;
use crate::require::{is_required, notice};

/// What to say when mosquitto is missing: how to install it.
const INSTALL: &str = "install it with apt-get install mosquitto";

/// The environment variable that turns a missing mosquitto from a skip into a failure (CI sets
/// it after installing mosquitto, so the mosquitto tests cannot pass by not running).
pub const REQUIRE_MOSQUITTO_ENV: &str = "BC20_REQUIRE_MOSQUITTO";

/// Finds mosquitto on PATH or in /usr/sbin (where Debian installs it), for a test or tool that
/// runs `what` against it.
///
/// `Ok(None)` when it is missing, after printing a notice to stderr that `what` is skipped, so
/// `cargo test` passes on a machine with only Rust; the caller skips.
///
/// # Errors
///
/// An error naming [`REQUIRE_MOSQUITTO_ENV`] when mosquitto is missing and the variable is set
/// (to anything but empty or `0`).
pub fn mosquitto_binary(what: &str) -> io::Result<Option<PathBuf>> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin")])
        .map(|d| d.join("mosquitto"))
        .find(|c| c.is_file());
    let require = std::env::var_os(REQUIRE_MOSQUITTO_ENV);
    let decided = decide_mosquitto(found, require.as_deref())?;
    if decided.is_none() {
        // Through the handle, not eprintln!: the test harness captures (and hides, for a
        // passing test) what the print macros write, and a skip must be visible.
        let _ = writeln!(io::stderr(), "{}", skip_notice(what));
    }
    Ok(decided)
}

/// What [`mosquitto_binary`] decides from where mosquitto was `found` and the value of
/// [`REQUIRE_MOSQUITTO_ENV`] (`require`): the path, `None` to skip, or an error. Pure, so it is
/// tested without changing the process environment under concurrently running tests.
///
/// # Errors
///
/// An error naming [`REQUIRE_MOSQUITTO_ENV`] when `found` is `None` and `require` is set to
/// anything but empty or `0`.
pub fn decide_mosquitto(
    found: Option<PathBuf>,
    require: Option<&OsStr>,
) -> io::Result<Option<PathBuf>> {
    match found {
        Some(p) => Ok(Some(p)),
        None if is_required(require) => Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "mosquitto is not installed but {REQUIRE_MOSQUITTO_ENV} is set: \
                 install it (apt-get install mosquitto)"
            ),
        )),
        None => Ok(None),
    }
}

/// The notice printed when mosquitto is missing and `what` is skipped.
pub fn skip_notice(what: &str) -> String {
    notice("mosquitto", what, INSTALL, REQUIRE_MOSQUITTO_ENV)
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
    ///
    /// # Errors
    ///
    /// When the config cannot be written, the process cannot be spawned, or it does not
    /// listen within 10 s.
    pub fn start(binary: &Path) -> io::Result<Mosquitto> {
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
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("mosquitto did not listen on {addr} within 10 s"),
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(m)
    }

    /// A private mosquitto for the test `what`, or `None` to skip it: [`mosquitto_binary`]
    /// then [`Mosquitto::start`], what every mosquitto test begins with.
    ///
    /// # Panics
    ///
    /// When mosquitto is missing and [`REQUIRE_MOSQUITTO_ENV`] is set, or it does not start.
    pub fn start_or_skip(what: &str) -> Option<Mosquitto> {
        let binary = mosquitto_binary(what).expect("mosquitto")?;
        Some(Mosquitto::start(&binary).expect("mosquitto starts"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_found_mosquitto_is_used_whatever_the_variable_says() {
        let p = PathBuf::from("/usr/sbin/mosquitto");
        for require in [None, Some("1"), Some("0"), Some("")] {
            let got = decide_mosquitto(Some(p.clone()), require.map(OsStr::new)).unwrap();
            assert_eq!(got.as_deref(), Some(p.as_path()), "{require:?}");
        }
    }

    #[test]
    fn a_missing_mosquitto_is_skipped_unless_required() {
        for require in [None, Some("0"), Some("")] {
            assert!(
                decide_mosquitto(None, require.map(OsStr::new))
                    .unwrap()
                    .is_none(),
                "{require:?}"
            );
        }
    }

    #[test]
    fn a_missing_mosquitto_fails_when_required() {
        for require in ["1", "yes", "true"] {
            let err = decide_mosquitto(None, Some(OsStr::new(require))).unwrap_err();
            let text = err.to_string();
            assert!(text.contains(REQUIRE_MOSQUITTO_ENV), "{text}");
            assert!(text.contains("apt-get install mosquitto"), "{text}");
        }
    }

    #[test]
    fn the_skip_notice_names_what_is_skipped_and_how_to_require_it() {
        let text = skip_notice("the chapter 6 session");
        assert!(
            text.starts_with("notice: mosquitto is not installed: SKIPPING the chapter 6 session")
        );
        assert!(text.contains("BC20_REQUIRE_MOSQUITTO=1 makes this a failure"));
    }
}
