//! The serial code path against simulated modules on PTYs at real time, behind a symlink that
//! plays the part of a USB adapter's stable `/dev/serial/by-id/` name: reset hooks, a device
//! that comes back late, a hook that hangs, a port that disappears mid-run.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bc20_conform::link::{LinkError, ModuleLink, SerialLink, SerialOptions};
use bc20_conform::parse_script;
use bc20_conform::runner::RunIds;
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
    let r = run_script(&script, &mut link, None, &cfg, &mut NullSink, &test_ids());
    assert_eq!(
        r.verdict,
        Verdict::Pass,
        "{:?}\n{:#?}",
        r.failures,
        r.transcript
    );
    let texts: Vec<&str> = r.transcript.iter().map(|e| e.text.as_str()).collect();
    assert!(texts.iter().any(|t| t.contains("module-b")), "{texts:?}");
    assert!(
        texts.iter().any(|t| t.contains("power cycled")),
        "{texts:?}"
    );
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
    // The module is still there: the port is open again for the next script.
    assert!(ask(&mut link, "ATI", "OK").contains("module-a"));
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
        proxies: Vec::new(),
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

fn hardware() -> RunConfig {
    RunConfig {
        hardware: true,
        known_state: true,
        attach_timeout: Duration::from_secs(5),
        ..RunConfig::default()
    }
}

#[test]
fn the_known_state_undoes_what_an_earlier_script_left_behind() {
    let dir = scratch("known");
    let broker = bc20_conform::testbed::embedded_broker().unwrap();
    let config = SimConfig {
        modem: ModemConfig::default(),
        route: Route::Fixed(broker),
        transport: Transport::Pty,
        time_scale: 1.0,
    };
    let _sim = Simulator::spawn(config).unwrap();
    let Endpoint::Pty(pts) = _sim.endpoint().clone() else {
        panic!()
    };
    let tty = dir.join("tty");
    symlink(&pts, &tty).unwrap();
    let mut link = SerialLink::open(options(&tty)).unwrap();
    // An interrupted script: echo on, a slot open, settings changed, a Will set.
    ask(&mut link, "ATE1", "OK");
    ask(&mut link, "AT+QMTOPEN=3,\"broker\",1883", "+QMTOPEN: 3,0");
    ask(&mut link, "AT+QMTCFG=\"keepalive\",3,3600", "OK");
    ask(&mut link, "AT+QMTCFG=\"timeout\",5,1,0,1", "OK");
    ask(&mut link, "AT+QMTCFG=\"will\",0,1,1,0,\"t\",\"m\"", "OK");
    let script = parse_script(
        "clean.bc20",
        "send AT+QMTOPEN?\nexpect OK\nsend AT+QMTCFG=\"keepalive\",3\nexpect +QMTCFG: \"keepalive\",120\nexpect OK\n\
         send AT+QMTCFG=\"timeout\",5\nexpect +QMTCFG: \"timeout\",10,3,0\nexpect OK\n\
         send AT+QMTCFG=\"will\",0\nexpect +QMTCFG: \"will\",0\nexpect OK\n",
    )
    .unwrap();
    let r = run_script(
        &script,
        &mut link,
        None,
        &hardware(),
        &mut NullSink,
        &test_ids(),
    );
    assert_eq!(
        r.verdict,
        Verdict::Pass,
        "{:?}\n{:#?}",
        r.failures,
        r.transcript
    );
    assert!(r
        .transcript
        .iter()
        .any(|e| e.text == "AT+QMTCLOSE=3" && e.note.as_deref() == Some("known state")));
}

