//! Triage verdicts on the simulator: `xfail` gives XFAIL/XPASS, `--retry-failed` keeps every
//! try, `time-limit` ends a script that runs too long.

mod common;

use bc20_conform::parse_script;
use bc20_conform::runner::Verdict;
use bc20_conform::script::Script;
use bc20_conform::suite::{run_suite, Quiet, SuiteOptions};
use bc20_conform::testbed::SimBed;
use bc20_sim::{MqttVersion, Quirks};

fn run(scripts: &[Script], retry_failed: usize) -> bc20_conform::report::RunReport {
    let bed = SimBed::new(None, Quirks::NONE, MqttVersion::V311, 2).unwrap();
    let opts = SuiteOptions {
        config: bc20_conform::testbed::sim_run_config(),
        jobs: 2,
        reports: None,
        progress: &Quiet,
        retry_failed,
        certification: Default::default(),
        order: None,
    };
    run_suite(scripts, &bed, &opts)
}

fn script(name: &str, text: &str) -> Script {
    parse_script(&format!("{name}.bc20"), text).unwrap()
}

fn verdict(r: &bc20_conform::report::RunReport, name: &str) -> Verdict {
    r.scripts.iter().find(|s| s.name == name).unwrap().verdict
}

#[test]
fn xfail_turns_a_known_failure_into_xfail_and_a_pass_into_xpass() {
    let scripts = [
        script(
            "known",
            "xfail FW-123 answers ERROR\nsend AT\nexpect ERROR\n",
        ),
        script("fixed", "xfail FW-124 was broken\nsend AT\nexpect OK\n"),
        script("broken", "xfail FW-125\nsend AT+NOPE\nexpect-none 100ms\n"),
    ];
    let r = run(&scripts, 0);
    assert_eq!(verdict(&r, "known"), Verdict::XFail);
    assert_eq!(verdict(&r, "fixed"), Verdict::XPass);
    assert_eq!(verdict(&r, "broken"), Verdict::XFail);
    assert!(r.all_passed(), "XFAIL and XPASS do not fail the run");
    let known = r.scripts.iter().find(|s| s.name == "known").unwrap();
    assert_eq!(known.xfail.as_deref(), Some("FW-123 answers ERROR"));
}

#[test]
fn retry_failed_keeps_every_try_in_the_result() {
    let scripts = [
        script("always", "send AT\nexpect ERROR\n"),
        script("fine", "send AT\nexpect OK\n"),
        script("known", "xfail FW-9\nsend AT\nexpect ERROR\n"),
    ];
    let r = run(&scripts, 2);
    let always = r.scripts.iter().find(|s| s.name == "always").unwrap();
    assert_eq!(always.verdict, Verdict::Fail);
    assert_eq!(always.tries(), 3, "{:?}", always.attempts);
    assert!(always.attempts.iter().all(|a| a.verdict == Verdict::Fail));
    let fine = r.scripts.iter().find(|s| s.name == "fine").unwrap();
    assert_eq!(fine.tries(), 1, "a pass is not retried");
    let known = r.scripts.iter().find(|s| s.name == "known").unwrap();
    assert_eq!(known.verdict, Verdict::XFail);
    assert_eq!(known.tries(), 1, "an expected failure is not retried");
    assert!(!r.all_passed());
}

#[test]
fn a_script_over_its_time_limit_fails_and_says_so() {
    let scripts = [script(
        "slow",
        "time-limit 2s\nsend AT\nexpect OK\nwait 10s\nsend AT\nexpect OK\n",
    )];
    let r = run(&scripts, 0);
    let slow = &r.scripts[0];
    assert_eq!(slow.verdict, Verdict::Fail);
    assert!(
        slow.failures[0].message.contains("time limit"),
        "{:?}",
        slow.failures
    );
    assert!(
        slow.link_ms < 5_000.0,
        "stopped at the limit: {}",
        slow.link_ms
    );
}
