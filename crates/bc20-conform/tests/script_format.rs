//! The script format beyond the outline snapshot: a byte order mark, variables checked in
//! every place they can hide, the `xfail` and `time-limit` headers, `expect-eventually` and
//! `expect-any`.

use std::time::Duration;

use bc20_conform::script::StepKind;
use bc20_conform::{load_script, parse_script, ScriptErrorKind};

const BOM: char = '\u{feff}';

#[test]
fn a_leading_byte_order_mark_is_ignored() {
    let text = format!("{BOM}title Saved by Notepad\nsend AT\nexpect OK\n");
    let s = parse_script("bom.bc20", &text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.title.as_deref(), Some("Saved by Notepad"));
    assert_eq!((s.test[0].span.line, s.test[0].span.column), (2, 1));
    // A step on the first line keeps its column: the mark is not a character of the line.
    let s = parse_script("bom.bc20", &format!("{BOM}  send AT\n")).unwrap();
    assert_eq!(s.test[0].span.column, 3);
    assert_eq!(s.test[0].source, "  send AT");
}

#[test]
fn an_included_file_may_start_with_a_byte_order_mark() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lib.inc"),
        format!("{BOM}send AT\nexpect OK\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("main.bc20"),
        format!("{BOM}title t\ninclude lib.inc\n"),
    )
    .unwrap();
    let s = load_script(&dir.path().join("main.bc20")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.test.len(), 2);
    assert!(matches!(s.test[0].kind, StepKind::Send(_)));
}

#[test]
fn a_byte_order_mark_after_the_start_is_still_an_error() {
    for text in [
        format!("title t\n{BOM}send AT\n"),
        format!("{BOM}{BOM}send AT\n"),
    ] {
        let e = parse_script("bom.bc20", &text).unwrap_err();
        assert_eq!(
            e.kind,
            ScriptErrorKind::UnknownStep(format!("{BOM}send")),
            "{e}"
        );
    }
}

#[test]
fn a_note_reading_an_undefined_variable_is_a_script_error() {
    let e = parse_script("n.bc20", "send AT\nnote the host is ${hots}\n").unwrap_err();
    assert_eq!(
        e.kind,
        ScriptErrorKind::UndefinedVariable("hots".to_owned())
    );
    assert_eq!((e.line, e.column), (2, 18), "{e}");
    let e = parse_script("n.bc20", "note ${unclosed\n").unwrap_err();
    assert!(matches!(e.kind, ScriptErrorKind::BadVariable(_)), "{e}");
}

#[test]
fn a_typed_command_pattern_reading_an_undefined_variable_is_a_script_error() {
    let e = parse_script(
        "c.bc20",
        "send AT+QMTOPEN=0,\"h\",1\nexpect AT+QMTOPEN=0,\"${hots}\",1\n",
    )
    .unwrap_err();
    assert_eq!(
        e.kind,
        ScriptErrorKind::UndefinedVariable("hots".to_owned())
    );
    assert_eq!((e.line, e.column), (2, 22), "{e}");
}

#[test]
fn a_variable_in_the_name_of_a_typed_pattern_is_a_script_error() {
    // The pattern's name is what types it: a variable there could never be checked.
    for text in [
        "set r = OK\nexpect ${r}\n",
        "set c = QMTOPEN\nexpect +${c}: 0,0\n",
    ] {
        let e = parse_script("c.bc20", text).unwrap_err();
        assert!(matches!(e.kind, ScriptErrorKind::BadPattern(_)), "{e}");
        assert_eq!(e.line, 2, "{e}");
    }
}

#[test]
fn xfail_and_time_limit_headers_are_parsed() {
    let s = parse_script(
        "x.bc20",
        "xfail BC20-1234: +QMTSTAT: 0,6 after a cell reselection \ntime-limit 2m\nsend AT\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.xfail.as_deref(),
        Some("BC20-1234: +QMTSTAT: 0,6 after a cell reselection")
    );
    assert_eq!(s.time_limit, Some(Duration::from_secs(120)));
    let s = parse_script("x.bc20", "send AT\n").unwrap();
    assert_eq!((s.xfail, s.time_limit), (None, None));
}

#[test]
fn xfail_needs_a_reason_and_appears_once() {
    let e = parse_script("x.bc20", "xfail   \nsend AT\n").unwrap_err();
    assert!(
        matches!(
            e.kind,
            ScriptErrorKind::MissingArgument { step: "xfail", .. }
        ),
        "{e}"
    );
    let e = parse_script("x.bc20", "xfail T-1\n  xfail T-2\nsend AT\n").unwrap_err();
    assert_eq!(e.kind, ScriptErrorKind::Duplicate("xfail"));
    assert_eq!((e.line, e.column, e.width), (2, 3, 5), "{e}");
}

