//! JUnit XML: one test case per script (named by its case id), for CI.
//!
//! XFAIL is reported as skipped (`xfail: REASON`), NOT RUN as skipped (`not run: REASON`),
//! XPASS as a success with an `xpass` property and a note at the top of its output. Earlier
//! tries of a retried script become `flakyFailure`/`flakyError` elements of a success, or
//! `rerunFailure`/`rerunError` elements of a failure, so a flaky verdict is never hidden.

use std::time::Duration;

use quick_junit::{
    FlakyOrRerun, NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestRerun, TestSuite,
};

use super::wall::parse_rfc3339;
use super::{case_ids, RunReport, UNKNOWN};
use crate::runner::{Attempt, ScriptResult, Verdict};

fn seconds(ms: f64) -> Duration {
    Duration::from_secs_f64(ms.max(0.0) / 1000.0)
}

fn or_unknown(s: Option<&str>) -> &str {
    match s {
        Some(s) if !s.is_empty() => s,
        _ => UNKNOWN,
    }
}

/// `a 'b c'`: the command line as a shell would take it back.
pub(crate) fn shell_words(argv: &[String]) -> String {
    let quote = |a: &String| {
        if !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%*".contains(c))
        {
            a.clone()
        } else {
            format!("'{}'", a.replace('\'', "'\\''"))
        }
    };
    argv.iter().map(quote).collect::<Vec<_>>().join(" ")
}

fn suite_properties(suite: &mut TestSuite, report: &RunReport) {
    let mut prop = |k: &str, v: &str| {
        suite.add_property(Property::new(k, v));
    };
    let c = &report.certification;
    prop("started_at", &report.started_at);
    prop("tool", or_unknown(Some(&c.tool)));
    prop("tool.git_revision", or_unknown(Some(&c.git_revision)));
    prop("suite.revision", or_unknown(Some(&c.suite_revision)));
    prop("host", or_unknown(Some(&c.host)));
    prop("command_line", &shell_words(&c.command_line));
    for d in &c.scripts {
        prop(
            "script.sha256",
            &format!("{}  {}", or_unknown(d.sha256.as_deref()), d.path),
        );
    }
    prop("target", &report.target.kind);
    if let Some(v) = &report.target.mqtt_version {
        prop("target.mqtt_version", v);
    }
    for l in &report.target.links {
        prop("target.link", l);
    }
    prop(
        "target.latency_resolution_ms",
        &format!("{}", report.target.latency_resolution_ms),
    );
    for q in &report.target.quirks {
        prop("sim.quirk", q);
    }
    let m = &report.module;
    prop("module.revision", or_unknown(m.revision.as_deref()));
    prop("module.imei", or_unknown(m.imei.as_deref()));
    prop("module.iccid", or_unknown(m.iccid.as_deref()));
    prop("module.imsi", or_unknown(m.imsi.as_deref()));
    if let Some(o) = &report.order {
        prop("order", &o.to_string());
    }
    if let Some(i) = &report.interrupted {
        prop("interrupted", i);
    }
}

fn rerun(a: &Attempt) -> TestRerun {
    let kind = if a.verdict == Verdict::Fail || a.verdict == Verdict::XFail {
        NonSuccessKind::Failure
    } else {
        NonSuccessKind::Error
    };
    let mut r = TestRerun::new(kind);
    r.set_time(seconds(a.duration_ms));
    r.set_message(match &a.message {
        Some(m) => format!("{}: {m}", a.verdict.label()),
        None => a.verdict.label().to_owned(),
    });
    r
}

