//! `bc20 proxy` on its own (as on a host a cellular module can reach) driven by `bc20 conform
//! --proxy-control`, and `bc20 conform --fault-proxy` with several modules (a proxy each).
//! A `bc20 sim --pty --direct` at real time stands in for each module, mosquitto is the
//! broker; without mosquitto the suite runs print a notice and pass (see conform_serial).

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use crate::conform_serial::{
    conform, conformance_dir, mosquitto, scratch, verdicts, SimBehindLink,
};
use crate::support::{bc20, run};

const TOKEN: &str = "a-long-test-token-1234";

/// A `bc20 proxy` process; killed on drop.
struct ProxyProcess {
    child: Child,
    listen: String,
    control: String,
    /// Its stdout lines after the first two, as they come.
    lines: mpsc::Receiver<String>,
}

impl ProxyProcess {
    fn start(broker: &str, token_file: &std::path::Path) -> ProxyProcess {
        let mut child = bc20()
            .args(["proxy", "--listen", "127.0.0.1:0", "--broker", broker])
            .args(["--control", "127.0.0.1:0", "--token-file"])
            .arg(token_file)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("bc20 proxy runs");
        let out = BufReader::new(child.stdout.take().expect("stdout"));
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for l in out.lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    return;
                }
            }
        });
        let first = || {
            lines
                .recv_timeout(Duration::from_secs(10))
                .expect("bc20 proxy prints its addresses")
        };
        let (listen, control) = (first(), first());
        let listen = listen
            .strip_prefix("listen ")
            .expect("listen ADDR")
            .to_owned();
        let control = control
            .strip_prefix("control ")
            .expect("control ADDR")
            .to_owned();
        ProxyProcess {
            child,
            listen,
            control,
            lines,
        }
    }
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A simulated module on a serial path that dials a `bc20 proxy` process, driven by
/// `bc20 conform --proxy-control` with a token file.
struct RemoteRig {
    dir: std::path::PathBuf,
    url: String,
    token_file: std::path::PathBuf,
    proxy: ProxyProcess,
    sim: SimBehindLink,
}

impl RemoteRig {
    fn start(name: &str, broker: &bc20_testkit::Mosquitto) -> RemoteRig {
        let dir = scratch(name);
        let url = format!("mqtt://{}", broker.addr());
        let token_file = dir.join("token");
        std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
        let proxy = ProxyProcess::start(&url, &token_file);
        let sim = SimBehindLink::start_direct(&dir);
        RemoteRig {
            dir,
            url,
            token_file,
            proxy,
            sim,
        }
    }

