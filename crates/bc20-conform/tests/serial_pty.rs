//! The serial code path against simulated modules on PTYs at real time, behind a symlink that
//! plays the part of a USB adapter's stable `/dev/serial/by-id/` name: reset hooks, a device
//! that comes back late, a hook that hangs, a port that disappears mid-run.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bc20_conform::link::{LinkError, ModuleLink, SerialLink, SerialOptions};
use bc20_conform::parse_script;
use bc20_conform::runner::{run_script, RunConfig, Verdict};
use bc20_conform::suite::{run_suite, Quiet, SuiteOptions};
use bc20_conform::testbed::SerialBed;
use bc20_conform::transcript::NullSink;
use bc20_sim::shell::{Endpoint, Route, SimConfig, SimHandle, Simulator, Transport};
use bc20_sim::ModemConfig;

/// A simulated module on a PTY at real time; `revision` tells modules apart.
fn module(revision: &str, attach_after: Duration) -> (SimHandle, PathBuf) {
    let config = SimConfig {
        modem: ModemConfig {
            revision: revision.to_owned(),
            attach_after: Some(attach_after),
            ..ModemConfig::default()
        },
        // No script here opens an MQTT connection.
        route: Route::Fixed("127.0.0.1:9".parse().unwrap()),
        transport: Transport::Pty,
        time_scale: 1.0,
    };
    let h = Simulator::spawn(config).expect("simulator on a PTY");
    let Endpoint::Pty(path) = h.endpoint().clone() else {
        panic!("not a PTY")
    };
    (h, path)
}

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("serial-pty")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn options(link: &Path) -> SerialOptions {
    SerialOptions {
        reset_wait: Duration::from_millis(300),
        reopen_timeout: Duration::from_secs(5),
        ..SerialOptions::new(link.display().to_string())
    }
}

/// Sends `cmd` and reads until `want` arrives (or 5 s pass); returns what arrived.
fn ask(link: &mut dyn ModuleLink, cmd: &str, want: &str) -> String {
    link.write(format!("{cmd}\r").as_bytes()).unwrap();
    let deadline = link.now() + Duration::from_secs(5);
    let mut buf = Vec::new();
    while link.now() < deadline && !String::from_utf8_lossy(&buf).contains(want) {
        link.read(deadline, &mut buf).unwrap();
    }
    String::from_utf8_lossy(&buf).into_owned()
}

#[test]
fn a_reset_closes_the_port_before_the_hook_and_reopens_the_same_path() {
    // Ports are opened exclusive: reopening before closing failed every time with "Unable to
    // acquire exclusive lock on serial port".
    let dir = scratch("reopen");
    let (_a, pts) = module("module-a", Duration::ZERO);
    let tty = dir.join("tty");
    symlink(&pts, &tty).unwrap();
    let mut link = SerialLink::open(SerialOptions {
        reset_cmd: Some("true".to_owned()),
        ..options(&tty)
    })
    .unwrap();
    assert!(ask(&mut link, "ATI", "OK").contains("module-a"));
    let reset = link.reset().expect("reset");
    assert_eq!(reset.settle, Duration::from_millis(300));
    assert!(ask(&mut link, "ATI", "OK").contains("module-a"));
}