#[test]
fn aliauth_left_set_is_cleared_by_the_reset_hook_or_makes_connecting_scripts_error() {
    let dir = scratch("aliauth");
    let (_a, pts_a) = module("module-a", Duration::ZERO);
    let (_b, pts_b) = module("module-b", Duration::ZERO);
    let tty = dir.join("tty");
    symlink(&pts_a, &tty).unwrap();
    let mut raw = SerialLink::open(options(&tty)).unwrap();
    ask(
        &mut raw,
        "AT+QMTCFG=\"aliauth\",2,\"pk\",\"dn\",\"secret\"",
        "OK",
    );
    drop(raw);
    let script = parse_script(
        "conn.bc20",
        "send ATI\nexpect-eventually OK\nteardown:\nsend AT+QMTCONN=2,\"c\"\n",
    )
    .unwrap();
    // Without a hook: the script is ERROR, not FAIL, and says why.
    let mut link = SerialLink::open(options(&tty)).unwrap();
    let r = run_script(
        &script,
        &mut link,
        None,
        &hardware(),
        &mut NullSink,
        &test_ids(),
    );
    assert_eq!(r.verdict, Verdict::Error);
    assert!(
        r.failures[0]
            .message
            .contains("module not in a known state")
            && r.failures[0].message.contains("AliAuth"),
        "{:?}",
        r.failures
    );
    drop(link);
    // With a hook (a power cycle that brings up a clean module): reset, then run.
    let hook = format!(
        "ln -sfn '{b}' '{tty}'",
        b = pts_b.display(),
        tty = tty.display()
    );
    let mut link = SerialLink::open(SerialOptions {
        reset_cmd: Some(hook),
        ..options(&tty)
    })
    .unwrap();
    let r = run_script(
        &script,
        &mut link,
        None,
        &hardware(),
        &mut NullSink,
        &test_ids(),
    );
    assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.failures);
    let texts: Vec<&str> = r.transcript.iter().map(|e| e.text.as_str()).collect();
    assert!(texts.iter().any(|t| t.contains("module-b")), "{texts:?}");
}

fn suite_opts() -> SuiteOptions<'static> {
    SuiteOptions {
        config: RunConfig {
            grace: Duration::from_millis(300),
            ..RunConfig::default()
        },
        jobs: 1,
        reports: None,
        progress: &Quiet,
        retry_failed: 0,
        certification: Default::default(),
        order: None,
    }
}

#[test]
fn a_module_that_does_not_answer_stops_the_run_with_one_error() {
    // A PTY nobody answers on: an unpowered module, or the wrong baud rate.
    let pty = nix::pty::openpty(None, None).unwrap();
    let path = nix::unistd::ttyname(&pty.slave).unwrap();
    let scripts: Vec<_> = (1..=3)
        .map(|i| parse_script(&format!("s{i}.bc20"), "send AT\nexpect OK\n").unwrap())
        .collect();
    let bed = SerialBed {
        ports: vec![options(&path)],
        broker: None,
        module_broker: None,
        proxies: Vec::new(),
    };
    let started = Instant::now();
    let report = run_suite(&scripts, &bed, &suite_opts());
    assert!(started.elapsed() < Duration::from_secs(30));
    let verdicts: Vec<Verdict> = report.scripts.iter().map(|s| s.verdict).collect();
    assert_eq!(
        verdicts,
        [Verdict::Error, Verdict::NotRun, Verdict::NotRun],
        "{:?}",
        report.interrupted
    );
    assert!(
        report.scripts[0].duration_ms > 1000.0,
        "the wait is counted"
    );
    assert!(!report.complete);
    assert!(report
        .interrupted
        .as_deref()
        .is_some_and(|w| w.contains("does not answer")));
    drop(pty);
}

#[test]
fn a_device_that_does_not_come_back_after_a_reset_stops_the_run() {
    let dir = scratch("gone");
    let (_a, pts) = module("module-a", Duration::ZERO);
    let tty = dir.join("tty");
    symlink(&pts, &tty).unwrap();
    let scripts: Vec<_> = (1..=3)
        .map(|i| parse_script(&format!("s{i}.bc20"), "send AT\nexpect OK\n").unwrap())
        .collect();
    let bed = SerialBed {
        ports: vec![SerialOptions {
            reset_cmd: Some(format!("rm -f '{}'", tty.display())),
            reopen_timeout: Duration::from_secs(1),
            ..options(&tty)
        }],
        broker: None,
        module_broker: None,
        proxies: Vec::new(),
    };
    let mut opts = suite_opts();
    opts.config.reset_before = true;
    let started = Instant::now();
    let report = run_suite(&scripts, &bed, &opts);
    assert!(started.elapsed() < Duration::from_secs(30));
    let verdicts: Vec<Verdict> = report.scripts.iter().map(|s| s.verdict).collect();
    assert_eq!(verdicts, [Verdict::Error, Verdict::NotRun, Verdict::NotRun]);
    let why = report.interrupted.clone().unwrap_or_default();
    assert!(why.contains("lost") && why.contains("reset"), "{why}");
}

/// Fixed run ids, so assertions can name them.
fn test_ids() -> RunIds {
    RunIds {
        uid: "u".to_owned(),
        cid: "0000c1d1".to_owned(),
    }
}
