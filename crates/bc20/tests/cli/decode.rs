//! `bc20 decode`: the chapter 6 session, garbage, lenient quotes, pipes.

use std::io::Read;
use std::process::Stdio;

use serde_json::{json, Value};

use crate::support::{bc20, chapter6, fixture, run};

/// Garbage between good frames: NUL and non-UTF-8 bytes, an over-long line (limit 64), a bare
/// LF (strict wants CR LF), non-UTF-8 free text, an unknown URC, a binary payload, and an
/// unterminated last line.
fn garbage() -> Vec<u8> {
    let mut g = Vec::new();
    g.extend_from_slice(b"\r\nOK\r\n");
    g.extend_from_slice(b"\x00\x01garbage\xff\xfe\r\n");
    g.extend_from_slice(b"\r\n+QMTOPEN: 0,0\r\n");
    g.extend_from_slice(&[b'A'; 100]);
    g.extend_from_slice(b"\r\n");
    g.extend_from_slice(b"\r\n+QMTSTAT: 0,1\r\n");
    g.extend_from_slice(b"+QMTSUB: 0,1,0,2\n");
    g.extend_from_slice(b"hello \xff\r\n");
    g.extend_from_slice(b"\r\n+QIURC: \"pdpdeact\",1\r\n");
    g.extend_from_slice(b"\r\n+QMTRECV: 0,5,\"t\",\"\xff\x00bin\"\r\n");
    g.extend_from_slice(b"\r\n+QMTPUB: 0,0,0");
    g
}

fn find_line(objects: &[Value], line: u64) -> &Value {
    objects
        .iter()
        .find(|o| o["line"] == line)
        .unwrap_or_else(|| panic!("no object for line {line}"))
}

#[test]
fn chapter6_capture_decodes_strict_with_note_parameter_names() {
    let path = fixture("ch6.bin", &chapter6());
    let out = run(&["decode", path.to_str().unwrap()], b"");
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert_eq!(out.stderr, "");
    insta::assert_snapshot!("chapter6_capture", out.text());
}

#[test]
fn chapter6_modem_output_calls_at_lines_echo() {
    let capture = run(&["decode"], &chapter6()).json();
    let modem = run(&["decode", "--from", "modem"], &chapter6()).json();
    assert_eq!(capture.len(), modem.len());
    let mut echoes = 0;
    for (c, m) in capture.iter().zip(&modem) {
        if m["kind"] == "echo" {
            echoes += 1;
            assert_eq!(c["kind"], "command");
            let (mut c, mut m) = (c.clone(), m.clone());
            c["kind"] = json!("echo");
            m["kind"] = json!("echo");
            assert_eq!(c, m);
        } else {
            assert_eq!(c, m);
        }
    }
    assert_eq!(echoes, 12, "every host line of chapter 6 is echoed");
    assert!(capture.iter().all(|o| o["kind"] != "echo"));
}

#[test]
fn garbage_becomes_error_objects_and_later_frames_still_decode() {
    let path = fixture("garbage.bin", &garbage());
    let out = run(
        &["decode", "--max-line-len", "64", path.to_str().unwrap()],
        b"",
    );
    assert_eq!(out.code, Some(1), "a failed line exits 1");
    assert_eq!(out.stderr, "");
    let objects = out.json();

    let nul = find_line(&objects, 3);
    assert_eq!(nul["kind"], "error");
    assert_eq!(nul["code"], "control_byte");
    assert_eq!(nul["column"], 1);
    assert_eq!(
        nul["raw_hex"], "000167617262616765fffe",
        "non-UTF-8 raw bytes are hex, never lossy"
    );
    assert!(nul.get("raw").is_none());

    assert_eq!(
        find_line(&objects, 5)["name"],
        "+QMTOPEN",
        "the frame after garbage decodes"
    );
    let long = find_line(&objects, 6);
    assert_eq!(long["code"], "line_too_long");
    assert_eq!(long["raw"].as_str().unwrap().len(), 64);
    assert_eq!(
        find_line(&objects, 8)["err_code"],
        1,
        "decoding resumes after an over-long line"
    );
    assert_eq!(
        find_line(&objects, 9)["error"],
        "column 17: expected CR before LF (strict)"
    );
    assert_eq!(find_line(&objects, 10)["code"], "utf8");
    assert_eq!(find_line(&objects, 12)["text"], "+QIURC: \"pdpdeact\",1");
    assert_eq!(
        find_line(&objects, 14)["payload"],
        json!({"hex": "ff0062696e"})
    );
    let last = objects.last().unwrap();
    assert_eq!(
        (last["line"].as_u64(), last["code"].as_str()),
        (Some(16), Some("truncated")),
        "unterminated last line"
    );
    assert_eq!(last["raw"], "+QMTPUB: 0,0,0");

    insta::assert_snapshot!("garbage", out.text());
}