#[test]
fn a_device_that_comes_back_late_is_reopened_and_its_boot_lines_are_recorded() {
    // The hook power-cycles the board: the adapter's name disappears and comes back a second
    // later, pointing at a module that prints +IP: 1.5 s after boot.
    let dir = scratch("late");
    let (_a, pts_a) = module("module-a", Duration::ZERO);
    let (_b, pts_b) = module("module-b", Duration::from_millis(1500));
    let tty = dir.join("tty");
    symlink(&pts_a, &tty).unwrap();
    let hook = format!(
        "rm -f '{tty}'; (sleep 1; ln -s '{b}' '{tty}') >/dev/null 2>&1 & echo power cycled",
        tty = tty.display(),
        b = pts_b.display()
    );
    let mut link = SerialLink::open(SerialOptions {
        reset_cmd: Some(hook),
        reset_wait: Duration::from_secs(3),
        ..options(&tty)
    })
    .unwrap();
    let script = parse_script(
        "boot.bc20",
        "prologue off\nreset\nexpect within 5s +IP: $addr\nsend ATI\nexpect-eventually OK\n",
    )
    .unwrap();
    let cfg = RunConfig {
        hardware: true,
        ..RunConfig::default()
    };
    let r = run_script(&script, &mut link, None, &cfg, &mut NullSink, "u");
    assert_eq!(r.verdict, Verdict::Pass, "{:?}\n{:#?}", r.failures, r.transcript);
    let texts: Vec<&str> = r.transcript.iter().map(|e| e.text.as_str()).collect();
    assert!(texts.iter().any(|t| t.contains("module-b")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("power cycled")), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("+IP: ")), "{texts:?}");
}

#[test]
fn a_reset_hook_that_hangs_is_killed_at_its_timeout() {
    let dir = scratch("hang");
    let (_a, pts) = module("module-a", Duration::ZERO);
    let tty = dir.join("tty");
    symlink(&pts, &tty).unwrap();
    let mut link = SerialLink::open(SerialOptions {
        reset_cmd: Some("sleep 100".to_owned()),
        reset_timeout: Duration::from_millis(500),
        ..options(&tty)
    })
    .unwrap();
    let started = Instant::now();
    let err = link.reset().unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        matches!(&err, LinkError::Reset(m) if m.contains("did not finish")),
        "{err}"
    );
}

#[test]
fn a_port_that_disappears_mid_run_stops_the_run_with_one_error_naming_it() {
    let dir = scratch("lost");
    let (a, pts) = module("module-a", Duration::ZERO);
    let tty = dir.join("tty");
    symlink(&pts, &tty).unwrap();
    let text = "send AT\nexpect OK\nwait 2s\nsend AT\nexpect OK\n";
    let scripts: Vec<_> = (1..=4)
        .map(|i| parse_script(&format!("s{i}.bc20"), text).unwrap())
        .collect();
    let bed = SerialBed {
        ports: vec![SerialOptions {
            reopen_timeout: Duration::from_secs(1),
            ..options(&tty)
        }],
        broker: None,
        module_broker: None,
    };
    let opts = SuiteOptions {
        config: RunConfig {
            grace: Duration::from_millis(300),
            ..RunConfig::default()
        },
        jobs: 1,
        reports: None,
        progress: &Quiet,
        retry_failed: 2,
        certification: Default::default(),
        order: None,
    };
    // The cable is pulled during the first script's wait.
    let puller = std::thread::spawn({
        let tty = tty.clone();
        move || {
            std::thread::sleep(Duration::from_millis(2500));
            std::fs::remove_file(&tty).unwrap();
            a.shutdown();
        }
    });
    let started = Instant::now();
    let report = run_suite(&scripts, &bed, &opts);
    puller.join().unwrap();
    assert!(started.elapsed() < Duration::from_secs(60));
    let verdicts: Vec<Verdict> = report.scripts.iter().map(|s| s.verdict).collect();
    let errors = verdicts.iter().filter(|v| **v == Verdict::Error).count();
    let not_run = verdicts.iter().filter(|v| **v == Verdict::NotRun).count();
    assert_eq!(errors, 1, "{verdicts:?}");
    assert!(not_run >= 2, "{verdicts:?}");
    assert_eq!(errors + not_run + report.summary.passed, 4, "{verdicts:?}");
    let why = report.interrupted.as_deref().unwrap_or_default();
    assert!(why.contains(&tty.display().to_string()), "{why}");
    assert!(!report.complete);
    let failed = report
        .scripts
        .iter()
        .find(|s| s.verdict == Verdict::Error)
        .unwrap();
    assert_eq!(failed.tries(), 1, "a lost port is not retried");
}
