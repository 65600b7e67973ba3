//! The timing checks of the network log on the simulator (virtual time): each network-only
//! quirk makes the script that covers its clause FAIL at the timing check, naming it and
//! what it saw, while the same script PASSes without the quirk. The AT side of these
//! quirks is as the note says: only the network log shows them.

mod common;

use bc20_conform::runner::{ScriptResult, Verdict};
use bc20_conform::script::Script;
use bc20_conform::transcript::Dir;
use bc20_sim::{Quirk, Quirks};
use common::{run_on_virtual_with, suite};

fn script(name: &str) -> Script {
    suite()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no script {name}"))
}

fn run(name: &str, quirks: Quirks) -> ScriptResult {
    let r = run_on_virtual_with(&[script(name)], 1, quirks);
    r.scripts.into_iter().next().expect("one result")
}

/// The script passes as it is, and fails with `quirk` at the step starting with `step`,
/// with a message holding every one of `says`.
fn caught(name: &str, quirk: Quirk, step: &str, says: &[&str]) {
    let clean = run(name, Quirks::NONE);
    assert_eq!(clean.verdict, Verdict::Pass, "{name}: {:?}", clean.failures);
    let r = run(name, Quirks::NONE.with(quirk));
    assert_eq!(r.verdict, Verdict::Fail, "{name} with {quirk}");
    let f = &r.failures[0];
    assert!(
        f.step.starts_with(step),
        "{name} with {quirk} failed at `{}`, not at the timing check: {}",
        f.step,
        f.message
    );
    for s in says {
        assert!(f.message.contains(s), "{name} with {quirk}: {}", f.message);
    }
}

#[test]
fn a_retransmitted_publish_with_dup_0_fails_the_retransmission_check() {
    caught(
        "qmtpub-retry",
        Quirk::ResendDupZero,
        "expect-retransmissions 0 PUBLISH id=6",
        &[
            "retransmission 1 has DUP 0",
            "at 0.000 s (DUP 0), 10.000 s (DUP 0, +10.000 s)",
        ],
    );
}

#[test]
fn one_retry_fewer_fails_the_retransmission_check_of_each_retry_script() {
    for (name, step, count) in [
        (
            "qmtpub-retry",
            "expect-retransmissions 0 PUBLISH id=6",
            "sent 3 time(s), not 4 (1 + retries 3)",
        ),
        (
            "qmtsub-retry",
            "expect-retransmissions 0 SUBSCRIBE id=4",
            "sent 2 time(s), not 3 (1 + retries 2)",
        ),
        (
            "qmtuns-retry",
            "expect-retransmissions 0 UNSUBSCRIBE id=9",
            "sent 1 time(s), not 2 (1 + retries 1)",
        ),
    ] {
        caught(name, Quirk::OneRetryFewer, step, &[count]);
    }
}

#[test]
fn a_late_pingreq_fails_the_keepalive_check() {
    caught(
        "keepalive",
        Quirk::LatePingreq,
        "expect-keepalive 0 keepalive=2s",
        &[
            "longer than the keep-alive 2.000 s ± 0.200 s",
            "2.500 s from the PINGREQ at 2.500 s to the PINGREQ at 5.000 s",
        ],
    );
}

#[test]
fn a_passing_check_writes_what_it_saw_into_the_transcript() {
    let r = run("qmtsub-retry", Quirks::NONE);
    let lines: Vec<&str> = r
        .transcript
        .iter()
        .filter(|e| e.note.as_deref() == Some("timing check"))
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(
        lines,
        ["retransmissions of SUBSCRIBE id 4 on slot 0: at 0.000 s, 1.000 s (+1.000 s), 2.000 s (+1.000 s)"]
    );
    let network = r
        .transcript
        .iter()
        .filter(|e| e.dir == Dir::Network && e.text.contains("up SUBSCRIBE id 4"))
        .count();
    assert_eq!(
        network, 3,
        "the module's three SUBSCRIBEs are network lines"
    );
}
