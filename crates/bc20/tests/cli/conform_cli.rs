//! `bc20 conform` as a CI job and a QA engineer use it: usage errors, selection and order,
//! interruption by SIGTERM/SIGINT, and the reports an interrupted or failed run leaves.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::bc20;

pub(crate) fn conformance() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../conformance")
        .display()
        .to_string()
}

pub(crate) fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("conform-cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `bc20 conform ARGS` (bounded to 120 s) and returns (exit code, stderr + stdout).
pub(crate) fn conform(args: &[&str]) -> (Option<i32>, String) {
    let mut child = bc20()
        .arg("conform")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let code = wait(&mut child, Duration::from_secs(120));
    let out = child.wait_with_output().unwrap();
    (
        code,
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        ),
    )
}

fn wait(child: &mut Child, limit: Duration) -> Option<i32> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s.code();
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("bc20 conform did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub(crate) fn report(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

#[test]
fn usage_errors_exit_2_before_anything_runs() {
    let dir = scratch("usage");
    let d = dir.display().to_string();
    for (args, says) in [
        (vec!["--port", "/dev/null"], "--broker"),
        (
            vec![
                "--port",
                "/dev/null",
                "--broker",
                "mqtt://h:1",
                "--baud",
                "0",
            ],
            "--baud",
        ),
        (
            vec!["--sim", "--time-scale", "20"],
            "bc20 sim --pty --time-scale",
        ),
        (
            vec!["--sim", "--virtual", "--broker", "mqtt://h:1"],
            "--broker",
        ),
        (vec!["--sim", "--jobs", "0"], "--jobs"),
        (vec!["--sim", "--seed", "3"], "--seed"),
        (vec!["--sim", "-k", "no-such-script"], "-k"),
        (vec!["--sim", "--time-limit", "0s"], "--time-limit"),
        (
            vec!["--mqtt31"],
            "the embedded broker does not speak MQTT 3.1",
        ),
        (
            vec!["--mqtt31", "--port", "/dev/null", "--broker", "mqtt://h:1"],
            "bc20 sim --mqtt31",
        ),
        (
            vec!["--mqtt31", "--pty", "/dev/null", "--broker", "mqtt://h:1"],
            "bc20 sim --mqtt31",
        ),
        (
            vec![
                "--port",
                "/dev/null",
                "--broker",
                "mqtt://user:hun#ter2@h:1/x",
            ],
            "bad broker URL",
        ),
        (
            vec![
                "--port",
                "/dev/null",
                "--broker",
                "mqtt://ann:hunter2@h:99999",
            ],
            "bad broker URL",
        ),
    ] {
        let suite = conformance();
        let mut all = vec![suite.as_str(), "--report-dir", &d];
        all.extend(args.iter().copied());
        let (code, out) = conform(&all);
        assert_eq!(code, Some(2), "{args:?}: {out}");
        assert!(out.contains(says), "{args:?}: {out}");
        assert!(!out.contains("hunter2"), "a password in an error: {out}");
    }
}

#[test]
fn a_usage_error_touches_nothing_in_the_report_directory() {
    let dir = scratch("untouched");
    let captures = dir.join("transcripts/field-captures");
    std::fs::create_dir_all(&captures).unwrap();
    std::fs::write(captures.join("site1.log"), "a user's capture").unwrap();
    std::fs::write(dir.join("junit.xml"), "<testsuites/>").unwrap();
    let d = dir.to_str().unwrap().to_owned();
    let suite = conformance();
    let missing = format!("{suite}/no-such-script.bc20");
    for args in [
        vec![suite.as_str(), "--port", "/dev/nonexistent"],
        // Errors found only once the scripts are read, or at the bed's set-up.
        vec![suite.as_str(), "--sim", "-k", "no-such-script"],
        vec![suite.as_str(), "--sim", "--tag", "no-such-tag"],
        vec![suite.as_str(), "--sim-quirk", "nonsense"],
        vec![missing.as_str(), "--sim"],
    ] {
        let mut all = args.clone();
        all.extend(["--report-dir", &d]);
        let (code, out) = conform(&all);
        assert_eq!(code, Some(2), "{args:?}: {out}");
        assert!(captures.join("site1.log").exists(), "{args:?}");
        assert!(
            dir.join("junit.xml").exists(),
            "{args:?}: nothing ran: nothing is cleared"
        );
    }
}

#[test]
fn a_bare_broker_url_with_a_password_never_shows_it() {
    let dir = scratch("bare-broker");
    let (_, out) = conform(&[
        &conformance(),
        "-k",
        "echo.bc20",
        "--port",
        "/dev/nonexistent-bc20",
        "--broker",
        "quser:S3cr3tPw@127.0.0.1:9",
        "--report-dir",
        dir.to_str().unwrap(),
    ]);
    assert!(!out.contains("S3cr3tPw"), "{out}");
    for f in ["report.json", "junit.xml", "report.html"] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        assert!(!text.contains("S3cr3tPw"), "{f}");
        assert!(
            text.contains("echo"),
            "{f}: the glob on the file name selected echo"
        );
    }
}

