//! `bc20 sim`: the command-line front of bc20-sim's shells ([`bc20_sim::shell`]): clap
//! arguments, the files it keeps for other programs and its signal handling; the simulator
//! itself is the library's.
//!
//! It prints one `key value` line per fact, on stdout (stderr with `--stdio`, whose stdout is
//! the serial line), and `ready` once every module can be opened:
//!
//! ```text
//! broker 127.0.0.1:40211 embedded
//! control 127.0.0.1:40212
//! module 0 /dev/pts/7
//! link 0 /tmp/bc20/tty
//! module 1 /dev/pts/8
//! link 1 /tmp/bc20/tty.1
//! ready
//! ```
//!
//! - `broker ADDR embedded|external` or `broker direct`: where AT+QMTOPEN connects.
//! - `control ADDR`: the fault-injection control channel (a fault's text per line, as a
//!   conformance script's `fault` step writes it).
//! - `module I ENDPOINT`: where the host reaches module I (`/dev/pts/N`, `tcp://ADDR`, `stdio`).
//! - `link I PATH` (with `--pty-link`): a symlink to module I's PTY that outlives restarts of the
//!   simulator (see [`SimArgs::pty_link`]).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use bc20_grammar::Mode;

use bc20_sim::config::{AliAuthMode, ModemConfig, MqttVersion, TestStyle};
use bc20_sim::quirks::{Quirk, Quirks};
use bc20_sim::shell::{
    parse_broker, ControlServer, EmbeddedBroker, Endpoint, Route, SimConfig, SimError, SimHandle,
    Simulator, Transport, MAX_TIME_SCALE, MIN_TIME_SCALE,
};

mod owned_files;

use owned_files::{link_path, OwnedFiles};

/// Arguments of `bc20 sim`.
#[derive(Debug, Clone, clap::Args)]
#[command(
    after_help = "Exit status: 0 stopped normally, 1 could not start or failed, 2 bad arguments; \
with --pty-link or --pid-file, 128+N after signal N (143 SIGTERM, 130 SIGINT, 129 SIGHUP).\n\
Control channel: connect to the printed address and type a fault as a script writes it \
(`drop-link 0`, `black-hole 0 up 5s`, `clear`) or `help` (see conformance/README.md, Fault steps)."
)]
pub struct SimArgs {
    /// Serve each module on a pseudo-terminal and print its path (the default).
    #[arg(long, conflicts_with_all = ["tcp", "stdio"])]
    pub pty: bool,
    /// Serve module i on TCP at ADDR's port + i (127.0.0.1:0 picks free ports).
    #[arg(long, value_name = "ADDR", conflicts_with = "stdio")]
    pub tcp: Option<SocketAddr>,
    /// Talk to one module over stdin/stdout (status lines go to stderr).
    #[arg(long)]
    pub stdio: bool,
    /// How many simulated modules to run.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub count: u16,
    /// Use this broker (mqtt://host:port) instead of the embedded one.
    #[arg(long, value_name = "URL")]
    pub broker: Option<String>,
    /// Connect where AT+QMTOPEN says instead of to the broker.
    #[arg(long)]
    pub direct: bool,
    /// Address of the fault-injection control channel (loopback only).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub control: SocketAddr,
    /// Turn a firmware quirk on (repeatable; see --list-quirks).
    #[arg(long = "quirk", value_name = "NAME")]
    pub quirks: Vec<Quirk>,
    /// Print the quirk names, one per line, and exit.
    #[arg(long)]
    pub list_quirks: bool,
    /// Virtual seconds per real second (10: a 10 s pkt_timeout takes 1 s).
    #[arg(long, default_value_t = 1.0, value_name = "FACTOR")]
    pub time_scale: f64,
    /// Boot with echo off (the default is on, as a BC20 boots).
    #[arg(long)]
    pub echo_off: bool,
    /// AT+CMEE mode at boot: 0 ERROR, 1 numeric, 2 verbose.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=2))]
    pub cmee: u8,
    /// Accept host commands leniently (lower case, typographic quotes, ...).
    #[arg(long)]
    pub lenient: bool,
    /// MQTT 3.1 (MQIsdp) instead of 3.1.1 in CONNECT.
    #[arg(long)]
    pub mqtt31: bool,
    /// Answer test commands with chapter 6's texts instead of ranges.
    #[arg(long)]
    pub chapter6_tests: bool,
    /// Store AT+QMTCFG="aliauth" values without deriving AliCloud credentials (D21; by
    /// default they are signed as AliCloud's MQTT scheme does).
    #[arg(long)]
    pub aliauth_store_only: bool,
    /// Revision reported by ATI and AT+CGMR.
    #[arg(long, default_value = "bc20kit-sim")]
    pub revision: String,
    /// Stop after this many real seconds (for scripts and CI).
    #[arg(long, value_name = "SECONDS")]
    pub exit_after: Option<f64>,
    /// Make PATH a symlink to module 0's PTY (PATH.I for module I >= 1), replacing a stale
    /// symlink there; removed on exit if it still points to our PTY. A stable name that
    /// survives restarts of the simulator, as /dev/serial/by-id/ names survive a USB adapter's.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["tcp", "stdio"])]
    pub pty_link: Option<PathBuf>,
    /// Write the process id to PATH (removed on exit if still ours), for a reset hook's
    /// `kill "$(cat PATH)"`.
    #[arg(long, value_name = "PATH")]
    pub pid_file: Option<PathBuf>,
    /// Time from boot until the module attaches and prints `+IP: <addr>` (e.g. 2s, 500ms; module
    /// time, so --time-scale shortens it). A real BC20 attaches seconds after boot.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    pub attach_after: Duration,
}