#[test]
fn time_limit_needs_one_positive_duration() {
    for (text, want) in [
        ("time-limit\n", "needs a duration"),
        ("time-limit soon\n", "bad duration `soon`"),
        ("time-limit 2m 3s\n", "unexpected `3s`"),
        ("time-limit 0s\n", "bad value `0s`"),
        (
            "time-limit 1s\ntime-limit 1s\n",
            "`time-limit` is given twice",
        ),
    ] {
        let e = parse_script("t.bc20", &format!("{text}send AT\n")).unwrap_err();
        assert!(e.to_string().contains(want), "{text:?}: {e}");
    }
}

#[test]
fn expect_any_defines_only_the_captures_every_alternative_has() {
    let head = "send AT\nexpect-any {\n  +QMTSTAT: $c,$err\n  +QMTOPEN: $c,$res\n}\n";
    parse_script("a.bc20", &format!("{head}send AT+QMTCLOSE=${{c}}\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    let e = parse_script("a.bc20", &format!("{head}send AT+X=${{err}}\n")).unwrap_err();
    assert_eq!(e.kind, ScriptErrorKind::UndefinedVariable("err".to_owned()));
    // Variables read inside the alternatives are checked like in any matcher.
    let e = parse_script("a.bc20", "expect-any {\n  OK\n  +QMTOPEN: ${slot},0\n}\n").unwrap_err();
    assert_eq!(
        e.kind,
        ScriptErrorKind::UndefinedVariable("slot".to_owned())
    );
    // Like for `expect-set`, the error points at the block's first line.
    assert_eq!(e.line, 1, "{e}");
}

#[test]
fn expect_eventually_and_expect_any_are_steps_with_their_matchers() {
    let s = parse_script(
        "e.bc20",
        "expect-eventually within 3s +QMTSTAT: 0,$err\nexpect-any within 1s {\n  OK\n  ERROR\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    match &s.test[0].kind {
        StepKind::ExpectEventually { within, matcher } => {
            assert_eq!(*within, Some(Duration::from_secs(3)));
            assert_eq!(matcher.describe(), "+QMTSTAT: 0,$err");
        }
        other => panic!("{other:?}"),
    }
    match &s.test[1].kind {
        StepKind::ExpectAny { within, matchers } => {
            assert_eq!(*within, Some(Duration::from_secs(1)));
            let lines: Vec<usize> = matchers.iter().map(|(span, _)| span.line).collect();
            assert_eq!(lines, [3, 4]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_included_requires_sim_makes_the_script_need_the_simulator() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    std::fs::write(
        dir.path().join("lib/sim.bc20inc"),
        "requires sim\nsend AT\nexpect OK\n",
    )
    .unwrap();
    let main = dir.path().join("main.bc20");
    std::fs::write(&main, "include lib/sim.bc20inc\n").unwrap();
    let s = bc20_conform::load_script(&main).unwrap();
    assert!(s.requires_sim);
}

#[test]
fn script_only_lines_in_an_included_file_are_an_error_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    for (inc, what) in [
        ("teardown:\nsend AT\n", "teardown:"),
        ("xfail FW-1\nsend AT\n", "xfail"),
        ("time-limit 5s\nsend AT\n", "time-limit"),
        ("prologue off\nsend AT\n", "prologue off"),
        ("timeout 5s\nsend AT\n", "timeout"),
    ] {
        std::fs::write(dir.path().join("x.bc20inc"), inc).unwrap();
        let main = dir.path().join("main.bc20");
        std::fs::write(&main, "send AT\nexpect OK\ninclude x.bc20inc\n").unwrap();
        let err = bc20_conform::load_script(&main).unwrap_err();
        assert!(err.to_string().contains(what), "{inc:?}: {err}");
        assert_eq!(err.line, 3, "points at the include");
    }
    // `set` before any section is fine in an included file.
    std::fs::write(
        dir.path().join("x.bc20inc"),
        "set t = a/b\nsend AT+X=${t}\n",
    )
    .unwrap();
    let main = dir.path().join("main.bc20");
    std::fs::write(&main, "include x.bc20inc\n").unwrap();
    bc20_conform::load_script(&main).unwrap();
}
