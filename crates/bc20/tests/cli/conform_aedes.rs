//! `bc20 conform --sim` against aedes (tests/brokers/aedes, a Node.js broker: neither mosquitto
//! nor the embedded rumqttd), once in MQTT 3.1.1 and once with `--mqtt31`; aedes enforces 3.1's
//! 23-byte client ids (D64). Each run has a broker of its own, and its protocol log is scanned:
//! the CONNECTs carry the version asked for, every CONNACK accepts (no script provokes a
//! refusal on an external broker: it checks no credentials), no keep-alive time-out and no
//! client error but an abrupt socket end.
//!
//! Without node or without `tests/brokers/aedes/node_modules` (`npm ci --prefix
//! tests/brokers/aedes`) the tests print a notice and pass, unless `BC20_REQUIRE_AEDES=1`
//! (set by .ci/run) makes that a failure.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bc20_conform::suite::{discover, load_all};
use bc20_testkit::require::skip_unless_required;
use serde_json::Value;

use crate::support::bc20;

/// Set to anything but empty or `0`: a missing aedes fails the tests instead of skipping them.
const REQUIRE_AEDES_ENV: &str = "BC20_REQUIRE_AEDES";
/// Longest time one run of the suite may take (it takes well under a minute).
const RUN_LIMIT: Duration = Duration::from_secs(300);
/// Longest time aedes may take to listen.
const START_LIMIT: Duration = Duration::from_secs(20);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture() -> PathBuf {
    repo().join("tests/brokers/aedes")
}

/// `node` on PATH, if the fixture is installed; otherwise a visible notice and `None`, or a
/// panic when [`REQUIRE_AEDES_ENV`] is set.
fn node(what: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let node = std::env::split_paths(&path)
        .map(|d| d.join("node"))
        .find(|c| c.is_file());
    let missing = match &node {
        None => Some("node is not on PATH".to_owned()),
        Some(_) if !fixture().join("node_modules/aedes").is_dir() => Some(format!(
            "{} is absent (npm ci --prefix tests/brokers/aedes)",
            fixture().join("node_modules/aedes").display()
        )),
        Some(_) => None,
    };
    let Some(why) = missing else {
        return node;
    };
    if let Err(e) = skip_unless_required("aedes", what, &why, REQUIRE_AEDES_ENV) {
        panic!("{e}");
    }
    None
}

/// aedes on a free loopback port, killed when dropped.
struct Aedes {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Aedes {
    fn start(node: &Path, log: PathBuf) -> Aedes {
        let mut child = Command::new(node)
            .arg(fixture().join("broker.js"))
            .arg("0")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut first = String::new();
            let _ = BufReader::new(stdout).read_line(&mut first);
            let _ = tx.send(first);
        });
        // The guard exists before anything can panic, so the broker dies on every path.
        let mut broker = Aedes {
            child,
            port: 0,
            log,
        };
        let first = rx
            .recv_timeout(START_LIMIT)
            .expect("aedes prints `listening ...` in time");
        broker.port = first
            .trim()
            .strip_prefix("listening 127.0.0.1:")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("aedes's first line is {first:?}"));
        broker
    }

    fn url(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    /// The protocol log, one JSON object per event.
    fn events(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("log line {l:?}: {e}")))
            .collect()
    }
}