#[test]
fn default_line_limit_is_4096_bytes() {
    let mut input = vec![b'A'; 5000];
    input.extend_from_slice(b"\r\n\r\nOK\r\n");
    let objects = run(&["decode"], &input).json();
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[0]["code"], "line_too_long");
    assert_eq!(objects[0]["raw"].as_str().unwrap().len(), 4096);
    assert_eq!(objects[1]["name"], "OK");
}

/// Lines pasted from the note, with its typographic quotes.
const NOTE_QUOTES: &str =
    "AT+QMTCONN=0,\u{201c}clientExample\u{201d}\r\r\n+QMTRECV: 0,0,\u{201c}topic/example\u{201d},\u{201c}This is the payload related to topic\u{201d}\r\n";

#[test]
fn typographic_quotes_fail_strict_and_warn_lenient() {
    let strict = run(&["decode"], NOTE_QUOTES.as_bytes());
    assert_eq!(strict.code, Some(1));
    let strict = strict.json();
    assert!(strict.iter().all(|o| o["kind"] == "error"));
    assert_eq!(
        strict[0]["error"],
        "column 14: typographic quote where '\"' is required (strict)"
    );

    let lenient = run(&["decode", "--lenient"], NOTE_QUOTES.as_bytes());
    assert_eq!(lenient.code, Some(0));
    let lenient = lenient.json();
    assert_eq!(lenient[0]["clientID"], "clientExample");
    assert_eq!(
        lenient[0]["warnings"],
        json!([{"column": 14, "kind": "typographic_quote"}, {"column": 30, "kind": "typographic_quote"}])
    );
    assert_eq!(
        lenient[1]["payload"],
        "This is the payload related to topic"
    );
    assert_eq!(
        lenient[1]["warnings"][0],
        json!({"column": 15, "kind": "typographic_quote"})
    );
}

#[test]
fn strict_frames_carry_no_warnings_key() {
    let objects = run(&["decode"], &chapter6()).json();
    assert!(objects.iter().all(|o| o.get("warnings").is_none()));
}

#[test]
fn large_capture_crosses_read_chunks_without_errors() {
    let session = chapter6();
    let frames = run(&["decode"], &session).json().len();
    let big: Vec<u8> = session
        .iter()
        .copied()
        .cycle()
        .take(session.len() * 300)
        .collect();
    assert!(big.len() > 2 * 64 * 1024);
    let out = run(&["decode"], &big);
    assert_eq!(out.code, Some(0));
    let objects = out.json();
    assert_eq!(objects.len(), frames * 300);
    assert!(objects.iter().all(|o| o["kind"] != "error"));
}

