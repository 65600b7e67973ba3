//! `bc20 conform --port` as a QA engineer runs it on a module, with `bc20 sim --pty` at real
//! time standing in for the module behind a stable device path (`--pty-link`, as a USB
//! adapter's `/dev/serial/by-id/` name) and mosquitto as the broker.
//!
//! These run at real time (about 35 s per suite run); the tests of this file run in parallel,
//! each on its own simulator and broker. Without mosquitto they print a notice and pass,
//! unless `BC20_REQUIRE_MOSQUITTO=1` (CI) makes its absence a failure.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bc20_conform::suite::{discover, load_all};
use bc20_testkit::Mosquitto;
use serde_json::Value;

use crate::support::bc20;

pub(crate) fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance")
}

/// A scratch directory of its own for one test.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("conform-serial")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

pub(crate) fn mosquitto(what: &str) -> Option<Mosquitto> {
    let m = Mosquitto::start_or_skip(what)?;
    eprintln!("{what}: mosquitto on {}", m.addr());
    Some(m)
}

/// A `bc20 sim --pty` behind `DIR/tty`, (re)started by `DIR/restart.sh` — the same script the
/// runner's `--reset-cmd` runs, as a relay script power-cycles a board. Killed on drop.
pub(crate) struct SimBehindLink {
    dir: PathBuf,
}

impl SimBehindLink {
    pub(crate) fn start(dir: &Path, broker: &str) -> SimBehindLink {
        Self::start_routed(dir, &format!("--broker {broker}"))
    }

    /// A module that connects where its AT+QMTOPEN says (`--direct`), as a real one does:
    /// through the fault proxy when the runner's scripts name it.
    pub(crate) fn start_direct(dir: &Path) -> SimBehindLink {
        Self::start_routed(dir, "--direct")
    }

    /// [`SimBehindLink::start_direct`] with a firmware quirk profile on (`--quirk NAME`).
    pub(crate) fn start_direct_with_quirk(dir: &Path, quirk: &str) -> SimBehindLink {
        Self::start_routed(dir, &format!("--direct --quirk {quirk}"))
    }

