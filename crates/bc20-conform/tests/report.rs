//! The report writers (JSON, JUnit, HTML) on a fixed run, pinned with insta; reading `/1`
//! reports; unique case names; reports surviving a run that is cut short.

#[allow(dead_code)]
#[path = "support/reports.rs"]
mod reports;

use std::path::Path;

use bc20_conform::diff::{diff_reports, render_diff};
use bc20_conform::report::{
    read_json, render_html, render_json, render_junit, ClauseVerdict, ReportPaths, SCHEMA_V1,
};
use bc20_conform::runner::Verdict;
use reports::{fixed, report, run_of, script, sim_target};

#[test]
fn json_report() {
    insta::assert_snapshot!(render_json(&fixed()));
}

#[test]
fn junit_report() {
    insta::assert_snapshot!(render_junit(&fixed()));
}

#[test]
fn html_report() {
    let html = render_html(&fixed());
    // Self-contained: no scripts, stylesheets, images or links to fetch.
    for external in ["<script", "<link", "src=", "href=\"http", "url("] {
        assert!(!html.contains(external), "{external}");
    }
    assert!(html.contains("<svg") && html.contains("&lt;not decoded&gt;"));
    insta::assert_snapshot!(html);
}

#[test]
fn junit_shows_every_new_verdict_the_way_ci_understands() {
    let x = render_junit(&fixed());
    assert!(x.contains(r#"<skipped message="xfail: BC20JAR01A04 answers +QMTOPEN: 0,3 (QT-123)""#));
    assert!(x.contains(r#"<property name="xpass" value="XPASS: marked xfail (QT-99) but passed"#));
    assert!(x.contains(r#"<skipped message="not run: interrupted before it ran""#));
    // The flaky pass keeps its failed try, and says so.
    assert!(x.contains(r#"<property name="tries" value="flaky: passed on try 2 of 2"/>"#));
    assert!(x.contains(r#"<flakyFailure time="0.130" message="FAIL: extra/open.bc20:7:3"#));
    assert!(x.contains(r#"<rerunFailure time="0.123" message="FAIL: conformance/open-bad"#));
    // Start time and duration of the suite; the certification record.
    let suite = x.lines().find(|l| l.contains("<testsuite ")).unwrap();
    assert!(suite.ends_with(r#"timestamp="2025-11-25T09:30:00.000+00:00" time="4.321">"#));
    assert!(x.contains(r#"<property name="suite.revision" value="ba9876543210"/>"#));
    assert!(x.contains(r#"<property name="module.iccid" value="unknown"/>"#));
    assert!(x.contains(r#"<property name="order" value="shuffle (seed 42)"/>"#));
}

#[test]
fn same_stem_in_two_folders_gives_two_case_names_and_two_transcripts() {
    let r = fixed();
    let ids: Vec<&str> = r.scripts.iter().map(|s| s.id.as_str()).collect();
    assert!(ids.contains(&"conformance/open") && ids.contains(&"extra/open"));
    let junit = render_junit(&r);
    assert!(junit.contains(r#"<testcase name="conformance/open" "#));
    assert!(junit.contains(r#"<testcase name="extra/open" "#));
    let paths = ReportPaths::in_dir(Path::new("out"));
    assert_ne!(paths.transcript(ids[0]), paths.transcript("extra/open"));
}

#[test]
fn xfail_and_xpass_do_not_fail_the_run_but_not_run_does() {
    let mut r = report(&[("a", Verdict::Pass, 1.0), ("b", Verdict::Fail, 1.0)]);
    r.scripts[1].expect_failure("known");
    r.refresh();
    assert_eq!((r.summary.xfailed, r.summary.failed), (1, 0));
    assert!(r.all_passed());
    r.scripts[1] = script("b", Verdict::Pass, 1.0);
    r.scripts[1].expect_failure("known");
    r.refresh();
    assert_eq!(r.summary.xpassed, 1);
    assert!(r.all_passed());
    r.scripts[0].verdict = Verdict::NotRun;
    r.refresh();
    assert_eq!(r.summary.not_run, 1);
    assert!(!r.all_passed());
}

#[test]
fn an_error_leaves_a_clause_not_established_instead_of_failed() {
    let r = report(&[("a", Verdict::Pass, 1.0), ("b", Verdict::Error, 1.0)]);
    let row = r.traceability.iter().find(|t| t.tag == "3.2.2").unwrap();
    assert_eq!(row.verdict, Some(ClauseVerdict::NotEstablished));
    assert!(render_html(&r).contains("worst verdict of the scripts that tag it"));
    let r = report(&[("a", Verdict::Fail, 1.0), ("b", Verdict::Error, 1.0)]);
    let row = r.traceability.iter().find(|t| t.tag == "3.2.2").unwrap();
    assert_eq!(row.verdict, Some(ClauseVerdict::Fail));
}

#[test]
fn refresh_takes_script_digests_from_the_certification() {
    let r = run_of(sim_target(), vec![script("open", Verdict::Pass, 1.0)]);
    assert_eq!(
        r.scripts[0].sha256.as_deref(),
        Some("ab".repeat(32).as_str())
    );
}

#[test]
fn v1_reports_are_read_with_defaults() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report-v1.json");
    let r = read_json(&p).unwrap();
    assert_eq!(r.schema, SCHEMA_V1);
    let ids: Vec<&str> = r.scripts.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["open", "open-bad"]);
    assert_eq!(r.certification, Default::default());
    assert_eq!(r.target.latency_resolution_ms, 0.0);
    assert_eq!((r.summary.xfailed, r.summary.not_run), (0, 0));
    assert!(r
        .scripts
        .iter()
        .all(|s| s.attempts.is_empty() && s.xfail.is_none()));
    let conn = r.traceability.iter().find(|t| t.tag == "qmtconn.write");
    assert_eq!(conn.unwrap().verdict, Some(ClauseVerdict::NotEstablished));
    // And a /1 report diffs against a /2 one script by script.
    let new = report(&[
        ("open", Verdict::Pass, 40.5),
        ("open-bad", Verdict::Pass, 90.0),
    ]);
    let d = diff_reports(&r, &new);
    assert_eq!(d.fixed.len(), 1);
    assert!(d.new_failures.is_empty() && d.other_changes.is_empty());
}

#[test]
fn json_round_trips_and_diff_lists_changes() {
    let dir = tempfile::tempdir().unwrap();
    let old = report(&[
        ("a", Verdict::Pass, 40.0),
        ("b", Verdict::Fail, 40.0),
        ("c", Verdict::Pass, 40.0),
        ("gone", Verdict::Pass, 40.0),
    ]);
    let new = report(&[
        ("a", Verdict::Fail, 40.0),
        ("b", Verdict::Pass, 40.0),
        ("c", Verdict::Pass, 9000.0),
        ("added", Verdict::Pass, 40.0),
    ]);
    let (po, pn) = (dir.path().join("old.json"), dir.path().join("new.json"));
    std::fs::write(&po, render_json(&old)).unwrap();
    std::fs::write(&pn, render_json(&new)).unwrap();
    let (old_back, new_back) = (read_json(&po).unwrap(), read_json(&pn).unwrap());
    assert_eq!((&old_back, &new_back), (&old, &new));
    let d = diff_reports(&old_back, &new_back);
    assert!(d.has_regressions());
    assert!(!diff_reports(&old, &old).has_regressions());
    insta::assert_snapshot!(render_diff(&d));
}

#[test]
fn other_schemas_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    std::fs::write(
        &p,
        render_json(&fixed()).replace("bc20kit.conform.report/2", "other/9"),
    )
    .unwrap();
    assert!(read_json(&p)
        .unwrap_err()
        .to_string()
        .contains("schema `other/9`"));
}

#[test]
fn interrupted_runs_still_write_all_three_reports() {
    let dir = tempfile::tempdir().unwrap();
    let paths = ReportPaths::in_dir(dir.path());
    let mut r = report(&[("open", Verdict::Pass, 40.0)]);
    r.complete = false;
    r.pending = vec!["conformance/later.bc20".to_owned()];
    r.refresh();
    paths.write(&r).unwrap();
    let back = read_json(&paths.json).unwrap();
    assert_eq!(back.summary.pending, 1);
    assert!(!back.all_passed());
    let junit = std::fs::read_to_string(&paths.junit).unwrap();
    assert!(junit.contains(r#"<testcase name="later" "#) && junit.contains("interrupted"));
    assert!(std::fs::read_to_string(&paths.html)
        .unwrap()
        .contains("INCOMPLETE"));
}

#[test]
fn a_prepared_directory_shows_no_stale_report_after_an_early_stop() {
    let dir = tempfile::tempdir().unwrap();
    let paths = ReportPaths::in_dir(dir.path());
    paths.prepare().unwrap();
    paths
        .write(&report(&[("open", Verdict::Pass, 40.0)]))
        .unwrap();
    std::fs::write(paths.transcript("open"), "{}\n").unwrap();
    // The next run stops on a script error before writing anything.
    paths.prepare().unwrap();
    assert!(read_json(&paths.json).is_err());
    assert!(!paths.junit.exists() && !paths.html.exists());
    assert!(!paths.transcript("open").exists());
}