#[test]
fn a_script_error_leaves_no_stale_report_behind() {
    let dir = scratch("stale");
    let d = dir.display().to_string();
    let (code, _) = conform(&[&conformance(), "--sim", "-k", "echo", "--report-dir", &d]);
    assert_eq!(code, Some(0));
    assert!(dir.join("junit.xml").exists());
    let bad = dir.join("bad.bc20");
    std::fs::write(&bad, "expect +QMTOPEN: 0,0,0,0,0\n").unwrap();
    let (code, out) = conform(&[bad.to_str().unwrap(), "--sim", "--report-dir", &d]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        !dir.join("junit.xml").exists(),
        "the last run's junit.xml is still there"
    );
    assert!(!dir.join("report.json").exists());
}

#[test]
fn selection_and_a_seeded_shuffle_are_recorded_and_replayable() {
    let mut orders = Vec::new();
    for run in 0..2 {
        let dir = scratch(&format!("shuffle{run}"));
        let (code, out) = conform(&[
            &conformance(),
            "--sim",
            "-k",
            "qmtcfg-*",
            "-k",
            "echo",
            "--order",
            "shuffle",
            "--seed",
            "7",
            "-j1",
            "--report-dir",
            dir.to_str().unwrap(),
        ]);
        assert_eq!(code, Some(0), "{out}");
        let r = report(&dir);
        let names: Vec<String> = r["scripts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names.len(), 7, "{names:?}");
        assert!(names
            .iter()
            .all(|n| n.starts_with("qmtcfg-") || n == "echo"));
        assert_eq!(r["order"]["kind"], "shuffle");
        assert_eq!(r["order"]["seed"], 7);
        let argv = r["certification"]["command_line"].as_array().unwrap();
        assert!(argv.iter().any(|a| a == "--seed"), "{argv:?}");
        orders.push(names);
    }
    assert_eq!(orders[0], orders[1], "the same seed gives the same order");
}

#[test]
fn a_utf8_bom_at_the_start_of_a_script_is_accepted() {
    let dir = scratch("bom");
    let s = dir.join("bom.bc20");
    std::fs::write(&s, "\u{feff}title BOM\nsend AT\nexpect OK\n").unwrap();
    let (code, out) = conform(&[
        s.to_str().unwrap(),
        "--sim",
        "--report-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}");
}

/// Starts a long run on a module at real time (`bc20 sim --pty` behind a link, mosquitto as
/// the broker: the simulator's own beds run on virtual time and finish in a blink), waits
/// until `done` scripts have finished, then sends `signals` (with a short pause between
/// them). `None` (after a notice) without mosquitto, unless CI requires it.
fn interrupt(name: &str, signals: &[&str]) -> Option<(Option<i32>, PathBuf, Duration)> {
    let broker = crate::conform_serial::mosquitto(name)?;
    let dir = scratch(name);
    let url = format!("mqtt://{}", broker.addr());
    let module_dir = dir.join("module");
    std::fs::create_dir_all(&module_dir).unwrap();
    let module = crate::conform_serial::SimBehindLink::start(&module_dir, &url);
    let reports = dir.join("reports");
    let mut child = bc20()
        .args([
            "conform",
            &conformance(),
            "--port",
            module.link().to_str().unwrap(),
            "--broker",
            &url,
            "-q",
            "--report-dir",
            reports.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done = std::fs::read_to_string(reports.join("report.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .map_or(0, |r| {
                r["scripts"].as_array().map_or(0, |s| {
                    s.iter().filter(|s| s["verdict"] != "not_run").count()
                })
            });
        if done >= 2 {
            break;
        }
        assert!(Instant::now() < deadline, "no script finished in 60 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = child.id().to_string();
    let sent = Instant::now();
    for s in signals {
        std::process::Command::new("kill")
            .args([&format!("-{s}"), &pid])
            .status()
            .unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    let code = wait(&mut child, Duration::from_secs(60));
    Some((code, reports, sent.elapsed()))
}

fn assert_incomplete_but_valid(dir: &Path, signal: &str) {
    let r = report(dir);
    assert_eq!(r["complete"], false);
    assert_eq!(r["interrupted"], signal, "{r}");
    let scripts = r["scripts"].as_array().unwrap();
    assert_eq!(scripts.len(), 38, "every script is in the report");
    assert!(scripts.iter().any(|s| s["verdict"] == "not_run"));
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(junit.contains("not run"), "{junit}");
    assert!(junit.trim_end().ends_with("</testsuites>"));
}

#[test]
fn sigterm_finishes_the_step_and_teardown_and_writes_an_incomplete_report() {
    let Some((code, dir, _)) = interrupt("sigterm", &["TERM"]) else {
        return;
    };
    assert_eq!(code, Some(143));
    assert_incomplete_but_valid(&dir, "SIGTERM");
}

#[test]
fn sigint_exits_130_with_the_in_flight_script_recorded() {
    let Some((code, dir, _)) = interrupt("sigint", &["INT"]) else {
        return;
    };
    assert_eq!(code, Some(130));
    assert_incomplete_but_valid(&dir, "SIGINT");
    let r = report(&dir);
    // The scripts that finished before the signal keep their verdicts (two at least: the
    // signal was sent after two results were written).
    let ran = r["scripts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["verdict"] != "not_run")
        .count();
    assert!(ran >= 2, "{r}");
    // The script in flight, if the signal caught one mid-step, is an error that says so.
    let cut = r["scripts"].as_array().unwrap().iter().find(|s| {
        s["failures"].as_array().is_some_and(|f| {
            f.iter()
                .any(|f| f["message"].as_str().unwrap_or("").contains("interrupted"))
        })
    });
    if let Some(cut) = cut {
        assert_eq!(cut["verdict"], "error");
    }
}

#[test]
fn a_second_signal_leaves_at_once_with_valid_reports() {
    let Some((code, dir, took)) = interrupt("twice", &["TERM", "TERM"]) else {
        return;
    };
    assert_eq!(code, Some(143));
    assert!(took < Duration::from_secs(10), "{took:?}");
    let r = report(&dir);
    assert_eq!(r["complete"], false);
}

#[test]
fn the_same_port_twice_is_a_usage_error() {
    let dir = scratch("same-port");
    let port = dir.join("tty");
    std::fs::write(&port, "").unwrap();
    let link = dir.join("tty-link");
    std::os::unix::fs::symlink(&port, &link).unwrap();
    let (p, l) = (port.display().to_string(), link.display().to_string());
    let (code, out) = conform(&["--pty", &p, "--pty", &l, "--broker", "mqtt://127.0.0.1:1"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("is given twice"), "{out}");
}