/// `2s`, `500ms`, `1m 30s` (humantime's syntax), for clap.
fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e} (write e.g. 2s or 500ms)"))
}

/// Runs `bc20 sim`; the status is one of [`bc20_exit`]'s codes.
pub fn run(args: SimArgs) -> ExitCode {
    if args.list_quirks {
        for q in Quirk::ALL {
            outln!("{}", q.name());
        }
        return ExitCode::from(bc20_exit::OK);
    }
    match start(&args) {
        Ok(()) => ExitCode::from(bc20_exit::OK),
        Err(SimError::Config(msg)) => {
            errln!("error: {msg}");
            ExitCode::from(bc20_exit::USAGE)
        }
        Err(e) => {
            errln!("error: bc20 sim: {e}");
            ExitCode::from(bc20_exit::FAILED)
        }
    }
}

fn start(args: &SimArgs) -> Result<(), SimError> {
    if args.stdio && args.count != 1 {
        return Err(SimError::Config(
            "--stdio serves exactly one module (--count 1)".into(),
        ));
    }
    if !(MIN_TIME_SCALE..=MAX_TIME_SCALE).contains(&args.time_scale) {
        return Err(SimError::Config(format!(
            "--time-scale must be in {MIN_TIME_SCALE}..={MAX_TIME_SCALE}"
        )));
    }
    if !args.control.ip().is_loopback() {
        return Err(SimError::Config(format!(
            "--control must be a loopback address, not {}",
            args.control
        )));
    }
    if args
        .exit_after
        .is_some_and(|s| !(s.is_finite() && s >= 0.0))
    {
        return Err(SimError::Config(
            "--exit-after must be a non-negative number of seconds".into(),
        ));
    }
    if args.pty_link.is_some() && (args.tcp.is_some() || args.stdio) {
        return Err(SimError::Config(
            "--pty-link needs the PTY transport (not --tcp or --stdio)".into(),
        ));
    }
    // Declared before the modules, so their files go only after the modules stopped on an
    // error path; a normal end removes them explicitly first.
    let mut owned = OwnedFiles::new();
    if args.pty_link.is_some() || args.pid_file.is_some() {
        // Before any file exists, so no signal can leave one behind.
        owned.remove_on_signals()?;
    }
    if let Some(path) = &args.pid_file {
        owned.pid_file(path)?;
    }
    let modem = modem_config(args);
    let mut status: Box<dyn Write> = if args.stdio {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::stdout())
    };
    let route = match (&args.broker, args.direct) {
        (Some(_), true) => {
            return Err(SimError::Config(
                "--broker and --direct exclude each other".into(),
            ))
        }
        (_, true) => {
            writeln!(status, "broker direct")?;
            Route::Direct
        }
        (Some(url), false) => {
            let addr = parse_broker(url)?;
            writeln!(status, "broker {addr} external")?;
            Route::Fixed(addr)
        }
        (None, false) => {
            let broker = EmbeddedBroker::start()?;
            writeln!(status, "broker {} embedded", broker.addr())?;
            Route::Fixed(broker.addr())
        }
    };
    let mut handles: Vec<SimHandle> = Vec::new();
    for i in 0..args.count {
        let transport = match (args.tcp, args.stdio) {
            (_, true) => Transport::Stdio,
            (Some(addr), _) => {
                let port = if addr.port() == 0 {
                    0
                } else {
                    addr.port().saturating_add(i)
                };
                Transport::Tcp(SocketAddr::new(addr.ip(), port))
            }
            (None, false) => Transport::Pty,
        };
        let config = SimConfig {
            modem: modem.clone(),
            route: route.clone(),
            transport,
            time_scale: args.time_scale,
        };
        handles.push(Simulator::spawn(config)?);
    }
    let refs: Vec<&SimHandle> = handles.iter().collect();
    let control = ControlServer::start(args.control, &refs)?;
    writeln!(status, "control {}", control.addr())?;
    for (i, h) in handles.iter().enumerate() {
        writeln!(status, "module {i} {}", h.endpoint())?;
        if let (Some(base), Endpoint::Pty(slave)) = (&args.pty_link, h.endpoint()) {
            let path = link_path(base, i);
            owned.link(&path, slave)?;
            writeln!(status, "link {i} {}", path.display())?;
        }
    }
    writeln!(status, "ready")?;
    status.flush()?;
    match (args.exit_after, args.stdio) {
        (Some(secs), _) if secs.is_finite() && secs >= 0.0 => {
            let deadline = std::time::Instant::now() + Duration::from_secs_f64(secs);
            // Keep every handle alive until the deadline: dropping one shuts its module down.
            if args.stdio {
                if let Some(h) = handles.pop() {
                    h.wait_until(deadline);
                }
            } else {
                std::thread::sleep(deadline.saturating_duration_since(std::time::Instant::now()));
            }
        }
        (Some(secs), _) => {
            return Err(SimError::Config(format!(
                "--exit-after must be a non-negative number, not {secs}"
            )))
        }
        (None, true) => {
            if let Some(h) = handles.pop() {
                h.wait_until(std::time::Instant::now() + Duration::from_secs(u64::from(u32::MAX)));
            }
        }
        (None, false) => loop {
            std::thread::park();
        },
    }
    // The links go before the modules stop, so no host opens a PTY that is going away.
    drop(owned);
    Ok(())
}