    fn start_routed(dir: &Path, route: &str) -> SimBehindLink {
        let script = format!(
            "#!/bin/sh\n\
             # Power cycle: stop the running module (if any), boot a new one behind the same link.\n\
             D='{dir}'\n\
             pid=$(cat \"$D/pid\" 2>/dev/null)\n\
             if [ -n \"$pid\" ]; then\n\
               kill \"$pid\" 2>/dev/null\n\
               i=0; while kill -0 \"$pid\" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done\n\
             fi\n\
             '{bin}' sim --pty --pty-link \"$D/tty\" --pid-file \"$D/pid\" {route} \
             --attach-after 1s >>\"$D/sim.log\" 2>&1 &\n\
             i=0; while [ ! -s \"$D/pid\" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done\n\
             echo \"module restarted\"\n",
            dir = dir.display(),
            bin = env!("CARGO_BIN_EXE_bc20"),
        );
        std::fs::write(dir.join("restart.sh"), script).expect("hook written");
        let s = SimBehindLink {
            dir: dir.to_owned(),
        };
        let out = Command::new("sh")
            .arg(s.hook())
            .output()
            .expect("the hook runs");
        assert!(out.status.success(), "{out:?}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !s.link().exists() {
            assert!(
                Instant::now() < deadline,
                "no {} after 20 s",
                s.link().display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        s
    }

    fn hook(&self) -> PathBuf {
        self.dir.join("restart.sh")
    }

    pub(crate) fn link(&self) -> PathBuf {
        self.dir.join("tty")
    }

    fn pid(&self) -> Option<i32> {
        std::fs::read_to_string(self.dir.join("pid"))
            .ok()
            .and_then(|p| p.trim().parse().ok())
    }

    fn kill(&self) {
        if let Some(pid) = self.pid() {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
    }
}

impl Drop for SimBehindLink {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs `bc20 conform` to completion (bounded) and returns its exit code and report.json.
pub(crate) fn conform(
    args: &[String],
    report_dir: &Path,
    limit: Duration,
) -> (Option<i32>, Value, String) {
    let mut child = bc20()
        .arg("conform")
        .args(args)
        .arg("--report-dir")
        .arg(report_dir)
        .arg("-q")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bc20 conform runs");
    let code = wait_bounded(&mut child, limit);
    let out = child.wait_with_output().expect("output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (code, report(report_dir), text)
}

fn wait_bounded(child: &mut Child, limit: Duration) -> Option<i32> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code();
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("bc20 conform did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn report(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json");
    serde_json::from_str(&text).expect("report.json is JSON")
}

/// Per script name: its verdict in `report`.
pub(crate) fn verdicts(report: &Value) -> Vec<(String, String)> {
    report["scripts"]
        .as_array()
        .expect("scripts[]")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or("?").to_owned(),
                s["verdict"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect()
}

/// Checks the verdict of every script of the suite: SKIP for those the hardware cannot run
/// (faults, `requires sim`; a `reset` unless `with_reset`), PASS for every other one.
fn assert_suite_verdicts(report: &Value, with_reset: bool, output: &str) {
    let files = discover(&[conformance_dir()]).expect("suite");
    let scripts = load_all(&files).expect("scripts load");
    let got = verdicts(report);
    assert_eq!(got.len(), scripts.len(), "{output}");
    for s in &scripts {
        let needs_sim = s.requires_sim || s.uses_faults();
        let needs_reset = s
            .steps()
            .any(|st| matches!(st.kind, bc20_conform::script::StepKind::Reset));
        let want = if needs_sim || (needs_reset && !with_reset) {
            "skipped"
        } else {
            "pass"
        };
        let (_, verdict) = got
            .iter()
            .find(|(n, _)| *n == s.name)
            .unwrap_or_else(|| panic!("{} missing from the report", s.name));
        assert_eq!(verdict, want, "{}: {output}", s.name);
    }
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn the_suite_passes_twice_in_a_row_on_one_module_forward_then_reverse() {
    let Some(broker) = mosquitto("twice") else {
        return;
    };
    let dir = scratch("twice");
    let url = format!("mqtt://{}", broker.addr());
    let sim = SimBehindLink::start(&dir, &url);
    let port = sim.link().display().to_string();
    for (run, order) in [(1, "forward"), (2, "reverse")] {
        let (code, report, out) = conform(
            &args(&[
                conformance_dir().to_str().unwrap(),
                "--port",
                &port,
                "--broker",
                &url,
                "--order",
                order,
            ]),
            &dir.join(format!("run{run}")),
            Duration::from_secs(300),
        );
        assert_eq!(code, Some(0), "run {run} ({order}): {out}");
        assert_suite_verdicts(&report, false, &out);
    }
}

#[test]
fn the_suite_passes_with_a_reset_hook_before_every_script() {
    let Some(broker) = mosquitto("reset-each") else {
        return;
    };
    let dir = scratch("reset-each");
    let url = format!("mqtt://{}", broker.addr());
    let sim = SimBehindLink::start(&dir, &url);
    let port = sim.link().display().to_string();
    let hook = format!("sh '{}'", sim.hook().display());
    let (code, report, out) = conform(
        &args(&[
            conformance_dir().to_str().unwrap(),
            "--port",
            &port,
            "--broker",
            &url,
            "--reset-cmd",
            &hook,
            "--reset-each",
            "--reset-wait",
            "1500ms",
        ]),
        &dir.join("run"),
        Duration::from_secs(400),
    );
    assert_eq!(code, Some(0), "{out}");
    assert_suite_verdicts(&report, true, &out);
    // What the module printed after each power cycle is in the transcript: the boot script
    // got its +IP line from the reset wait.
    let boot = report["scripts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "boot")
        .expect("boot ran");
    let transcript = boot["transcript"].as_array().unwrap();
    assert!(
        transcript
            .iter()
            .any(|e| e["dir"] == "module" && e["text"].as_str().unwrap_or("").starts_with("+IP: ")),
        "{boot}"
    );
    assert!(
        transcript.iter().any(|e| e["text"]
            .as_str()
            .unwrap_or("")
            .contains("module restarted")),
        "the hook's output is recorded: {boot}"
    );
}

/// The scripts whose faults happen inside the module (D65): the only ones a run behind the
/// fault proxy may skip.
const SIMULATOR_ONLY: &[&str] = &["qmtclose-fail", "qmtopen-module", "module-stack"];

/// How many simulated modules share the suite behind their fault proxies (one worker each):
/// the suite is about 250 s of real time on one module, and its longest script (the default
/// keep-alive) about 130 s.
const MODULES: usize = 4;

#[test]
fn the_whole_suite_passes_on_modules_behind_fault_proxies_but_the_simulator_only_scripts() {
    let Some(broker) = mosquitto("fault-proxy") else {
        return;
    };
    let dir = scratch("fault-proxy");
    let url = format!("mqtt://{}", broker.addr());
    // Real-time modules that dial where their AT+QMTOPEN says, as a real one does, with no
    // fault injection of their own: every fault acts at a proxy.
    let sims: Vec<SimBehindLink> = (0..MODULES)
        .map(|i| {
            let d = dir.join(format!("module{i}"));
            std::fs::create_dir_all(&d).expect("module dir");
            SimBehindLink::start_direct(&d)
        })
        .collect();
    let ports: Vec<String> = sims
        .iter()
        .map(|s| s.link().display().to_string())
        .collect();
    // One hook for the rig: it power-cycles the module whose port it is given (BC20_PORT).
    let hook = "sh \"$(dirname \"$BC20_PORT\")/restart.sh\"";
    let suite = conformance_dir().display().to_string();
    let mut list = vec![
        suite.as_str(),
        "--broker",
        &url,
        "--fault-proxy",
        "--reset-cmd",
        hook,
    ];
    for p in &ports {
        list.extend(["--pty", p.as_str()]);
    }
    list.extend(["--reset-wait", "1500ms"]);
    let (code, report, out) = conform(&args(&list), &dir.join("run"), Duration::from_secs(900));
    let got = verdicts(&report);
    let files = discover(&[conformance_dir()]).expect("suite");
    assert_eq!(got.len(), files.len(), "{out}");
    for (name, verdict) in &got {
        let want = if SIMULATOR_ONLY.contains(&name.as_str()) {
            "skipped"
        } else {
            "pass"
        };
        assert_eq!(verdict, want, "{name}: {out}");
    }
    assert_eq!(code, Some(0), "{out}");
    let scripts = report["scripts"].as_array().unwrap();
    let module_stack = scripts
        .iter()
        .find(|s| s["name"] == "module-stack")
        .unwrap();
    assert!(
        module_stack
            .to_string()
            .contains("only the simulator can produce it"),
        "{module_stack}"
    );
    // What the network did is in the transcript: the drop-links of urc-order.
    let urc = scripts.iter().find(|s| s["name"] == "urc-order").unwrap();
    let drops = urc["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["dir"] == "network" && e["text"].as_str().unwrap_or("").contains("drop-link"))
        .count();
    assert_eq!(drops, 2, "{urc}");
    let links = report["target"]["links"].as_array().unwrap();
    assert_eq!(links.len(), MODULES, "{links:?}");
    assert!(links
        .iter()
        .all(|l| l.as_str().unwrap_or("").contains("fault proxy")));
    // Traceability on this hardware-like run: every clause and code is established but the
    // ones only the simulator-only scripts cover.
    for row in report["traceability"].as_array().unwrap() {
        let verdict = row["verdict"].as_str().unwrap_or("none");
        let only_sim = row["scripts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| SIMULATOR_ONLY.contains(&s[0].as_str().unwrap_or("")));
        if !only_sim {
            assert_eq!(verdict, "pass", "{row}");
        }
    }
}

/// Runs `script` of the suite behind the fault proxy on a module with `quirk` on; asserts
/// it FAILs at the step starting with `step`, with a message holding `says`; returns the
/// script's report.
fn caught_behind_the_proxy(
    name: &str,
    quirk: &str,
    script: &str,
    step: &str,
    says: &str,
) -> Option<Value> {
    caught_behind_the_proxy_at(
        name,
        quirk,
        &conformance_dir().join(format!("{script}.bc20")),
        step,
        says,
    )
}

/// [`caught_behind_the_proxy`] for a script file anywhere.
fn caught_behind_the_proxy_at(
    name: &str,
    quirk: &str,
    script: &Path,
    step: &str,
    says: &str,
) -> Option<Value> {
    let broker = mosquitto(name)?;
    let dir = scratch(name);
    let url = format!("mqtt://{}", broker.addr());
    let sim = SimBehindLink::start_direct_with_quirk(&dir, quirk);
    let port = sim.link().display().to_string();
    let (code, report, out) = conform(
        &args(&[
            script.to_str().unwrap(),
            "--port",
            &port,
            "--broker",
            &url,
            "--fault-proxy",
        ]),
        &dir.join("run"),
        Duration::from_secs(120),
    );
    assert_eq!(code, Some(1), "{out}");
    let s = report["scripts"][0].clone();
    assert_eq!(s["verdict"], "fail", "{out}");
    let failure = &s["failures"][0];
    assert!(
        failure["step"].as_str().unwrap_or("").starts_with(step),
        "{failure}"
    );
    let message = failure["message"].as_str().unwrap_or("");
    assert!(message.contains(says), "{message}");
    Some(s)
}

#[test]
fn the_fault_proxys_log_catches_a_module_that_retries_one_time_fewer() {
    // `one-retry-fewer` announces every retransmission on the serial port as the note says
    // (+QMTSUB: 0,4,1,1 and 0,4,1,2) but sends the last one nowhere: only the proxy's log
    // shows it. qmtsub-retry takes about 3 s at real time (pkt_timeout 1 s, 2 retries).
    let Some(s) = caught_behind_the_proxy(
        "timing-retries",
        "one-retry-fewer",
        "qmtsub-retry",
        "expect-retransmissions 0 SUBSCRIBE id=4",
        "sent 2 time(s), not 3 (1 + retries 2)",
    ) else {
        return;
    };
    // The proxy saw both sendings (both dropped by its black hole), and the AT side was
    // as the note says: the second retransmission notice came.
    let transcript = s["transcript"].as_array().unwrap();
    let sent = transcript
        .iter()
        .filter(|e| {
            e["dir"] == "network"
                && e["text"]
                    .as_str()
                    .unwrap_or("")
                    .contains("up SUBSCRIBE id 4")
                && e["text"].as_str().unwrap_or("").contains("black-hole")
        })
        .count();
    assert_eq!(sent, 2, "{s}");
    assert!(
        transcript
            .iter()
            .any(|e| e["dir"] == "module" && e["text"] == "+QMTSUB: 0,4,1,2"),
        "{s}"
    );
}

#[test]
fn the_fault_proxys_log_catches_a_retransmitted_publish_without_dup() {
    // `resend-dup-0` retransmits a PUBLISH with DUP 0: the AT side is as the note says, the
    // broker takes it, only the wire shows it. qmtpub-retry proves it over 40 s; this short
    // script (pkt_timeout 1 s, one lost transmission) takes about 3 s at real time.
    let dir = scratch("timing-dup-script");
    let script = dir.join("dup.bc20");
    std::fs::write(
        &script,
        "title A retransmitted PUBLISH carries DUP 1\n\
         tags 3.2.8\n\
         \n\
         setup:\n  \
           send AT+QMTCFG=\"timeout\",0,1,3,1\n  \
           expect OK\n  \
           include CONFORMANCE/lib/connect0.bc20inc\n\
         \n\
         test:\n  \
           mark lost\n  \
           fault drop-packet 0 up PUBLISH times 1\n  \
           send AT+QMTPUB=0,3,1,0,\"t/${uid}\",\"x\"\n  \
           expect OK\n  \
           expect +QMTPUB: 0,3,1,1\n  \
           expect +QMTPUB: 0,3,0\n  \
           expect-retransmissions 0 PUBLISH id=3 retries=1 every=1s since=lost\n\
         \n\
         teardown:\n  \
           include CONFORMANCE/lib/close0.bc20inc\n"
            .replace("CONFORMANCE", &conformance_dir().display().to_string()),
    )
    .unwrap();
    let Some(s) = caught_behind_the_proxy_at(
        "timing-dup",
        "resend-dup-0",
        &script,
        "expect-retransmissions 0 PUBLISH id=3",
        "DUP 0",
    ) else {
        return;
    };
    let dups = s["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            let t = e["text"].as_str().unwrap_or("");
            e["dir"] == "network" && t.contains("up PUBLISH id 3") && t.contains(" dup")
        })
        .count();
    assert_eq!(dups, 0, "the proxy saw no DUP flag: {s}");
}

#[test]
fn the_fault_proxys_log_catches_a_late_pingreq_the_broker_tolerates() {
    // `late-pingreq` pings every 2.5 s on keepalive.bc20's 2 s keep-alive: mosquitto allows
    // 1.5 x (3 s) and answers every one, so the AT side stays quiet; about 12 s at real time.
    let Some(s) = caught_behind_the_proxy(
        "timing-ping",
        "late-pingreq",
        "keepalive",
        "expect-keepalive 0 keepalive=2s",
        "longer than the keep-alive 2.000 s ± 0.200 s",
    ) else {
        return;
    };
    let pingresps = s["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["dir"] == "network" && e["text"].as_str().unwrap_or("").contains("down PINGRESP")
        })
        .count();
    assert!(pingresps >= 3, "the broker answered the late PINGREQs: {s}");
}