#[test]
fn closed_stdout_exits_quietly() {
    let session = chapter6();
    let big: Vec<u8> = session
        .iter()
        .copied()
        .cycle()
        .take(session.len() * 500)
        .collect();
    let path = fixture("big.bin", &big);
    let mut child = bc20()
        .args(["decode", path.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bc20 runs");
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout); // like `| head -c 16`
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "no panic (101), no error status"
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn missing_file_is_an_io_error_with_exit_2() {
    let out = run(&["decode", "/nonexistent/bc20-transcript"], b"");
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr
            .starts_with("error: /nonexistent/bc20-transcript: "),
        "{}",
        out.stderr
    );
}

#[test]
fn help_documents_exit_statuses() {
    for args in [
        &["--help"][..],
        &["decode", "--help"],
        &["encode", "--help"],
    ] {
        let out = run(args, b"");
        assert_eq!(out.code, Some(0));
        let text = out.text();
        assert!(text.contains("Exit status:"), "{args:?}");
        assert!(text.contains("1  at least one line failed"), "{args:?}");
        assert!(text.contains("2  usage or I/O error"), "{args:?}");
    }
    assert_eq!(
        run(&["decode", "--from", "uart"], b"").code,
        Some(2),
        "usage errors exit 2"
    );
}

#[test]
fn a_blank_after_the_payload_quote_ends_the_frame_in_both_modes() {
    // Issue 10 A: this gave ONE +QMTRECV whose payload swallowed the next two lines (D46).
    let input =
        b"\r\n+QMTRECV: 0,0,\"t\",\"x\" \r\n\r\n+QMTSTAT: 0,1\r\n\r\n+QMTRECV: 0,1,\"t\",\"y\"\r\n";
    let strict = run(&["decode", "--from", "modem"], input);
    assert_eq!(strict.code, Some(1), "{}", strict.stderr);
    let strict = strict.json();
    let kinds: Vec<_> = strict.iter().map(|o| o["kind"].clone()).collect();
    assert_eq!(kinds, [json!("error"), json!("urc"), json!("urc")]);
    assert_eq!(strict[0]["code"], "trailing_blank");
    assert_eq!(strict[1]["name"], "+QMTSTAT");
    assert_eq!(strict[2]["payload"], "y");

    let lenient = run(&["decode", "--lenient", "--from", "modem"], input);
    assert_eq!(lenient.code, Some(0), "{}", lenient.stderr);
    let lenient = lenient.json();
    assert_eq!(lenient.len(), 3);
    assert_eq!(lenient[0]["payload"], "x");
    assert_eq!(
        lenient[0]["warnings"],
        json!([{"column": 22, "kind": "trailing_blank"}])
    );
    assert_eq!(lenient[1]["name"], "+QMTSTAT");
    assert_eq!(lenient[2]["payload"], "y");
}

#[test]
fn a_bare_lf_warns_in_lenient_mode() {
    let out = run(
        &["decode", "--lenient", "--from", "modem"],
        b"+CPIN: READY\n",
    );
    assert_eq!(out.code, Some(0));
    assert_eq!(
        out.json()[0]["warnings"],
        json!([{"column": 13, "kind": "bare_lf"}])
    );
}

#[test]
fn a_response_without_its_command_is_refused_in_a_capture_and_unpaired_from_a_modem() {
    // Issue 10 D (D51): it decoded as "response" and would pair with the next command.
    let input = b"\r\n+CPIN: READY\r\n";
    let strict = run(&["decode"], input);
    assert_eq!(strict.code, Some(1));
    assert_eq!(strict.json()[0]["code"], "outside_window");
    let lenient = run(&["decode", "--lenient"], input);
    assert_eq!(lenient.code, Some(0));
    let lenient = lenient.json();
    assert_eq!(lenient[0]["kind"], "urc");
    assert_eq!(lenient[0]["name"], "unknown");
    assert_eq!(
        lenient[0]["warnings"],
        json!([{"column": 1, "kind": "outside_window"}])
    );
    let modem = run(&["decode", "--from", "modem"], input);
    assert_eq!(modem.code, Some(0));
    let modem = modem.json();
    assert_eq!(modem[0]["kind"], "unpaired");
    assert_eq!(modem[0]["code"], "READY");
    // An unpaired frame still encodes back to its line.
    // (+CSQ: the JSON of +CPIN names its field `code`, which `bc20 encode` reads as an
    // envelope key, so a +CPIN frame does not re-encode; a separate issue.)
    let csq = b"\r\n+CSQ: 20,99\r\n";
    let decoded = run(&["decode", "--from", "modem"], csq);
    assert_eq!(decoded.json()[0]["kind"], "unpaired");
    let encoded = run(&["encode"], &decoded.stdout);
    assert_eq!(encoded.code, Some(0), "{}", encoded.stderr);
    assert_eq!(encoded.stdout, csq);
    // Inside its window, in a capture, it is a response.
    let paired = run(&["decode"], b"AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n").json();
    assert_eq!(paired[1]["kind"], "response");
}