impl Drop for Aedes {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the suite with `extra` arguments against `broker`, bounded, and returns the exit
/// code, report.json and the output.
fn conform(broker: &Aedes, extra: &[&str], report_dir: &Path) -> (Option<i32>, Value, String) {
    let mut child = bc20()
        .current_dir(repo())
        .args(["conform", "--sim", "--broker", &broker.url(), "-q"])
        .args(extra)
        .arg("--report-dir")
        .arg(report_dir)
        .arg(repo().join("conformance"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bc20 conform runs");
    let deadline = Instant::now() + RUN_LIMIT;
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bc20 conform did not finish within {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = child.wait_with_output().expect("output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report = std::fs::read_to_string(report_dir.join("report.json"))
        .unwrap_or_else(|e| panic!("report.json: {e}\n{text}"));
    let report = serde_json::from_str(&report).expect("report.json is JSON");
    (code, report, text)
}

/// Every script of the suite passes, as on the embedded broker: on the simulator nothing needs
/// hardware, and an external broker changes no verdict.
fn assert_all_pass(report: &Value, output: &str) {
    let files = discover(&[repo().join("conformance")]).expect("suite");
    let scripts = load_all(&files).expect("scripts load");
    let got = report["scripts"].as_array().expect("scripts[]");
    assert_eq!(got.len(), scripts.len(), "{output}");
    for s in got {
        assert_eq!(s["verdict"], "pass", "{}: {output}", s["name"]);
    }
}

/// Whether a client error is only a socket ending abruptly, as the suite's link faults and
/// closes may cause (a module that drops its TCP link with bytes in flight), rather than a
/// protocol violation reported by the packet parser or aedes's checks (those have no errno
/// code). None occurred in the runs so far; a keep-alive time-out is not excused (the module
/// must ping), nor is a refused CONNECT (its error is "identifier rejected" and the like).
fn socket_end(event: &Value) -> bool {
    matches!(event["code"].as_str(), Some("ECONNRESET" | "EPIPE"))
}

/// Scans the protocol log of one run: CONNECTs of the module in `version` (3 or 4; the
/// suite's peer always speaks 3.1.1), every CONNACK accepted, no protocol error.
fn assert_clean_log(broker: &Aedes, version: u64) {
    let events = broker.events();
    let dump = || {
        events
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let connects: Vec<&Value> = events.iter().filter(|e| e["event"] == "connect").collect();
    assert!(!connects.is_empty(), "no CONNECT in the log:\n{}", dump());
    for c in &connects {
        let id = c["client"].as_str().unwrap_or("");
        let want = if id.starts_with("peer-") { 4 } else { version };
        assert_eq!(c["protocolVersion"], want, "{c}\n{}", dump());
        if want == 3 {
            assert_eq!(c["protocolId"], "MQIsdp", "{c}");
            assert!(id.len() <= 23, "a 3.1 client id over 23 bytes: {c}");
        }
    }
    let module_connects = connects
        .iter()
        .filter(|c| !c["client"].as_str().unwrap_or("").starts_with("peer-"))
        .count();
    assert!(
        module_connects > 0,
        "the module never connected:\n{}",
        dump()
    );
    for e in &events {
        match e["event"].as_str().unwrap_or("") {
            "connackSent" => assert_eq!(e["returnCode"], 0, "a refused CONNECT: {e}\n{}", dump()),
            "clientError" | "connectionError" => {
                assert!(socket_end(e), "a protocol error: {e}\n{}", dump());
                eprintln!("a socket ended abruptly (not a protocol error): {e}");
            }
            "keepaliveTimeout" => panic!("the broker timed the module out: {e}\n{}", dump()),
            _ => {}
        }
    }
}

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("conform-aedes")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// One run: a broker of its own, the suite, the report and the log checked.
fn suite_on_aedes(what: &str, extra: &[&str], version: u64, target_version: &str) {
    let Some(node) = node(what) else {
        return;
    };
    let dir = scratch(what);
    let broker = Aedes::start(&node, dir.join("aedes.log"));
    let (code, report, output) = conform(&broker, extra, &dir.join("report"));
    assert_eq!(code, Some(0), "{output}");
    assert_all_pass(&report, &output);
    assert_eq!(report["target"]["mqtt_version"], target_version, "{output}");
    assert!(
        report["target"]["broker"]
            .as_str()
            .is_some_and(|b| b.contains(&broker.url()) && !b.contains("embedded")),
        "{}",
        report["target"]
    );
    assert_clean_log(&broker, version);
}

#[test]
fn the_suite_passes_on_aedes_in_mqtt_311() {
    suite_on_aedes("aedes-mqtt311", &[], 4, "3.1.1");
}

#[test]
fn the_suite_passes_on_aedes_in_mqtt_31() {
    suite_on_aedes("aedes-mqtt31", &["--mqtt31"], 3, "3.1");
}