fn modem_config(args: &SimArgs) -> ModemConfig {
    ModemConfig {
        mode: if args.lenient {
            Mode::Lenient
        } else {
            Mode::Strict
        },
        echo: !args.echo_off,
        cmee: args.cmee,
        revision: args.revision.clone(),
        mqtt_version: if args.mqtt31 {
            MqttVersion::V31
        } else {
            MqttVersion::V311
        },
        test_style: if args.chapter6_tests {
            TestStyle::Chapter6
        } else {
            TestStyle::Ranges
        },
        aliauth: if args.aliauth_store_only {
            AliAuthMode::StoreOnly
        } else {
            AliAuthMode::Sign
        },
        quirks: args.quirks.iter().copied().collect::<Quirks>(),
        attach_after: Some(args.attach_after),
        ..ModemConfig::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_parse() {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            sim: SimArgs,
        }
        let cli = Cli::try_parse_from([
            "sim",
            "--count",
            "3",
            "--quirk",
            "no-echo-off",
            "--quirk",
            "wrong-ret-code",
            "--time-scale",
            "10",
        ])
        .unwrap();
        assert_eq!(cli.sim.count, 3);
        assert_eq!(cli.sim.quirks, [Quirk::NoEchoOff, Quirk::WrongRetCode]);
        let config = modem_config(&cli.sim);
        assert!(config.quirks.has(Quirk::WrongRetCode));
        assert!(Cli::try_parse_from(["sim", "--quirk", "nope"]).is_err());
        assert!(Cli::try_parse_from(["sim", "--pty", "--stdio"]).is_err());
        assert!(Cli::try_parse_from(["sim", "--cmee", "3"]).is_err());
    }

    #[derive(clap::Parser)]
    struct Sim {
        #[command(flatten)]
        sim: SimArgs,
    }

    fn parse(argv: &[&str]) -> Result<SimArgs, clap::Error> {
        use clap::Parser;
        Sim::try_parse_from(std::iter::once("sim").chain(argv.iter().copied())).map(|c| c.sim)
    }

    #[test]
    fn attach_after_defaults_to_at_once_and_takes_humantime_durations() {
        assert_eq!(
            modem_config(&parse(&[]).unwrap()).attach_after,
            Some(Duration::ZERO)
        );
        let args = parse(&["--attach-after", "500ms"]).unwrap();
        assert_eq!(
            modem_config(&args).attach_after,
            Some(Duration::from_millis(500))
        );
        let args = parse(&["--attach-after", "2s"]).unwrap();
        assert_eq!(args.attach_after, Duration::from_secs(2));
        assert!(parse(&["--attach-after", "2"]).is_err());
        assert!(parse(&["--attach-after", "soon"]).is_err());
    }

    #[test]
    fn pty_link_conflicts_with_tcp_and_stdio() {
        let args = parse(&["--pty-link", "/tmp/tty", "--pid-file", "/tmp/pid"]).unwrap();
        assert_eq!(
            args.pty_link.as_deref(),
            Some(std::path::Path::new("/tmp/tty"))
        );
        assert_eq!(
            args.pid_file.as_deref(),
            Some(std::path::Path::new("/tmp/pid"))
        );
        assert!(parse(&["--pty", "--pty-link", "/tmp/tty"]).is_ok());
        for other in [&["--tcp", "127.0.0.1:0"][..], &["--stdio"][..]] {
            let mut argv = vec!["--pty-link", "/tmp/tty"];
            argv.extend_from_slice(other);
            let err = parse(&argv).expect_err("a usage error");
            assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
            assert_eq!(err.exit_code(), i32::from(bc20_exit::USAGE));
        }
        assert!(parse(&["--stdio", "--pid-file", "/tmp/pid"]).is_ok());
    }

    #[test]
    fn pty_link_without_the_pty_transport_is_a_usage_error_when_built_directly() {
        // `run` may get arguments that did not come through clap's conflict checks.
        let mut args = parse(&["--tcp", "127.0.0.1:0", "--exit-after", "0"]).unwrap();
        args.pty_link = Some("/nonexistent/bc20-tty".into());
        assert_eq!(
            format!("{:?}", run(args)),
            format!("{:?}", ExitCode::from(bc20_exit::USAGE))
        );
    }

    // Through `run`, in-process (formerly bc20-sim/tests/cli.rs).

    fn parse_ok(argv: &[&str]) -> SimArgs {
        parse(argv).expect("arguments parse")
    }

    fn code(c: std::process::ExitCode) -> String {
        format!("{c:?}")
    }

    #[test]
    fn list_quirks_exits_0() {
        assert_eq!(
            code(run(parse_ok(&["--list-quirks"]))),
            code(std::process::ExitCode::from(0))
        );
    }

    #[test]
    fn usage_errors_exit_2_in_process() {
        assert_eq!(
            code(run(parse_ok(&["--stdio", "--count", "2"]))),
            code(std::process::ExitCode::from(2))
        );
        assert_eq!(
            code(run(parse_ok(&["--broker", "mqtt://"]))),
            code(std::process::ExitCode::from(2))
        );
        assert_eq!(
            code(run(parse_ok(&["--time-scale", "0", "--exit-after", "0"]))),
            code(std::process::ExitCode::from(2))
        );
        assert_eq!(
            code(run(parse_ok(&[
                "--control",
                "0.0.0.0:0",
                "--exit-after",
                "0"
            ]))),
            code(std::process::ExitCode::from(2))
        );
        assert!(parse(&["--count", "0"]).is_err());
    }

    #[test]
    fn tcp_modules_run_for_the_given_time() {
        let start = std::time::Instant::now();
        let c = run(parse_ok(&[
            "--tcp",
            "127.0.0.1:0",
            "--count",
            "2",
            "--exit-after",
            "0.3",
            "--quirk",
            "lowercase-keywords",
        ]));
        assert_eq!(code(c), code(std::process::ExitCode::from(0)));
        assert!(start.elapsed() >= Duration::from_millis(300));
    }
}
