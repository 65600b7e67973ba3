//! The script format beyond the outline snapshot: a byte order mark, variables checked in
//! every place they can hide.

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
