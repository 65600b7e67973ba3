//! JUnit XML: one test case per script, for CI.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::RunReport;
use crate::runner::Verdict;

/// The JUnit rendering.
pub fn render_junit(report: &RunReport) -> String {
    let mut suite = TestSuite::new("bc20-conformance");
    suite.add_property(Property::new("target", report.target.kind.as_str()));
    if let Some(rev) = &report.module.revision {
        suite.add_property(Property::new("module.revision", rev.as_str()));
    }
    for q in &report.target.quirks {
        suite.add_property(Property::new("sim.quirk", q.as_str()));
    }
    for s in &report.scripts {
        let status = match s.verdict {
            Verdict::Pass => TestCaseStatus::success(),
            Verdict::Skipped => {
                let mut st = TestCaseStatus::skipped();
                if let Some(n) = s.notices.first() {
                    st.set_message(n.as_str());
                }
                st
            }
            Verdict::Fail | Verdict::Error => {
                let kind = if s.verdict == Verdict::Fail {
                    NonSuccessKind::Failure
                } else {
                    NonSuccessKind::Error
                };
                let mut st = TestCaseStatus::non_success(kind);
                if let Some(f) = s.failures.first() {
                    st.set_message(format!("{}: {}", f.at, f.message));
                    st.set_type(if s.verdict == Verdict::Fail {
                        "conformance"
                    } else {
                        "run-error"
                    });
                    let detail: Vec<String> = s
                        .failures
                        .iter()
                        .map(|f| format!("{}: `{}`: {}", f.at, f.step, f.message))
                        .collect();
                    st.set_description(detail.join("\n"));
                }
                st
            }
        };
        let mut case = TestCase::new(s.name.as_str(), status);
        case.set_classname("conformance");
        case.set_time(Duration::from_secs_f64(s.duration_ms.max(0.0) / 1000.0));
        for t in &s.tags {
            case.add_property(Property::new("covers", t.as_str()));
        }
        let log: Vec<String> = s
            .transcript
            .iter()
            .map(|e| format!("{:>10.3} {:?} {}", e.t_ms / 1000.0, e.dir, e.text))
            .collect();
        case.set_system_out(log.join("\n"));
        suite.add_test_case(case);
    }
    for p in &report.pending {
        let mut st = TestCaseStatus::skipped();
        st.set_message("not run (the run was interrupted)");
        suite.add_test_case(TestCase::new(p.as_str(), st));
    }
    let mut r = Report::new("bc20 conform");
    r.set_time(Duration::from_secs_f64(
        report.duration_ms.max(0.0) / 1000.0,
    ));
    r.add_test_suite(suite);
    r.to_string().unwrap_or_default()
}