    /// `bc20 conform` arguments running `scripts` (names of conformance/) on the rig.
    fn args(&self, scripts: &[&str]) -> Vec<String> {
        let mut list: Vec<String> = [
            "--port",
            &self.sim.link().display().to_string(),
            "--broker",
            &self.url,
            "--proxy-control",
            &self.proxy.control,
            "--module-broker",
            &self.proxy.listen,
            "--proxy-token-file",
            &self.token_file.display().to_string(),
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        list.extend(scripts.iter().map(|n| script(n)));
        list
    }
}

fn script(name: &str) -> String {
    conformance_dir()
        .join(format!("{name}.bc20"))
        .display()
        .to_string()
}

/// The transcript lines of direction `network` of script `name`.
fn network_lines(report: &Value, name: &str) -> Vec<String> {
    let s = report["scripts"]
        .as_array()
        .expect("scripts[]")
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing"));
    s["transcript"]
        .as_array()
        .expect("transcript")
        .iter()
        .filter(|e| e["dir"] == "network")
        .map(|e| e["text"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn conform_drives_a_bc20_proxy_process_over_its_control_channel() {
    let Some(broker) = mosquitto("proxy-control") else {
        return;
    };
    let rig = RemoteRig::start("proxy-control", &broker);
    let list = rig.args(&["qmtconn", "urc-order", "qmtpub-qos"]);
    let proxy = &rig.proxy;
    let (code, report, out) = conform(&list, &rig.dir.join("run"), Duration::from_secs(300));
    for (name, verdict) in verdicts(&report) {
        assert_eq!(verdict, "pass", "{name}: {out}");
    }
    assert_eq!(code, Some(0), "{out}");
    let urc = network_lines(&report, "urc-order");
    assert_eq!(
        urc.iter()
            .filter(|l| l.contains("closed (drop-link)"))
            .count(),
        2,
        "{urc:?}"
    );
    let conn = network_lines(&report, "qmtconn");
    assert!(
        conn.iter().any(|l| l.contains("up CONNECT: passed")),
        "{conn:?}"
    );
    assert!(report["target"]["links"][0]
        .as_str()
        .unwrap()
        .contains(&format!("remote {}", proxy.control)));
    // The proxy printed what it forwarded, as it happened.
    let printed: Vec<String> = proxy.lines.try_iter().collect();
    assert!(
        printed.iter().any(|l| l.contains("up CONNECT: passed")),
        "{printed:?}"
    );
}

#[test]
fn conform_refuses_a_wrong_proxy_token_and_bad_proxy_flags() {
    let dir = scratch("proxy-flags");
    let token_file = dir.join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let wrong = dir.join("wrong");
    std::fs::write(&wrong, "guess\n").unwrap();
    // A broker nobody dials in this test.
    let proxy = ProxyProcess::start("mqtt://127.0.0.1:9", &token_file);
    let sim = SimBehindLink::start_direct(&dir);
    let port = sim.link().display().to_string();
    let report = dir.join("run").display().to_string();
    let r = run(
        &[
            "conform",
            "--port",
            &port,
            "--broker",
            "mqtt://127.0.0.1:9",
            "--proxy-control",
            &proxy.control,
            "--module-broker",
            &proxy.listen,
            "--proxy-token-file",
            &wrong.display().to_string(),
            "--report-dir",
            &report,
            &script("qmtconn"),
        ],
        b"",
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("wrong token"), "{}", r.stderr);
    // --proxy-control without --module-broker, or with two modules.
    let r = run(
        &[
            "conform",
            "--port",
            &port,
            "--broker",
            "mqtt://127.0.0.1:9",
            "--proxy-control",
            &proxy.control,
            &script("qmtconn"),
        ],
        b"",
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("--module-broker"), "{}", r.stderr);
    // A second module (the path need not exist: the usage error comes first).
    let second = format!("{port}-second");
    let r = run(
        &[
            "conform",
            "--port",
            &port,
            "--port",
            &second,
            "--broker",
            "mqtt://127.0.0.1:9",
            "--proxy-control",
            &proxy.control,
            "--module-broker",
            &proxy.listen,
            "--proxy-token-file",
            &token_file.display().to_string(),
            "--report-dir",
            &report,
            &script("qmtconn"),
        ],
        b"",
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("exactly one --port or --pty"),
        "{}",
        r.stderr
    );
    let r = run(
        &[
            "conform",
            "--port",
            &port,
            "--port",
            &second,
            "--broker",
            "mqtt://127.0.0.1:9",
            "--fault-proxy",
            "--fault-proxy-listen",
            "127.0.0.1:0",
            "--report-dir",
            &report,
            &script("qmtconn"),
        ],
        b"",
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("each module gets its own proxy"),
        "{}",
        r.stderr
    );
}

#[test]
fn bc20_proxy_refuses_control_without_a_token() {
    let out = bc20()
        .args([
            "proxy",
            "--broker",
            "mqtt://127.0.0.1:9",
            "--control",
            "127.0.0.1:0",
        ])
        .env_remove("BC20_PROXY_TOKEN")
        .output()
        .expect("bc20 proxy runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("refuses control without a token"),
        "{stderr}"
    );
    assert!(stderr.contains("BC20_PROXY_TOKEN"), "{stderr}");
}

#[test]
fn two_modules_with_fault_proxy_each_get_their_own_proxy() {
    let Some(broker) = mosquitto("two-proxies") else {
        return;
    };
    let dir = scratch("two-proxies");
    let url = format!("mqtt://{}", broker.addr());
    let (da, db) = (dir.join("a"), dir.join("b"));
    std::fs::create_dir_all(&da).unwrap();
    std::fs::create_dir_all(&db).unwrap();
    let a = SimBehindLink::start_direct(&da);
    let b = SimBehindLink::start_direct(&db);
    let (pa, pb) = (
        a.link().display().to_string(),
        b.link().display().to_string(),
    );
    let list: Vec<String> = [
        "--pty",
        &pa,
        "--pty",
        &pb,
        "--broker",
        &url,
        "--fault-proxy",
        &script("qmtconn"),
        &script("urc-order"),
        &script("qmtpub-qos"),
        &script("qmtsub"),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let (code, report, out) = conform(&list, &dir.join("run"), Duration::from_secs(300));
    let got = verdicts(&report);
    assert_eq!(got.len(), 4, "{out}");
    for (name, verdict) in got {
        assert_eq!(verdict, "pass", "{name}: {out}");
    }
    assert_eq!(code, Some(0), "{out}");
    let links: Vec<&str> = report["target"]["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(links.len(), 2);
    let proxy_of = |l: &str| l.rsplit("fault proxy ").next().unwrap_or("").to_owned();
    assert_ne!(proxy_of(links[0]), proxy_of(links[1]), "{links:?}");
    let urc = network_lines(&report, "urc-order");
    assert_eq!(
        urc.iter()
            .filter(|l| l.contains("closed (drop-link)"))
            .count(),
        2,
        "{urc:?}"
    );
}

#[test]
fn a_remote_proxy_that_goes_away_stops_the_run_instead_of_failing_the_module() {
    let Some(broker) = mosquitto("proxy-gone") else {
        return;
    };
    let rig = RemoteRig::start("proxy-gone", &broker);
    // qmtpub-retry waits 40 s for retransmissions: the proxy dies in the middle.
    let list = rig.args(&["qmtpub-retry", "qmtconn", "qmtpub-qos"]);
    let RemoteRig {
        dir,
        mut proxy,
        sim: _sim,
        ..
    } = rig;
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(4));
        let _ = proxy.child.kill();
        let _ = proxy.child.wait();
    });
    let (code, report, out) = conform(&list, &dir.join("run"), Duration::from_secs(120));
    killer.join().unwrap();
    assert_eq!(code, Some(1), "{out}");
    let got = verdicts(&report);
    let first = &got.iter().find(|(n, _)| n == "qmtpub-retry").unwrap().1;
    assert_eq!(first, "error", "the module is not blamed: {out}");
    assert!(
        got.iter()
            .filter(|(n, _)| n != "qmtpub-retry")
            .all(|(_, v)| v == "not_run"),
        "{got:?}"
    );
    assert_eq!(report["complete"], false, "{out}");
    assert!(
        out.contains("fault proxy") && out.contains("is gone"),
        "{out}"
    );
}