fn status(s: &ScriptResult, report: &RunReport) -> TestCaseStatus {
    let earlier = || {
        s.attempts
            .iter()
            .filter(|a| a.verdict.fails_run() || a.verdict == Verdict::XFail)
            .map(rerun)
    };
    match s.verdict {
        Verdict::Pass | Verdict::XPass => {
            let mut st = TestCaseStatus::success();
            st.add_reruns(earlier());
            st
        }
        Verdict::Skipped => {
            let mut st = TestCaseStatus::skipped();
            if let Some(n) = s.notices.first() {
                st.set_message(n.as_str());
            }
            st
        }
        Verdict::XFail => {
            let mut st = TestCaseStatus::skipped();
            st.set_message(format!("xfail: {}", or_unknown(s.xfail.as_deref())));
            st.set_type("xfail");
            if let Some(f) = s.first_failure() {
                st.set_description(f);
            }
            st
        }
        Verdict::NotRun => {
            let mut st = TestCaseStatus::skipped();
            let reason = s
                .first_failure()
                .or_else(|| s.notices.first().cloned())
                .or_else(|| report.interrupted.clone())
                .unwrap_or_else(|| "the run stopped before it".to_owned());
            st.set_message(format!("not run: {reason}"));
            st.set_type("not-run");
            st
        }
        Verdict::Fail | Verdict::Error => {
            let (kind, ty) = if s.verdict == Verdict::Fail {
                (NonSuccessKind::Failure, "conformance")
            } else {
                (NonSuccessKind::Error, "run-error")
            };
            let mut st = TestCaseStatus::non_success(kind);
            st.set_type(ty);
            if let Some(f) = s.first_failure() {
                st.set_message(f);
                let detail: Vec<String> = s
                    .failures
                    .iter()
                    .map(|f| format!("{}: `{}`: {}", f.at, f.step, f.message))
                    .collect();
                st.set_description(detail.join("\n"));
            }
            st.set_rerun_kind(if s.flaky() {
                FlakyOrRerun::Flaky
            } else {
                FlakyOrRerun::Rerun
            });
            st.add_reruns(earlier());
            st
        }
    }
}

fn test_case(s: &ScriptResult, report: &RunReport) -> TestCase {
    let name = if s.id.is_empty() { &s.name } else { &s.id };
    let mut case = TestCase::new(name.as_str(), status(s, report));
    case.set_classname("conformance");
    case.set_time(seconds(s.duration_ms));
    case.add_property(Property::new("path", s.path.as_str()));
    for t in &s.tags {
        case.add_property(Property::new("covers", t.as_str()));
    }
    if let Some(m) = &s.module {
        case.add_property(Property::new("module", m.as_str()));
    }
    if let Some(h) = &s.sha256 {
        case.add_property(Property::new("sha256", h.as_str()));
    }
    let mut out: Vec<String> = Vec::new();
    if let Some(note) = s.tries_note() {
        case.add_property(Property::new("tries", note.as_str()));
        out.push(note);
    }
    if s.verdict == Verdict::XPass {
        let note = format!(
            "XPASS: marked xfail ({}) but passed; the defect looks fixed: remove the marker",
            or_unknown(s.xfail.as_deref())
        );
        case.add_property(Property::new("xpass", note.as_str()));
        out.push(note);
    }
    out.extend(
        s.transcript
            .iter()
            .map(|e| format!("{:>10.3} {:?} {}", e.t_ms / 1000.0, e.dir, e.text)),
    );
    case.set_system_out(out.join("\n"));
    case
}

/// The JUnit rendering.
pub fn render_junit(report: &RunReport) -> String {
    let mut suite = TestSuite::new("bc20-conformance");
    suite_properties(&mut suite, report);
    if let Some(t) = parse_rfc3339(&report.started_at) {
        suite.set_timestamp(t);
    }
    suite.set_time(seconds(report.duration_ms));
    for s in &report.scripts {
        suite.add_test_case(test_case(s, report));
    }
    // The pending scripts' ids, computed over the whole run like the results' ids.
    let all: Vec<&str> = report
        .scripts
        .iter()
        .map(|s| s.path.as_str())
        .chain(report.pending.iter().map(String::as_str))
        .collect();
    let ids = case_ids(&all);
    for (p, id) in report.pending.iter().zip(&ids[report.scripts.len()..]) {
        let mut st = TestCaseStatus::skipped();
        st.set_message(format!(
            "not run: {}",
            report
                .interrupted
                .as_deref()
                .unwrap_or("the run was interrupted before it")
        ));
        st.set_type("not-run");
        let mut case = TestCase::new(id.as_str(), st);
        case.set_classname("conformance");
        case.add_property(Property::new("path", p.as_str()));
        suite.add_test_case(case);
    }
    let mut r = Report::new("bc20 conform");
    if let Some(t) = parse_rfc3339(&report.started_at) {
        r.set_timestamp(t);
    }
    r.set_time(seconds(report.duration_ms));
    r.add_test_suite(suite);
    r.to_string().unwrap_or_default()
}
